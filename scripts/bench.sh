#!/usr/bin/env bash
# Benchmarks opentrail: usage `bash scripts/bench.sh [BUILD_DIR]` (default: build).
#
# 1. STS GetCallerIdentity throughput and latency through the whole pipeline (HTTP, SigV4,
#    routing, record building, durable journal with group-committed fsync), measured by
#    bench/sts_load against a fresh server; then the same server with recording off
#    (--bench-no-record), to show what recording and durability cost. After the recorded
#    run the journal is checked to hold at least one record per successful call.
# 2. Later issues' benchmarks: see run_more_benchmarks below.
#
# Builds nothing when the binaries exist (else runs scripts/build.sh BUILD_DIR).
# Every server is started on a free loopback port with a temporary data dir; servers and
# temporary dirs are removed on exit, whatever happens.
#
# Environment overrides:
#   BENCH_CONNECTIONS=64     keep-alive connections of the load generator
#   BENCH_DURATION=10        measured seconds per run
#   BENCH_WARMUP=2           warm-up seconds per run (not measured)
#   BENCH_LOAD_THREADS=1     load generator io_context threads
#   BENCH_SERVER_THREADS=    server --threads (empty: the server's default, one per core)
#   BENCH_REPEAT=1           recorded/unrecorded pairs to run, interleaved; the report
#                            shows each mode's median run (by calls/s)
#   BENCH_LARGE=1            heavier runs (`make bench-large`); nothing extra yet
#   BENCH_TMPDIR=            where the temporary data dirs go (default: $TMPDIR or /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

