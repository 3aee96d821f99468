#!/usr/bin/env bash
# Load benchmark for a long forum thread, on loopback only (127.0.0.1).
#
#   bash bench/forum.sh
#
# Seeds the demo forum in a fresh data dir, starts `convene serve` on a free port, gives one
# demo thread 200 posts through the reply form (Markdown with emphasis, lists, links and
# quotes, as members write them, from three demo people signed in through the development
# sign-in) and runs `wrk -t2 -c32 -d15s --latency` against the thread's first and last pages
# (50 posts each) as an anonymous visitor, the first page as a signed-in member, the demo's
# event page (the issue's reference) and nginx serving the bytes
# of the thread's first page as a static file (the machine's own reference). Prints a table
# with the project's targets. This is a benchmark, not a test: it exits 0 when targets are
# missed, non-zero only when something failed to run.
#
# Settings (environment):
#   CONVENE_BIN   the binary to run (default: target/release/convene, built if missing)
#   POSTS         posts in the thread (default: 200)
#   DURATION      wrk duration per page (default: 15s)
#   WARMUP        wrk warm-up per page (default: 3s)
#   CONNECTIONS   wrk connections (default: 32)
#   THREADS       wrk threads (default: 2)
#   NGINX_WORKERS nginx worker_processes (default: 2)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
POSTS=${POSTS:-200}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-3s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
NGINX_WORKERS=${NGINX_WORKERS:-2}
HOST=127.0.0.1

# Targets the project set for pages (as for the event page).
TARGET_RPS=1000
TARGET_P99_MS=50

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $POSTS =~ ^[0-9]+$ ]] && ((POSTS >= 2)) || die "POSTS must be a number of at least 2, got $POSTS"
check_durations
find_convene
need_tools wrk nginx sqlite3
command -v curl >/dev/null || die "curl is needed"

make_work forum nginx
SERVER_PID=""
NGINX_PID=""
stop_server() { stop_pid "$SERVER_PID" "the server"; SERVER_PID=""; }
stop_nginx() { stop_pid "$NGINX_PID" "nginx"; NGINX_PID=""; }
cleanup() {
    stop_server
    stop_nginx
    remove_work '*.wrk' '*.log' '*.html'
}
trap cleanup EXIT
trap 'exit 130' INT TERM

RESULTS=()
FAILURES=()
NOISY=()

measure_idle
binary_info
log "machine: $NCPU cores ($(cpu_model)), shared by the server, nginx and wrk"

# --- The data: the demo, and one thread of POSTS posts ---------------------------------

DIR="$WORK/data"
convene_env "$DIR"
export CONVENE_LOG=warn
# The replies are sent as members: through the development sign-in, with the hourly limit
# on posts raised for the purpose.
export CONVENE_AUTH__DEV_LOGIN=true
export CONVENE_FORUM_POSTS_PER_HOUR=10000
unset CONVENE_CONFIG
mkdir -p "$DIR"
(cd "$DIR" && "$CONVENE_BIN" seed-demo) >"$WORK/seed.log" 2>&1 \
    || { cat "$WORK/seed.log" >&2; die "seed-demo failed"; }
DB="$DIR/convene.db"
[[ -f $DB ]] || die "no SQLite database at $DB"

(cd "$DIR" && exec "$CONVENE_BIN" serve) >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
wait_http "$BASE/healthz" "$SERVER_PID" "$WORK/server.log" "the server did not answer /healthz within 60 s"

