#!/usr/bin/env bash
# Embedded S3 benchmark (issue 4): `bash scripts/bench_s3.sh [BUILD_DIR] [REPORT_FILE]`
# (called by scripts/bench.sh; runs standalone too). BUILD_DIR defaults to build.
#
# PutObject and GetObject throughput (MB/s, MB = 2^20 bytes) and per-request latency
# (p50/p99) for 1 MB and 64 MB objects, three ways, all on this machine and, for the two
# that touch the disk, in the same temporary dir (one filesystem):
#   1. opentrail: a fresh `opentrail serve` (SSE-S3 encryption at rest is always on, every
#      PUT is fdatasync'd + renamed + dir-fsync'd + committed in a synced KV batch, and every
#      call is journaled as a CloudTrail record before its reply), driven by bench/s3_bench:
#      keep-alive connections, SigV4 Authorization header as the AWS CLI signs it,
#      x-amz-content-sha256 UNSIGNED-PAYLOAD (S3B_PAYLOAD=sha256: the body's hex SHA-256,
#      as botocore sends over plain HTTP), random incompressible content, GET bodies and
#      ETags checked. PUT phase; then GET after dropping the page cache (cold: from disk);
#      then GET again (warm: page cache).
#   2. dd, the disk's ceiling for the same bytes: each object is one file written by
#      `dd bs=1M conv=fdatasync` from a random file held in the page cache, with the same
#      number of files and the same concurrency as the client (so 1 MB objects are many
#      small files, each fdatasync'd, as a PutObject must do); read back with
#      `dd of=/dev/null bs=1M` after dropping the page cache (cold), then again (warm).
#      When /proc/sys/vm/drop_caches is not writable the cold rows are left out: every read
#      figure is then page cache (a disk read with iflag=direct is shown for reference).
#   3. moto_server (moto's S3 on a free loopback port, objects in memory, no fsync, no
#      encryption), the same client and workload.
# Ratios opentrail/dd and opentrail/moto per row, and the issue's aim (opentrail >= 0.5 x
# the disk, and ahead of moto) are printed in a report block at the end (and written to
# REPORT_FILE when given). The exit status is non-zero when a request failed or a content
# check failed, not when an aim is missed (the machine may be shared and noisy).
#
# Environment:
#   S3B_SMALL_COUNT=200 S3B_SMALL_CONCURRENCY=4   the 1 MB runs (BENCH_LARGE=1: 1000)
#   S3B_LARGE_COUNT=8   S3B_LARGE_CONCURRENCY=2   the 64 MB runs (BENCH_LARGE=1: 32)
#   S3B_PAYLOAD=unsigned                          or sha256 (see above)
#   S3B_MOTO=1                                    0 skips moto
#   S3B_DROP_CACHES=1                             0 never drops the page cache (warm reads only)
#   BENCH_SERVER_THREADS=                         server --threads (empty: its default)
#   BENCH_TMPDIR=                                 where the temporary dir goes ($TMPDIR or /tmp)
#
# Everything started here (servers, dd, the client) is stopped and the temporary dir removed
# on exit, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${1:-build}
REPORT_FILE=${2:-}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
OPENTRAIL="$BUILD/opentrail"
S3B="$BUILD/s3_bench"

BENCH_LARGE=${BENCH_LARGE:-0}
if [ "$BENCH_LARGE" = "1" ]; then def_small=1000 def_large=32; else def_small=200 def_large=8; fi
SMALL_COUNT=${S3B_SMALL_COUNT:-$def_small}
SMALL_CONC=${S3B_SMALL_CONCURRENCY:-4}
LARGE_COUNT=${S3B_LARGE_COUNT:-$def_large}
LARGE_CONC=${S3B_LARGE_CONCURRENCY:-2}
PAYLOAD=${S3B_PAYLOAD:-unsigned}
WITH_MOTO=${S3B_MOTO:-1}
WANT_DROP=${S3B_DROP_CACHES:-1}
SERVER_THREADS=${BENCH_SERVER_THREADS:-}

