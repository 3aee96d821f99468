# Helpers shared by the benchmark scripts (sourced, not run: each script sources it right after
# defining `log` and `die`). Sourcing it only defines functions and sets CLK_TCK and NCPU.
# The helpers expect the script to define:
#   HOST          the address everything listens on (127.0.0.1)
#   ROOT          the repository's root (absolute)
#   log, die      functions: log a line to stderr; log an error and exit 1
# and, where a helper's comment names them: WORK (make_work sets it), CONVENE_BIN (find_convene),
# CONVENE_DATA_DIR and CONVENE_BASE_URL (convene_env), NGINX_BIN (need_tools nginx),
# SEED_EVENTS_BIN (build_seed_events), SERVER_PID, DB, NGINX_WORKERS, DURATION and WARMUP, and
# the arrays RESULTS, FAILURES and NOISY.

# --- Settings and tools ----------------------------------------------------------------

# wrk duration ("15s", "2m") -> seconds.
seconds() {
    case $1 in
        *m) echo $((${1%m} * 60)) ;;
        *s) echo "${1%s}" ;;
        *) echo "$1" ;;
    esac
}
# Dies unless DURATION and WARMUP are wrk durations in whole seconds or minutes.
check_durations() {
    [[ $(seconds "$DURATION") =~ ^[0-9]+$ && $(seconds "$WARMUP") =~ ^[0-9]+$ ]] \
        || die "DURATION and WARMUP must be like 15s or 2m"
}

# Sets CONVENE_BIN to the binary to run, as an absolute path (the server runs inside its data
# dir, so a relative path would break): the one CONVENE_BIN names, which must be an
# executable, else ROOT/target/release/convene, built first if it is missing.
find_convene() {
    if [[ -n "${CONVENE_BIN:-}" ]]; then
        [[ -x "$CONVENE_BIN" ]] || die "CONVENE_BIN=$CONVENE_BIN is not an executable"
        CONVENE_BIN=$(realpath "$CONVENE_BIN")
    else
        CONVENE_BIN="$ROOT/target/release/convene"
        if [[ ! -x "$CONVENE_BIN" ]]; then
            log "building the release binary (several minutes on a small machine)"
            (cd "$ROOT" && nice -n 10 cargo build --release --bin convene)
        fi
    fi
}

