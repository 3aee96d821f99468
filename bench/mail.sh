#!/usr/bin/env bash
# Benchmark of Convene's outbox worker: how many queued e-mail messages a second it delivers
# to a real SMTP server on this machine, next to Python's smtplib sending the same messages
# to the same SMTP server in the same run. Loopback only (127.0.0.1).
#
#   bash bench/mail.sh
#
#   1. starts the test SMTP server (tests/smtp-server/server.py: aiosmtpd, each message
#      written to a folder as NNNN.json) on a free port, with the Python virtual environment
#      the tests use (tests/smtp-server/.venv, made and filled from requirements.txt as
#      scripts/test does when it is missing);
#   2. makes a fresh temporary data dir, creates the schema with `convene migrate`, and with
#      sqlite3 (one transaction, before the server starts) queues MESSAGES messages in the
#      `outbox` table as the app writes them: kind `rsvp-promoted` (a place freed from the
#      waiting list; the data `notify_promoted` in src/rsvp/workflow.rs writes, plus
#      `recipient_name`; topic `places` where the table has that column), one
#      verified-looking address each (member1@example.org, ...),
#      a random Message-ID each, due a minute ago, timestamps in sea-orm's text format;
#   3. starts `convene serve` with SMTP pointed at that server (CONVENE_SMTP__SECURITY=none)
#      and times it from the launch until `SELECT count(*) FROM outbox WHERE status = 'sent'`
#      reaches MESSAGES (read with sqlite3 every 0.2 s: the database is in WAL mode, so the
#      reads do not block the worker). It fails at once if a message goes `dead` or is put
#      back for a retry (printing last_error), and after TIMEOUT seconds. Then it checks that
#      the SMTP server wrote exactly MESSAGES files, one per Message-ID and per address
#      (each message delivered once), and reads Convene's CPU time (/proc/PID/stat) and peak
#      memory (VmHWM in /proc/PID/status) before stopping it;
#   4. the reference, in the same run: a small Python script (the same venv's python) reads
#      the messages Convene delivered and sends the same bytes, with the same envelope, with
#      smtplib to a fresh instance of the same SMTP server (fresh folder), timed the same way
#      (from the launch of the process until it exits, every message then accepted). It opens
#      one connection per message (connect, EHLO, MAIL, RCPT, DATA, QUIT), as Convene does:
#      lettre is built without its `pool` feature (Cargo.toml: default-features = false), and
#      then its AsyncSmtpTransport connects for each message and closes after it. A third run
#      sends them again over one connection, for scale (what reusing a connection is worth);
#   5. prints a table, stops everything and removes the temp dir (also on Ctrl-C or failure,
#      through a trap).
# The table gives two rates per run: from the launch of the process to the last message
# accepted (start-up and reading the outbox included), and "steady": the first message to the
# last (Convene's sent_at column; the Python script's own clock around its sending loop).
# This is a benchmark, not a test: there is no speed target and the figures never make it
# fail. It exits non-zero when something did not run or a message was not delivered exactly
# once. Convene, the SMTP server and the Python client share the machine's cores.
#
# Settings (environment):
#   CONVENE_BIN   the binary to run (default: target/release/convene, built if missing)
#   MESSAGES      messages queued and sent per run (default: 2000)
#   TIMEOUT       seconds Convene may take to send them all (default: 600)
#   BENCH_KEEP    if set, a directory to copy the logs, the scripts and one delivered message into
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MESSAGES=${MESSAGES:-2000}
TIMEOUT=${TIMEOUT:-600}
HOST=127.0.0.1
KIND=rsvp-promoted
SMTP_DIR="$ROOT/tests/smtp-server"

log() { printf '[mail] %s\n' "$*" >&2; }
die() { printf '[mail] error: %s\n' "$*" >&2; exit 1; }

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $MESSAGES =~ ^[0-9]+$ ]] && ((MESSAGES >= 2 && MESSAGES <= 1000000)) \
    || die "MESSAGES must be 2 to 1000000, got $MESSAGES"