if [ ! -x "$OPENTRAIL" ] || [ ! -x "$S3B" ]; then
  echo "bench-s3: building into $BUILD"
  if [ -f "$BUILD/CMakeCache.txt" ]; then
    cmake --build "$BUILD" --target opentrail s3_bench
  else
    bash scripts/build.sh "$BUILD"
  fi
fi
for bin in "$OPENTRAIL" "$S3B"; do
  [ -x "$bin" ] || { echo "bench-s3: $bin is missing after the build (OPENTRAIL_BENCH=OFF?)" >&2; exit 1; }
done

WORK=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/opentrail-s3-bench.XXXXXX")
SERVER_PID=""
MOTO_PID=""
CHILD_PIDS=()

stop_pid() {  # PID: SIGTERM, up to 30 s, then SIGKILL
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  local pid
  for pid in "${CHILD_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${CHILD_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  stop_pid "$SERVER_PID"
  stop_pid "$MOTO_PID"
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

FAILED=0

# ---------------------------------------------------------------------------------------
# Helpers

result_field() {  # FILE NAME: NAME=... of the RESULT line
  sed -n 's/^RESULT .*\<'"$2"'=\([^ ]*\).*/\1/p' "$1" | tail -n1
}

# A free loopback TCP port (bound then released: a small race, retried by the callers).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

CAN_DROP=0
if [ "$WANT_DROP" = "1" ] && sync && (echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then CAN_DROP=1; fi
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

start_opentrail() {
  local data="$WORK/opentrail-data" log="$WORK/opentrail.log"
  mkdir -p "$data"
  local flags=(serve --data-dir "$data" --listen 127.0.0.1:0)
  [ -n "$SERVER_THREADS" ] && flags+=(--threads "$SERVER_THREADS")
  "$OPENTRAIL" "${flags[@]}" >"$log" 2>&1 &
  SERVER_PID=$!
  OT_ENDPOINT=""
  for _ in $(seq 1 300); do
    OT_ENDPOINT=$(sed -n 's#^opentrail listening on http://\([^ ]*\).*#\1#p' "$log" | head -n1)
    [ -n "$OT_ENDPOINT" ] && [ -s "$data/credentials" ] && { OT_CREDENTIALS="$data/credentials"; return 0; }
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "bench-s3: opentrail exited before listening; its output:" >&2
      cat "$log" >&2
      SERVER_PID=""
      return 1
    fi
    sleep 0.1
  done
  echo "bench-s3: opentrail did not listen within 30 s; its output:" >&2
  cat "$log" >&2
  return 1
}

MOTO_CMD=()
if command -v moto_server >/dev/null 2>&1; then MOTO_CMD=(moto_server)
elif python3 -c 'import moto.server' 2>/dev/null; then MOTO_CMD=(python3 -m moto.server); fi
MOTO_VERSION=$(python3 -c 'import moto; print(moto.__version__)' 2>/dev/null || echo "?")

start_moto() {
  local attempt port
  for attempt in 1 2 3; do
    port=$(free_port)
    "${MOTO_CMD[@]}" -H 127.0.0.1 -p "$port" >"$WORK/moto.log" 2>&1 &
    MOTO_PID=$!
    for _ in $(seq 1 300); do
      if port_open "$port"; then MOTO_ENDPOINT="127.0.0.1:$port"; return 0; fi
      kill -0 "$MOTO_PID" 2>/dev/null || break
      sleep 0.1
    done
    stop_pid "$MOTO_PID"
    MOTO_PID=""
  done
  echo "bench-s3: moto_server did not start; its output:" >&2
  cat "$WORK/moto.log" >&2
  return 1
}

# run_client NAME ARGS...: s3_bench with ARGS, output in $WORK/NAME.out (shown, indented).
# Runs as a background child the script waits for, so a signal stops it at once.
run_client() {
  local name=$1 rc=0
  shift
  "$S3B" --payload "$PAYLOAD" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  CHILD_PIDS=("$!")
  wait "${CHILD_PIDS[0]}" || rc=$?
  CHILD_PIDS=()
  grep -v '^RESULT ' "$WORK/$name.out" | sed 's/^/    /' || true
  [ -s "$WORK/$name.err" ] && sed 's/^/    /' "$WORK/$name.err" | head -n 20
  if [ $rc -ne 0 ] || ! grep -q '^RESULT ' "$WORK/$name.out"; then
    echo "bench-s3: s3_bench $name failed (exit $rc)" >&2
    FAILED=1
  fi
  return 0
}

# Figures of one run: "MBPS P50 P99" (n/a when missing).
client_figures() {  # FILE
  local f=$1
  if [ -f "$f" ] && grep -q '^RESULT ' "$f"; then
    echo "$(result_field "$f" mb_s) $(result_field "$f" p50_ms) $(result_field "$f" p99_ms)"
  else
    echo "n/a n/a n/a"
  fi
}

# dd_files MODE OUT SIZE_MB COUNT CONCURRENCY: COUNT files of SIZE_MB MiB under
# $WORK/dd-SIZE_MB, CONCURRENCY streams; MODE write (conv=fdatasync, from $WORK/random),
# read (to /dev/null) or direct (read with iflag=direct). Writes "MBPS P50 P99 WALL_MBPS"
# to OUT. Per-file times are dd's own ("copied, T s": from its start of copying through
# the fdatasync), so they leave out starting a dd process (several ms on a loaded machine,
# which a server does not pay per object); MBPS = the sum over streams of the stream's
# bytes / the sum of its dd times. WALL_MBPS = all bytes / wall time, process starts
# included (a lower bound of the ceiling).
dd_files() {
  local mode=$1 out=$2 mb=$3 count=$4 conc=$5
  local dir="$WORK/dd-$mb" lat="$WORK/dd-$mb.$mode.lat"
  mkdir -p "$dir"
  local t0 t1 s pid rc=0
  rm -f "$lat".*
  t0=$(date +%s%N)
  CHILD_PIDS=()
  for s in $(seq 0 $((conc - 1))); do
    (
      d=""
      trap '[ -n "$d" ] && kill -TERM "$d" 2>/dev/null; exit 143' TERM
      i=$s
      : >"$lat.$s"
      while [ "$i" -lt "$count" ]; do
        case $mode in
          write) LC_ALL=C dd if="$WORK/random" of="$dir/f$i" bs=1M count="$mb" \
                   skip=$(((i * mb) % (RANDOM_MB - mb + 1))) conv=fdatasync 2>>"$lat.$s" & ;;
          read) LC_ALL=C dd if="$dir/f$i" of=/dev/null bs=1M 2>>"$lat.$s" & ;;
          direct) LC_ALL=C dd if="$dir/f$i" of=/dev/null bs=1M iflag=direct 2>>"$lat.$s" & ;;
        esac
        d=$!
        wait "$d" || exit 1
        d=""
        i=$((i + conc))
      done
    ) &
    CHILD_PIDS+=("$!")
  done
  for pid in "${CHILD_PIDS[@]}"; do wait "$pid" || rc=1; done
  CHILD_PIDS=()
  t1=$(date +%s%N)
  if [ $rc -ne 0 ]; then
    echo "bench-s3: dd $mode of $count x $mb MB failed:" >&2
    cat "$lat".* >&2
    FAILED=1
    echo "n/a n/a n/a n/a" >"$out"
    return 0
  fi
  # "67108864 bytes (67 MB, 64 MiB) copied, 0.132218 s, 508 MB/s" -> stream, seconds
  for s in $(seq 0 $((conc - 1))); do
    awk -v s="$s" '/ copied, / { for (i = 1; i < NF; i++) if ($(i + 1) == "s,") print s, $i }' "$lat.$s"
  done >"$lat"
  rm -f "$lat".*
  awk -v mib="$mb" -v total="$((mb * count))" -v ns="$((t1 - t0))" '
    { n++; t[n] = $2 * 1000; busy[$1] += $2; files[$1]++ }
    END {
      for (s in busy) if (busy[s] > 0) rate += files[s] * mib / busy[s]
      # percentiles: rank ceil(q * n) of the sorted times
      for (i = 2; i <= n; i++) { v = t[i]; for (j = i - 1; j >= 1 && t[j] > v; j--) t[j + 1] = t[j]; t[j + 1] = v }
      p50 = int(0.50 * n); if (p50 < 0.50 * n) p50++; if (p50 < 1) p50 = 1
      p99 = int(0.99 * n); if (p99 < 0.99 * n) p99++; if (p99 < 1) p99 = 1
      printf "%.2f %.3f %.3f %.2f\n", rate, t[p50], t[p99], total / (ns / 1e9) }' "$lat" >"$out"
}