BUILD=${1:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
OPENTRAIL="$BUILD/opentrail"
STS_LOAD="$BUILD/sts_load"

CONNECTIONS=${BENCH_CONNECTIONS:-64}
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
LOAD_THREADS=${BENCH_LOAD_THREADS:-1}
SERVER_THREADS=${BENCH_SERVER_THREADS:-}
REPEAT=${BENCH_REPEAT:-1}
BENCH_LARGE=${BENCH_LARGE:-0}

if [ ! -x "$OPENTRAIL" ] || [ ! -x "$STS_LOAD" ]; then
  echo "bench: building into $BUILD"
  bash scripts/build.sh "$BUILD"
fi
for bin in "$OPENTRAIL" "$STS_LOAD"; do
  [ -x "$bin" ] || { echo "bench: $bin is missing after the build (OPENTRAIL_BENCH=OFF?)" >&2; exit 1; }
done

WORK=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/opentrail-bench.XXXXXX")
SERVER_PID=""
SERVER_ENDPOINT=""
SERVER_LOG=""
LOAD_PID=""

cleanup() {
  local rc=$?
  if [ -n "$LOAD_PID" ]; then
    kill -TERM "$LOAD_PID" 2>/dev/null || true
    wait "$LOAD_PID" 2>/dev/null || true
  fi
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------------------------------
# Helpers

# 1234567 -> 1,234,567 (integers only).
group() { echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }

# start_server NAME [extra serve flags...]: fresh data dir $WORK/NAME, free port; sets
# SERVER_PID, SERVER_ENDPOINT, SERVER_LOG and DATA_DIR.
start_server() {
  local name=$1
  shift
  DATA_DIR="$WORK/$name"
  SERVER_LOG="$WORK/$name.log"
  mkdir -p "$DATA_DIR"
  local flags=(serve --data-dir "$DATA_DIR" --listen 127.0.0.1:0)
  [ -n "$SERVER_THREADS" ] && flags+=(--threads "$SERVER_THREADS")
  "$OPENTRAIL" "${flags[@]}" "$@" >"$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  SERVER_ENDPOINT=""
  for _ in $(seq 1 300); do
    SERVER_ENDPOINT=$(sed -n 's#^opentrail listening on http://\([^ ]*\).*#\1#p' "$SERVER_LOG" | head -n1)
    [ -n "$SERVER_ENDPOINT" ] && [ -s "$DATA_DIR/credentials" ] && return 0
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "bench: the server exited before listening; its output:" >&2
      cat "$SERVER_LOG" >&2
      SERVER_PID=""
      return 1
    fi
    sleep 0.1
  done
  echo "bench: the server did not print its listening line within 30 s; its output:" >&2
  cat "$SERVER_LOG" >&2
  return 1
}

# stop_server: SIGTERM, then up to 30 s for a clean stop (the journal drains and RocksDB
# flushes), SIGKILL after that (reported: the journal check would be meaningless).
stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  local rc=0
  for _ in $(seq 1 300); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "bench: the server did not stop within 30 s of SIGTERM; killing it" >&2
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    rc=1
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  return $rc
}

# result_field FILE NAME: the value of NAME=... on the RESULT line of FILE.
result_field() {
  sed -n 's/^RESULT .*\<'"$2"'=\([^ ]*\).*/\1/p' "$1" | tail -n1
}

# run_sts_load NAME: runs the load generator against the current server, output in
# $WORK/NAME.load (shown once done, indented). It runs as a background child the script
# waits for, so that a signal to the script stops the run at once (see cleanup).
run_sts_load() {
  local out="$WORK/$1.load"
  local rc=0
  "$STS_LOAD" --endpoint "$SERVER_ENDPOINT" --credentials "$DATA_DIR/credentials" \
    --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP" \
    --threads "$LOAD_THREADS" --server-pid "$SERVER_PID" >"$out" 2>"$out.err" &
  LOAD_PID=$!
  wait "$LOAD_PID" || rc=$?
  LOAD_PID=""
  sed 's/^/    /' "$out"
  if [ -s "$out.err" ]; then
    echo "    (load generator messages:)"
    sed 's/^/    /' "$out.err" | head -n 20
  fi
  if [ $rc -ne 0 ] || ! grep -q '^RESULT ' "$out"; then
    echo "bench: sts_load failed (exit $rc); server output:" >&2
    tail -n 20 "$SERVER_LOG" >&2
    return 1
  fi
}

# ---------------------------------------------------------------------------------------
# 1. STS GetCallerIdentity, recorded vs not recorded.

echo "opentrail benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "binaries: $BUILD"
echo "load: $CONNECTIONS keep-alive connections (generator threads: $LOAD_THREADS), ${WARMUP} s warm-up + ${DURATION} s measured per run; server threads: ${SERVER_THREADS:-default}"
echo "note: the generator shares the machine's cores with the server; other processes add noise."
echo

FAILED=0
JOURNAL_CHECK="OK"

# recorded_run I: recording on, then the journal check (server stopped).
recorded_run() {
  local name="recorded-$1"
  echo "== run $name: recording on (every call journaled, group-committed fsync, before its reply)"
  start_server "$name"
  run_sts_load "$name"
  stop_server || FAILED=1
  local records ok_total
  if ! records=$("$OPENTRAIL" journal dump --data-dir "$DATA_DIR" | wc -l); then
    echo "bench: opentrail journal dump failed" >&2
    records=0
  fi
  ok_total=$(result_field "$WORK/$name.load" ok_total)
  if [ "$records" -ge "$ok_total" ]; then
    echo "    journal after stop: $(group "$records") records >= $(group "$ok_total") successful calls over the whole run: OK"
  else
    echo "    journal after stop: $(group "$records") records < $(group "$ok_total") successful calls over the whole run: FAILED"
    JOURNAL_CHECK="FAILED"
    FAILED=1
  fi
  JOURNAL_DETAIL="${JOURNAL_DETAIL:+$JOURNAL_DETAIL; }$(group "$records") records for $(group "$ok_total") successful calls"
  rm -rf "$DATA_DIR"
  echo
}

unrecorded_run() {
  local name="unrecorded-$1"
  echo "== run $name: same server, recording off (--bench-no-record, benchmarks only)"
  start_server "$name" --bench-no-record
  run_sts_load "$name"
  stop_server || FAILED=1
  rm -rf "$DATA_DIR"
  echo
}

for i in $(seq 1 "$REPEAT"); do
  recorded_run "$i"
  unrecorded_run "$i"
done

# median_run MODE: the load output file of MODE's median run by calls/s.
median_run() {
  local f
  for f in "$WORK/$1"-*.load; do echo "$(result_field "$f" calls_per_s) $f"; done |
    sort -n | awk '{ files[NR] = $2 } END { print files[int((NR + 1) / 2)] }'
}
REC_OUT=$(median_run recorded)
UNREC_OUT=$(median_run unrecorded)
REC_CPS=$(result_field "$REC_OUT" calls_per_s)
UNREC_CPS=$(result_field "$UNREC_OUT" calls_per_s)
fmt_run() {  # FILE -> "23,456 calls/s  p50 2.10 ms  p99 6.31 ms  errors 0  (server CPU ...)"
  local f=$1
  printf '%s calls/s  p50 %.2f ms  p99 %.2f ms  errors %s  (server CPU %s us/call, %s cores; other processes %s cores)' \
    "$(group "$(printf '%.0f' "$(result_field "$f" calls_per_s)")")" \
    "$(result_field "$f" p50_ms)" "$(result_field "$f" p99_ms)" "$(result_field "$f" errors)" \
    "$(result_field "$f" server_us_per_call)" "$(printf '%.2f' "$(result_field "$f" server_cores)")" \
    "$(printf '%.2f' "$(result_field "$f" other_cores)")"
}
[ "$REPEAT" -gt 1 ] && MEDIAN_NOTE=" (median of $REPEAT runs)" || MEDIAN_NOTE=""
STS_SUMMARY=$(
  echo "sts GetCallerIdentity, $CONNECTIONS keep-alive clients$MEDIAN_NOTE:"
  echo "  recorded (durable journal):               $(fmt_run "$REC_OUT")"
  echo "  same server, recording off (bench-only):  $(fmt_run "$UNREC_OUT")"
  awk -v r="$REC_CPS" -v u="$UNREC_CPS" \
      -v rc="$(result_field "$REC_OUT" server_us_per_call)" -v uc="$(result_field "$UNREC_OUT" server_us_per_call)" 'BEGIN {
    if (u > 0) printf "  recording/durability costs: %.0f%% of throughput (ratio recorded/unrecorded = %.2f)\n", (1 - r / u) * 100, r / u;
    else print "  recording/durability costs: n/a (no unrecorded throughput)";
    if (rc > 0 && uc > 0) printf "  server CPU per call: %.1f us recorded vs %.1f us unrecorded (+%.1f us, x%.2f)\n", rc, uc, rc - uc, rc / uc }'
  echo "  journal check after each recorded run: $JOURNAL_CHECK ($JOURNAL_DETAIL)"
)
for f in "$WORK"/*.load; do
  [ "$(result_field "$f" errors_total)" = "0" ] || echo "bench: warning: $(basename "$f" .load) had $(result_field "$f" errors_total) errors (see above)" >&2
done

# ---------------------------------------------------------------------------------------
# 2. Later issues' benchmarks.
#
# ===== ADD LATER BENCHMARKS HERE =====
# Each one: start_server NAME [flags] / drive it / stop_server, then append its report
# lines (with units) to MORE_SUMMARY; set FAILED=1 when a check fails. BENCH_LARGE=1
# (`make bench-large`) asks for heavier runs (bench_history: also 10M records).
MORE_SUMMARY=""

# Event history (issue 3): import until visible, parse ceiling, LookupEvents latency,
# PostgreSQL 15 comparison; 1M records, plus 10M with BENCH_LARGE=1. scripts/bench_history.sh
# runs as a child that cleanup stops (it then stops its own servers) through LOAD_PID.
bench_history() {
  echo "== event history (issue 3): scripts/bench_history.sh"
  local report="$WORK/history.report" rc=0
  BENCH_LARGE="$BENCH_LARGE" bash scripts/bench_history.sh "$BUILD" "$report" &
  LOAD_PID=$!
  wait "$LOAD_PID" || rc=$?
  LOAD_PID=""
  if [ $rc -ne 0 ]; then
    echo "bench: the event history benchmark failed (exit $rc)" >&2
    FAILED=1
  fi
  [ -s "$report" ] && MORE_SUMMARY+="$(cat "$report")"$'\n'
  echo
}

run_more_benchmarks() {
  bench_history
  bash scripts/bench_s3.sh "$BUILD" "$WORK/s3.report" & LOAD_PID=$!; wait "$LOAD_PID" || FAILED=1; LOAD_PID=""; MORE_SUMMARY+="$(cat "$WORK/s3.report" 2>/dev/null || true)"$'\n'; echo  # embedded S3 (issue 4)
  bash scripts/bench_delivery.sh "$BUILD" "$WORK/delivery.report" & LOAD_PID=$!; wait "$LOAD_PID" || FAILED=1; LOAD_PID=""; MORE_SUMMARY+="$(cat "$WORK/delivery.report" 2>/dev/null || true)"$'\n'; echo  # trail delivery (issue 5)
  bash scripts/bench_integrity.sh "$BUILD" "$WORK/integrity.report" & LOAD_PID=$!; wait "$LOAD_PID" || FAILED=1; LOAD_PID=""; MORE_SUMMARY+="$(cat "$WORK/integrity.report" 2>/dev/null || true)"$'\n'; echo  # log file validation, native vs AWS CLI (issue 6)
  IB_LOAD=sts bash scripts/bench_integrity.sh "$BUILD" "$WORK/integrity-small.report" & LOAD_PID=$!; wait "$LOAD_PID" || FAILED=1; LOAD_PID=""; MORE_SUMMARY+="$(cat "$WORK/integrity-small.report" 2>/dev/null || true)"$'\n'; echo  # the same with small log files (one call per delivery window)
  # later: bench_trail_delivery; ...
}
run_more_benchmarks

# ---------------------------------------------------------------------------------------
echo "================================ report ================================"
echo "$STS_SUMMARY"
[ -n "$MORE_SUMMARY" ] && echo "$MORE_SUMMARY"
echo "(latency = send of a request -> its full response read, per connection, closed loop;"
echo " the machine's cores are shared by server, generator and anything else running: calls/s"
echo " moves with 'other processes', server CPU per call much less)"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $FAILED
