#!/usr/bin/env bash
# Load benchmark of Convene's RSVP write path: many members answering one event at once, on
# loopback only (127.0.0.1), against nginx answering the same POST with the same bytes.
#
#   bash bench/rsvp.sh
#
#   1. seeds a fresh data dir with `convene seed-demo`, then with sqlite3 (before the server
#      starts) adds MEMBERS member accounts and sets the places of the demo event "Open Data
#      Camp Midshire" (a one-off event weeks ahead) to CAPACITY;
#   2. starts `convene serve` on a free port with the development sign-in switched on (it
#      exists only on a loopback bind) and the sign-in rate limit raised, and signs every
#      member in with curl (SIGNIN_JOBS at once), each in its own cookie jar (its own
#      browser): the event page for the browser's CSRF cookie and token, POST /auth/dev, the
#      event page again for the token that goes with the session;
#   3. checks one answer by hand (going, then withdraw: 303 to the event page, the row in the
#      database, then gone) and keeps the headers of that 303;
#   4. runs wrk with a Lua script (written to the temp dir): each request is the next member
#      in turn (each wrk thread has its own share of the members), and each member alternates
#      `answer=going` (with the extra and a note) and `answer=withdraw`, so that places fill,
#      the waiting list grows, and every withdrawal of someone going moves the first in line
#      up. One connection per member: `wrk -t2 -c200 -d15s --latency` after a 3 s warm-up.
#      The script counts every answer that is not a 303 to the event page;
#   5. while wrk runs, reads the event's answers with sqlite3 twice a second (WAL: a reader
#      sees committed state and does not block the server); after the run waits until the
#      answers stop changing (the server still has answers queued when wrk stops), then checks
#      that going never exceeded the places, that nobody was left waiting while a place was
#      free, and that no member has two answers;
#   6. starts a private nginx (Debian's nginx-light; its own config, pid and temp files in a
#      temp dir, 2 workers, access log off) that answers the same POST with a 303, the same
#      Location, no body and the headers Convene sent in step 3, and runs the same wrk
#      script against it;
#   7. reads the server's peak memory (VmHWM in /proc/PID/status), stops both servers and
#      removes the temp dir (also on Ctrl-C or failure, through a trap).
# A summary table is printed at the end. This is a benchmark, not a test: the issue sets no
# speed target, and the script exits 0 whatever the figures. It exits non-zero when something
# failed to run (a server did not start, a sign-in or the checked answer went wrong, wrk
# errored) or requests failed under load: any answer other than a 303 to the event page, a
# socket error or timeout, errors in the server's log, or the capacity not held (more going
# than places, someone waiting while a place was free, a member with two answers).
# wrk, Convene and nginx all share the machine's cores.
#
# Settings (environment):
#   CONVENE_BIN   the binary to run (default: target/release/convene, built if missing)
#   NGINX_BIN     nginx (default: nginx on PATH; nginx-light, wrk and sqlite3 are installed
#                 with apt-get when missing and running as root)
#   MEMBERS       members who answer (default: 200), one wrk connection each
#   CAPACITY      places of the event (default: 50)
#   DURATION      wrk duration per run (default: 15s)
#   WARMUP        wrk warm-up per run (default: 3s)
#   THREADS       wrk threads (default: 2)
#   CONNECTIONS   wrk connections (default: MEMBERS)
#   NGINX_WORKERS nginx worker_processes (default: 2)
#   SIGNIN_JOBS   members signed in at once before the runs (default: 4)
#   BENCH_KEEP    if set, a directory to copy the raw wrk outputs, the Lua script and the logs into
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MEMBERS=${MEMBERS:-200}
CAPACITY=${CAPACITY:-50}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-3s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-$MEMBERS}
NGINX_WORKERS=${NGINX_WORKERS:-2}
SIGNIN_JOBS=${SIGNIN_JOBS:-4}
HOST=127.0.0.1

# The demo event everyone answers: a one-off event weeks ahead, with an extra (the evening
# social) and answers closing 72 hours before it starts.
SLUG=open-data-camp-midshire
EVENT_PATH="/events/$SLUG"