# ---------------------------------------------------------------------------------------

FS_DESC=$(df -PT "$WORK" | awk 'NR == 2 { print $2 " on " $1 " (mounted at " $7 ")" }')
echo "== embedded S3 (issue 4): scripts/bench_s3.sh — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   temporary dir $WORK: $FS_DESC (opentrail's data dir and dd's files both live here)"
if [ "$CAN_DROP" = "1" ]; then
  echo "   cold reads: the page cache is dropped (echo 3 > /proc/sys/vm/drop_caches) before each"
else
  echo "   cold reads: not measured (drop_caches not writable or S3B_DROP_CACHES=0): reads are page cache"
fi
echo "   x-amz-content-sha256: $([ "$PAYLOAD" = unsigned ] && echo UNSIGNED-PAYLOAD || echo 'hex SHA-256 of the body')"
echo

SIZES=("1 $SMALL_COUNT $SMALL_CONC" "64 $LARGE_COUNT $LARGE_CONC")

# 1. opentrail
echo "-- opentrail serve (SSE-S3 on)"
start_opentrail
echo "   listening on $OT_ENDPOINT (pid $SERVER_PID)"
for spec in "${SIZES[@]}"; do
  read -r mb count conc <<<"$spec"
  common=(--endpoint "$OT_ENDPOINT" --credentials "$OT_CREDENTIALS" --bucket s3bench --size $((mb * 1048576))
          --count "$count" --concurrency "$conc" --server-pid "$SERVER_PID")
  echo "   ${mb} MB x $count, concurrency $conc: put"
  run_client "ot-$mb-put" "${common[@]}" --op put
  if [ "$CAN_DROP" = "1" ]; then
    drop_caches
    echo "   ${mb} MB: get, cold (page cache dropped)"
    run_client "ot-$mb-getcold" "${common[@]}" --op get
  fi
  echo "   ${mb} MB: get, warm (page cache)"
  run_client "ot-$mb-getwarm" "${common[@]}" --op get