[[ $TIMEOUT =~ ^[0-9]+$ ]] && ((TIMEOUT >= 1)) || die "TIMEOUT must be a positive number of seconds, got $TIMEOUT"
[[ -f "$ROOT/templates/mail/$KIND.txt.hbs" ]] || die "no template templates/mail/$KIND.txt.hbs: has the kind been renamed?"

# --- Tools -----------------------------------------------------------------------------

find_convene
need_tools sqlite3

# The test SMTP server's virtual environment, where scripts/test and tests/app/mail.rs keep it.
PY="$SMTP_DIR/.venv/bin/python"
if [[ ! -x "$PY" ]]; then
    log "making the test SMTP server's virtual environment ($SMTP_DIR/.venv)"
    python3 -m venv "$SMTP_DIR/.venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
fi
if ! "$PY" -c 'import aiosmtpd' 2>/dev/null; then
    log "installing the test SMTP server's packages (tests/smtp-server/requirements.txt, pinned)"
    "$PY" -m pip install --quiet --disable-pip-version-check -r "$SMTP_DIR/requirements.txt" \
        || die "pip install -r tests/smtp-server/requirements.txt failed"
fi

# --- Per-run state and clean-up --------------------------------------------------------

make_work mail
SERVER_PID=""
SMTP_PIDS=()
SMTP_FDS=()

stop_server() { stop_pid "$SERVER_PID" "convene"; SERVER_PID=""; }
stop_smtp_servers() {
    local pid fd
    for pid in "${SMTP_PIDS[@]}"; do stop_pid "$pid" "SMTP server"; done
    for fd in "${SMTP_FDS[@]}"; do exec {fd}>&-; done
    SMTP_PIDS=()
    SMTP_FDS=()
}

cleanup() {
    stop_server
    stop_smtp_servers
    if [[ -n "${BENCH_KEEP:-}" ]]; then
        # One message as Convene delivered it, kept with the rest.
        cp "$WORK/mail-convene/0001.json" "$WORK/convene-0001.json" 2>/dev/null || true
    fi
    remove_work '*.log' '*.py' '*.out' convene-0001.json
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DATA="$WORK/data"
mkdir -p "$DATA"
DB="$DATA/convene.db"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "n/a" }'; }
ticks_s() { awk -v t="$1" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }'; }

# Starts tests/smtp-server/server.py writing to DIR on a free port; sets SMTP_PORT and
# SMTP_PID. It runs until its standard input closes: a FIFO this shell holds open. free_port
# only checks that nothing listens, and a port can still be taken by an outgoing connection
# (each run makes thousands), so a bind failure is tried again on another port.
start_smtp() { # out dir, log file
    local out=$1 logf=$2 fifo fd try _
    for try in 1 2 3 4 5; do
        SMTP_PORT=$(free_port)
        fifo="$WORK/smtp-$SMTP_PORT.stdin"
        mkfifo "$fifo"
        exec {fd}<>"$fifo"
        SMTP_FDS+=("$fd")
        "$PY" "$SMTP_DIR/server.py" --port "$SMTP_PORT" --out "$out" <"$fifo" >"$logf" 2>&1 &
        SMTP_PID=$!
        SMTP_PIDS+=("$SMTP_PID")
        for _ in $(seq 1 100); do
            grep -q "^ready $SMTP_PORT" "$logf" && return 0
            kill -0 "$SMTP_PID" 2>/dev/null || break
            sleep 0.1
        done
        if ! kill -0 "$SMTP_PID" 2>/dev/null && grep -q 'address already in use' "$logf" && ((try < 5)); then
            wait "$SMTP_PID" 2>/dev/null || true
            log "port $SMTP_PORT was taken after all (try $try); trying another"
            continue
        fi
        cat "$logf" >&2
        kill -0 "$SMTP_PID" 2>/dev/null || die "the SMTP server exited during start-up"
        die "the SMTP server did not say ready within 10 s"
    done
}

