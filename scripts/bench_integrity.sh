#!/usr/bin/env bash
# Log file validation benchmark (issue 6): `bash scripts/bench_integrity.sh [BUILD_DIR] [REPORT_FILE]`
# (called by scripts/bench.sh; runs standalone too). BUILD_DIR defaults to build.
#
# Native `opentrail validate-logs` against the installed AWS CLI's `aws cloudtrail
# validate-logs` on the same trail archive, built honestly through the server
# (bench/integrity_bench.py does the work):
#   1. a fresh `opentrail serve --delivery-interval 200ms --digest-interval 1s`, a bucket with
#      the CloudTrail bucket policy, a trail with EnableLogFileValidation, StartLogging;
#   2. a load that puts events in (almost) every delivery window: `opentrail import` of one
#      unique synthetic log file (bench/gen_cloudtrail_logs, 100 records, the trail's
#      account) every 120 ms, until the bucket holds >= 500 log files and >= 100 digest
#      files (~2 minutes);
#   3. the load stops, StopLogging closes the chain with a final digest, and the archive is
#      frozen (no object added for 3 s);
#   4. each validator runs 3 times (alternating which goes first) with the same --trail-arn,
#      --start-time and --end-time; the report gives each one's median wall time, files/s
#      ((log + digest files) / wall), CPU, the server's CPU while it ran, and the ratio
#      (aim: native >= 20x faster). Every run must exit 0 and report every digest and log
#      file in the bucket valid, with the same counts from both.
# Report lines go to REPORT_FILE when given. Exit status non-zero when a check failed or the
# archive could not be built (not when the aim is missed: the machine may be shared).
#
# Environment:
#   IB_MIN_LOGS=500 IB_MIN_DIGESTS=100      archive size (BENCH_LARGE=1: 2500 and 500)
#   IB_DELIVERY_INTERVAL=200ms IB_DIGEST_INTERVAL=1s   the server's intervals
#   IB_LOAD=import                          or sts (GetCallerIdentity calls: tiny log files)
#   IB_RECORDS_PER_IMPORT=100               records per imported file (IB_LOAD=import)
#   IB_RUNS=3                               runs of each validator (median reported)
#   IB_NATIVE_CONCURRENCY=                  opentrail validate-logs --concurrency (empty: its default)
#   BENCH_SERVER_THREADS=                   server --threads (empty: its default)
#   BENCH_TMPDIR=                           where the temporary dir goes ($TMPDIR or /tmp)
# Needs the AWS CLI (`aws`) and python3 with boto3 (scripts/install-deps.sh installs both).
# Everything started here is stopped and the temporary dir removed on exit, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${1:-build}
REPORT_FILE=${2:-}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
case "$REPORT_FILE" in ""|/*) ;; *) REPORT_FILE="$ROOT/$REPORT_FILE" ;; esac
OPENTRAIL="$BUILD/opentrail"
GEN="$BUILD/gen_cloudtrail_logs"

if [ "${BENCH_LARGE:-0}" = "1" ]; then def_logs=2500 def_digests=500; else def_logs=500 def_digests=100; fi

if [ ! -x "$OPENTRAIL" ] || [ ! -x "$GEN" ]; then
  echo "bench-integrity: building into $BUILD"
  if [ -f "$BUILD/CMakeCache.txt" ]; then
    cmake --build "$BUILD" --target opentrail gen_cloudtrail_logs
  else
    bash scripts/build.sh "$BUILD"
  fi
fi
for bin in "$OPENTRAIL" "$GEN"; do
  [ -x "$bin" ] || { echo "bench-integrity: $bin is missing after the build (OPENTRAIL_BENCH=OFF?)" >&2; exit 1; }
done
command -v aws >/dev/null 2>&1 || { echo "bench-integrity: the AWS CLI (aws) is not installed" >&2; exit 1; }
python3 -c 'import boto3' 2>/dev/null || { echo "bench-integrity: python3 has no boto3" >&2; exit 1; }

WORK=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/opentrail-integrity-bench.XXXXXX")
CHILD_PID=""
cleanup() {
  local rc=$?
  if [ -n "$CHILD_PID" ]; then
    kill -TERM "$CHILD_PID" 2>/dev/null || true  # it stops its server and validators itself
    wait "$CHILD_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

args=(--opentrail "$OPENTRAIL" --gen "$GEN" --work "$WORK"
      --min-logs "${IB_MIN_LOGS:-$def_logs}" --min-digests "${IB_MIN_DIGESTS:-$def_digests}"
      --delivery-interval "${IB_DELIVERY_INTERVAL:-200ms}" --digest-interval "${IB_DIGEST_INTERVAL:-1s}"
      --load "${IB_LOAD:-import}" --records-per-import "${IB_RECORDS_PER_IMPORT:-100}"
      --runs "${IB_RUNS:-3}")
[ -n "${IB_NATIVE_CONCURRENCY:-}" ] && args+=(--native-concurrency "$IB_NATIVE_CONCURRENCY")
[ -n "${BENCH_SERVER_THREADS:-}" ] && args+=(--server-threads "$BENCH_SERVER_THREADS")
[ -n "$REPORT_FILE" ] && args+=(--report "$REPORT_FILE")

echo "log file validation benchmark (issue 6) — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "note: server, load, both validators and anything else running share the machine's cores."
rc=0
python3 "$ROOT/bench/integrity_bench.py" "${args[@]}" &
CHILD_PID=$!
wait "$CHILD_PID" || rc=$?
CHILD_PID=""
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $rc
