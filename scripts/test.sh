#!/usr/bin/env bash
# The one test command (README, CI): installs what is missing, builds, runs every suite —
# C++ (ctest) and Python integration tests (unittest, driving a real server with boto3 and
# the AWS CLI) — and ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${BUILD:-build}

bash scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
if ! bash scripts/build.sh "$BUILD"; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

LOGDIR=$(mktemp -d)
trap 'rm -rf "$LOGDIR"' EXIT

echo "== C++ tests (ctest)"
ctest --test-dir "$BUILD" -j "$(nproc)" --output-on-failure --timeout 300 >"$LOGDIR/ctest.log" 2>&1
grep -E "tests passed|The following tests FAILED|\*\*\*Failed|\*\*\*Timeout|Exception" "$LOGDIR/ctest.log" | head -50
cpp_total=$(grep -oE "tests failed out of [0-9]+" "$LOGDIR/ctest.log" | grep -oE "[0-9]+$" || echo 0)
cpp_failed=$(grep -oE "[0-9]+ tests failed out of" "$LOGDIR/ctest.log" | grep -oE "^[0-9]+" || echo 0)
if [ -z "$cpp_total" ] || [ "$cpp_total" = 0 ]; then
  tail -30 "$LOGDIR/ctest.log"
  cpp_total=1; cpp_failed=1
fi
cpp_passed=$((cpp_total - cpp_failed))
echo "C++: $cpp_passed passed, $cpp_failed failed"

echo "== Python integration tests"
OPENTRAIL_BIN="$ROOT/$BUILD/opentrail" python3 tests/integration/run.py >"$LOGDIR/py.log" 2>&1
tail -n 60 "$LOGDIR/py.log" | grep -vE "^\s*$" | grep -E "FAIL|ERROR|Error|Traceback|assert|passed|failed|^  File" | head -60
py_line=$(grep -E "^PYTHON-RESULT " "$LOGDIR/py.log" | tail -1)
py_passed=$(echo "$py_line" | sed -nE 's/.*passed=([0-9]+).*/\1/p')
py_failed=$(echo "$py_line" | sed -nE 's/.*failed=([0-9]+).*/\1/p')
if [ -z "$py_passed" ]; then
  tail -40 "$LOGDIR/py.log"
  py_passed=0; py_failed=1
fi
echo "Python: $py_passed passed, $py_failed failed"

passed=$((cpp_passed + py_passed))
failed=$((cpp_failed + py_failed))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