# Checks a folder of delivered messages: exactly MESSAGES files, one per Message-ID and per
# recipient, every recipient one of the queued addresses. Sets DELIVERED and AVG_BYTES, or dies.
check_delivered() { # dir, label
    local out
    out=$("$PY" "$WORK/check.py" "$1" "$MESSAGES") || die "$2: $out"
    read -r DELIVERED AVG_BYTES <<<"$out"
}
cat >"$WORK/check.py" <<'PY'
# Written by bench/mail.sh: checks the messages the SMTP server wrote to a folder.
import email, json, os, re, sys

folder, expected = sys.argv[1], int(sys.argv[2])
names = sorted(n for n in os.listdir(folder) if n.endswith(".json"))
ids, rcpts, size = set(), [], 0
for name in names:
    with open(os.path.join(folder, name), encoding="utf-8") as f:
        record = json.load(f)
    data = record["data"]
    size += len(data.encode("utf-8"))
    rcpts.extend(record["rcpt_tos"])
    ids.add(email.message_from_string(data).get("Message-ID"))
problems = []
if len(names) != expected:
    problems.append(f"{len(names)} messages delivered, not {expected}")
if len(ids) != len(names) or None in ids:
    problems.append(f"{len(names)} messages but {len(ids - {None})} distinct Message-IDs")
wanted = {f"member{i}@example.org" for i in range(1, expected + 1)}
if len(rcpts) != len(names) or set(rcpts) != wanted:
    problems.append(f"{len(rcpts)} recipients ({len(set(rcpts))} distinct), not member1..member{expected}@example.org once each")
if problems:
    print("; ".join(problems))
    sys.exit(1)
print(len(names), size // max(len(names), 1))
PY

# The reference client: sends the messages found in a folder (the same bytes, the same
# envelope) with smtplib, one connection per message or one for all. Prints
# "messages loop_seconds cpu_seconds".
cat >"$WORK/reference.py" <<'PY'
# Written by bench/mail.sh: the reference SMTP client.
import json, os, smtplib, socket, sys, time

mode, port, folder = sys.argv[1], int(sys.argv[2]), sys.argv[3]
messages = []
for name in sorted(n for n in os.listdir(folder) if n.endswith(".json")):
    with open(os.path.join(folder, name), encoding="utf-8") as f:
        r = json.load(f)
    messages.append((r["mail_from"], r["rcpt_tos"], r["data"].encode("utf-8")))
# lettre says EHLO with the machine's name, without a DNS lookup (smtplib's default,
# socket.getfqdn(), may make one).
helo = socket.gethostname()
start = time.perf_counter()
if mode == "per-message":
    for sender, rcpts, data in messages:
        s = smtplib.SMTP("127.0.0.1", port, local_hostname=helo, timeout=30)
        s.sendmail(sender, rcpts, data)
        s.quit()
elif mode == "one-connection":
    s = smtplib.SMTP("127.0.0.1", port, local_hostname=helo, timeout=30)
    for sender, rcpts, data in messages:
        s.sendmail(sender, rcpts, data)
    s.quit()
else:
    sys.exit(f"unknown mode {mode}")
loop = time.perf_counter() - start
t = os.times()
print(len(messages), f"{loop:.4f}", f"{t.user + t.system:.2f}")
PY

# --- The database and its queued messages ----------------------------------------------

convene_env "$DATA"
export CONVENE_LOG=warn
# Commands run inside the fresh data dir, so no ./convene.toml (or CONVENE_CONFIG) is read;
# the checks read the SQLite file, so no other database either; SMTP only as set below.
unset CONVENE_CONFIG CONVENE_DATABASE_URL
while IFS= read -r var; do unset "$var"; done < <(env | sed -n 's/^\(CONVENE_SMTP__[A-Z_]*\)=.*/\1/p')

measure_idle
binary_info
log "machine: $NCPU cores ($(cpu_model)); python: $("$PY" --version 2>&1)"

(cd "$DATA" && "$CONVENE_BIN" migrate) >"$WORK/migrate.log" 2>&1 \
    || { cat "$WORK/migrate.log" >&2; die "convene migrate failed"; }

# As src/notify/outbox.rs `enqueue` writes them: status queued, no attempts, due now (here a
# minute ago), a UUID v4 as Message-ID, the data as JSON with `recipient_name` added. Times
# in sea-orm's SQLite text format (RFC 3339, "+00:00"). The topic `notify_promoted` gives it
# (`places`), where the table has that column. No user_id: the worker needs no member's row to
# send to an address (without one it looks up no unsubscribe secret and adds no
# List-Unsubscribe header; the footer links to the preferences page instead).
TOPIC_COL="" TOPIC_VAL=""
if [[ -n $(db "SELECT 1 FROM pragma_table_info('outbox') WHERE name = 'topic'") ]]; then
    TOPIC_COL="topic, " TOPIC_VAL="'places', "
fi
log "queueing $MESSAGES messages ($KIND) in one transaction"
db "BEGIN;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $MESSAGES),
    t(due, starts, ends) AS (SELECT strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now', '-60 seconds'),
        strftime('%Y-%m-%dT09:30:00+00:00', 'now', '+14 days'),
        strftime('%Y-%m-%dT17:00:00+00:00', 'now', '+14 days'))
    INSERT INTO outbox (kind, ${TOPIC_COL}user_id, to_address, data, subject, status, attempts,
        next_attempt_at, locked_until, last_error, message_id, dedupe_key, created_at, sent_at)
    SELECT '$KIND', ${TOPIC_VAL}NULL, printf('member%d@example.org', i),
        json_object('title', 'Open Data Camp Midshire', 'starts_at', starts, 'ends_at', ends,
            'all_day', json('false'), 'path', '/events/open-data-camp-midshire',
            'recipient_name', printf('Member %d', i)),
        NULL, 'queued', 0, due, NULL, NULL,
        lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
            || '-' || substr('89ab', 1 + abs(random()) % 4, 1) || substr(hex(randomblob(2)), 2)
            || '-' || hex(randomblob(6))),
        printf('$KIND:bench-%d', i), due, NULL
    FROM n, t;
    COMMIT;" || die "could not queue the messages with sqlite3"
