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
#
# Every request says it is a browser (READER_UA, a Firefox user agent unless set), so each
# page read is counted as a page view (see src/metrics) and the figures include the counting;
# READER_UA="" sends no user agent, which is not counted, to measure without it.
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
READER_UA=${READER_UA-"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- Tools -----------------------------------------------------------------------------

find_convene
need_tools wrk
command -v curl >/dev/null || die "curl is needed"

# --- Per-run state and clean-up --------------------------------------------------------

make_work bench
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
    remove_work '*.wrk' '*.log'
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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
    convene_env "$dir"
    local base=$BASE
    export CONVENE_LOG=warn
    # Commands run inside the fresh data dir, so no ./convene.toml (or CONVENE_CONFIG) is read.
    unset CONVENE_CONFIG

    seed_with_events "$dir" "$size"
    local seed_s=$SEED_S
    log "size $size: seeded in ${seed_s}s: $(tr '\n' ' ' <"$WORK/seed-$size.log")"

    log "size $size: starting the server on $base"
    (cd "$dir" && exec "$CONVENE_BIN" serve) >"$WORK/server-$size.log" 2>&1 &
    SERVER_PID=$!
    wait_http "$base/healthz" "$SERVER_PID" "$WORK/server-$size.log" \
        "the server did not answer /healthz within 60 s"
    local idle_rss
    idle_rss=$(server_kb VmRSS)

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
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -H "User-Agent: $READER_UA" \
            "$base$path" >/dev/null
        measure_wrk "$out" "$SERVER_PID" \
            wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "User-Agent: $READER_UA" \
            "$base$path"

        local rps p99 p50 requests errors server_cpu machine_cpu wrk_cpu other_cpu
        read_wrk "$out"
        rps=$WRK_RPS p99=$WRK_P99 p50=$WRK_P50 requests=$WRK_REQUESTS
        errors=${WRK_ERRORS:-none}
        if [[ -n "$WRK_ERRORS" ]]; then
            FAILURES+=("size $size, $label ($path): $errors")
            log "size $size: $label: ERRORS under load: $errors"
        fi
        # Server CPU and whole-machine CPU during the measured run, in % of one core.
        server_cpu=$SERVER_CPU machine_cpu=$MACHINE_CPU wrk_cpu=$WRK_CPU other_cpu=$OTHER_CPU
        note_other_cpu "size $size: $label" "size $size, $label"
        local rss_now
        rss_now=$(awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status")
        RESULTS+=("$size|$label|$kind|$rps|$p99|$p50|$requests|$errors|$server_cpu|$wrk_cpu|$other_cpu|$rss_now")
        log "size $size: $label: $rps req/s, p50 ${p50} ms, p99 ${p99} ms, CPU: server ${server_cpu}%, wrk ${wrk_cpu}%, whole machine ${machine_cpu}% of $((NCPU * 100))%; server RSS after: ${rss_now} MB"
    done

    local hwm rss
    hwm=$(server_kb VmHWM)
    rss=$(server_kb VmRSS)
    MEMORY+=("$size|$seed_s|$idle_rss|$hwm|$rss")
    log "size $size: memory: VmHWM $((hwm / 1024)) MB, VmRSS $((rss / 1024)) MB (after start-up: $((idle_rss / 1024)) MB)"

    stop_server
    if server_log_errors "$WORK/server-$size.log" "size $size: "; then
        FAILURES+=("size $size: the server logged errors (see above)")
    fi
    rm -rf "$dir"
}

measure_idle
binary_info
log "machine: $NCPU cores ($(cpu_model)), shared by the server and wrk"
log "wrk: -t$THREADS -c$CONNECTIONS -d$DURATION --latency (warm-up $WARMUP), $HOST only"
for size in $SIZES; do
    [[ $size =~ ^[0-9]+$ ]] || die "SIZES must be numbers, got $size"
    run_size "$size"
done

# --- Summary ---------------------------------------------------------------------------

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
        met="$target/s ($(yes_if "$rps" ge "$target")), p99<${TARGET_P99_MS} ($(yes_if "$p99" lt "$TARGET_P99_MS"))"
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
        "$(yes_if "$((hwm / 1024))" lt "$TARGET_MEM_MB")"
done
echo
echo "CPU columns: % of one core during the measured run (the machine has $((NCPU * 100))%):"
echo "srv = the convene process, wrk = wrk, oth = every other process (should be near 0)."
echo "RSS MB: the server's resident memory right after that page's run."
echo "Machine busy before the runs (no load): $IDLE_BUSY% of one core."

report_noisy "the server"
exit_on_failures
