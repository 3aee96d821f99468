#!/usr/bin/env bash
# Benchmark of Convene's calendar feed (/calendar.ics) against nginx serving the same bytes
# as a static file, on loopback only (127.0.0.1).
#
#   bash bench/feeds.sh
#
# For each data size (default: 1,000 and 10,000 generated events on top of the demo forum):
#   1. seeds a fresh data dir and starts `convene serve` on a free port;
#   2. times the FIRST GET /calendar.ics after start-up. On the first start after seeding no
#      event has a stored feed entry yet, so that build renders and stores all of them (as
#      after an upgrade). Then it restarts the server COLD_RUNS times: each first GET is a
#      cold build (nothing cached in the process: the fingerprint query, one query joining
#      the stored entries, the VTIMEZONEs, SHA-256 for the ETag), median reported. Then,
#      with the server running, it changes one event CHANGE_RUNS times the way another
#      instance would (sqlite3 on the database file: new title, new updated_at), waits for
#      the feed cache's one-second recheck, and times the next GET: the rebuild after a
#      change. Each build's own duration comes from the server's debug log line
#      "calendar feed built ... ms="; the client-side time to first byte is reported too;
#   3. saves the feed bytes and their ETag;
#   4. starts a private nginx (Debian's nginx-light; its own config, pid and temp files in a
#      temp dir; 2 worker processes for the 2 cores; access log off) serving the saved bytes
#      as text/calendar with `etag on`;
#   5. runs `wrk -t2 -c32 -d15s --latency` (after a 3 s warm-up each) against
#      (a) Convene full feed, (b) nginx same bytes, (c) Convene 304 (If-None-Match: its ETag),
#      (d) nginx 304 (nginx's own ETag for the file). No Accept-Encoding: identity bodies;
#   6. reads the Convene server's peak memory (VmHWM in /proc/PID/status).
# A table with the targets is printed at the end. This is a benchmark, not a test: it exits 0
# when targets are missed and non-zero only when something failed to run (a server did not
# start, a request did not answer as expected, wrk errored, requests failed under load).
# wrk, Convene and nginx all share the machine's cores.
#
# Settings (environment):
#   CONVENE_BIN   the binary to run (default: target/release/convene, built if missing)
#   NGINX_BIN     nginx (default: nginx on PATH; nginx-light and wrk are installed with
#                 apt-get when missing and running as root)
#   SIZES         generated-event counts, one run each (default: "1000 10000")
#   COLD_RUNS     extra restarts to repeat the cold-build measurement (default: 5)
#   CHANGE_RUNS   changes to one event, each followed by a timed rebuild (default: 5)
#   DURATION      wrk duration per run (default: 15s)
#   WARMUP        wrk warm-up per run (default: 3s)
#   CONNECTIONS   wrk connections (default: 32)
#   THREADS       wrk threads (default: 2)
#   NGINX_WORKERS nginx worker_processes (default: 2)
#   PROFILE       if 1 and `perf` works: after the measured runs, profile the Convene server
#                 (perf record, self time by symbol) during one more cold build and during
#                 5 s of full-feed and 304 load. Profiling runs are not part of the figures.
#   BENCH_KEEP    if set, a directory to copy the raw wrk outputs, logs and profiles into
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZES=${SIZES:-"1000 10000"}
COLD_RUNS=${COLD_RUNS:-5}
CHANGE_RUNS=${CHANGE_RUNS:-5}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-3s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
NGINX_WORKERS=${NGINX_WORKERS:-2}
PROFILE=${PROFILE:-0}
HOST=127.0.0.1

# Targets the project set.
TARGET_FULL_RATIO=0.50   # Convene full feed req/s >= 50% of nginx on the same bytes
TARGET_304_RATIO=0.80    # Convene 304 req/s >= 80% of nginx 304
TARGET_COLD_MS=50        # cold build of the 10,000-event feed within 50 ms
TARGET_COLD_SIZE=10000

log() { printf '[feeds] %s\n' "$*" >&2; }
die() { printf '[feeds] error: %s\n' "$*" >&2; exit 1; }

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
check_durations

# --- Tools -----------------------------------------------------------------------------

find_convene
need_tools nginx wrk sqlite3
command -v curl >/dev/null || die "curl is needed"
if [[ $PROFILE == 1 ]] && ! command -v perf >/dev/null; then
    log "PROFILE=1 but perf is not installed: no profiles"
    PROFILE=0
fi

# --- Per-run state and clean-up --------------------------------------------------------