log() { printf '[rsvp] %s\n' "$*" >&2; }
die() { printf '[rsvp] error: %s\n' "$*" >&2; exit 1; }

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $MEMBERS =~ ^[0-9]+$ ]] && ((MEMBERS >= 1)) || die "MEMBERS must be a positive number, got $MEMBERS"
[[ $CAPACITY =~ ^[0-9]+$ ]] && ((CAPACITY >= 1 && CAPACITY <= 100000)) || die "CAPACITY must be 1 to 100000, got $CAPACITY"
[[ $THREADS =~ ^[0-9]+$ ]] && ((THREADS >= 1 && THREADS <= MEMBERS)) || die "THREADS must be 1 to MEMBERS, got $THREADS"
[[ $CONNECTIONS =~ ^[0-9]+$ ]] && ((CONNECTIONS >= THREADS)) || die "CONNECTIONS must be at least THREADS, got $CONNECTIONS"
[[ $SIGNIN_JOBS =~ ^[0-9]+$ ]] && ((SIGNIN_JOBS >= 1)) || die "SIGNIN_JOBS must be a positive number, got $SIGNIN_JOBS"
check_durations

# --- Tools -----------------------------------------------------------------------------

find_convene
need_tools nginx wrk sqlite3
command -v curl >/dev/null || die "curl is needed"

# --- Per-run state and clean-up --------------------------------------------------------

make_work rsvp nginx
SERVER_PID=""
NGINX_PID=""
WATCH_PID=""
SIGNIN_PIDS=()

stop_server() { stop_pid "$SERVER_PID" "convene"; SERVER_PID=""; }
stop_nginx() { stop_pid "$NGINX_PID" "nginx"; NGINX_PID=""; }
stop_watch() { stop_loop "$WATCH_PID" "$WORK/watch.stop" 50; WATCH_PID=""; }