QUEUED=$(db "SELECT count(*) FROM outbox WHERE status = 'queued' AND kind = '$KIND'")
((QUEUED == MESSAGES)) || die "queued $QUEUED messages, not $MESSAGES"

# --- Convene's outbox worker -----------------------------------------------------------

start_smtp "$WORK/mail-convene" "$WORK/smtp-convene.log"
SMTP1_PID=$SMTP_PID
log "SMTP server (aiosmtpd) on $HOST:$SMTP_PORT, writing to a fresh folder"

export CONVENE_SMTP__HOST=$HOST
export CONVENE_SMTP__PORT=$SMTP_PORT
export CONVENE_SMTP__SECURITY=none
export CONVENE_SMTP__FROM="Convene Bench <forum@example.org>"

log "starting convene serve: sending $MESSAGES messages (timeout ${TIMEOUT}s)"
sm0=$(proc_ticks "$SMTP1_PID")
read -r mb0 mt0 <<<"$(machine_ticks)"
T0=$(now)
(cd "$DATA" && exec "$CONVENE_BIN" serve) >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
sent=0
deadline=$(($(date +%s) + TIMEOUT))
while :; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        cat "$WORK/server.log" >&2
        die "convene exited after sending $sent of $MESSAGES messages"
    fi
    IFS='|' read -r sent dead retried < <(db "SELECT count(*) FILTER (WHERE status = 'sent'),
        count(*) FILTER (WHERE status = 'dead'),
        count(*) FILTER (WHERE status = 'queued' AND attempts > 0) FROM outbox") || true
    sent=${sent:-0} dead=${dead:-0} retried=${retried:-0}
    ((sent < MESSAGES)) || break
    if ((dead > 0 || retried > 0)); then
        db "SELECT id, to_address, status, attempts, last_error FROM outbox
            WHERE status = 'dead' OR (status = 'queued' AND attempts > 0) ORDER BY id LIMIT 5" >&2
        die "$dead messages given up on (dead) and $retried put back for a retry after $sent sent (first ones above)"
    fi
    if (($(date +%s) >= deadline)); then
        db "SELECT status, count(*) FROM outbox GROUP BY status" >&2
        die "only $sent of $MESSAGES messages sent after ${TIMEOUT}s (counts by status above)"
    fi
    sleep 0.2
done
T1=$(now)
CONVENE_TICKS=$(proc_ticks "$SERVER_PID")
sm1=$(proc_ticks "$SMTP1_PID")
read -r mb1 mt1 <<<"$(machine_ticks)"
HWM=$(server_kb VmHWM)
RSS=$(server_kb VmRSS)
stop_server

# The worker's own clock: sent_at of the first and the last message.
IFS='|' read -r FIRST_S SPAN_S < <(db "SELECT
    printf('%.3f', (julianday(min(sent_at)) - 2440587.5) * 86400 - $T0),
    printf('%.3f', (julianday(max(sent_at)) - julianday(min(sent_at))) * 86400)
    FROM outbox WHERE status = 'sent'")
check_delivered "$WORK/mail-convene" "convene outbox worker"
FILES1=$DELIVERED BYTES1=$AVG_BYTES
C_TOTAL=$(elapsed "$T0" "$T1")
C_RATE=$(rate "$MESSAGES" "$C_TOTAL")
C_STEADY=$(rate "$((MESSAGES - 1))" "$SPAN_S")
C_CPU=$(ticks_s "$CONVENE_TICKS")
C_SMTP_CPU=$(ticks_s "$((sm1 - sm0))")
C_OTHER=$(awk -v m="$((mb1 - mb0))" -v c="$CONVENE_TICKS" -v s="$((sm1 - sm0))" -v t="$((mt1 - mt0))" -v n="$NCPU" \
    'BEGIN { o = (m - c - s) / (t / n) * 100; printf "%.0f", o < 0 ? 0 : o }')
log "convene: $MESSAGES messages in ${C_TOTAL}s ($C_RATE msg/s; first after ${FIRST_S}s, then $C_STEADY msg/s); CPU ${C_CPU}s; SMTP server CPU ${C_SMTP_CPU}s; $FILES1 files of $BYTES1 bytes on average"

FAILURES=()
if server_log_errors "$WORK/server.log"; then
    FAILURES+=("the server logged errors (see above): $LOG_ERRORS lines")
fi

# --- The reference: Python's smtplib, the same messages --------------------------------

RESULTS=()
reference() { # label, mode
    local label=$1 mode=$2 dir="$WORK/mail-$2" s0 s1 mb0 mt0 mb1 mt1 t0 t1 out n loop cpu total other
    start_smtp "$dir" "$WORK/smtp-$mode.log"
    s0=$(proc_ticks "$SMTP_PID")
    read -r mb0 mt0 <<<"$(machine_ticks)"
    t0=$(now)
    out=$("$PY" "$WORK/reference.py" "$mode" "$SMTP_PORT" "$WORK/mail-convene" 2>"$WORK/reference-$mode.log") \
        || { cat "$WORK/reference-$mode.log" >&2; die "the reference client ($mode) failed"; }
    t1=$(now)
    s1=$(proc_ticks "$SMTP_PID")
    read -r mb1 mt1 <<<"$(machine_ticks)"
    echo "$out" >"$WORK/reference-$mode.out"
    read -r n loop cpu <<<"$out"
    ((n == MESSAGES)) || die "the reference client ($mode) sent $n messages, not $MESSAGES"
    check_delivered "$dir" "$label"
    total=$(elapsed "$t0" "$t1")
    other=$(awk -v m="$((mb1 - mb0))" -v c="$cpu" -v hz="$CLK_TCK" -v s="$((s1 - s0))" -v t="$((mt1 - mt0))" -v n="$NCPU" \
        'BEGIN { o = (m - c * hz - s) / (t / n) * 100; printf "%.0f", o < 0 ? 0 : o }')
    RESULTS+=("$label|$(rate "$MESSAGES" "$total")|$(rate "$((MESSAGES - 1))" "$loop")|$total|n/a|$cpu|$(ticks_s "$((s1 - s0))")|$other|$AVG_BYTES")
    log "$label: $MESSAGES messages in ${total}s ($(rate "$MESSAGES" "$total") msg/s; loop $(rate "$MESSAGES" "$loop") msg/s); client CPU ${cpu}s"
    stop_pid "$SMTP_PID" "SMTP server"
}
RESULTS+=("convene outbox worker|$C_RATE|$C_STEADY|$C_TOTAL|${FIRST_S}|$C_CPU|$C_SMTP_CPU|$C_OTHER|$BYTES1")
reference "python smtplib direct" per-message
reference "python smtplib, one connection" one-connection
stop_smtp_servers

# --- Summary ---------------------------------------------------------------------------

# `result LABEL FIELD` (lib.sh): field 2 msg/s, 3 steady msg/s, ...
percent() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f %%", a / b * 100; else print "n/a" }'; }

echo
echo "Convene outbox delivery: $(date -u +%Y-%m-%d), $NCPU cores shared by Convene, the SMTP server and the client"
echo "$MESSAGES queued '$KIND' messages, one recipient each, to aiosmtpd (tests/smtp-server) on $HOST, no TLS"
print_binary
echo
printf '%-32s %7s %7s %8s %7s %8s %8s %4s %6s\n' "run" "msg/s" "steady" "seconds" "first" "CPU s" "SMTP s" "oth" "bytes"
for r in "${RESULTS[@]}"; do
    IFS='|' read -r label r1 r2 total first cpu scpu other bytes <<<"$r"
    printf '%-32s %7s %7s %8s %7s %8s %8s %3s%% %6s\n' "$label" "$r1" "$r2" "$total" "$first" "$cpu" "$scpu" "$other" "$bytes"
done
echo
echo "convene outbox worker: $C_RATE msg/s"
echo "python smtplib direct: $(result "python smtplib direct" 2) msg/s (one connection per message, as Convene)"
echo "Convene: $(percent "$C_RATE" "$(result "python smtplib direct" 2)") of the reference's rate"
echo "(msg/s: from the launch of the process until the last message was accepted; steady: first to last"
echo " message (Convene's sent_at; the client's own clock around its loop); first: seconds from Convene's"
echo " launch to its first message sent; CPU s: Convene's, or the Python client's (all of it, start-up"
echo " included); SMTP s: the SMTP server's CPU during the run; oth: the rest of the machine's busy time,"
echo " % of one core (other processes, the sqlite3 reads every 0.2 s during Convene's run, loopback network"
echo " work the kernel charges to no process); bytes: average message size."
echo " Machine busy before the runs: $IDLE_BUSY% of one core.)"
echo
printf 'Convene: %.2f ms of CPU per message; VmHWM (peak) %.1f MB, VmRSS %.1f MB after the run\n' \
    "$(awk -v c="$C_CPU" -v n="$MESSAGES" 'BEGIN { print c * 1000 / n }')" \
    "$(awk -v k="$HWM" 'BEGIN { print k / 1024 }')" "$(awk -v k="$RSS" 'BEGIN { print k / 1024 }')"
echo "Delivered exactly once: $FILES1 files for $MESSAGES messages, as many distinct Message-IDs and addresses (each run checked the same way)."

if ((IDLE_BUSY > 20 || C_OTHER > 20)); then
    echo
    echo "NOT A QUIET MACHINE: busy $IDLE_BUSY% of one core before the runs, other processes $C_OTHER% during Convene's run"
fi
exit_on_failures
