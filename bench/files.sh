#!/usr/bin/env bash
# Benchmark of Convene's file uploads and downloads, on loopback only (127.0.0.1): the
# server's memory while it receives a very large upload, and the download rate of a file
# against nginx serving the same bytes as a static file.
#
#   bash bench/files.sh
#
#   1. generates two PDFs in a temp dir: UPLOAD_MB MiB (default 1024) and DOWNLOAD_MB MiB
#      (default 10), each a PDF header (`%PDF-1.4`, which is what the upload's type check
#      looks at) followed by random filler and `%%EOF`, and takes the large one's SHA-256;
#   2. seeds a fresh data dir with `convene seed-demo` and starts `convene serve` on a free
#      port with the development sign-in switched on (it exists only on a loopback bind),
#      CONVENE_MAX_UPLOAD_MB at the larger file's size plus 76 (1100 with the defaults) and
#      the files kept in the data dir;
#   3. signs in as Priya Shah (an admin in the demo) with curl and a cookie jar: /meetings for
#      the browser's CSRF cookie and token, POST /auth/dev, /meetings again for the next
#      meeting's address (the first meeting listed), then that meeting's upload form for the
#      token that goes with the session;
#   4. uploads the small PDF to the meeting as the upload form does (POST
#      /meetings/{slug}/files?csrf_token=..., multipart/form-data with `title` and `file`):
#      a 303 to the meeting page. This is also the warm-up: whatever the server sets up on
#      its first upload is in place before the idle reading;
#   5. reads the server's idle resident memory (VmRSS in /proc/PID/status) and its peak so
#      far (VmHWM), then uploads the large PDF the same way while a background loop reads
#      VmRSS every 0.1 s; reads VmHWM after it. Checks the answer (303 to the meeting page)
#      and, with sqlite3, that the stored row has the file's size and SHA-256 and that its
#      content is in the store;
#   6. finds the small file's address (`/files/{id}/{name}`) on the meeting page, downloads
#      it once without signing in and compares the bytes with the original (cmp);
#   7. starts a private nginx (Debian's nginx-light; its own config, pid and temp files in the
#      temp dir; 2 workers; access log off; sendfile on) serving a copy of the same bytes at
#      the same path, and runs `wrk -t2 -c32 -d15s --latency` (after a 3 s warm-up each)
#      against Convene and then nginx. No Accept-Encoding: identity bodies;
#   8. reads the server's VmHWM and VmRSS after the download runs, stops both servers and
#      removes the temp dir (also on Ctrl-C or failure, through a trap).
# A summary with the targets is printed at the end: the server's peak resident memory while
# the large file arrives less than 20 MB above its idle figure, and downloads at 50 % or more of
# nginx's requests/s. This is a benchmark, not a test: it exits 0 when a target is missed,
# and non-zero only when something failed to run (a server did not start, the sign-in or an
# upload did not answer as expected, a download's bytes differ, wrk errored) or requests
# failed (an upload not answered 303, non-2xx answers or socket errors under load, errors in
# the server's log). wrk, curl, Convene and nginx all share the machine's cores.
#
# Disk: the temp dir (under TMPDIR, default /tmp) needs about twice UPLOAD_MB free: the
# generated file and the server's stored copy. The large file is deleted once it has been
# checked.
#
# Settings (environment):
#   CONVENE_BIN   the binary to run (default: target/release/convene, built if missing)
#   NGINX_BIN     nginx (default: nginx on PATH; nginx-light, wrk and sqlite3 are installed
#                 with apt-get when missing and running as root)
#   UPLOAD_MB     size of the large upload in MiB (default: 1024)
#   DOWNLOAD_MB   size of the downloaded file in MiB (default: 10)
#   DURATION      wrk duration per run (default: 15s)
#   WARMUP        wrk warm-up per run (default: 3s)
#   CONNECTIONS   wrk connections (default: 32)
#   THREADS       wrk threads (default: 2)
#   NGINX_WORKERS nginx worker_processes (default: 2)
#   BENCH_KEEP    if set, a directory to copy the raw wrk outputs, the memory readings and
#                 the logs into
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
UPLOAD_MB=${UPLOAD_MB:-1024}
DOWNLOAD_MB=${DOWNLOAD_MB:-10}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-3s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
NGINX_WORKERS=${NGINX_WORKERS:-2}
HOST=127.0.0.1