cleanup() {
    local pid
    for pid in "${SIGNIN_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    stop_watch
    stop_server
    stop_nginx
    remove_work '*.wrk' '*.log' '*.lua' samples.txt
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A cookie's value in a curl cookie jar (tab-separated; name in field 6, value in 7).
jar_cookie() { # jar, name
    awk -F'\t' -v n="$2" '$6 == n { v = $7 } END { print v }' "$1"
}

# Results, one line per wrk run:
# label|rps|p50ms|p99ms|requests|errors|servercpu|wrkcpu|othercpu|answered|other
RESULTS=()
FAILURES=()
NOISY=()

# wrk with the answer script against url. Appends to RESULTS.
load() { # label, url, server pids (space-separated)
    local label=$1 url=$2 pids=$3
    local out="$WORK/${label//[^a-z0-9]/_}.wrk" limit
    limit=$(($(seconds "$DURATION") + $(seconds "$WARMUP") + 60))
    local args=(-t"$THREADS" -c"$CONNECTIONS" --timeout 10s -s "$WORK/rsvp.lua" "$url" --
        "$WORK/members.tsv" "$THREADS" "$EVENT_PATH/rsvp" "$EVENT_PATH")
    log "$label: warm-up $WARMUP, then $DURATION"
    timeout "$limit" wrk -d"$WARMUP" "${args[@]}" >"$out.warmup" 2>&1 \
        || die "wrk warm-up for $label failed: $(cat "$out.warmup")"
    local wother
    wother=$(awk '/^rsvp-answers:/ { print $5 }' "$out.warmup")
    [[ -n $wother ]] || die "wrk's Lua script reported nothing during the warm-up of $label: $(cat "$out.warmup")"
    if ((wother > 0)); then
        FAILURES+=("$label, warm-up: $wother answers were not a 303 to the event page: $(sed -n 's/^rsvp-first-other: //p' "$out.warmup")")
        log "$label: warm-up: $wother answers were not a 303 to the event page"
    fi
    measure_wrk "$out" "$pids" timeout "$limit" wrk -d"$DURATION" --latency "${args[@]}" \
        || die "wrk for $label failed: $(cat "$out" "$out.time")"
    LOAD_END=$(date +%s.%N)

    local rps p99 p50 requests errors server_cpu machine_cpu wrk_cpu other_cpu answered other first
    read_wrk "$out"
    rps=$WRK_RPS p99=$WRK_P99 p50=$WRK_P50 requests=$WRK_REQUESTS
    answered=$(awk '/^rsvp-answers:/ { print $3 }' "$out")
    other=$(awk '/^rsvp-answers:/ { print $5 }' "$out")
    [[ -n $answered && -n $other ]] || die "wrk's Lua script reported nothing for $label: $(cat "$out")"
    errors=${WRK_ERRORS:-none}
    if ((other > 0)); then
        first=$(sed -n 's/^rsvp-first-other: //p' "$out")
        errors="not 303: $other (first: ${first:0:200}); $errors"
    fi
    if [[ $errors != none ]]; then
        FAILURES+=("$label: $errors")
        log "$label: ERRORS under load: $errors"
    fi
    server_cpu=$SERVER_CPU machine_cpu=$MACHINE_CPU wrk_cpu=$WRK_CPU other_cpu=$OTHER_CPU
    note_other_cpu "$label" "$label"
    RESULTS+=("$label|$rps|$p50|$p99|$requests|$errors|$server_cpu|$wrk_cpu|$other_cpu|$answered|$other")
    log "$label: $rps req/s, p50 $p50 ms, p99 $p99 ms, $answered answers 303, $other other; CPU: server ${server_cpu}%, wrk ${wrk_cpu}%, whole machine ${machine_cpu}% of $((NCPU * 100))%"
}

# --- The wrk script --------------------------------------------------------------------

# Arguments after `--`: the members file (lines "Cookie header<TAB>CSRF token"), the number of
# wrk threads, the path to POST to, the Location every answer must have.
cat >"$WORK/rsvp.lua" <<'LUA'
-- Written by bench/rsvp.sh. Each wrk thread answers for its share of the members, one member
-- after another; each member alternates "going" (with the extra and a note) and "withdraw".
local threads = {}

function setup(thread)
    thread:set("id", #threads)
    table.insert(threads, thread)
end

function init(args)
    local file, nthreads = args[1], tonumber(args[2])
    path, location = args[3], args[4]
    members = {}
    local i = 0
    for line in io.lines(file) do
        if i % nthreads == id then
            local cookie, token = line:match("^([^\t]+)\t([^\t]+)$")
            table.insert(members, { cookie = cookie, token = token, going = false })
        end
        i = i + 1
    end
    if #members == 0 then
        error("wrk thread " .. id .. " has no members")
    end
    nextm = 1
    answered, other, first_other = 0, 0, ""
end

function request()
    local m = members[nextm]
    nextm = nextm % #members + 1
    m.going = not m.going
    local body
    if m.going then
        body = "answer=going&extra=on&note=Step-free+access%2C+please&csrf_token=" .. m.token
    else
        body = "answer=withdraw&csrf_token=" .. m.token
    end
    return wrk.format("POST", path, {
        ["Cookie"] = m.cookie,
        ["Content-Type"] = "application/x-www-form-urlencoded",
    }, body)
end

function response(status, headers, body)
    local loc = headers["location"] or headers["Location"]
    if status == 303 and loc == location then
        answered = answered + 1
    else
        other = other + 1
        if first_other == "" then
            local text = string.gsub(string.sub(body or "", 1, 300), "%s+", " ")
            first_other = status .. " Location: " .. tostring(loc) .. " " .. text
        end
    end
end

function done(summary, latency, requests)
    local ok, bad, first = 0, 0, ""
    for _, t in ipairs(threads) do
        ok = ok + t:get("answered")
        bad = bad + t:get("other")
        if first == "" then
            first = t:get("first_other")
        end
    end
    io.write(string.format("rsvp-answers: 303 %d other %d\n", ok, bad))
    if first ~= "" then
        io.write("rsvp-first-other: " .. first .. "\n")
    end
end
LUA

# --- Seeding ---------------------------------------------------------------------------

DATA="$WORK/data"
DB="$DATA/convene.db"
convene_env "$DATA"
export CONVENE_LOG=warn
# The development sign-in (refused on anything but a loopback bind), and enough sign-ins a
# minute from one address for every member.
export CONVENE_AUTH__DEV_LOGIN=true
export CONVENE_AUTH__SIGN_IN_ATTEMPTS_PER_MINUTE=100000
# Commands run inside the fresh data dir, so no ./convene.toml (or CONVENE_CONFIG) is read;
# the checks read the SQLite file, so no other database either.
unset CONVENE_CONFIG CONVENE_DATABASE_URL

measure_idle
binary_info
log "nginx: $("$NGINX_BIN" -v 2>&1)"
log "machine: $NCPU cores ($(cpu_model)), shared by the servers and wrk"
log "wrk: -t$THREADS -c$CONNECTIONS -d$DURATION --latency (warm-up $WARMUP), $HOST only; $MEMBERS members, $CAPACITY places"

log "seeding the demo forum"
(cd "$DATA" && "$CONVENE_BIN" seed-demo) >"$WORK/seed.log" 2>&1 \
    || { cat "$WORK/seed.log" >&2; die "seed-demo failed"; }

EVENT_ID=$(db "SELECT id FROM event WHERE slug = '$SLUG' AND status = 'published' AND rrule IS NULL")
[[ -n $EVENT_ID ]] || die "the demo has no published one-off event $SLUG"
# The demo's own answers to the event (members and a guest) stay; the places must hold them.
DEMO_GOING=$(db "SELECT count(*) FROM rsvp WHERE event_id = $EVENT_ID AND response = 'going'")
((CAPACITY >= DEMO_GOING)) || die "CAPACITY must be at least $DEMO_GOING: the demo already has that many going"

# The members, as the app stores accounts: timestamps copied from a seeded account (sea-orm's
# text format), verified addresses, listed publicly, no sign-in yet.
db "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $MEMBERS)
    INSERT INTO \"user\" (email, email_verified, display_name, organisation, role, disabled,
        listed_publicly, created_at, updated_at, last_sign_in_at, calendar_token)
    SELECT printf('bench-member-%04d@load-test.example', i), 1, printf('Bench Member %04d', i),
        'Load Test Ltd', 'member', 0, 1, t, t, NULL, NULL
    FROM n, (SELECT created_at AS t FROM \"user\" ORDER BY id LIMIT 1);
    UPDATE event SET capacity = $CAPACITY WHERE id = $EVENT_ID;" \
    || die "could not add the members with sqlite3"
ADDED=$(db "SELECT count(*) FROM \"user\" WHERE email LIKE 'bench-member-%@load-test.example'")
((ADDED == MEMBERS)) || die "added $ADDED members, not $MEMBERS"
log "seeded: $(tail -1 "$WORK/seed.log"); added $MEMBERS members; $SLUG has $CAPACITY places ($DEMO_GOING going from the demo)"

# --- The server and the members' sessions ----------------------------------------------

log "starting the server on $BASE"
start_convene "$WORK/server.log"
IDLE_RSS=$(server_kb VmRSS)

# Signs in members first, first + step, ... (one cookie jar each: its own browser) and writes
# "number<TAB>Cookie header<TAB>CSRF token" lines. Runs in the background, SIGNIN_JOBS at once.
sign_in_members() { # first, step, output file
    local i email jar page="$3.html" status token csrf_cookie session
    for ((i = $1; i <= MEMBERS; i += $2)); do
        email=$(printf 'bench-member-%04d@load-test.example' "$i")
        jar="$3.jar-$i"
        # The browser's CSRF cookie, and the token that goes with it before signing in.
        status=$(curl -s --max-time 60 -c "$jar" -b "$jar" -o "$page" -w '%{http_code}' "$BASE$EVENT_PATH")
        [[ $status == 200 ]] || die "GET $EVENT_PATH answered $status"
        token=$(csrf_of "$page")
        [[ -n $token ]] || die "no csrf-token meta tag on $EVENT_PATH"
        status=$(curl -s --max-time 60 -c "$jar" -b "$jar" -o "$page" -w '%{http_code}' \
            --data-urlencode "email=$email" --data-urlencode "csrf_token=$token" "$BASE/auth/dev")
        [[ $status == 303 ]] || die "POST /auth/dev for $email answered $status, not 303: $(head -c 500 "$page")"
        # The token that goes with the session.
        status=$(curl -s --max-time 60 -c "$jar" -b "$jar" -o "$page" -w '%{http_code}' "$BASE$EVENT_PATH")
        [[ $status == 200 ]] || die "GET $EVENT_PATH signed in as $email answered $status"
        grep -q "action=\"$EVENT_PATH/rsvp\"" "$page" \
            || die "$EVENT_PATH shows $email no answer form (not signed in, or answers closed?)"
        token=$(csrf_of "$page")
        csrf_cookie=$(jar_cookie "$jar" convene_csrf)
        session=$(jar_cookie "$jar" convene_session)
        [[ -n $token && -n $csrf_cookie && -n $session ]] || die "no token, CSRF cookie or session for $email"
        printf '%d\tconvene_csrf=%s; convene_session=%s\t%s\n' "$i" "$csrf_cookie" "$session" "$token" >>"$3"
        rm -f "$jar"
    done
    rm -f "$page"
}

log "signing in $MEMBERS members (development sign-in, one cookie jar each, $SIGNIN_JOBS at once)"
t0=$(date +%s.%N)
SIGNIN_PIDS=()
for k in $(seq 1 "$SIGNIN_JOBS"); do
    : >"$WORK/signin-$k.tsv"
    sign_in_members "$k" "$SIGNIN_JOBS" "$WORK/signin-$k.tsv" &
    SIGNIN_PIDS+=($!)
done
signin_failed=""
for pid in "${SIGNIN_PIDS[@]}"; do
    wait "$pid" || signin_failed=1
done
SIGNIN_PIDS=()
[[ -z $signin_failed ]] || die "signing the members in failed (see above)"
sort -n -k1,1 "$WORK"/signin-*.tsv | cut -f2- >"$WORK/members.tsv"
rm -f "$WORK"/signin-*
t1=$(date +%s.%N)
SIGNIN_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
(($(wc -l <"$WORK/members.tsv") == MEMBERS)) || die "$(wc -l <"$WORK/members.tsv") of $MEMBERS members signed in"
SESSIONS=$(db "SELECT count(DISTINCT s.user_id) FROM session s JOIN \"user\" u ON u.id = s.user_id WHERE u.email LIKE 'bench-member-%@load-test.example'")
((SESSIONS == MEMBERS)) || die "$SESSIONS of $MEMBERS members have a session"
log "signed in $MEMBERS members in ${SIGNIN_S}s"

# One answer by hand: going, then withdraw, each a 303 to the event page; its headers are
# what nginx will send.
IFS=$'\t' read -r COOKIE1 TOKEN1 <"$WORK/members.tsv"
answer_once() { # body, header file
    curl -s --max-time 30 -o /dev/null -D "$2" -w '%{http_code}' -H "Cookie: $COOKIE1" \
        --data "$1&csrf_token=$TOKEN1" "$BASE$EVENT_PATH/rsvp"
}
status=$(answer_once "answer=going&extra=on&note=Step-free+access%2C+please" "$WORK/going.headers")
location=$(header_value "$WORK/going.headers" location)
[[ $status == 303 && $location == "$EVENT_PATH" ]] \
    || die "answering going answered $status (Location: $location), not 303 to $EVENT_PATH"
row=$(db "SELECT r.response || ' ' || r.extra FROM rsvp r JOIN \"user\" u ON u.id = r.user_id
    WHERE r.event_id = $EVENT_ID AND u.email = 'bench-member-0001@load-test.example'")
[[ $row == "going 1" ]] || die "after answering going the member's answer is '$row', not 'going 1'"
status=$(answer_once "answer=withdraw" "$WORK/withdraw.headers")
location=$(header_value "$WORK/withdraw.headers" location)
[[ $status == 303 && $location == "$EVENT_PATH" ]] \
    || die "withdrawing answered $status (Location: $location), not 303 to $EVENT_PATH"
row=$(db "SELECT count(*) FROM rsvp r JOIN \"user\" u ON u.id = r.user_id
    WHERE r.event_id = $EVENT_ID AND u.email = 'bench-member-0001@load-test.example'")
[[ $row == 0 ]] || die "after withdrawing the member still has $row answers"
log "checked one answer: going and withdraw each answer 303 to $EVENT_PATH"

# --- The answers under load ------------------------------------------------------------

# The event's answers, read twice a second while wrk runs: "going waiting" per line.
watch_answers() {
    while [[ ! -e "$WORK/watch.stop" ]]; do
        db "SELECT count(*) FILTER (WHERE response = 'going') || ' ' ||
                   count(*) FILTER (WHERE response = 'waiting')
            FROM rsvp WHERE event_id = $EVENT_ID" >>"$WORK/samples.txt" 2>>"$WORK/watch.log" || true
        sleep 0.5
    done
}
: >"$WORK/samples.txt"
watch_answers &
WATCH_PID=$!

load "convene" "$BASE$EVENT_PATH/rsvp" "$SERVER_PID"

# wrk stops with answers still queued in the server: wait until the event's answers stop
# changing (unchanged for 2 s), so that the checks below and the nginx run find it idle.
fingerprint() {
    db "SELECT count(*) || ' ' || coalesce(sum(id), 0) || ' ' || coalesce(max(updated_at), '')
        FROM rsvp WHERE event_id = $EVENT_ID"
}
last=$(fingerprint)
last_change=$LOAD_END
still=0
for _ in $(seq 1 240); do
    sleep 0.5
    now=$(fingerprint)
    if [[ $now == "$last" ]]; then
        still=$((still + 1))
        ((still < 4)) || break
    else
        last=$now
        last_change=$(date +%s.%N)
        still=0
    fi
done
((still >= 4)) || die "the event's answers were still changing 2 minutes after wrk stopped"
DRAIN_S=$(awk -v a="$LOAD_END" -v b="$last_change" 'BEGIN { printf "%.1f", b - a }')
log "the last answer changed ${DRAIN_S}s after wrk stopped (requests still queued in the server)"
stop_watch

HWM=$(server_kb VmHWM)
RSS=$(server_kb VmRSS)
log "convene memory: VmHWM $((HWM / 1024)) MB, VmRSS $((RSS / 1024)) MB (after start-up: $((IDLE_RSS / 1024)) MB)"

# The capacity held: during the runs (each sample one consistent read) and at the end.
SAMPLES=$(grep -c '^[0-9]' "$WORK/samples.txt" || true)
MAX_GOING=$(awk 'NF == 2 && $1 > m { m = $1 } END { print m + 0 }' "$WORK/samples.txt")
OVER=$(awk -v c="$CAPACITY" 'NF == 2 && $1 > c { n++ } END { print n + 0 }' "$WORK/samples.txt")
STRANDED=$(awk -v c="$CAPACITY" 'NF == 2 && $1 < c && $2 > 0 { n++ } END { print n + 0 }' "$WORK/samples.txt")
MAX_WAITING=$(awk 'NF == 2 && $2 > m { m = $2 } END { print m + 0 }' "$WORK/samples.txt")
((SAMPLES > 0)) || FAILURES+=("no reading of the answers succeeded during the runs: $(head -3 "$WORK/watch.log")")
read -r END_GOING END_WAITING END_APOLOGIES <<<"$(db "SELECT
    count(*) FILTER (WHERE response = 'going'), count(*) FILTER (WHERE response = 'waiting'),
    count(*) FILTER (WHERE response = 'apologies') FROM rsvp WHERE event_id = $EVENT_ID" | tr '|' ' ')"
DUPLICATES=$(db "SELECT count(*) FROM (SELECT 1 FROM rsvp WHERE user_id IS NOT NULL
    GROUP BY event_id, occurrence, user_id HAVING count(*) > 1)")
ANSWERED_MEMBERS=$(db "SELECT count(*) FROM rsvp r JOIN \"user\" u ON u.id = r.user_id
    WHERE r.event_id = $EVENT_ID AND u.email LIKE 'bench-member-%@load-test.example'")
log "answers: going at most $MAX_GOING of $CAPACITY places in $SAMPLES readings (waiting at most $MAX_WAITING);" \
    "after the runs: $END_GOING going, $END_WAITING waiting, $END_APOLOGIES apologies; $ANSWERED_MEMBERS members have an answer"
((OVER == 0)) || FAILURES+=("capacity not held: $OVER of $SAMPLES readings had more than $CAPACITY going (at most $MAX_GOING)")
((STRANDED == 0)) || FAILURES+=("$STRANDED of $SAMPLES readings had people waiting while a place was free")
((END_GOING <= CAPACITY)) || FAILURES+=("capacity not held: $END_GOING going after the runs, for $CAPACITY places")
((END_WAITING == 0 || END_GOING == CAPACITY)) || FAILURES+=("after the runs $END_WAITING wait while only $END_GOING of $CAPACITY places are taken")
((DUPLICATES == 0)) || FAILURES+=("$DUPLICATES members have more than one answer to an event or date")

# --- nginx answering the same POST with the same bytes ---------------------------------

# A 303 with the Location, no body, and the headers Convene sent with its answer (its flash
# cookie is that of a "going" answer; a withdrawal's message is a few bytes shorter).
NGX="$WORK/nginx"
mkdir -p "$NGX/www"
chmod 755 "$NGX" "$NGX/www"
: >"$NGX/www/empty"
chmod 644 "$NGX/www/empty"
NGINX_HEADERS=""
while IFS= read -r line; do
    line=${line%$'\r'}
    [[ $line == *:* ]] || continue
    name=${line%%:*}
    value=${line#*: }
    case ${name,,} in
        date | content-length | location | connection | server | transfer-encoding) continue ;;
    esac
    if [[ $value == *'$'* || $value == *'"'* || $value == *'\'* ]]; then
        log "nginx: leaving out the header $name (a character nginx would read as config)"
        continue
    fi
    NGINX_HEADERS+="            add_header $name \"$value\" always;"$'\n'
done <"$WORK/going.headers"
NPORT=$(free_port)
NGINX_HTTP=$(cat <<EOF
    server_tokens off;
    # "Location: /events/...", as Convene sends it.
    absolute_redirect off;
    # As many requests per connection as Convene allows (nginx's default is 1000).
    keepalive_requests 1000000;
    server {
        listen $HOST:$NPORT;
        root $NGX/www;
        location = $EVENT_PATH/rsvp {
            # nginx's own 303 has an HTML body; this one is empty, as Convene's is.
            error_page 303 =303 /empty-303;
            return 303 $EVENT_PATH;
        }
        location = /empty-303 {
            internal;
            alias $NGX/www/empty;
            default_type "";
            etag off;
            if_modified_since off;
$NGINX_HEADERS        }
    }
EOF
)
start_nginx "$NGX" "$NGINX_HTTP" "$WORK/nginx.log"
NBASE="http://$HOST:$NPORT"
for _ in $(seq 1 100); do
    kill -0 "$NGINX_PID" 2>/dev/null || { cat "$WORK/nginx.log" "$NGX/error.log" >&2; die "nginx exited during start-up"; }
    (exec 3<>"/dev/tcp/$HOST/$NPORT") 2>/dev/null && break
    sleep 0.1
done
NWORKERS=$(pgrep -P "$NGINX_PID" | tr '\n' ' ')
status=$(curl -s --max-time 10 -o "$WORK/nginx.body" -D "$WORK/nginx.headers" -w '%{http_code}' \
    -H "Cookie: $COOKIE1" --data "answer=withdraw&csrf_token=$TOKEN1" "$NBASE$EVENT_PATH/rsvp")
location=$(header_value "$WORK/nginx.headers" location)
[[ $status == 303 && $location == "$EVENT_PATH" && ! -s "$WORK/nginx.body" ]] \
    || die "nginx answered $status (Location: $location, $(stat -c %s "$WORK/nginx.body") bytes of body), not an empty 303 to $EVENT_PATH"
HEADER_BYTES_C=$(wc -c <"$WORK/going.headers")
HEADER_BYTES_N=$(wc -c <"$WORK/nginx.headers")
log "nginx on $NBASE (workers: $NWORKERS): an empty 303 with $HEADER_BYTES_N bytes of headers (Convene's: $HEADER_BYTES_C)"

# shellcheck disable=SC2086
load "nginx" "$NBASE$EVENT_PATH/rsvp" "$NWORKERS"
stop_nginx

stop_server
if server_log_errors "$WORK/server.log"; then
    FAILURES+=("the server logged errors (see above): $LOG_ERRORS lines")
fi

# --- Summary ---------------------------------------------------------------------------

# `result LABEL FIELD` (lib.sh): fields 2 rps, 3 p50, 4 p99, ...
percent() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f %%", a / b * 100; else print "n/a" }'; }

echo
echo "Convene RSVP answers under load: $(date -u +%Y-%m-%d), $NCPU cores shared by Convene, nginx ($NGINX_WORKERS workers) and wrk"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency (warm-up $WARMUP) on $HOST: POST $EVENT_PATH/rsvp,"
echo "$MEMBERS signed-in members each alternating going / withdraw, $CAPACITY places"
print_binary
echo
printf '%-8s %8s %8s %8s %9s %8s %4s %4s %4s %s\n' "server" "req/s" "p50 ms" "p99 ms" "requests" "303s" "srv" "wrk" "oth" "errors"
for r in "${RESULTS[@]}"; do
    IFS='|' read -r label rps p50 p99 requests errors scpu wcpu ocpu answered other <<<"$r"
    printf '%-8s %8s %8s %8s %9s %8s %3s%% %3s%% %3s%% %s\n' \
        "$label" "$rps" "$p50" "$p99" "$requests" "$answered" "$scpu" "$wcpu" "$ocpu" "$errors"
done
echo "Convene: $(percent "$(result convene 2)" "$(result nginx 2)") of nginx's requests/s"
echo "(nginx answers the same POST with an empty 303, the same Location and Convene's headers; it reads"
echo " nothing and writes nothing. CPU: % of one core during the measured run, of $((NCPU * 100))%: srv = convene"
echo " or the nginx workers, wrk = wrk, oth = every other process (should be near 0; the convene run"
echo " includes the sqlite3 readings); machine busy before the runs: $IDLE_BUSY% of one core)"
echo "After wrk stopped, the server went on changing answers for ${DRAIN_S}s (requests it had queued)."
echo
echo "Answers to $SLUG ($CAPACITY places; the demo's $DEMO_GOING going answers stay):"
echo "  during the warm-up and the run, $SAMPLES readings: going at most $MAX_GOING, waiting at most $MAX_WAITING;" \
    "more going than places: $OVER; someone waiting while a place was free: $STRANDED"
echo "  after the runs: $END_GOING going, $END_WAITING waiting, $END_APOLOGIES apologies; $ANSWERED_MEMBERS of $MEMBERS members" \
    "have an answer; members with two answers: $DUPLICATES"
echo "  capacity held: $(yes_if $((OVER + STRANDED + DUPLICATES + (END_GOING > CAPACITY) + (END_WAITING > 0 && END_GOING < CAPACITY))) eq 0)"
echo
printf 'Memory: RSS after start-up %.1f MB, VmHWM (peak) after the runs %.1f MB, VmRSS %.1f MB\n' \
    "$(awk -v k="$IDLE_RSS" 'BEGIN { print k / 1024 }')" "$(awk -v k="$HWM" 'BEGIN { print k / 1024 }')" \
    "$(awk -v k="$RSS" 'BEGIN { print k / 1024 }')"
echo "Signing in $MEMBERS members took ${SIGNIN_S}s (not part of the figures)."

report_noisy "the servers" "$IDLE_BUSY"
exit_on_failures