done
stop_pid "$SERVER_PID"
SERVER_PID=""
rm -rf "$WORK/opentrail-data"
echo

# 2. dd on the same filesystem
echo "-- dd on the same filesystem (the disk's ceiling)"
RANDOM_MB=256
head -c $((RANDOM_MB * 1048576)) /dev/urandom >"$WORK/random"
for spec in "${SIZES[@]}"; do
  read -r mb count conc <<<"$spec"
  cat "$WORK/random" >/dev/null  # the source is in memory, as the client's bytes are
  dd_files write "$WORK/dd-$mb-put.fig" "$mb" "$count" "$conc"
  read -r w1 w2 w3 w4 <"$WORK/dd-$mb-put.fig"
  echo "   ${mb} MB x $count files, $conc streams: write (conv=fdatasync) $w1 MB/s, per file p50 $w2 ms p99 $w3 ms (wall, dd starts included: $w4 MB/s)"
  if [ "$CAN_DROP" = "1" ]; then
    drop_caches
    dd_files read "$WORK/dd-$mb-getcold.fig" "$mb" "$count" "$conc"
    read -r r1 r2 r3 r4 <"$WORK/dd-$mb-getcold.fig"
    echo "   ${mb} MB: read, cold (page cache dropped) $r1 MB/s, per file p50 $r2 ms p99 $r3 ms (wall: $r4 MB/s)"
  else
    dd_files direct "$WORK/dd-$mb-direct.fig" "$mb" "$count" "$conc"
    read -r r1 r2 r3 r4 <"$WORK/dd-$mb-direct.fig"
    echo "   ${mb} MB: read with iflag=direct (for reference) $r1 MB/s, per file p50 $r2 ms p99 $r3 ms (wall: $r4 MB/s)"
  fi
  dd_files read "$WORK/dd-$mb-getwarm.fig" "$mb" "$count" "$conc"
  read -r r1 r2 r3 r4 <"$WORK/dd-$mb-getwarm.fig"
  echo "   ${mb} MB: read, warm (page cache) $r1 MB/s, per file p50 $r2 ms p99 $r3 ms (wall: $r4 MB/s)"
  rm -rf "$WORK/dd-$mb"
