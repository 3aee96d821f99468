#!/usr/bin/env bash
# Load benchmark for the JSON API's event list, on loopback only (127.0.0.1).
#
#   bash bench/api.sh
#
# Seeds the demo forum plus 1,000 generated events in a fresh data dir, starts `convene
# serve` on a free port and runs `wrk -t2 -c32 -d15s --latency` against `/api/v1/events`
# (the first page of 20 dates, and a page of 100), the HTML listing `/events` (20 items,
# the pages' own reference) and nginx serving the bytes of the first API page as a static
# file (the machine's reference). Prints requests/s and p99 for each, with the project's
# targets. A benchmark, not a test: it exits 0 when targets are missed, non-zero only when
# something failed to run.
#
# Settings (environment):
#   CONVENE_BIN   the binary to run (default: target/release/convene, built if missing)
#   EVENTS        generated events (default: 1000)
#   DURATION      wrk duration per page (default: 15s)
#   WARMUP        wrk warm-up per page (default: 3s)
#   CONNECTIONS   wrk connections (default: 32)
#   THREADS       wrk threads (default: 2)
#   NGINX_WORKERS nginx worker_processes (default: 2)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EVENTS=${EVENTS:-1000}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-3s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
NGINX_WORKERS=${NGINX_WORKERS:-2}
HOST=127.0.0.1

# The targets the project set for pages, held to by the API's reads too.
TARGET_RPS=1000
TARGET_P99_MS=50

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $EVENTS =~ ^[0-9]+$ ]] || die "EVENTS must be a number, got $EVENTS"
check_durations
find_convene
need_tools wrk nginx
command -v curl >/dev/null || die "curl is needed"

make_work api nginx
SERVER_PID=""
NGINX_PID=""
stop_server() { stop_pid "$SERVER_PID" "the server"; SERVER_PID=""; }
stop_nginx() { stop_pid "$NGINX_PID" "nginx"; NGINX_PID=""; }
cleanup() {
    stop_server
    stop_nginx
    remove_work '*.wrk' '*.log' '*.json' '*.html'
}
trap cleanup EXIT
trap 'exit 130' INT TERM

RESULTS=()
FAILURES=()
NOISY=()

measure_idle
binary_info
log "machine: $NCPU cores ($(cpu_model)), shared by the server, nginx and wrk"

DIR="$WORK/data"
convene_env "$DIR"
export CONVENE_LOG=warn
unset CONVENE_CONFIG
build_seed_events
seed_with_events "$DIR" "$EVENTS"
start_convene "$WORK/server.log"

curl -fsS "$BASE/api/v1/events" >"$WORK/page.json" || die "GET /api/v1/events failed"
ITEMS=$(grep -o '"event_id"' "$WORK/page.json" | wc -l)
[[ $ITEMS == 20 ]] || die "the first page holds $ITEMS dates, not 20"
curl -fsS "$BASE/api/v1/events?limit=100" >"$WORK/page100.json" || die "GET /api/v1/events?limit=100 failed"

NGX="$WORK/nginx"
mkdir -p "$NGX/www"
cp "$WORK/page.json" "$NGX/www/events.json"
chmod 755 "$NGX" "$NGX/www"
chmod 644 "$NGX/www/events.json"
NPORT=$(free_port)
start_nginx "$NGX" "
    types { application/json json; }
    sendfile on;
    keepalive_requests 1000000;
    server {
        listen $HOST:$NPORT;
        root $NGX/www;
    }" "$WORK/nginx.log"
NBASE="http://$HOST:$NPORT"
wait_http "$NBASE/events.json" "$NGINX_PID" "$WORK/nginx.log"
NWORKERS=$(pgrep -P "$NGINX_PID" | tr '\n' ' ' || true)

pages=(
    "api, 20 dates|$BASE/api/v1/events|$SERVER_PID"
    "api, 100 dates|$BASE/api/v1/events?limit=100|$SERVER_PID"
    "html listing /events|$BASE/events|$SERVER_PID"
    "nginx, api page bytes|$NBASE/events.json|$NWORKERS"
)
for entry in "${pages[@]}"; do
    IFS='|' read -r label url pids <<<"$entry"
    out="$WORK/${label//[^a-z0-9]/_}.wrk"
    log "$label ($url): warm-up $WARMUP, then $DURATION"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$url" >/dev/null
    # shellcheck disable=SC2086
    measure_wrk "$out" "$pids" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url"
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
echo "Convene JSON API under load: $(date -u +%Y-%m-%d), demo + $EVENTS generated events; $NCPU cores shared by"
echo "the server, nginx ($NGINX_WORKERS workers) and wrk; wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency on $HOST"
echo "binary: $CONVENE_BIN, built $BIN_BUILT (work tree at commit $GIT_HEAD)"
echo "first page: $(wc -c <"$WORK/page.json") bytes (20 dates); 100 dates: $(wc -c <"$WORK/page100.json") bytes; server peak memory: $((HWM / 1024)) MB"
echo
printf '%-24s %8s %8s %8s %-34s %5s %5s %5s %s\n' "page" "req/s" "p50 ms" "p99 ms" "target" "srv" "wrk" "oth" "errors"
for r in "${RESULTS[@]}"; do
    IFS='|' read -r label rps p50 p99 errors scpu wcpu ocpu <<<"$r"
    case $label in
        api*) met="${TARGET_RPS}/s ($(yes_if "$rps" ge "$TARGET_RPS")), p99<${TARGET_P99_MS} ($(yes_if "$p99" lt "$TARGET_P99_MS"))" ;;
        *) met="(reference)" ;;
    esac
    printf '%-24s %8s %8s %8s %-34s %4s%% %4s%% %4s%% %s\n' "$label" "$rps" "$p50" "$p99" "$met" "$scpu" "$wcpu" "$ocpu" "$errors"
done
echo
echo "CPU columns: % of one core during the measured run (srv: the process(es) measured)."
report_noisy "the server" "$IDLE_BUSY"
exit_on_failures