# Installs the tools named that are missing, with apt-get (Debian's packages; `nginx` is the
# package nginx-light), when running as root; otherwise dies saying what to install. Other
# names are commands of the same name as their package (wrk, sqlite3). With `nginx`, sets
# NGINX_BIN (if not set: nginx on PATH, else /usr/sbin/nginx) and dies unless it is an
# executable.
need_tools() { # tool...
    local tool nginx="" missing=()
    for tool in "$@"; do
        if [[ $tool == nginx ]]; then
            nginx=1
            NGINX_BIN=${NGINX_BIN:-$(command -v nginx || true)}
            if [[ -z "$NGINX_BIN" && -x /usr/sbin/nginx ]]; then
                NGINX_BIN=/usr/sbin/nginx
            fi
            [[ -n "$NGINX_BIN" ]] || missing+=(nginx-light)
        else
            command -v "$tool" >/dev/null || missing+=("$tool")
        fi
    done
    if ((${#missing[@]})); then
        [[ $(id -u) -eq 0 ]] || die "missing ${missing[*]}: apt-get install -y ${missing[*]}"
        log "installing ${missing[*]} (apt)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
        [[ -z $nginx ]] || NGINX_BIN=${NGINX_BIN:-/usr/sbin/nginx}
    fi
    [[ -z $nginx || -x "$NGINX_BIN" ]] || die "nginx not found"
}

# --- Processes and the temp dir --------------------------------------------------------

# Stops a process: SIGTERM, up to 10 s for it to end, then SIGKILL; waits for it. Nothing if
# PID is empty or not running.
stop_pid() { # pid, name (for the log)
    local pid=$1 name=$2 i
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "$name ($pid) did not stop within 10 s of SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

# Stops a background loop that ends by itself once its stop file exists: creates the file,
# gives the loop up to TENTHS tenths of a second, then sends SIGTERM; waits for it. Nothing if
# PID is empty.
stop_loop() { # pid, stop file, tenths of a second
    local i
    [[ -n "$1" ]] || return 0
    touch "$2"
    for i in $(seq 1 "$3"); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.1
    done
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# Makes the run's temp dir, WORK: convene-NAME.XXXXXX under TMPDIR (default /tmp). With
# "nginx", readable by all: nginx's workers drop root privileges, and must read the files they
# serve from it.
make_work() { # name, [nginx]
    WORK=$(mktemp -d -t "convene-$1.XXXXXX")
    if [[ ${2:-} == nginx ]]; then
        chmod 755 "$WORK"
    fi
}

# Removes WORK, first copying the files in it that match the patterns (globs relative to
# WORK, e.g. '*.wrk') into BENCH_KEEP if that is set.
remove_work() { # pattern...
    local pattern files=()
    if [[ -n "${BENCH_KEEP:-}" ]]; then
        mkdir -p "$BENCH_KEEP"
        for pattern in "$@"; do
            # shellcheck disable=SC2206
            files+=("$WORK"/$pattern)
        done
        cp "${files[@]}" "$BENCH_KEEP"/ 2>/dev/null || true
    fi
    rm -rf "$WORK"
}

# A port nobody listens on at $HOST (checked with bash's /dev/tcp; the server's own bind
# confirms it).
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

# Points the convene commands at the data dir DIR (made if missing) and a free port on HOST:
# exports CONVENE_DATA_DIR, CONVENE_BIND and CONVENE_BASE_URL, and sets PORT and BASE (the
# base URL).
convene_env() { # data dir
    mkdir -p "$1"
    PORT=$(free_port)
    BASE="http://$HOST:$PORT"
    export CONVENE_DATA_DIR="$1"
    export CONVENE_BIND="$HOST:$PORT"
    export CONVENE_BASE_URL="$BASE"
}

# Waits, up to 60 s, until URL answers 2xx, and dies if the process PID exits meanwhile
# (after showing LOG) or if it never does (with MESSAGE, by default "URL did not answer
# within 60 s").
wait_http() { # url, pid to watch, log file, [message on time-out]
    local _
    for _ in $(seq 1 300); do
        kill -0 "$2" 2>/dev/null || { cat "$3" >&2; die "the server exited during start-up"; }
        if curl -fsS --max-time 2 -o /dev/null "$1" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    die "${4:-$1 did not answer within 60 s}"
}

# Starts `convene serve` in CONVENE_DATA_DIR, its output appended to LOG, sets SERVER_PID and
# waits until CONVENE_BASE_URL/healthz answers (see wait_http).
start_convene() { # log file
    (cd "$CONVENE_DATA_DIR" && exec "$CONVENE_BIN" serve) >>"$1" 2>&1 &
    SERVER_PID=$!
    wait_http "$CONVENE_BASE_URL/healthz" "$SERVER_PID" "$1"
}

# Starts a private nginx (NGINX_BIN) in DIR (its config, pid, error log and temp files there;
# DIR/tmp is made here) with NGINX_WORKERS workers and no access log; HTTP is the rest of its
# http block (types, server blocks...). Its output goes to LOG. Sets NGINX_PID; dies if nginx
# rejects the config. The caller waits until it answers.
start_nginx() { # dir, http block, log file
    local dir=$1
    mkdir -p "$dir/tmp"
    cat >"$dir/nginx.conf" <<EOF
daemon off;
worker_processes $NGINX_WORKERS;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
$2
}
EOF
    "$NGINX_BIN" -t -q -c "$dir/nginx.conf" -p "$dir" -e "$dir/error.log" >"$3" 2>&1 \
        || { cat "$3" >&2; die "nginx rejected its config"; }
    "$NGINX_BIN" -c "$dir/nginx.conf" -p "$dir" -e "$dir/error.log" >>"$3" 2>&1 &
    NGINX_PID=$!
}

# --- Seeding, the server and its answers -----------------------------------------------

# The generator of load-test events (bench/seed_events.rs), built in release mode if missing:
# sets SEED_EVENTS_BIN.
build_seed_events() {
    SEED_EVENTS_BIN="$ROOT/target/release/examples/seed-events"
    if [[ ! -x "$SEED_EVENTS_BIN" ]]; then
        log "building the event generator (bench/seed_events.rs)"
        (cd "$ROOT" && nice -n 10 cargo build --release --example seed-events)
    fi
}

# Seeds the data dir DIR with the demo forum plus N generated events (after
# build_seed_events), its output in WORK/seed-N.log; sets SEED_S, the seconds it took.
seed_with_events() { # data dir, N
    local t0 t1
    log "size $2: seeding the demo forum plus $2 generated events"
    t0=$(date +%s.%N)
    (cd "$1" && "$CONVENE_BIN" seed-demo && "$SEED_EVENTS_BIN" "$2") >"$WORK/seed-$2.log" 2>&1 \
        || { cat "$WORK/seed-$2.log" >&2; die "seed-demo failed"; }
    t1=$(date +%s.%N)
    SEED_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
}

# The database: sqlite3 on DB, waiting up to 5 s for a lock.
db() { sqlite3 -cmd '.timeout 5000' "$DB" "$@"; }

# A line of the server's (SERVER_PID's) /proc/PID/status, in kB (VmRSS: resident now; VmHWM:
# the peak).
server_kb() { # field name
    awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SERVER_PID/status"
}

# A header's value in a file of response headers (curl -D), without the CR.
header_value() { # file, name (case-insensitive)
    awk -v n="$2" 'BEGIN { n = tolower(n) ":" } tolower($1) == n { sub(/^[^:]*: */, ""); sub(/\r$/, ""); print; exit }' "$1"
}

# The CSRF token in a saved page (<meta name="csrf-token" content="...">).
csrf_of() { # page file
    sed -n 's/.*<meta name="csrf-token" content="\([^"]*\)".*/\1/p' "$1" | head -1
}

# Whether the server's log has lines with "error" or "panic" (any case): if so, logs
# "PREFIXthe server logged errors:" and its first 20 such lines, sets LOG_ERRORS to how many
# there are and returns 0; returns 1 if there are none.
server_log_errors() { # log file, [prefix for the log line, e.g. "size 1000: "]
    LOG_ERRORS=$(grep -ciE 'error|panic' "$1" || true)
    ((${LOG_ERRORS:-0} > 0)) || return 1
    log "${2:-}the server logged errors:"
    grep -iE 'error|panic' "$1" | head -20 >&2 || true
    return 0
}

# --- CPU -------------------------------------------------------------------------------

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

# The model name of the machine's CPU.
cpu_model() { awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo; }

# How busy the machine is without us (other work on the cores lowers every figure): sets
# IDLE_BUSY, the machine's busy time over 3 s in % of one core, and logs it, with a warning
# above 20 %.
measure_idle() {
    local ib0 it0 ib1 it1
    read -r ib0 it0 <<<"$(machine_ticks)"
    sleep 3
    read -r ib1 it1 <<<"$(machine_ticks)"
    IDLE_BUSY=$(awk -v b="$((ib1 - ib0))" -v t="$((it1 - it0))" -v n="$NCPU" 'BEGIN { printf "%.0f", b / (t / n) * 100 }')
    log "machine busy before the runs: ${IDLE_BUSY}% of one core"
    if ((IDLE_BUSY > 20)); then
        log "WARNING: other processes are using the CPU; the figures will be lower than on a quiet machine"
    fi
}

# Sets BIN_BUILT (when CONVENE_BIN was built) and GIT_HEAD (the work tree's commit), and logs
# them.
binary_info() {
    BIN_BUILT=$(date -u -r "$CONVENE_BIN" '+%Y-%m-%d %H:%M UTC')
    GIT_HEAD=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "unknown")
    log "convene: $CONVENE_BIN (built $BIN_BUILT; the work tree is at commit $GIT_HEAD)"
}

# Runs COMMAND (wrk) with its standard output in OUT, and its standard error followed by its
# CPU time (`time`: user and system seconds) in OUT.time, and sets the CPU used meanwhile, in
# % of one core: SERVER_CPU by the processes PIDS (space-separated), WRK_CPU by the command,
# MACHINE_CPU by the whole machine and OTHER_CPU by everything else (at least 0). If the
# command fails, returns its status and sets nothing.
measure_wrk() { # out file, server pids, command...
    local out=$1 pids=$2 s0 m0 s1 m1 mb0 mt0 mb1 mt1 TIMEFORMAT='%U %S'
    shift 2
    # shellcheck disable=SC2086
    s0=$(proc_ticks $pids)
    m0=$(machine_ticks)
    { time "$@" >"$out"; } 2>"$out.time" || return
    # shellcheck disable=SC2086
    s1=$(proc_ticks $pids)
    m1=$(machine_ticks)
    read -r mb0 mt0 <<<"$m0"
    read -r mb1 mt1 <<<"$m1"
    SERVER_CPU=$(cpu_pct "$s0" "$s1" "$((mt1 - mt0))")
    MACHINE_CPU=$(cpu_pct "$mb0" "$mb1" "$((mt1 - mt0))")
    WRK_CPU=$(wrk_cpu_pct "$out.time" "$((mt1 - mt0))")
    OTHER_CPU=$((MACHINE_CPU - SERVER_CPU - WRK_CPU))
    ((OTHER_CPU >= 0)) || OTHER_CPU=0
}

# After measure_wrk: if other processes used more than 20 % of one core during the run, logs
# a warning ("LOG_PREFIX: WARNING: ...") and adds it to NOISY ("NOISY_PREFIX: ...").
note_other_cpu() { # log prefix, NOISY prefix
    if ((OTHER_CPU > 20)); then
        log "$1: WARNING: other processes used ${OTHER_CPU}% of one core during this run"
        NOISY+=("$2: other processes used ${OTHER_CPU}% of one core")
    fi
}

# --- wrk's output ----------------------------------------------------------------------

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

# --- The summary -----------------------------------------------------------------------

# A field of the first RESULTS line that starts with KEY: its first field, or first fields
# joined by "|" ("nginx", "1000|nginx full"); 0 if there is none.
result() { # key, field number (1 = the first)
    local r f
    for r in "${RESULTS[@]}"; do
        if [[ $r == "$1|"* ]]; then
            IFS='|' read -r -a f <<<"$r"
            echo "${f[$(($2 - 1))]}"
            return
        fi
    done
    echo 0
}

# "yes" if A OP B, else "NO"; A and B are numbers, possibly fractional (anything else counts as
# 0), OP one of lt, le, eq, ge, gt.
yes_if() { # A, OP, B
    if awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN {
        a += 0; b += 0
        exit !((op == "lt" && a < b) || (op == "le" && a <= b) || (op == "eq" && a == b) ||
               (op == "ge" && a >= b) || (op == "gt" && a > b))
    }'; then
        echo "yes"
    else
        echo "NO"
    fi
}

# The summary's line about the binary (after binary_info), with TEXT at its end, and a
# warning if it is a debug build.
print_binary() { # [text]
    echo "binary: $CONVENE_BIN, built $BIN_BUILT (work tree at commit $GIT_HEAD)${1:-}"
    if [[ $CONVENE_BIN == */debug/* ]]; then
        echo "DEBUG BUILD: these figures say nothing about Convene's speed; measure with a release build."
    fi
}

# Prints the NOISY entries, if any, under "NOT A QUIET MACHINE: these figures are lower than
# WHO can do alone:"; given IDLE (IDLE_BUSY), also when the machine was more than 20 % of a
# core busy before the runs, saying so.
report_noisy() { # who ("the server"), [idle busy %]
    local idle=${2:-0}
    if ((idle > 20 || ${#NOISY[@]})); then
        echo
        echo "NOT A QUIET MACHINE: these figures are lower than $1 can do alone:"
        if ((idle > 20)); then
            echo "  machine busy before the runs: $idle% of one core"
        fi
        if ((${#NOISY[@]})); then
            printf '  %s\n' "${NOISY[@]}"
        fi
    fi
}

# Prints the FAILURES, if any, and exits 1.
exit_on_failures() {
    if ((${#FAILURES[@]})); then
        echo
        echo "FAILURES:"
        printf '  %s\n' "${FAILURES[@]}"
        exit 1
    fi
}
