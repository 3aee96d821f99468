#!/usr/bin/env bash
# Load benchmark for Convene's event pages, on loopback only (127.0.0.1).
#
#   bash bench/events.sh
#
# For each data size (default: 1,000 and 10,000 generated events on top of the demo forum)
# it seeds a fresh data dir, starts `convene serve` on a free port, warms up, runs
# `wrk -t2 -c32 -d15s --latency` against each page, reads the server's memory from
# /proc/PID/status, stops the server with SIGTERM and removes the data dir. A summary
# table with the project's targets is printed at the end. This is a benchmark, not a test:
# it exits 0 when targets are missed, and non-zero only when something failed to run
# (server did not start, a page did not answer 200, wrk errored, requests failed under load).
#
# Settings (environment):
#   CONVENE_BIN   the binary to run (default: target/release/convene, built if missing)
#   SIZES         generated-event counts, one run each (default: "1000 10000")
#   DURATION      wrk duration per page (default: 15s)
#   WARMUP        wrk warm-up per page (default: 3s)
#   CONNECTIONS   wrk connections (default: 32)
#   THREADS       wrk threads (default: 2)
#   BENCH_KEEP    if set, a directory to copy the raw wrk outputs into
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZES=${SIZES:-"1000 10000"}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-3s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
HOST=127.0.0.1

# Targets the project set.
TARGET_EVENT_RPS=5000
TARGET_LISTING_RPS=3000
TARGET_P99_MS=20
TARGET_MEM_MB=60

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

# --- Tools -----------------------------------------------------------------------------

if [[ -n "${CONVENE_BIN:-}" ]]; then
    [[ -x "$CONVENE_BIN" ]] || die "CONVENE_BIN=$CONVENE_BIN is not an executable"
    # The server runs inside its data dir, so a relative path would break.
    CONVENE_BIN=$(realpath "$CONVENE_BIN")
else
    CONVENE_BIN="$ROOT/target/release/convene"
    if [[ ! -x "$CONVENE_BIN" ]]; then
        log "building the release binary (several minutes on a small machine)"
        (cd "$ROOT" && nice -n 10 cargo build --release --bin convene)
    fi
fi

if ! command -v wrk >/dev/null; then
    log "installing wrk (apt)"
    SUDO=""
    [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi
command -v curl >/dev/null || die "curl is needed"

# --- Per-run state and clean-up --------------------------------------------------------

WORK=$(mktemp -d -t convene-bench.XXXXXX)
SERVER_PID=""

stop_server() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        local i
        for i in $(seq 1 100); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        log "server stopped $((i / 10)).$((i % 10)) s after SIGTERM (polled every 0.1 s)"
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            log "server $SERVER_PID did not stop within 10 s of SIGTERM; sending SIGKILL"
            kill -KILL "$SERVER_PID" 2>/dev/null || true
        fi
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}