done
rm -f "$WORK/random"
echo "   (MB/s and per-file times are dd's own, from its start of copying through fdatasync; \"wall\" also"
echo "    counts starting one dd process per file, which a server does not pay per object)"
echo

# 3. moto
MOTO_NOTE=""
if [ "$WITH_MOTO" = "1" ] && [ ${#MOTO_CMD[@]} -gt 0 ]; then
  echo "-- moto_server $MOTO_VERSION (${MOTO_CMD[*]}): objects in memory, no fsync, no encryption"
  if start_moto; then
    echo "   listening on $MOTO_ENDPOINT (pid $MOTO_PID)"
    for spec in "${SIZES[@]}"; do
      read -r mb count conc <<<"$spec"
      common=(--endpoint "$MOTO_ENDPOINT" --access-key bench --secret bench --bucket s3bench
              --size $((mb * 1048576)) --count "$count" --concurrency "$conc" --server-pid "$MOTO_PID")
      echo "   ${mb} MB x $count, concurrency $conc: put"
      run_client "moto-$mb-put" "${common[@]}" --op put
      echo "   ${mb} MB: get (twice; moto serves from memory either way)"
      run_client "moto-$mb-getcold" "${common[@]}" --op get
      run_client "moto-$mb-getwarm" "${common[@]}" --op get
    done
    stop_pid "$MOTO_PID"
    MOTO_PID=""
  else
    FAILED=1
    MOTO_NOTE="moto_server did not start"
  fi
else
  MOTO_NOTE="moto skipped ($([ "$WITH_MOTO" = "1" ] && echo 'moto_server not installed' || echo 'S3B_MOTO=0'))"
fi
echo

# ---------------------------------------------------------------------------------------
# Report

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else printf "n/a" }'; }
fig() {  # MBPS P50 P99 -> "123.4 MB/s 12.3/45.6 ms"
  if [ "$1" = "n/a" ]; then printf "%-26s" "n/a"; else
    awk -v m="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%-26s", sprintf("%.1f MB/s %.1f/%.1f ms", m, a, b) }'
  fi
}
dd_fig() { [ -f "$1" ] && cat "$1" || echo "n/a n/a n/a n/a"; }