make_work feeds nginx
SERVER_PID=""
NGINX_PID=""
PERF_PID=""

stop_server() { stop_pid "$SERVER_PID" "convene"; SERVER_PID=""; }
stop_nginx() { stop_pid "$NGINX_PID" "nginx"; NGINX_PID=""; }
stop_perf() {
    if [[ -n "$PERF_PID" ]] && kill -0 "$PERF_PID" 2>/dev/null; then
        kill -INT "$PERF_PID" 2>/dev/null || true
        wait "$PERF_PID" 2>/dev/null || true
    fi
    PERF_PID=""
}

cleanup() {
    stop_perf
    stop_server
    stop_nginx
    remove_work '*.wrk' '*.log' '*.perf.txt'
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build_seed_events

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
start_server() { # size
    start_convene "$WORK/server-$1.log"
}

# One cold request: prints "total_ms ttfb_ms status bytes".
cold_request() { # url, output file, header file
    curl -s --max-time 60 -o "$2" -D "$3" \
        -w '%{time_total} %{time_starttransfer} %{http_code} %{size_download}\n' "$1" |
        awk '{ printf "%.1f %.1f %s %s\n", $1 * 1000, $2 * 1000, $3, $4 }'
}

# The duration of the server's latest feed build, from its debug log (ms, one decimal).
last_build_ms() { # log file
    grep -o 'calendar feed built.*ms=[0-9.]*' "$1" | tail -1 | sed 's/.*ms=//' | awk '{ printf "%.1f\n", $1 }'
}

# Results, one line per wrk run:
# size|label|rps|p50ms|p99ms|mbps|requests|errors|servercpu|wrkcpu|machinecpu
RESULTS=()
# One line per size:
# size|seed_s|cold_first|cold_median|cold_all|ttfb_median|warm_ms|bytes|vevents|hwm_kb|rss_kb|build_hwm_kb
#   |build_first|build_median|build_all|change_build_median|change_ttfb_median|change_all
SIZEINFO=()
FAILURES=()

# wrk against url; extra wrk args after the first three. Appends to RESULTS.
load() { # size, label, url, server pids (space-separated), [extra wrk args...]
    local size=$1 label=$2 url=$3 pids=$4
    shift 4
    local out="$WORK/$size-${label//[^a-z0-9]/_}.wrk"
    local limit
    limit=$(($(seconds "$DURATION") + $(seconds "$WARMUP") + 60))
    log "size $size: $label: warm-up $WARMUP, then $DURATION"
    timeout "$limit" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" --timeout 10s "$@" "$url" >/dev/null \
        || die "wrk warm-up for $label failed"
    measure_wrk "$out" "$pids" \
        timeout "$limit" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s --latency "$@" "$url" \
        || die "wrk for $label failed: $(cat "$out" "$out.time")"

    local rps p99 p50 mbps requests errors server_cpu machine_cpu wrk_cpu
    read_wrk "$out"
    rps=$WRK_RPS p99=$WRK_P99 p50=$WRK_P50 mbps=$WRK_MBPS requests=$WRK_REQUESTS
    errors=${WRK_ERRORS:-none}
    if [[ -n "$WRK_ERRORS" ]]; then
        FAILURES+=("size $size, $label: $errors")
        log "size $size: $label: ERRORS under load: $errors"
    fi
    server_cpu=$SERVER_CPU machine_cpu=$MACHINE_CPU wrk_cpu=$WRK_CPU
    RESULTS+=("$size|$label|$rps|$p50|$p99|$mbps|$requests|$errors|$server_cpu|$wrk_cpu|$machine_cpu")
    log "size $size: $label: $rps req/s, p50 $p50 ms, p99 $p99 ms, $mbps MB/s; CPU: server ${server_cpu}%, wrk ${wrk_cpu}%, machine ${machine_cpu}% of $((NCPU * 100))%"
}

# perf record of the Convene server while a command runs; writes the top symbols.
profile() { # size, name, sampling frequency, command...
    local size=$1 name=$2 PERF_FREQ=$3
    shift 3
    local data="$WORK/$size-$name.perf.data" txt="$WORK/$size-$name.perf.txt"
    perf record -q -F "$PERF_FREQ" -p "$SERVER_PID" -o "$data" >"$WORK/perf-$size-$name.log" 2>&1 &
    PERF_PID=$!
    sleep 1
    "$@" >/dev/null || log "profiled command failed: $*"
    stop_perf
    perf report -i "$data" --no-children --sort dso,symbol --stdio 2>/dev/null |
        grep -v '^#' | grep -v '^$' | sed -e 's/[ -]*$//' | cut -c1-150 | head -25 >"$txt" || true
    log "size $size: profile '$name' (self time, top symbols):"
    sed 's/^/    /' "$txt" >&2
    rm -f "$data"
}

# --- One size --------------------------------------------------------------------------

run_size() {
    local size=$1
    local dir="$WORK/data-$size"
    convene_env "$dir"
    local base=$BASE
    # Warnings, plus the feed builds' own timings.
    export CONVENE_LOG=warn,convene::calendar=debug
    # Commands run inside the fresh data dir, so no ./convene.toml (or CONVENE_CONFIG) is read.
    unset CONVENE_CONFIG

    seed_with_events "$dir" "$size"
    local seed_s=$SEED_S
    log "size $size: seeded in ${seed_s}s"

    # Cold builds: the first request after each start.
    local feed="$WORK/feed-$size.ics" hdr="$WORK/feed-$size.headers"
    local cold_all=() ttfb_all=() build_all=() first="" status bytes ms ttfb etag="" e built
    local i
    for i in $(seq 0 "$COLD_RUNS"); do
        log "size $size: start $((i + 1)) of $((COLD_RUNS + 1)) on $base"
        start_server "$size"
        if ((i == 0)); then
            read -r ms ttfb status bytes <<<"$(cold_request "$base/calendar.ics" "$feed" "$hdr")"
        else
            read -r ms ttfb status bytes <<<"$(cold_request "$base/calendar.ics" /dev/null "$hdr.$i")"
        fi
        [[ $status == 200 ]] || die "cold GET /calendar.ics answered $status"
        built=$(last_build_ms "$WORK/server-$size.log")
        [[ -n $built ]] || die "the server logged no feed build"
        log "size $size: cold GET /calendar.ics: ${ms} ms (first byte after ${ttfb} ms; the build took ${built} ms), $bytes bytes"
        build_all+=("$built")
        cold_all+=("$ms")
        ttfb_all+=("$ttfb")
        [[ -n $first ]] || first=$ms
        if ((i == 0)); then
            etag=$(header_value "$hdr" etag)
        else
            e=$(header_value "$hdr.$i" etag)
            [[ $e == "$etag" ]] || log "size $size: note: ETag changed across restarts ($etag -> $e)"
        fi
        ((i == COLD_RUNS)) || stop_server
    done
    local cold_med ttfb_med build_med
    # The median of the repeats (restarts); the first build (every entry rendered) is
    # reported beside it.
    if ((COLD_RUNS > 0)); then
        cold_med=$(median "${cold_all[@]:1}")
        ttfb_med=$(median "${ttfb_all[@]:1}")
        build_med=$(median "${build_all[@]:1}")
    else
        cold_med=$first
        ttfb_med=${ttfb_all[0]}
        build_med=${build_all[0]}
    fi
    [[ -n $etag ]] || die "GET /calendar.ics sent no ETag"
    # Peak memory of the server that has done nothing but one cold build so far.
    local build_hwm
    build_hwm=$(server_kb VmHWM)
    local ctype vevents warm_ms
    ctype=$(header_value "$hdr" content-type)
    [[ $ctype == text/calendar* ]] || die "GET /calendar.ics answered Content-Type $ctype"
    bytes=$(stat -c %s "$feed")
    vevents=$(grep -c '^BEGIN:VEVENT' "$feed" || true)
    # A warm request (served from the cache) for comparison.
    warm_ms=$(curl -s --max-time 30 -o /dev/null -w '%{time_total}' "$base/calendar.ics" | awk '{ printf "%.1f", $1 * 1000 }')
    log "size $size: feed: $bytes bytes, $vevents VEVENTs, ETag $etag; warm GET ${warm_ms} ms"
    status=$(curl -s --max-time 30 -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$base/calendar.ics")
    [[ $status == 304 ]] || die "GET /calendar.ics with If-None-Match: $etag answered $status, not 304"


    # nginx serving the same bytes.
    local ngx="$WORK/nginx-$size" nport http
    mkdir -p "$ngx/www"
    chmod 755 "$ngx" "$ngx/www"
    cp "$feed" "$ngx/www/calendar.ics"
    chmod 644 "$ngx/www/calendar.ics"
    nport=$(free_port)
    http=$(cat <<EOF
    types { text/calendar ics; }
    default_type application/octet-stream;
    charset utf-8;
    charset_types text/calendar;
    sendfile on;
    tcp_nopush on;
    # As many requests per connection as Convene allows (nginx's default is 1000).
    keepalive_requests 1000000;
    etag on;
    server {
        listen $HOST:$nport;
        root $ngx/www;
        location = /calendar.ics { }
    }
EOF
)
    start_nginx "$ngx" "$http" "$WORK/nginx-$size.log"
    local nbase="http://$HOST:$nport"
    wait_http "$nbase/calendar.ics" "$NGINX_PID" "$WORK/nginx-$size.log"
    local nworkers nhdr="$WORK/nginx-$size.headers" netag nlen
    nworkers=$(pgrep -P "$NGINX_PID" | tr '\n' ' ')
    curl -s --max-time 10 -I "$nbase/calendar.ics" >"$nhdr"
    netag=$(header_value "$nhdr" etag)
    nlen=$(header_value "$nhdr" content-length)
    [[ -n $netag ]] || die "nginx sent no ETag"
    [[ $nlen == "$bytes" ]] || die "nginx serves $nlen bytes, Convene $bytes"
    status=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H "If-None-Match: $netag" "$nbase/calendar.ics")
    [[ $status == 304 ]] || die "nginx answered $status to If-None-Match, not 304"
    log "size $size: nginx on $nbase (workers: $nworkers), ETag $netag"

    load "$size" "convene full" "$base/calendar.ics" "$SERVER_PID"
    # shellcheck disable=SC2086
    load "$size" "nginx full" "$nbase/calendar.ics" "$nworkers"
    load "$size" "convene 304" "$base/calendar.ics" "$SERVER_PID" -H "If-None-Match: $etag"
    # shellcheck disable=SC2086
    load "$size" "nginx 304" "$nbase/calendar.ics" "$nworkers" -H "If-None-Match: $netag"

    # Rebuilds after a change made outside this server (as another instance would), after the
    # load runs so that those serve the saved feed's bytes and ETag.
    local change_all=() change_ttfb=() j changed_id body_after prev_etag=$etag
    changed_id=$(sqlite3 "$dir/convene.db" "SELECT max(id) FROM event WHERE status = 'published'")
    for j in $(seq 1 "$CHANGE_RUNS"); do
        sqlite3 "$dir/convene.db" "PRAGMA busy_timeout = 5000; UPDATE event SET title = title || ' *', updated_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') WHERE id = $changed_id" >/dev/null \
            || die "could not change an event with sqlite3"
        sleep 1.2
        read -r ms ttfb status _ <<<"$(cold_request "$base/calendar.ics" "$WORK/changed-$size.ics" "$hdr.changed")"
        [[ $status == 200 ]] || die "GET /calendar.ics after a change answered $status"
        e=$(header_value "$hdr.changed" etag)
        [[ $e != "$prev_etag" ]] || die "change $j did not show in the next feed (ETag $e)"
        prev_etag=$e
        built=$(last_build_ms "$WORK/server-$size.log")
        log "size $size: after change $j: ${ms} ms (first byte after ${ttfb} ms; the build took ${built} ms)"
        change_all+=("$built")
        change_ttfb+=("$ttfb")
    done
    body_after=$(tr -d '\r' <"$WORK/changed-$size.ics" | awk '/^BEGIN:VEVENT/ { n++ } END { print n + 0 }')
    [[ $body_after == "$vevents" ]] || die "after the changes the feed has $body_after VEVENTs, not $vevents"
    rm -f "$WORK/changed-$size.ics"
    local change_med change_ttfb_med
    change_med=$(median "${change_all[@]}")
    change_ttfb_med=$(median "${change_ttfb[@]}")

    local hwm rss
    hwm=$(server_kb VmHWM)
    rss=$(server_kb VmRSS)
    log "size $size: convene memory: VmHWM $((hwm / 1024)) MB (after the cold build: $((build_hwm / 1024)) MB), VmRSS $((rss / 1024)) MB"
    SIZEINFO+=("$size|$seed_s|$first|$cold_med|${cold_all[*]}|$ttfb_med|$warm_ms|$bytes|$vevents|$hwm|$rss|$build_hwm|${build_all[0]}|$build_med|${build_all[*]}|$change_med|$change_ttfb_med|${change_all[*]}")
    stop_nginx

    if [[ $PROFILE == 1 ]]; then
        profile "$size" "full-feed-load" 1999 timeout 30 wrk -t"$THREADS" -c"$CONNECTIONS" -d5s "$base/calendar.ics"
        profile "$size" "304-load" 1999 timeout 30 wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -H "If-None-Match: $etag" "$base/calendar.ics"
        stop_server
        start_server "$size"
        profile "$size" "cold-build" max curl -s --max-time 60 -o /dev/null "$base/calendar.ics"
    fi

    stop_server
    if server_log_errors "$WORK/server-$size.log" "size $size: "; then
        FAILURES+=("size $size: the server logged errors (see above)")
    fi
    rm -rf "$dir" "$ngx"
}

measure_idle
log "convene: $CONVENE_BIN"
log "nginx: $("$NGINX_BIN" -v 2>&1)"
log "machine: $NCPU cores ($(cpu_model)), shared by the servers and wrk"
log "wrk: -t$THREADS -c$CONNECTIONS -d$DURATION --latency (warm-up $WARMUP), $HOST only"
for size in $SIZES; do
    [[ $size =~ ^[0-9]+$ ]] || die "SIZES must be numbers, got $size"
    run_size "$size"
done

# --- Summary ---------------------------------------------------------------------------

# `result "SIZE|LABEL" FIELD` (lib.sh): fields 3 rps, 4 p50, 5 p99, 6 MB/s, 9 srv cpu, 10 wrk cpu,
# 11 machine cpu.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

echo
echo "Convene /calendar.ics vs nginx (same bytes, static file): $(date -u +%Y-%m-%d),"
echo "$NCPU cores shared by Convene, nginx ($NGINX_WORKERS workers) and wrk;"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency on $HOST, identity (no Accept-Encoding)"
echo
printf '%-6s %7s | %8s %7s | %8s %7s | %5s | %8s %7s | %8s %7s | %5s | %6s\n' \
    "events" "cold ms" "C full/s" "p99 ms" "N full/s" "p99 ms" "ratio" "C 304/s" "p99 ms" "N 304/s" "p99 ms" "ratio" "HWM MB"
for s in "${SIZEINFO[@]}"; do
    IFS='|' read -r size seed first cold cold_all ttfb warm bytes vevents hwm rss build_hwm build_first build_med build_all change_med change_ttfb change_all <<<"$s"
    cf=$(result "$size|convene full" 3); nf=$(result "$size|nginx full" 3)
    c3=$(result "$size|convene 304" 3); n3=$(result "$size|nginx 304" 3)
    printf '%-6s %7s | %8s %7s | %8s %7s | %5s | %8s %7s | %8s %7s | %5s | %6.1f\n' \
        "$size" "$ttfb" "$cf" "$(result "$size|convene full" 5)" "$nf" "$(result "$size|nginx full" 5)" \
        "$(ratio "$cf" "$nf")" "$c3" "$(result "$size|convene 304" 5)" "$n3" "$(result "$size|nginx 304" 5)" \
        "$(ratio "$c3" "$n3")" "$(awk -v k="$hwm" 'BEGIN { print k / 1024 }')"
done
echo "(cold ms: median of $COLD_RUNS restarts, time to the first byte of the first GET after start-up;"
echo " C = Convene, N = nginx)"
echo
printf '%-6s %9s | %8s %8s %8s | %8s %8s | %s\n' \
    "events" "first ms" "cold ms" "TTFB ms" "total ms" "chg ms" "TTFB ms" "all cold builds / all rebuilds after a change (ms)"
for s in "${SIZEINFO[@]}"; do
    IFS='|' read -r size seed first cold cold_all ttfb warm bytes vevents hwm rss build_hwm build_first build_med build_all change_med change_ttfb change_all <<<"$s"
    printf '%-6s %9s | %8s %8s %8s | %8s %8s | %s / %s\n' "$size" "$build_first" "$build_med" "$ttfb" "$cold" \
        "$change_med" "$change_ttfb" "${build_all#* }" "$change_all"
done
echo "(first: the build right after seeding, which renders and stores every event's entry, as after an"
echo " upgrade; cold: medians over $COLD_RUNS restarts, the build as the server timed it, the client's time to"
echo " the first byte and to the last; chg: median of $CHANGE_RUNS rebuilds after one event changed)"
echo
printf '%-6s %9s %7s %8s %6s %8s %-24s %7s %7s %9s %6s\n' \
    "events" "bytes" "VEVENTs" "bytes/ev" "seed s" "first ms" "cold ms (all starts)" "TTFB ms" "warm ms" "build MB" "RSS MB"
for s in "${SIZEINFO[@]}"; do
    IFS='|' read -r size seed first cold cold_all ttfb warm bytes vevents hwm rss build_hwm build_first build_med build_all change_med change_ttfb change_all <<<"$s"
    printf '%-6s %9s %7s %8s %6s %8s %-24s %7s %7s %9.1f %6.1f\n' "$size" "$bytes" "$vevents" \
        "$(awk -v b="$bytes" -v n="$vevents" 'BEGIN { if (n) printf "%.0f", b / n }')" "$seed" "$first" \
        "$cold_all" "$ttfb" "$warm" "$(awk -v k="$build_hwm" 'BEGIN { print k / 1024 }')" \
        "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
done
echo "(TTFB: median time to the first byte of the cold response, i.e. the build; warm: a cached request;"
echo " build MB: VmHWM after one cold build, before any load; RSS MB: VmRSS after the load runs)"
echo
printf '%-6s %-14s %8s %7s %7s %8s %4s %4s %4s %s\n' "events" "run" "req/s" "p50 ms" "p99 ms" "MB/s" "srv" "wrk" "all" "errors"
for r in "${RESULTS[@]}"; do
    IFS='|' read -r size label rps p50 p99 mbps requests errors scpu wcpu mcpu <<<"$r"
    printf '%-6s %-14s %8s %7s %7s %8s %3s%% %3s%% %3s%% %s\n' \
        "$size" "$label" "$rps" "$p50" "$p99" "$mbps" "$scpu" "$wcpu" "$mcpu" "$errors"
done
echo "(CPU: % of one core during the measured run, of $((NCPU * 100))%: srv = convene or the nginx workers,"
echo " wrk = wrk, all = every process on the machine; machine busy before the runs: $IDLE_BUSY%)"
echo
echo "Targets:"
for s in "${SIZEINFO[@]}"; do
    IFS='|' read -r size seed first cold cold_all ttfb warm bytes vevents hwm rss build_hwm build_first build_med build_all change_med change_ttfb change_all <<<"$s"
    cf=$(result "$size|convene full" 3); nf=$(result "$size|nginx full" 3)
    c3=$(result "$size|convene 304" 3); n3=$(result "$size|nginx 304" 3)
    echo "  $size events: full feed >= ${TARGET_FULL_RATIO} x nginx: $(ratio "$cf" "$nf") ($(yes_if "$(ratio "$cf" "$nf")" ge "$TARGET_FULL_RATIO"));" \
        "304 >= ${TARGET_304_RATIO} x nginx: $(ratio "$c3" "$n3") ($(yes_if "$(ratio "$c3" "$n3")" ge "$TARGET_304_RATIO"))"
    if [[ $size == "$TARGET_COLD_SIZE" ]]; then
        echo "  $size events: cold build <= ${TARGET_COLD_MS} ms: $ttfb ms to the first byte, $build_med ms as the" \
            "server timed it ($(yes_if "$ttfb" le "$TARGET_COLD_MS")); after a change: $change_ttfb ms" \
            "($(yes_if "$change_ttfb" le "$TARGET_COLD_MS"))"
    fi
done
# Linear growth: compare the smallest and the largest size.
if ((${#SIZEINFO[@]} >= 2)); then
    IFS='|' read -r s1 _ _ _ _ _ _ b1 v1 _ _ _ _ c1 _ <<<"${SIZEINFO[0]}"
    IFS='|' read -r s2 _ _ _ _ _ _ b2 v2 _ _ _ _ c2 _ <<<"${SIZEINFO[${#SIZEINFO[@]} - 1]}"
    vr=$(ratio "$v2" "$v1"); br=$(ratio "$b2" "$b1"); cr=$(ratio "$c2" "$c1")
    # Linear (or better) if the cold build (as the server timed it) grows no faster than 1.5 x
    # the growth in events and
    # the bytes per event stay within 20%.
    lin_time=$(awk -v c="$cr" -v v="$vr" 'BEGIN { print (c <= 1.5 * v) ? "yes" : "NO" }')
    lin_bytes=$(awk -v b="$br" -v v="$vr" 'BEGIN { r = b / v; print (r >= 0.8 && r <= 1.2) ? "yes" : "NO" }')
    echo "  linear in N ($s1 -> $s2 events): VEVENTs x$vr, bytes x$br ($lin_bytes), cold build x$cr ($lin_time:" \
        "at most 1.5 x the growth in events)"
fi

exit_on_failures