cleanup() {
    stop_server
    if [[ -n "${BENCH_KEEP:-}" ]]; then
        mkdir -p "$BENCH_KEEP"
        cp "$WORK"/*.wrk "$WORK"/*.log "$BENCH_KEEP"/ 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port nothing listens on (checked with bash's /dev/tcp; the server's own bind confirms it).
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
build_seed_events

# Results, one line per measurement:
# size|label|kind|rps|p99ms|p50ms|requests|errors|servercpu|wrkcpu|othercpu|rss_mb_after
RESULTS=()
# One line per size: size|seed_s|idle_rss_kb|hwm_kb|rss_kb
MEMORY=()
FAILURES=()
NOISY=()

# --- One size --------------------------------------------------------------------------

run_size() {
    local size=$1
    local dir="$WORK/data-$size"
    mkdir -p "$dir"
    local port
    port=$(free_port)
    local base="http://$HOST:$port"

    export CONVENE_DATA_DIR="$dir"
    export CONVENE_BIND="$HOST:$port"
    export CONVENE_BASE_URL="$base"
    export CONVENE_LOG=warn
    # Commands run inside the fresh data dir, so no ./convene.toml (or CONVENE_CONFIG) is read.
    unset CONVENE_CONFIG

    log "size $size: seeding the demo forum plus $size generated events"
    local t0 t1
    t0=$(date +%s.%N)
    (cd "$dir" && "$CONVENE_BIN" seed-demo && "$SEED_EVENTS_BIN" "$size") >"$WORK/seed-$size.log" 2>&1 \
        || { cat "$WORK/seed-$size.log" >&2; die "seed-demo failed"; }
    t1=$(date +%s.%N)
    local seed_s
    seed_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    log "size $size: seeded in ${seed_s}s: $(tr '\n' ' ' <"$WORK/seed-$size.log")"

    log "size $size: starting the server on $base"
    (cd "$dir" && exec "$CONVENE_BIN" serve) >"$WORK/server-$size.log" 2>&1 &
    SERVER_PID=$!
    local ready=""
    for _ in $(seq 1 300); do
        kill -0 "$SERVER_PID" 2>/dev/null \
            || { cat "$WORK/server-$size.log" >&2; die "the server exited during start-up"; }
        if curl -fsS --max-time 2 -o /dev/null "$base/healthz" 2>/dev/null; then
            ready=1
            break
        fi
        sleep 0.2
    done
    [[ -n "$ready" ]] || die "the server did not answer /healthz within 60 s"
    local idle_rss
    idle_rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")

    # Pick a generated event linked from the listing (upcoming first, else past: with small
    # sizes every generated event may be in the past).
    local listing path generated=""
    for path in /events /events/past; do
        listing=$(curl -fsS --max-time 10 "$base$path") || die "GET $path failed"
        if [[ $listing =~ href=\"(/events/generated-[a-z0-9-]+)\" ]]; then
            generated=${BASH_REMATCH[1]}
            break
        fi
    done
    [[ -n $generated ]] || die "no generated event linked from /events or /events/past"

    local pages=(
        "event (demo)|event|/events/bus-data-hack-day"
        "event (generated)|event|$generated"
        "listing /events|listing|/events"
        "home /|home|/"
    )
    local entry label kind status
    for entry in "${pages[@]}"; do
        IFS='|' read -r label kind path <<<"$entry"
        status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$base$path")
        [[ $status == 200 ]] || die "GET $path answered $status, not 200"
    done

    for entry in "${pages[@]}"; do
        IFS='|' read -r label kind path <<<"$entry"
        local out="$WORK/$size-${label//[^a-z0-9]/_}.wrk"
        log "size $size: $label ($path): warm-up $WARMUP, then $DURATION"
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$base$path" >/dev/null
        local s0 m0 s1 m1
        s0=$(proc_ticks "$SERVER_PID")
        m0=$(machine_ticks)
        local TIMEFORMAT='%U %S'
        { time wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$base$path" >"$out"; } \
            2>"$out.time"
        s1=$(proc_ticks "$SERVER_PID")
        m1=$(machine_ticks)

        local rps p99 p50 requests errors server_cpu machine_cpu wrk_cpu mb0 mt0 mb1 mt1
        read_wrk "$out"
        rps=$WRK_RPS p99=$WRK_P99 p50=$WRK_P50 requests=$WRK_REQUESTS
        errors=${WRK_ERRORS:-none}
        if [[ -n "$WRK_ERRORS" ]]; then
            FAILURES+=("size $size, $label ($path): $errors")
            log "size $size: $label: ERRORS under load: $errors"
        fi
        # Server CPU and whole-machine CPU during the measured run, in % of one core.
        read -r mb0 mt0 <<<"$m0"
        read -r mb1 mt1 <<<"$m1"
        server_cpu=$(cpu_pct "$s0" "$s1" "$((mt1 - mt0))")
        machine_cpu=$(cpu_pct "$mb0" "$mb1" "$((mt1 - mt0))")
        wrk_cpu=$(wrk_cpu_pct "$out.time" "$((mt1 - mt0))")
        local other_cpu=$((machine_cpu - server_cpu - wrk_cpu))
        ((other_cpu < 0)) && other_cpu=0
        if ((other_cpu > 20)); then
            log "size $size: $label: WARNING: other processes used ${other_cpu}% of one core during this run"
            NOISY+=("size $size, $label: other processes used ${other_cpu}% of one core")
        fi
        local rss_now
        rss_now=$(awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status")
        RESULTS+=("$size|$label|$kind|$rps|$p99|$p50|$requests|$errors|$server_cpu|$wrk_cpu|$other_cpu|$rss_now")
        log "size $size: $label: $rps req/s, p50 ${p50} ms, p99 ${p99} ms, CPU: server ${server_cpu}%, wrk ${wrk_cpu}%, whole machine ${machine_cpu}% of $((NCPU * 100))%; server RSS after: ${rss_now} MB"
    done

    local hwm rss
    hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")
    MEMORY+=("$size|$seed_s|$idle_rss|$hwm|$rss")
    log "size $size: memory: VmHWM $((hwm / 1024)) MB, VmRSS $((rss / 1024)) MB (after start-up: $((idle_rss / 1024)) MB)"

    stop_server
    if grep -qiE 'error|panic' "$WORK/server-$size.log"; then
        log "size $size: the server logged errors:"
        grep -iE 'error|panic' "$WORK/server-$size.log" | head -20 >&2
        FAILURES+=("size $size: the server logged errors (see above)")
    fi
    rm -rf "$dir"
}

# How busy the machine is without us: other work on the 2 cores lowers every figure.
read -r ib0 it0 <<<"$(machine_ticks)"
sleep 3
read -r ib1 it1 <<<"$(machine_ticks)"
IDLE_BUSY=$(awk -v b="$((ib1 - ib0))" -v t="$((it1 - it0))" -v n="$NCPU" 'BEGIN { printf "%.0f", b / (t / n) * 100 }')
log "machine busy before the runs: ${IDLE_BUSY}% of one core"
if ((IDLE_BUSY > 20)); then
    log "WARNING: other processes are using the CPU; the figures will be lower than on a quiet machine"
fi
BIN_BUILT=$(date -u -r "$CONVENE_BIN" '+%Y-%m-%d %H:%M UTC')
GIT_HEAD=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "unknown")
log "convene: $CONVENE_BIN (built $BIN_BUILT; the work tree is at commit $GIT_HEAD)"
log "machine: $NCPU cores ($(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)), shared by the server and wrk"
log "wrk: -t$THREADS -c$CONNECTIONS -d$DURATION --latency (warm-up $WARMUP), $HOST only"
for size in $SIZES; do
    [[ $size =~ ^[0-9]+$ ]] || die "SIZES must be numbers, got $size"
    run_size "$size"
done

# --- Summary ---------------------------------------------------------------------------

# yes_no A OP B, with OP one of ge, lt (numbers, possibly fractional).
yes_no() {
    if awk -v a="$1" -v op="$2" -v b="$3" \
        'BEGIN { a += 0; b += 0; exit !((op == "ge" && a >= b) || (op == "lt" && a < b)) }'; then
        echo "yes"
    else
        echo "NO"
    fi
}

echo
echo "Convene event pages under load: $(date -u +%Y-%m-%d), $NCPU cores shared by server and wrk,"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency on $HOST"
echo "binary: $CONVENE_BIN, built $BIN_BUILT (work tree at commit $GIT_HEAD)"
echo
printf '%-7s %-18s %7s %7s %7s %-28s %4s %4s %4s %6s %s\n' \
    "events" "page" "req/s" "p50 ms" "p99 ms" "target: req/s, p99 (met?)" "srv" "wrk" "oth" "RSS MB" "errors"
for r in "${RESULTS[@]}"; do
    IFS='|' read -r size label kind rps p99 p50 requests errors scpu wcpu ocpu rss_after <<<"$r"
    case $kind in
        event) target=$TARGET_EVENT_RPS ;;
        listing) target=$TARGET_LISTING_RPS ;;
        *) target="" ;;
    esac
    if [[ -n $target ]]; then
        met="$target/s ($(yes_no "$rps" ge "$target")), p99<${TARGET_P99_MS} ($(yes_no "$p99" lt "$TARGET_P99_MS"))"
    else
        met="(reference)"
    fi
    printf '%-7s %-18s %7s %7s %7s %-28s %3s%% %3s%% %3s%% %6s %s\n' \
        "$size" "$label" "$rps" "$p50" "$p99" "$met" "$scpu" "$wcpu" "$ocpu" "$rss_after" "$errors"
done
echo
printf '%-7s %10s %16s %14s %14s %s\n' "events" "seed s" "RSS idle MB" "VmHWM MB" "VmRSS MB" "memory < ${TARGET_MEM_MB} MB?"
for m in "${MEMORY[@]}"; do
    IFS='|' read -r size seed idle hwm rss <<<"$m"
    printf '%-7s %10s %16.1f %14.1f %14.1f %s\n' "$size" "$seed" \
        "$(awk -v k="$idle" 'BEGIN { print k / 1024 }')" \
        "$(awk -v k="$hwm" 'BEGIN { print k / 1024 }')" \
        "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" \
        "$(yes_no "$((hwm / 1024))" lt "$TARGET_MEM_MB")"
done
echo
echo "CPU columns: % of one core during the measured run (the machine has $((NCPU * 100))%):"
echo "srv = the convene process, wrk = wrk, oth = every other process (should be near 0)."
echo "RSS MB: the server's resident memory right after that page's run."
echo "Machine busy before the runs (no load): $IDLE_BUSY% of one core."

if ((${#NOISY[@]})); then
    echo
    echo "NOT A QUIET MACHINE: these figures are lower than the server can do alone:"
    printf '  %s\n' "${NOISY[@]}"
fi

if ((${#FAILURES[@]})); then
    echo
    echo "FAILURES:"
    printf '  %s\n' "${FAILURES[@]}"
    exit 1
fi