THREAD_ID=$(db "SELECT id FROM forum_thread WHERE title = 'Cycle counter data: hourly or daily?'")
[[ -n $THREAD_ID ]] || die "the demo thread is missing"
HAVE=$(db "SELECT COUNT(*) FROM forum_post WHERE thread_id = $THREAD_ID")
# Replies by three demo people in turn, through the reply form as members send them: each a
# paragraph with emphasis and a link, every third with a list, every fifth quoting.
PEOPLE=(gareth.lloyd@riverside-city.example mei.chen@eastmere-uni.example tom.okafor@eastmere-uni.example)
for k in 0 1 2; do
    jar="$WORK/jar-$k"
    curl -fsS -c "$jar" -b "$jar" "$BASE/auth/dev" >"$WORK/dev.html" || die "GET /auth/dev failed"
    status=$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
        --data-urlencode "email=${PEOPLE[$k]}" --data-urlencode "csrf_token=$(csrf_of "$WORK/dev.html")" \
        "$BASE/auth/dev")
    [[ $status == 303 ]] || die "signing in as ${PEOPLE[$k]} answered $status"
done
NL=$'\n'
for ((i = HAVE + 1; i <= POSTS; i++)); do
    k=$((i % 3))
    jar="$WORK/jar-$k"
    curl -fsS -c "$jar" -b "$jar" "$BASE/forum/threads/$THREAD_ID" -L >"$WORK/page.html" || die "GET the thread failed"
    body=""
    ((i % 5 == 0)) && body="> **Sam Whitfield** wrote:$NL>$NL> Would people rather have hourly totals or the full 15-minute readings?$NL$NL"
    body+="Reply $i: the **15-minute readings** matter for the morning peak, and the counters on the [ring road](https://data.example/counters/ring-road) show it best. A daily summary file beside them would suit most people, with the _installation date_ of each counter so that gaps are explained."
    ((i % 3 == 0)) && body+="$NL$NL- hourly totals$NL- daily totals$NL- locations with coordinates"
    status=$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
        --data-urlencode "body=$body" --data-urlencode "action=post" \
        --data-urlencode "csrf_token=$(csrf_of "$WORK/page.html")" \
        "$BASE/forum/threads/$THREAD_ID/reply")
    [[ $status == 303 ]] || die "reply $i answered $status"
done
COUNT=$(db "SELECT COUNT(*) FROM forum_post WHERE thread_id = $THREAD_ID")
[[ $COUNT == "$POSTS" ]] || die "the thread has $COUNT posts, not $POSTS"
log "the thread has $COUNT posts (replies sent through the reply form)"

