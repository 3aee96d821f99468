# Helpers shared by the benchmark scripts (sourced, not run). They expect HOST to be set
# and a `die` function to exist.

# A port nobody listens on at $HOST.
free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    die "no free port found"
}

# CPU ticks (user + system) used so far by processes; fields 14 and 15 of /proc/PID/stat.
proc_ticks() {
    local pid total=0 t
    for pid in "$@"; do
        t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
        total=$((total + t))
    done
    echo "$total"
}
# Busy and total ticks of the whole machine, from /proc/stat.
machine_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat; }
CLK_TCK=$(getconf CLK_TCK)
NCPU=$(nproc)

# Ticks used between two readings, as % of one core, given the machine's total ticks then.
cpu_pct() { # before, after, machine total ticks elapsed
    awk -v a="$1" -v b="$2" -v mt="$3" -v n="$NCPU" 'BEGIN { printf "%.0f", (b - a) / (mt / n) * 100 }'
}
# wrk's own CPU (from `time -f '%U %S'` output in FILE) as % of one core.
wrk_cpu_pct() { # time file, machine total ticks elapsed
    awk -v mt="$2" -v n="$NCPU" -v hz="$CLK_TCK" 'NF == 2 { printf "%.0f", ($1 + $2) * hz / (mt / n) * 100 }' "$1"
}

# wrk latency ("950.00us", "12.34ms", "1.02s") -> milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
        printf "%.2f", n
    }'
}
# wrk transfer ("1.23GB", "512.00KB") -> MB/s.
to_mb() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "B") n /= 1048576; else if (u == "KB") n /= 1024; else if (u == "GB") n *= 1024
        printf "%.0f", n
    }'
}

# Reads wrk --latency output into WRK_RPS, WRK_P50, WRK_P99 (ms), WRK_MBPS, WRK_REQUESTS and
# WRK_ERRORS (empty when every answer was 2xx/3xx and no socket failed).
read_wrk() { # output file
    local non2xx sockerr
    WRK_RPS=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$1")
    WRK_P99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$1")")
    WRK_P50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$1")")
    WRK_MBPS=$(to_mb "$(awk '/^Transfer\/sec:/ { print $2 }' "$1")")
    WRK_REQUESTS=$(awk '/requests in/ { print $1 }' "$1")
    non2xx=$(awk -F': *' '/Non-2xx or 3xx responses/ { print $2 }' "$1")
    sockerr=$(sed -n 's/^ *Socket errors: *//p' "$1")
    WRK_ERRORS=""
    if [[ -n "$non2xx" || -n "$sockerr" ]]; then
        WRK_ERRORS="non-2xx/3xx: ${non2xx:-0}; socket: ${sockerr:-none}"
    fi
}

# The generator of load-test events (bench/seed_events.rs), built in release mode if missing:
# sets SEED_EVENTS_BIN. Expects ROOT and a `log` function.
build_seed_events() {
    SEED_EVENTS_BIN="$ROOT/target/release/examples/seed-events"
    if [[ ! -x "$SEED_EVENTS_BIN" ]]; then
        log "building the event generator (bench/seed_events.rs)"
        (cd "$ROOT" && nice -n 10 cargo build --release --example seed-events)
    fi
}