# Targets the project set.
TARGET_UPLOAD_GROWTH_MB=20  # peak VmRSS during the large upload at most 20 MB over idle
TARGET_DOWNLOAD_PCT=50      # Convene's downloads >= 50 % of nginx's requests/s, same bytes

# Priya Shah, an admin in the demo forum: she may add files to any meeting.
ADMIN_EMAIL=priya.shah@northvale-council.example
UPLOAD_NAME=bench-upload.pdf
DOWNLOAD_NAME=bench-download.pdf

log() { printf '[files] %s\n' "$*" >&2; }
die() { printf '[files] error: %s\n' "$*" >&2; exit 1; }

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $UPLOAD_MB =~ ^[0-9]+$ ]] && ((UPLOAD_MB >= 1)) || die "UPLOAD_MB must be a positive number, got $UPLOAD_MB"
[[ $DOWNLOAD_MB =~ ^[0-9]+$ ]] && ((DOWNLOAD_MB >= 1)) || die "DOWNLOAD_MB must be a positive number, got $DOWNLOAD_MB"
# The size limit the server runs with: room above the larger file (a PDF header and trailer,
# and the multipart framing, which the server allows for on top of the limit anyway).
MAX_UPLOAD_MB=$(( (UPLOAD_MB > DOWNLOAD_MB ? UPLOAD_MB : DOWNLOAD_MB) + 76 ))
((MAX_UPLOAD_MB <= 10240)) || die "UPLOAD_MB and DOWNLOAD_MB must be at most 10164 (CONVENE_MAX_UPLOAD_MB is at most 10240)"
[[ $THREADS =~ ^[0-9]+$ ]] && ((THREADS >= 1)) || die "THREADS must be a positive number, got $THREADS"
[[ $CONNECTIONS =~ ^[0-9]+$ ]] && ((CONNECTIONS >= THREADS)) || die "CONNECTIONS must be at least THREADS, got $CONNECTIONS"
[[ $NGINX_WORKERS =~ ^[0-9]+$ ]] && ((NGINX_WORKERS >= 1)) || die "NGINX_WORKERS must be a positive number, got $NGINX_WORKERS"
check_durations

# --- Tools -----------------------------------------------------------------------------

find_convene
need_tools nginx wrk sqlite3
command -v curl >/dev/null || die "curl is needed"
command -v sha256sum >/dev/null || die "sha256sum is needed"

# --- Per-run state and clean-up --------------------------------------------------------

make_work files nginx
SERVER_PID=""
NGINX_PID=""
SAMPLER_PID=""

stop_server() { stop_pid "$SERVER_PID" "convene"; SERVER_PID=""; }
stop_nginx() { stop_pid "$NGINX_PID" "nginx"; NGINX_PID=""; }
stop_sampler() { stop_loop "$SAMPLER_PID" "$WORK/sampler.stop" 30; SAMPLER_PID=""; }