THREAD_PATH=$(curl -fsS -o /dev/null -w '%{redirect_url}' "$BASE/forum/threads/$THREAD_ID")
THREAD_PATH=${THREAD_PATH#"$BASE"}
[[ $THREAD_PATH == /forum/* ]] || die "the thread's address was not found: $THREAD_PATH"
LAST_PAGE=$(((POSTS + 49) / 50))
curl -fsS "$BASE$THREAD_PATH" >"$WORK/thread.html" || die "GET $THREAD_PATH failed"
SHOWN=$(grep -c '<article class="forum-post' "$WORK/thread.html" || true)
[[ $SHOWN == 50 ]] || die "the thread's first page shows $SHOWN posts, not 50"

# nginx serves the first page's bytes as a static file.
NGX="$WORK/nginx"
mkdir -p "$NGX/www"
cp "$WORK/thread.html" "$NGX/www/thread.html"
chmod 755 "$NGX" "$NGX/www"
chmod 644 "$NGX/www/thread.html"
NPORT=$(free_port)
start_nginx "$NGX" "
    types { text/html html; }
    sendfile on;
    keepalive_requests 1000000;
    server {
        listen $HOST:$NPORT;
        root $NGX/www;
    }" "$WORK/nginx.log"
NBASE="http://$HOST:$NPORT"
wait_http "$NBASE/thread.html" "$NGINX_PID" "$WORK/nginx.log"
NWORKERS=$(pgrep -P "$NGINX_PID" | tr '\n' ' ' || true)

# A member's session cookies (Gareth's), for the page as a signed-in member sees it: rendered
# for them, with their "New" marks, and what they have read noted on each visit.
MEMBER_COOKIE=$(awk -F'\t' 'NF >= 7 && $1 !~ /^# / { printf "%s%s=%s", sep, $6, $7; sep = "; " }' \
    <(sed 's/^#HttpOnly_//' "$WORK/jar-0"))
[[ -n $MEMBER_COOKIE ]] || die "no session cookie for the member"
pages=(
    "thread, page 1|$BASE$THREAD_PATH|$SERVER_PID"
    "thread, page 1, member|$BASE$THREAD_PATH|$SERVER_PID|$MEMBER_COOKIE"
    "thread, page $LAST_PAGE|$BASE$THREAD_PATH?page=$LAST_PAGE|$SERVER_PID"
    "event page|$BASE/events/bus-data-hack-day|$SERVER_PID"
    "nginx, page 1 bytes|$NBASE/thread.html|$NWORKERS"
)
for entry in "${pages[@]}"; do
    IFS='|' read -r label url pids cookie <<<"$entry"
    status=$(curl -s -o "$WORK/check.html" -w '%{http_code}' --max-time 10 -H "Cookie: ${cookie:-}" "$url")
    [[ $status == 200 ]] || die "GET $url answered $status, not 200"
    if [[ -n ${cookie:-} ]]; then
        grep -q 'href="/profile">Gareth Lloyd<' "$WORK/check.html" || die "the member's page is not signed in"
    fi
done
for entry in "${pages[@]}"; do
    IFS='|' read -r label url pids cookie <<<"$entry"
    out="$WORK/${label//[^a-z0-9]/_}.wrk"
    headers=()
    [[ -n ${cookie:-} ]] && headers=(-H "Cookie: $cookie")
    log "$label ($url): warm-up $WARMUP, then $DURATION"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${headers[@]}" "$url" >/dev/null
    # shellcheck disable=SC2086
    measure_wrk "$out" "$pids" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${headers[@]}" "$url"
    read_wrk "$out"
    if [[ -n "$WRK_ERRORS" ]]; then
        FAILURES+=("$label: $WRK_ERRORS")
    fi
    note_other_cpu "$label" "$label"
    RESULTS+=("$label|$WRK_RPS|$WRK_P50|$WRK_P99|${WRK_ERRORS:-none}|$SERVER_CPU|$WRK_CPU|$OTHER_CPU")
    log "$label: $WRK_RPS req/s, p50 $WRK_P50 ms, p99 $WRK_P99 ms"
done
HWM=$(server_kb VmHWM)
stop_nginx
stop_server
if server_log_errors "$WORK/server.log"; then
    FAILURES+=("the server logged errors (see above)")
fi

echo
echo "Convene forum thread of $POSTS posts under load: $(date -u +%Y-%m-%d), $NCPU cores shared by"
echo "the server, nginx ($NGINX_WORKERS workers) and wrk; wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency on $HOST"
echo "binary: $CONVENE_BIN, built $BIN_BUILT (work tree at commit $GIT_HEAD)"
echo "page size: $(wc -c <"$WORK/thread.html") bytes (50 posts); server peak memory: $((HWM / 1024)) MB"
echo
printf '%-22s %8s %8s %8s %-34s %5s %5s %5s %s\n' "page" "req/s" "p50 ms" "p99 ms" "target" "srv" "wrk" "oth" "errors"
for r in "${RESULTS[@]}"; do
    IFS='|' read -r label rps p50 p99 errors scpu wcpu ocpu <<<"$r"
    case $label in
        "thread, page 1, member") met="(members: rendered for each)" ;;
        thread*) met="${TARGET_RPS}/s ($(yes_if "$rps" ge "$TARGET_RPS")), p99<${TARGET_P99_MS} ($(yes_if "$p99" lt "$TARGET_P99_MS"))" ;;
        *) met="(reference)" ;;
    esac
    printf '%-22s %8s %8s %8s %-34s %4s%% %4s%% %4s%% %s\n' "$label" "$rps" "$p50" "$p99" "$met" "$scpu" "$wcpu" "$ocpu" "$errors"
done
echo
echo "CPU columns: % of one core during the measured run (srv: the process(es) measured)."
report_noisy "the server" "$IDLE_BUSY"
exit_on_failures