AIM_LINES=""
REPORT=$(
  echo "s3 PutObject/GetObject (issue 4): MB/s (MB = 2^20 B) and per-request p50/p99 ms; $(nproc) cores shared with everything else"
  echo "  opentrail: SSE-S3 (AES-256-GCM) on, durable PUTs, every call journaled; client bench/s3_bench, SigV4 header auth,"
  echo "  x-amz-content-sha256 $([ "$PAYLOAD" = unsigned ] && echo UNSIGNED-PAYLOAD || echo 'hex SHA-256'), keep-alive; dd: one file per object, conv=fdatasync, same fs ($FS_DESC),"
  echo "  same file count and concurrency, dd's own times (process starts left out); moto_server $MOTO_VERSION: in memory.${MOTO_NOTE:+ ($MOTO_NOTE)}"
  printf "  %-26s %-26s %-26s %-26s %7s %9s\n" "" "opentrail" "dd (disk ceiling)" "moto_server" "ot/dd" "ot/moto"
  for spec in "${SIZES[@]}"; do
    read -r mb count conc <<<"$spec"
    rows=(put)
    [ "$CAN_DROP" = "1" ] && rows+=(getcold)
    rows+=(getwarm)
    for row in "${rows[@]}"; do
      case $row in
        put) label="put" ;;
        getcold) label="get cold" ;;
        getwarm) label="get warm" ;;
      esac
      read -r o1 o2 o3 <<<"$(client_figures "$WORK/ot-$mb-$row.out")"
      read -r d1 d2 d3 _ <<<"$(dd_fig "$WORK/dd-$mb-$row.fig")"
      read -r m1 m2 m3 <<<"$(client_figures "$WORK/moto-$mb-$row.out")"
      printf "  %-26s %s %s %s %7s %9s\n" "$mb MB x$count c$conc $label" "$(fig "$o1" "$o2" "$o3")" \
        "$(fig "$d1" "$d2" "$d3")" "$(fig "$m1" "$m2" "$m3")" "$(ratio "$o1" "$d1")" "$(ratio "$o1" "$m1")"
    done
    if [ -f "$WORK/dd-$mb-direct.fig" ]; then
      read -r d1 d2 d3 _ <<<"$(dd_fig "$WORK/dd-$mb-direct.fig")"
      echo "  ($mb MB: dd read with iflag=direct, for reference: $(fig "$d1" "$d2" "$d3"))"
    fi
  done
  # Where the server's CPU goes, per MB moved.
  cpu=""
  for spec in "${SIZES[@]}"; do
    read -r mb _ _ <<<"$spec"
    for row in put getcold getwarm; do
      f="$WORK/ot-$mb-$row.out"
      [ -f "$f" ] && grep -q '^RESULT ' "$f" || continue
      cpu+="${cpu:+, }$mb MB $row $(awk -v v="$(result_field "$f" server_ms_per_mb)" 'BEGIN { printf "%.2f", v }')"
    done
  done
  echo "  opentrail server CPU, ms per MB: $cpu"
  # The aim: >= half the disk, and ahead of moto.
  aim=""
  for spec in "${SIZES[@]}"; do
    read -r mb _ _ <<<"$spec"
    for row in put "$([ "$CAN_DROP" = "1" ] && echo getcold || echo getwarm)"; do
      read -r o1 _ _ <<<"$(client_figures "$WORK/ot-$mb-$row.out")"
      read -r d1 _ _ <<<"$(dd_fig "$WORK/dd-$mb-$row.fig")"
      read -r m1 _ _ <<<"$(client_figures "$WORK/moto-$mb-$row.out")"
      verdict=$(awk -v o="$o1" -v d="$d1" -v m="$m1" 'BEGIN {
        if (o + 0 <= 0) { print "n/a"; exit }
        s = (d + 0 > 0) ? (o / d >= 0.5 ? "met" : "MISSED") : "n/a"
        t = (m + 0 > 0) ? (o > m ? "ahead" : "BEHIND") : "n/a"
        print "disk " s ", moto " t }')
      aim+="${aim:+; }$mb MB ${row/getcold/get}: $verdict"
    done
  done
  echo "  aim (>= 0.5 x dd with encryption on, ahead of moto): $aim"
)
echo "================================ s3 report ================================"
echo "$REPORT"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "$REPORT_FILE" ] && echo "$REPORT" >"$REPORT_FILE"
exit $FAILED