cleanup() {
    stop_sampler
    stop_server
    stop_nginx
    remove_work '*.wrk' '*.log' '*.headers' rss-upload.txt
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# kB -> MB, one decimal.
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# The browser, signed in or not through the cookie jar JAR: GETs BASE+PATH (a POST with curl
# options such as --data-urlencode) into the file $page; prints the status.
browse() { # path, [curl options...]
    local path=$1
    shift
    curl -s --max-time 30 -c "$JAR" -b "$JAR" -o "$page" -w '%{http_code}' "$@" "$BASE$path"
}

# The first match of an extended regex in the file $page, less BEFORE at its start and AFTER
# at its end; empty if there is none.
first_in_page() { # regex, before, after
    local match
    match=$(grep -oE "$1" "$page" | head -1 || true)
    match=${match#"$2"}
    echo "${match%"$3"}"
}

# A PDF as the upload's type check sees it (it looks only at the first bytes): the header,
# a comment, MiB of random filler, the end-of-file marker.
make_pdf() { # path, MiB
    {
        printf '%%PDF-1.4\n%% Convene upload benchmark: %s MiB of random filler\n' "$2"
        head -c $(($2 * 1048576)) /dev/urandom
        printf '\n%%%%EOF\n'
    } >"$1"
    chmod 644 "$1"
}

# Uploads a file to the meeting as its upload form does: multipart/form-data with `title`
# and `file`, the CSRF token in the query string (the body is streamed, so the server does
# not look for it there). No `Expect: 100-continue`, so curl sends the body at once.
# Prints "status seconds bytes-sent" (status 000 if the connection failed).
upload() { # file, file name sent, title, output prefix
    curl -sS --max-time 3600 -o "$4.body" -D "$4.headers" -b "$JAR" -c "$JAR" -H 'Expect:' \
        --form-string "title=$3" -F "file=@$1;filename=$2;type=application/pdf" \
        -w '%{http_code} %{time_total} %{size_upload}\n' \
        "$BASE/meetings/$SLUG/files?csrf_token=$TOKEN" 2>"$4.curl.log"
}

# The server's VmRSS every 0.1 s ("time kB" lines) until the stop file appears.
sample_rss() { # pid, output file, stop file
    local kb
    while [[ ! -e $3 ]]; do
        kb=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null || true)
        [[ -z $kb ]] || echo "$EPOCHREALTIME $kb" >>"$2"
        sleep 0.1
    done
}

# Results, one line per wrk run:
# label|rps|p50ms|p99ms|mbps|requests|errors|servercpu|wrkcpu|othercpu
RESULTS=()
FAILURES=()
NOISY=()

# wrk against url. Appends to RESULTS.
load() { # label, url, server pids (space-separated)
    local label=$1 url=$2 pids=$3
    local out="$WORK/${label//[^a-z0-9]/_}.wrk" limit
    limit=$(($(seconds "$DURATION") + $(seconds "$WARMUP") + 60))
    log "$label: warm-up $WARMUP, then $DURATION"
    timeout "$limit" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" --timeout 10s "$url" >"$out.warmup" 2>&1 \
        || die "wrk warm-up for $label failed: $(cat "$out.warmup")"
    measure_wrk "$out" "$pids" \
        timeout "$limit" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s --latency "$url" \
        || die "wrk for $label failed: $(cat "$out" "$out.time")"

    local errors
    read_wrk "$out"
    errors=${WRK_ERRORS:-none}
    if [[ -n "$WRK_ERRORS" ]]; then
        FAILURES+=("$label: $errors")
        log "$label: ERRORS under load: $errors"
    fi
    note_other_cpu "$label" "$label"
    RESULTS+=("$label|$WRK_RPS|$WRK_P50|$WRK_P99|$WRK_MBPS|$WRK_REQUESTS|$errors|$SERVER_CPU|$WRK_CPU|$OTHER_CPU")
    log "$label: $WRK_RPS req/s, $WRK_MBPS MB/s, p50 $WRK_P50 ms, p99 $WRK_P99 ms; CPU: server ${SERVER_CPU}%, wrk ${WRK_CPU}%, whole machine ${MACHINE_CPU}% of $((NCPU * 100))%"
}

# --- The machine, and the files ---------------------------------------------------------

# Room for the large file twice (the generated one and the server's stored copy), the small
# one four times (original, stored, downloaded, nginx's copy) and the demo data.
NEED_MB=$((2 * UPLOAD_MB + 4 * DOWNLOAD_MB + 256))
FREE_MB=$(df -Pm "$WORK" | awk 'NR == 2 { print $4 }')
[[ $FREE_MB =~ ^[0-9]+$ ]] || die "could not read the free space of $WORK"
((FREE_MB >= NEED_MB)) || die "$WORK has $FREE_MB MB free, the run needs about $NEED_MB MB (set TMPDIR to a roomier place, or a smaller UPLOAD_MB)"

measure_idle
binary_info
log "nginx: $("$NGINX_BIN" -v 2>&1)"
log "machine: $NCPU cores ($(cpu_model)), shared by the servers, curl and wrk"
log "upload: $UPLOAD_MB MiB (limit $MAX_UPLOAD_MB MB); download: $DOWNLOAD_MB MiB, wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency (warm-up $WARMUP), $HOST only"

BIG="$WORK/$UPLOAD_NAME"
SMALL="$WORK/$DOWNLOAD_NAME"
log "generating the files in $WORK: $UPLOAD_MB MiB and $DOWNLOAD_MB MiB of random filler behind a PDF header"
make_pdf "$BIG" "$UPLOAD_MB"
make_pdf "$SMALL" "$DOWNLOAD_MB"
BIG_BYTES=$(stat -c %s "$BIG")
SMALL_BYTES=$(stat -c %s "$SMALL")
BIG_SHA=$(sha256sum "$BIG" | cut -d' ' -f1)
log "files ready: $BIG_BYTES and $SMALL_BYTES bytes"

# --- Seeding and the server --------------------------------------------------------------

DATA="$WORK/data"
DB="$DATA/convene.db"
convene_env "$DATA"
export CONVENE_LOG=warn
export CONVENE_MAX_UPLOAD_MB="$MAX_UPLOAD_MB"
# The development sign-in (refused on anything but a loopback bind).
export CONVENE_AUTH__DEV_LOGIN=true
# Commands run inside the fresh data dir, so no ./convene.toml (or CONVENE_CONFIG) is read;
# the database and the files are in the data dir (DATA/convene.db, DATA/files), where the
# checks read them.
unset CONVENE_CONFIG CONVENE_DATABASE_URL CONVENE_STORAGE__URL

log "seeding the demo forum"
(cd "$DATA" && "$CONVENE_BIN" seed-demo) >"$WORK/seed.log" 2>&1 \
    || { cat "$WORK/seed.log" >&2; die "seed-demo failed"; }

log "starting the server on $BASE"
start_convene "$WORK/server.log"
START_RSS=$(server_kb VmRSS)

# Signing in as Priya, in one cookie jar (one browser).
JAR="$WORK/cookies.txt"
page="$WORK/page.html"
status=$(browse /meetings)
[[ $status == 200 ]] || die "GET /meetings answered $status"
token=$(csrf_of "$page")
[[ -n $token ]] || die "no csrf-token meta tag on /meetings"
status=$(browse /auth/dev --data-urlencode "email=$ADMIN_EMAIL" --data-urlencode "csrf_token=$token")
[[ $status == 303 ]] || die "POST /auth/dev for $ADMIN_EMAIL answered $status, not 303: $(head -c 500 "$page")"

# The next meeting: the first in the list (<li><a href="/meetings/{slug}">, "Coming up"
# first, then the past meetings).
status=$(browse /meetings)
[[ $status == 200 ]] || die "GET /meetings signed in answered $status"
SLUG=$(first_in_page '<li><a href="/meetings/[a-z0-9-]+">' '<li><a href="/meetings/' '">')
[[ -n $SLUG ]] || die "no meeting link (<li><a href=\"/meetings/...\">) on /meetings"
MEETING_PATH="/meetings/$SLUG"

# The upload form: Priya may add files here, and its token goes with her session.
status=$(browse "$MEETING_PATH/files")
[[ $status == 200 ]] || die "GET $MEETING_PATH/files (the upload form) answered $status for $ADMIN_EMAIL"
grep -q "action=\"$MEETING_PATH/files?csrf_token=" "$page" \
    || die "$MEETING_PATH/files shows no upload form posting to $MEETING_PATH/files?csrf_token=..."
TOKEN=$(csrf_of "$page")
[[ -n $TOKEN ]] || die "no csrf-token meta tag on $MEETING_PATH/files"
log "signed in as $ADMIN_EMAIL; uploading to $MEETING_PATH"

# --- The small upload (also the warm-up) -------------------------------------------------

read -r status secs _ <<<"$(upload "$SMALL" "$DOWNLOAD_NAME" "Download benchmark, $DOWNLOAD_MB MiB" "$WORK/upload-small" || true)"
location=$(header_value "$WORK/upload-small.headers" location 2>/dev/null || true)
[[ $status == 303 && $location == "$MEETING_PATH" ]] \
    || die "uploading $DOWNLOAD_NAME answered ${status:-nothing} (Location: $location), not 303 to $MEETING_PATH: $(cat "$WORK/upload-small.curl.log") $(head -c 500 "$WORK/upload-small.body")"
log "uploaded $DOWNLOAD_NAME ($SMALL_BYTES bytes) in ${secs}s"

# Its address, from the meeting page (<a href="/files/{id}/{name}">title</a>).
status=$(browse "$MEETING_PATH")
[[ $status == 200 ]] || die "GET $MEETING_PATH answered $status"
DL_PATH=$(first_in_page "href=\"/files/[0-9]+/${DOWNLOAD_NAME//./\\.}\"" 'href="' '"')
[[ -n $DL_PATH ]] || die "no link to /files/{id}/$DOWNLOAD_NAME on $MEETING_PATH after the upload"

# The idle figures, after a moment's rest.
sleep 1
IDLE_RSS=$(server_kb VmRSS)
IDLE_HWM=$(server_kb VmHWM)
log "convene memory before the large upload: VmRSS $(mb "$IDLE_RSS") MB, VmHWM $(mb "$IDLE_HWM") MB (after start-up: VmRSS $(mb "$START_RSS") MB)"

# --- The large upload, with the server's memory read every 0.1 s ------------------------

: >"$WORK/rss-upload.txt"
rm -f "$WORK/sampler.stop"
sample_rss "$SERVER_PID" "$WORK/rss-upload.txt" "$WORK/sampler.stop" &
SAMPLER_PID=$!
# At least one reading before the upload starts, so that even a short one has a figure.
for _ in $(seq 1 50); do
    [[ ! -s "$WORK/rss-upload.txt" ]] || break
    sleep 0.05
done
log "uploading $UPLOAD_NAME ($BIG_BYTES bytes)"
s0=$(proc_ticks "$SERVER_PID")
read -r mb0 mt0 <<<"$(machine_ticks)"
read -r UP_STATUS UP_SECS UP_SENT <<<"$(upload "$BIG" "$UPLOAD_NAME" "Upload benchmark, $UPLOAD_MB MiB" "$WORK/upload-big" || true)"
s1=$(proc_ticks "$SERVER_PID")
read -r mb1 mt1 <<<"$(machine_ticks)"
stop_sampler
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    tail -20 "$WORK/server.log" >&2
    die "the server exited during the large upload (readings: $(tail -3 "$WORK/rss-upload.txt" | tr '\n' ' '))"
fi
UP_STATUS=${UP_STATUS:-000}
UP_SECS=${UP_SECS:-0}
UP_SENT=${UP_SENT:-0}
UP_HWM=$(server_kb VmHWM)
sleep 1
UP_AFTER_RSS=$(server_kb VmRSS)
UP_SAMPLES=$(awk 'NF == 2 { n++ } END { print n + 0 }' "$WORK/rss-upload.txt")
UP_SAMPLED_PEAK=$(awk 'NF == 2 && $2 > m { m = $2 } END { print m + 0 }' "$WORK/rss-upload.txt")
# The peak during the upload: the highest reading, or VmHWM if it rose during the upload
# (it also catches a peak between two readings). VmHWM covers the whole life of the
# process, so when it did not rise, its value is from before and says nothing here.
UP_PEAK=$UP_SAMPLED_PEAK
if ((UP_HWM > IDLE_HWM && UP_HWM > UP_PEAK)); then
    UP_PEAK=$UP_HWM
fi
UP_GROWTH=$((UP_PEAK - IDLE_RSS))
UP_MBPS=$(awk -v b="$UP_SENT" -v s="$UP_SECS" 'BEGIN { if (s > 0) printf "%.0f", b / 1048576 / s; else print 0 }')
UP_CPU=$(cpu_pct "$s0" "$s1" "$((mt1 - mt0))")
UP_MACHINE_CPU=$(cpu_pct "$mb0" "$mb1" "$((mt1 - mt0))")
UP_LOCATION=$(header_value "$WORK/upload-big.headers" location 2>/dev/null || true)
log "upload: status $UP_STATUS (Location: $UP_LOCATION) after ${UP_SECS}s, $UP_MBPS MB/s; server CPU ${UP_CPU}%, whole machine ${UP_MACHINE_CPU}% of $((NCPU * 100))%"
log "memory during the upload: VmRSS at most $(mb "$UP_SAMPLED_PEAK") MB in $UP_SAMPLES readings, VmHWM after $(mb "$UP_HWM") MB; $(mb "$UP_AFTER_RSS") MB a second later"

UP_OK=no
UP_303=NO
if [[ $UP_STATUS == 303 && $UP_LOCATION == "$MEETING_PATH" ]]; then
    UP_303=yes
    # The stored row has the file's size and hash, and its content is in the store
    # (DATA/files/blobs/{first two hex digits}/{sha256}).
    read -r row_size row_sha <<<"$(db "SELECT size, sha256 FROM stored_file WHERE filename = '$UPLOAD_NAME' AND deleted_at IS NULL ORDER BY id DESC LIMIT 1" | tr '|' ' ')"
    blob="$DATA/files/blobs/${BIG_SHA:0:2}/$BIG_SHA"
    if [[ $row_size != "$BIG_BYTES" || $row_sha != "$BIG_SHA" ]]; then
        FAILURES+=("the large upload was stored as ${row_size:-nothing} bytes with SHA-256 ${row_sha:-none}, not $BIG_BYTES bytes with $BIG_SHA")
    elif [[ ! -f $blob || $(stat -c %s "$blob") != "$BIG_BYTES" ]]; then
        FAILURES+=("the large upload's content is not in the store at $blob with $BIG_BYTES bytes")
    else
        UP_OK=yes
        log "checked: the stored row has the file's size and SHA-256, and its content is in the store"
    fi
else
    FAILURES+=("uploading $UPLOAD_NAME answered $UP_STATUS (Location: $UP_LOCATION), not 303 to $MEETING_PATH: $(cat "$WORK/upload-big.curl.log") $(head -c 300 "$WORK/upload-big.body" | tr '\n' ' ')")
    log "the large upload FAILED: status $UP_STATUS"
fi
# The large file is not needed any more: room for the rest.
rm -f "$BIG"

# --- Downloads: Convene against nginx, same bytes ----------------------------------------

# Once, signed out (the meeting's agenda is published, so its files are public), byte for
# byte.
status=$(curl -s --max-time 120 -o "$WORK/convene-copy.pdf" -D "$WORK/convene-download.headers" \
    -w '%{http_code}' "$BASE$DL_PATH")
[[ $status == 200 ]] || die "GET $DL_PATH (signed out) answered $status, not 200"
cmp -s "$SMALL" "$WORK/convene-copy.pdf" || die "GET $DL_PATH did not answer the uploaded bytes"
ctype=$(header_value "$WORK/convene-download.headers" content-type)
[[ $ctype == application/pdf* ]] || die "GET $DL_PATH answered Content-Type $ctype"
rm -f "$WORK/convene-copy.pdf"
log "checked: GET $DL_PATH answers the $SMALL_BYTES bytes uploaded, as $ctype"

NGX="$WORK/nginx"
NGX_FILE="$NGX/www${DL_PATH}"
mkdir -p "$(dirname "$NGX_FILE")"
cp "$SMALL" "$NGX_FILE"
chmod 644 "$NGX_FILE"
# Every folder on the way must be readable by nginx's workers.
d=$(dirname "$NGX_FILE")
while [[ $d == "$NGX"* ]]; do
    chmod 755 "$d"
    d=$(dirname "$d")
done
NPORT=$(free_port)
NGINX_HTTP=$(cat <<EOF
    types { application/pdf pdf; }
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    # As many requests per connection as Convene allows (nginx's default is 1000).
    keepalive_requests 1000000;
    etag on;
    server {
        listen $HOST:$NPORT;
        root $NGX/www;
        location /files/ { }
    }
EOF
)
start_nginx "$NGX" "$NGINX_HTTP" "$WORK/nginx.log"
NBASE="http://$HOST:$NPORT"
wait_http "$NBASE$DL_PATH" "$NGINX_PID" "$WORK/nginx.log"
NWORKERS=$(pgrep -P "$NGINX_PID" | tr '\n' ' ' || true)
[[ -n $NWORKERS ]] || die "nginx started no worker processes"
status=$(curl -s --max-time 120 -o "$WORK/nginx-copy.pdf" -D "$WORK/nginx-download.headers" \
    -w '%{http_code}' "$NBASE$DL_PATH")
[[ $status == 200 ]] || die "nginx answered $status for $DL_PATH"
cmp -s "$SMALL" "$WORK/nginx-copy.pdf" || die "nginx did not answer the same bytes"
rm -f "$WORK/nginx-copy.pdf"
log "nginx on $NBASE (workers: $NWORKERS) serves the same $SMALL_BYTES bytes at $DL_PATH"

load "convene" "$BASE$DL_PATH" "$SERVER_PID"
# shellcheck disable=SC2086
load "nginx" "$NBASE$DL_PATH" "$NWORKERS"
stop_nginx

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    tail -20 "$WORK/server.log" >&2
    die "the server exited during the download runs"
fi
DL_HWM=$(server_kb VmHWM)
DL_RSS=$(server_kb VmRSS)
DL_ID=${DL_PATH#/files/}
DL_ID=${DL_ID%%/*}
DL_COUNTED=$(db "SELECT downloads FROM stored_file WHERE id = $DL_ID" || echo "?")
log "convene memory after the downloads: VmHWM $(mb "$DL_HWM") MB, VmRSS $(mb "$DL_RSS") MB; downloads counted: $DL_COUNTED"

stop_server
if server_log_errors "$WORK/server.log"; then
    FAILURES+=("the server logged errors (see above): $LOG_ERRORS lines")
fi

# --- Summary ---------------------------------------------------------------------------

# `result LABEL FIELD` (lib.sh): fields 2 rps, 3 p50, 4 p99, 5 MB/s, ...

echo
echo "Convene file uploads and downloads: $(date -u +%Y-%m-%d), $NCPU cores shared by Convene, nginx ($NGINX_WORKERS workers), curl and wrk"
print_binary "; files in the data dir; $HOST only"
echo
echo "Upload of $UPLOAD_NAME, $BIG_BYTES bytes ($UPLOAD_MB MiB), to POST $MEETING_PATH/files (curl, multipart;"
echo "CONVENE_MAX_UPLOAD_MB=$MAX_UPLOAD_MB):"
UP_ANSWER=$UP_STATUS
[[ -z $UP_LOCATION ]] || UP_ANSWER+=" to $UP_LOCATION"
printf '  %-34s %s\n' \
    "answer" "$UP_ANSWER (a 303 to the meeting page: $UP_303); stored whole: $UP_OK" \
    "time" "${UP_SECS} s, $UP_MBPS MB/s" \
    "server CPU" "${UP_CPU}% of one core (whole machine ${UP_MACHINE_CPU}% of $((NCPU * 100))%)" \
    "VmRSS idle (before the upload)" "$(mb "$IDLE_RSS") MB" \
    "VmRSS peak during the upload" "$(mb "$UP_PEAK") MB (highest of $UP_SAMPLES readings: $(mb "$UP_SAMPLED_PEAK") MB; VmHWM $(mb "$IDLE_HWM") -> $(mb "$UP_HWM") MB)" \
    "growth over idle" "$(awk -v k="$UP_GROWTH" 'BEGIN { printf "%+.1f", k / 1024 }') MB" \
    "VmRSS a second after the upload" "$(mb "$UP_AFTER_RSS") MB"
echo
echo "Downloads of $DL_PATH ($SMALL_BYTES bytes), identity:"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency (warm-up $WARMUP); nginx serves a copy of the same bytes (sendfile)"
printf '%-8s %8s %8s %8s %8s %9s %4s %4s %4s %s\n' "server" "req/s" "MB/s" "p50 ms" "p99 ms" "requests" "srv" "wrk" "oth" "errors"
for r in "${RESULTS[@]}"; do
    IFS='|' read -r label rps p50 p99 mbps requests errors scpu wcpu ocpu <<<"$r"
    printf '%-8s %8s %8s %8s %8s %9s %3s%% %3s%% %3s%% %s\n' \
        "$label" "$rps" "$mbps" "$p50" "$p99" "$requests" "$scpu" "$wcpu" "$ocpu" "$errors"
done
CONVENE_RPS=$(result convene 2)
NGINX_RPS=$(result nginx 2)
DL_PCT=$(awk -v a="$CONVENE_RPS" -v b="$NGINX_RPS" 'BEGIN { if (b > 0) printf "%.0f", a / b * 100; else print 0 }')
echo "Convene: $DL_PCT % of nginx's requests/s. Memory after the download runs: VmHWM $(mb "$DL_HWM") MB, VmRSS $(mb "$DL_RSS") MB."
echo "(CPU: % of one core during the measured run, of $((NCPU * 100))%: srv = convene or the nginx workers,"
echo " wrk = wrk, oth = every other process (should be near 0); machine busy before the runs: $IDLE_BUSY% of one core)"
echo
UP_MET=$(yes_if "$UP_GROWTH" lt "$((TARGET_UPLOAD_GROWTH_MB * 1024))")
DL_MET=$(yes_if "$DL_PCT" ge "$TARGET_DOWNLOAD_PCT")
[[ $UP_303 == yes ]] || UP_MET="not measured: the upload failed"
echo "Targets:"
echo "  upload of $UPLOAD_MB MiB: peak VmRSS under +$TARGET_UPLOAD_GROWTH_MB MB over idle (flat):" \
    "$(awk -v k="$UP_GROWTH" 'BEGIN { printf "%+.1f", k / 1024 }') MB ($UP_MET)"
echo "  downloads of $DOWNLOAD_MB MiB: >= $TARGET_DOWNLOAD_PCT % of nginx's requests/s: $DL_PCT % ($DL_MET)"

report_noisy "the servers"
exit_on_failures
