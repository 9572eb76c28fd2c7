#!/usr/bin/env bash
# Trail delivery benchmark (issue 5): `bash scripts/bench_delivery.sh [BUILD_DIR] [REPORT_FILE]`
# (called by scripts/bench.sh; runs standalone too). BUILD_DIR defaults to build.
#
#   0. bench/gen_cloudtrail_logs writes N (1,000,000) synthetic CloudTrail records, gzip log
#      files, one account, us-east-1 and eu-west-1, ~5 % data events (S3 object calls, Lambda
#      Invoke, SNS Publish). `delivery_bench expect` lists the eventIDs the trail must
#      deliver (decided by an independent rule and by the server's own selector evaluator,
#      which must agree).
#      The trail (in every phase of 1-2): multi-region, global service events included,
#      advanced selectors: all management events + data events of AWS::S3::Object (except
#      the log bucket itself, which the watcher reads), AWS::Lambda::Function and
#      AWS::SNS::Topic — i.e. every generated record.
#   1. Backlog (journal -> delivered files): a server with --delivery-interval 1000d (no
#      window comes) and the trail logging; `opentrail import` (timed: the import rate of
#      this run); wait until the server is idle (Event history indexed); stop it; restart it
#      on the same data dir and port with --delivery-interval 1s. Timed from the restarted
#      server's listening line until the watcher (`delivery_bench watch`: lists the bucket
#      every 100 ms, reads every new file, checks every eventID) has found every expected
#      record: records/s = N / that time. The count is exact: every expected eventID once,
#      no duplicates (the watcher keeps reading 2 s after completion).
#   2. Live: a fresh server with --delivery-interval 1s and the trail logging; the watcher
#      runs while `opentrail import` runs; timed from the start of the import until every
#      record is in the bucket (import time reported separately; lag = time after the import
#      returned).
#   3. Call -> object latency: a fresh server, --delivery-interval 1s, a single-region trail
#      (management events + S3 data events of one data bucket); `delivery_bench latency`
#      calls STS GetCallerIdentity and S3 PutObject alternately at BENCH_DELIVERY_RATE/s for
#      BENCH_DELIVERY_DURATION s and polls the log bucket every 25 ms: p50/p90/p99/max from a
#      response to the listing that first shows the file holding its requestID.
#   4. gzip: the uncompressed JSON of the first BENCH_DELIVERY_GZIP_MB MB of files delivered in
#      phase 1, compressed by ot::delivery::Gzip (libdeflate level 6, the delivery path) and
#      by `gzip -6` in the same run.
# A report block with every figure and the issue's aims is printed at the end and written to
# REPORT_FILE when given.
#
# Environment:
#   BENCH_DELIVERY_RECORDS=1000000   generated records
#   BENCH_DELIVERY_RATE=20           calls/s of the latency run
#   BENCH_DELIVERY_DURATION=30       seconds of calls of the latency run
#   BENCH_DELIVERY_GZIP_MB=256       JSON MB for the gzip comparison
#   BENCH_DELIVERY_LIVE=1            0 skips phase 2
#   BENCH_IMPORT_CONCURRENCY=4       `opentrail import --concurrency`
#   BENCH_SERVER_THREADS=            server --threads (empty: its default)
#   BENCH_TMPDIR=                    where the temporary dirs go (default: $TMPDIR or /tmp)
# Servers and watchers started here are stopped and the temporary dir removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_NAME=bench-delivery
source scripts/bench_lib.sh
ROOT=$(pwd)
BUILD=${1:-build}
REPORT_FILE=${2:-}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
OPENTRAIL="$BUILD/opentrail"
GEN="$BUILD/gen_cloudtrail_logs"
DB="$BUILD/delivery_bench"

RECORDS=${BENCH_DELIVERY_RECORDS:-1000000}
RATE=${BENCH_DELIVERY_RATE:-20}
DURATION=${BENCH_DELIVERY_DURATION:-30}
GZIP_MB=${BENCH_DELIVERY_GZIP_MB:-256}
LIVE=${BENCH_DELIVERY_LIVE:-1}
CONCURRENCY=${BENCH_IMPORT_CONCURRENCY:-4}
SERVER_THREADS=${BENCH_SERVER_THREADS:-}
ACCOUNT=123456789012
GEN_REGIONS=us-east-1,eu-west-1  # the generator's regions (both enabled by default)
LOG_BUCKET=bench-trail-logs
TRAIL=bench-trail

if [ ! -x "$OPENTRAIL" ] || [ ! -x "$GEN" ] || [ ! -x "$DB" ]; then
  echo "bench-delivery: building into $BUILD"
  bash scripts/build.sh "$BUILD"
fi
for bin in "$OPENTRAIL" "$GEN" "$DB"; do
  [ -x "$bin" ] || { echo "bench-delivery: $bin is missing after the build (OPENTRAIL_BENCH=OFF?)" >&2; exit 1; }
done
command -v aws >/dev/null || { echo "bench-delivery: the AWS CLI is needed (aws)" >&2; exit 1; }

WORK=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/opentrail-delivery-bench.XXXXXX")
SERVER_PID=""
WATCH_PID=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  if [ -n "$WATCH_PID" ]; then
    kill -TERM "$WATCH_PID" 2>/dev/null || true
    wait "$WATCH_PID" 2>/dev/null || true
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

field() {  # field FILE KEY: value of KEY= on the last RESULT line
  sed -n 's/^RESULT .*\<'"$2"'=\([^ ]*\).*/\1/p' "$1" | tail -n1
}

# start_server NAME PORT [flags]: data dir $WORK/NAME (kept when it exists); sets SERVER_PID,
# ENDPOINT, DATA_DIR, LISTEN_AT (epoch seconds when the listening line was seen).
start_server() {
  DATA_DIR="$WORK/$1"
  local port=$2 log="$WORK/$1.log"
  shift 2
  mkdir -p "$DATA_DIR"
  local flags=(serve --data-dir "$DATA_DIR" --listen "127.0.0.1:$port" --history-retention 0 "$@")
  [ -n "$SERVER_THREADS" ] && flags+=(--threads "$SERVER_THREADS")
  : >>"$log"
  "$OPENTRAIL" "${flags[@]}" >>"$log" 2>&1 &
  SERVER_PID=$!
  ENDPOINT="http://127.0.0.1:$port"
  for _ in $(seq 1 600); do
    if [ "$(grep -c '^opentrail listening on' "$log")" -ge "${RESTARTS:-1}" ] && [ -s "$DATA_DIR/credentials" ]; then
      LISTEN_AT=$(now)
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "bench-delivery: the server exited before listening:" >&2
      cat "$log" >&2
      SERVER_PID=""
      return 1
    fi
    sleep 0.05
  done
  echo "bench-delivery: the server did not start within 30 s:" >&2
  cat "$log" >&2
  return 1
}


# wait_idle: until the server used < 3 % of a core over a second (Event history has
# indexed everything imported); at most 10 minutes.
wait_idle() {
  local c0 c1
  for _ in $(seq 1 600); do
    c0=$(cpu_of "$SERVER_PID")
    sleep 1
    c1=$(cpu_of "$SERVER_PID")
    [ "$(calc "%d" "$c1 - $c0 < 0.03")" = 1 ] && return 0
  done
  echo "bench-delivery: the server did not become idle" >&2
  return 1
}

# aws_as KEY SECRET args...: the AWS CLI against the current server.
aws_as() {
  local key=$1 secret=$2
  shift 2
  AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" AWS_SESSION_TOKEN="" AWS_DEFAULT_REGION=us-east-1 \
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER="" \
    aws --endpoint-url "$ENDPOINT" --output json "$@"
}
json_key() {  # json_key FILE KEY
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}
root_keys() {  # the management root's keys from DATA_DIR/credentials
  KEY=$(sed -n 's/^aws_access_key_id *= *//p' "$DATA_DIR/credentials" | head -n1)
  SECRET=$(sed -n 's/^aws_secret_access_key *= *//p' "$DATA_DIR/credentials" | head -n1)
}

# cloudtrail_policy BUCKET ACCOUNT TRAIL_ARN: the bucket policy CloudTrail needs (delivery.md).
cloudtrail_policy() {
  cat <<EOF
{"Version":"2012-10-17","Statement":[
 {"Sid":"AWSCloudTrailAclCheck20150319","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::$1","Condition":{"StringEquals":{"aws:SourceArn":"$3"}}},
 {"Sid":"AWSCloudTrailWrite20150319","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"s3:PutObject","Resource":"arn:aws:s3:::$1/AWSLogs/$2/*",
  "Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control","aws:SourceArn":"$3"}}}]}
EOF
}

# setup_trail KEY SECRET ACCOUNT BUCKET TRAIL SELECTORS_FILE [create-trail flags]: bucket,
# policy, trail, selectors, logging on.
setup_trail() {
  local key=$1 secret=$2 account=$3 bucket=$4 trail=$5 selectors=$6
  shift 6
  local arn="arn:aws:cloudtrail:us-east-1:$account:trail/$trail"
  aws_as "$key" "$secret" s3api create-bucket --bucket "$bucket" >/dev/null
  aws_as "$key" "$secret" s3api put-bucket-policy --bucket "$bucket" \
    --policy "$(cloudtrail_policy "$bucket" "$account" "$arn")"
  aws_as "$key" "$secret" cloudtrail create-trail --name "$trail" --s3-bucket-name "$bucket" "$@" >/dev/null
  aws_as "$key" "$secret" cloudtrail put-event-selectors --trail-name "$trail" \
    --advanced-event-selectors "file://$selectors" >/dev/null
  aws_as "$key" "$secret" cloudtrail start-logging --name "$trail"
}

# create_member: the generated records' account (its keys in $WORK/account-NAME.json).
create_member() {
  "$OPENTRAIL" admin create-account --account-id "$ACCOUNT" --endpoint "$ENDPOINT" --data-dir "$DATA_DIR" \
    >"$WORK/account-$1.json"
  KEY=$(json_key "$WORK/account-$1.json" AccessKeyId)
  SECRET=$(json_key "$WORK/account-$1.json" SecretAccessKey)
}

run_import() {  # run_import OUT: opentrail import of the generated files; sets IMPORT_S
  local out=$1 t0 t1 rc=0
  t0=$(now)
  "$OPENTRAIL" import "$WORK/logs" --endpoint "$ENDPOINT" --data-dir "$DATA_DIR" --concurrency "$CONCURRENCY" \
    --json --no-progress >"$out" 2>"$out.err" || rc=$?
  t1=$(now)
  IMPORT_T0=$t0
  IMPORT_T1=$t1
  IMPORT_S=$(calc "%.3f" "$t1 - $t0")
  local accepted
  accepted=$(sed -n 's/.*"Accepted":\([0-9]*\).*/\1/p' "$out")
  if [ $rc -ne 0 ] || [ "$accepted" != "$RECORDS" ]; then
    echo "bench-delivery: opentrail import failed (exit $rc, accepted ${accepted:-?} of $RECORDS):" >&2
    head -c 2000 "$out" >&2
    cat "$out.err" >&2
    return 1
  fi
}

# start_watch NAME [extra watch flags]: delivery_bench watch in the background, output in
# $WORK/NAME.watch; returns once it has loaded the expected set.
start_watch() {
  local name=$1
  shift
  "$DB" watch --endpoint "$ENDPOINT" --account-json "$WORK/account-$name.json" --bucket "$LOG_BUCKET" \
    --expected "$WORK/expected.txt" --poll-ms 100 --timeout 1800 "$@" >"$WORK/$name.watch" 2>&1 &
  WATCH_PID=$!
  for _ in $(seq 1 600); do
    grep -q '^watching' "$WORK/$name.watch" && return 0
    kill -0 "$WATCH_PID" 2>/dev/null || { cat "$WORK/$name.watch" >&2; return 1; }
    sleep 0.1
  done
  return 1
}
wait_watch() {  # wait_watch NAME: waits for the watcher, shows its output
  local rc=0
  wait "$WATCH_PID" || rc=$?
  WATCH_PID=""
  indent <"$WORK/$1.watch"
  if [ $rc -ne 0 ]; then
    echo "bench-delivery: the delivered records are not exactly the expected ones (see above)" >&2
    FAILED=1
  fi
}

FAILED=0
REPORT=""
say() { REPORT+="$*"$'\n'; }
verdict() { if [ "$1" = 1 ]; then echo "MET"; else echo "NOT MET"; fi; }

echo "trail delivery benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "note: server, import client, watcher and anything else running share the machine's cores."
echo

# ---------------------------------------------------------------------------------------
# 0. Records and what the trail must deliver.

echo "-- generating $(group "$RECORDS") records (gzip log files)"
"$GEN" --out "$WORK/logs" --records "$RECORDS" --per-file 1000 --account "$ACCOUNT" --days 30 --seed 42 >"$WORK/gen.out"
indent <"$WORK/gen.out"
cat >"$WORK/selectors.json" <<EOF
[{"Name":"management","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]},
 {"Name":"s3-objects","FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},
   {"Field":"resources.type","Equals":["AWS::S3::Object"]},
   {"Field":"resources.ARN","NotStartsWith":["arn:aws:s3:::$LOG_BUCKET/"]}]},
 {"Name":"lambda","FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},
   {"Field":"resources.type","Equals":["AWS::Lambda::Function"]}]},
 {"Name":"sns","FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},
   {"Field":"resources.type","Equals":["AWS::SNS::Topic"]}]}]
EOF
echo "-- the eventIDs the trail must deliver"
"$DB" expect --logs "$WORK/logs" --selectors "$WORK/selectors.json" --regions "$GEN_REGIONS" \
  --out "$WORK/expected.txt" >"$WORK/expect.out" || { cat "$WORK/expect.out" >&2; echo "bench-delivery: expect failed" >&2; exit 1; }
indent <"$WORK/expect.out"
EXPECTED=$(field "$WORK/expect.out" expected)
DATA_EVENTS=$(field "$WORK/gen.out" data_events)
JSON_BYTES=$(field "$WORK/gen.out" json_bytes)
echo

# ---------------------------------------------------------------------------------------
# 1. Backlog: import with no delivery window, restart with 1 s windows, time the drain.

echo "== 1. backlog: $(group "$EXPECTED") records durable in the journal -> delivered files"
PORT=$(free_port)
RESTARTS=1 start_server backlog "$PORT" --delivery-interval 1000d
create_member backlog
setup_trail "$KEY" "$SECRET" "$ACCOUNT" "$LOG_BUCKET" "$TRAIL" "$WORK/selectors.json" --is-multi-region-trail >/dev/null
echo "-- import (no delivery window comes: --delivery-interval 1000d)"
B_SRV0=$(cpu_of "$SERVER_PID")
run_import "$WORK/import-backlog.json"
B_IMPORT_S=$IMPORT_S
B_IMPORT_RATE=$(calc "%.0f" "$RECORDS / $B_IMPORT_S")
echo "    import: $(group "$RECORDS") records in $B_IMPORT_S s = $(group "$B_IMPORT_RATE") records/s (Event history indexing continues after)"
wait_idle
echo "    server idle (history caught up) $(calc "%.1f" "$(now) - $IMPORT_T0") s after the import started; server CPU $(calc "%.1f" "$(cpu_of "$SERVER_PID") - $B_SRV0") s"
start_watch backlog --save-dir "$WORK/json" --save-mb "$GZIP_MB"
echo "-- restart with --delivery-interval 1s (same data dir and port); the watcher polls the bucket"
stop_server
B_T0=$(now)
BUSY0=$(machine_busy)
RESTARTS=2 start_server backlog "$PORT" --delivery-interval 1s
B_LISTEN=$LISTEN_AT
wait_watch backlog
B_SRV_CPU=$(calc "%.1f" "$(cpu_of "$SERVER_PID")")  # all of the restarted server's CPU
BUSY1=$(machine_busy)
B_DONE=$(field "$WORK/backlog.watch" done_epoch)
B_FIRST=$(field "$WORK/backlog.watch" first_file_epoch)
B_FILES=$(field "$WORK/backlog.watch" files)
B_WATCH_CPU=$(field "$WORK/backlog.watch" watcher_cpu_s)
B_RECORDS_IN_BUCKET=$(field "$WORK/backlog.watch" records)
B_OTHERS=$(field "$WORK/backlog.watch" others)
B_DUPS=$(field "$WORK/backlog.watch" duplicates)
B_FOUND=$(field "$WORK/backlog.watch" found)
B_GZ=$(field "$WORK/backlog.watch" gz_bytes)
B_JSON=$(field "$WORK/backlog.watch" json_bytes)
B_MAXREC=$(field "$WORK/backlog.watch" max_file_records)
B_S="" B_RATE="" B_WIN_S="" B_WIN_RATE=""
if [ "$B_DONE" != "0.000" ] && [ -n "$B_DONE" ]; then
  B_S=$(calc "%.3f" "$B_DONE - $B_LISTEN")
  B_RATE=$(calc "%.0f" "$EXPECTED / $B_S")
  # Windows are aligned to whole seconds: the first one starts at the next second boundary.
  B_WIN_S=$(calc "%.3f" "$B_DONE - int($B_LISTEN) - 1")
  B_WIN_RATE=$(calc "%.0f" "$EXPECTED / $B_WIN_S")
  B_OTHER_CORES=$(calc "%.2f" "($BUSY1 - $BUSY0 - $B_SRV_CPU - $B_WATCH_CPU) / ($(now) - $B_T0)")
  echo "    every record delivered $B_S s after the restarted server listened (first file after $(calc "%.2f" "$B_FIRST - $B_LISTEN") s; restart took $(calc "%.2f" "$B_LISTEN - $B_T0") s): $(group "$B_RATE") records/s"
  echo "    restarted server CPU $B_SRV_CPU s ($(calc "%.1f" "1e6 * $B_SRV_CPU / $EXPECTED") us/record), watcher CPU $B_WATCH_CPU s"
fi
stop_server
rm -rf "$DATA_DIR"
echo

# ---------------------------------------------------------------------------------------
# 2. Live: delivery every second while the import runs.

L_S="" L_RATE="" L_IMPORT_S="" L_LAG="" L_IMPORT_RATE="" L_AT_IMPORT=""
if [ "$LIVE" = 1 ]; then
  echo "== 2. live: import while the trail delivers every second"
  RESTARTS=1 start_server live "$(free_port)" --delivery-interval 1s
  create_member live
  setup_trail "$KEY" "$SECRET" "$ACCOUNT" "$LOG_BUCKET" "$TRAIL" "$WORK/selectors.json" --is-multi-region-trail >/dev/null
  start_watch live --progress "$WORK/live.progress"
  L_SRV0=$(cpu_of "$SERVER_PID")
  run_import "$WORK/import-live.json"
  L_IMPORT_S=$IMPORT_S
  L_IMPORT_RATE=$(calc "%.0f" "$RECORDS / $L_IMPORT_S")
  echo "    import: $(group "$RECORDS") records in $L_IMPORT_S s = $(group "$L_IMPORT_RATE") records/s"
  wait_watch live
  L_SRV_CPU=$(calc "%.1f" "$(cpu_of "$SERVER_PID") - $L_SRV0")
  L_DONE=$(field "$WORK/live.watch" done_epoch)
  L_FILES=$(field "$WORK/live.watch" files)
  L_WATCH_CPU=$(field "$WORK/live.watch" watcher_cpu_s)
  if [ "$L_DONE" != "0.000" ] && [ -n "$L_DONE" ]; then
    L_S=$(calc "%.3f" "$L_DONE - $IMPORT_T0")
    L_RATE=$(calc "%.0f" "$EXPECTED / $L_S")
    L_LAG=$(calc "%.2f" "$L_DONE - $IMPORT_T1")
    # How far delivery was when the import returned (the watcher's last listing before).
    L_AT_IMPORT=$(awk -v t="$IMPORT_T1" '$1 <= t { n = $2 } END { print n + 0 }' "$WORK/live.progress")
    echo "    every record delivered $L_S s after the import started ($L_LAG s after it returned; $(group "$L_AT_IMPORT") delivered when it returned): $(group "$L_RATE") records/s end to end"
    echo "    server CPU $L_SRV_CPU s (import + history + delivery), watcher CPU $L_WATCH_CPU s"
  fi
  stop_server
  rm -rf "$DATA_DIR"
  echo
fi

# ---------------------------------------------------------------------------------------
# 3. Call -> object latency.

echo "== 3. call -> object latency, --delivery-interval 1s, $RATE calls/s for $DURATION s"
RESTARTS=1 start_server latency "$(free_port)" --delivery-interval 1s
root_keys
MGMT=$(aws_as "$KEY" "$SECRET" sts get-caller-identity --query Account --output text)
aws_as "$KEY" "$SECRET" s3api create-bucket --bucket bench-latency-data >/dev/null
cat >"$WORK/lat-selectors.json" <<EOF
[{"Name":"management","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]},
 {"Name":"data-bucket","FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},
   {"Field":"resources.type","Equals":["AWS::S3::Object"]},
   {"Field":"resources.ARN","StartsWith":["arn:aws:s3:::bench-latency-data/"]}]}]
EOF
setup_trail "$KEY" "$SECRET" "$MGMT" bench-latency-logs latency-trail "$WORK/lat-selectors.json" >/dev/null
LAT_SRV0=$(cpu_of "$SERVER_PID")
"$DB" latency --endpoint "$ENDPOINT" --credentials "$DATA_DIR/credentials" --log-bucket bench-latency-logs \
  --data-bucket bench-latency-data --rate "$RATE" --duration "$DURATION" --poll-ms 25 >"$WORK/latency.out" 2>&1 ||
  { echo "bench-delivery: the latency run failed or missed calls" >&2; FAILED=1; }
LAT_SRV_CPU=$(calc "%.1f" "$(cpu_of "$SERVER_PID") - $LAT_SRV0")
indent <"$WORK/latency.out"
echo "    server CPU during the run: $LAT_SRV_CPU s"
stop_server
rm -rf "$DATA_DIR"
echo

# ---------------------------------------------------------------------------------------
# 4. gzip: the delivery path's libdeflate level 6 vs gzip -6 on the same bytes.

echo "== 4. gzip level 6: ot::delivery::Gzip (libdeflate) vs gzip -6, delivered files' JSON"
"$DB" gzip --dir "$WORK/json" >"$WORK/gzip.out" || { cat "$WORK/gzip.out" >&2; FAILED=1; }
indent <"$WORK/gzip.out"
rm -rf "$WORK/json"
echo

# ---------------------------------------------------------------------------------------
# Report

say "trail delivery, $(group "$RECORDS") generated records ($(calc "%.0f" "$JSON_BYTES / 1e6") MB JSON, $(calc "%.1f" "100 * $DATA_EVENTS / $RECORDS")% data events), one multi-region trail logging management + data events (all $(group "$EXPECTED") records match):"
if [ -n "$B_RATE" ]; then
  say "  journal -> delivered files (backlog after restart, --delivery-interval 1s): $(group "$B_RATE") records/s ($B_S s from the server listening until the last record was in the bucket; $B_FILES files, at most $B_MAXREC records a file, $(calc "%.0f" "$B_GZ / 1e6") MB gzip)"
  say "    from the first window (the next whole second after listening) on: $(group "$B_WIN_RATE") records/s ($B_WIN_S s)"
  say "    delivering server CPU $B_SRV_CPU s = $(calc "%.1f" "1e6 * $B_SRV_CPU / $EXPECTED") us/record; watcher CPU $B_WATCH_CPU s; other processes $B_OTHER_CORES cores"
  say "    import of the same records in the same run (opentrail import --concurrency $CONCURRENCY, no delivery running): $(group "$B_IMPORT_RATE") records/s ($B_IMPORT_S s)"
  say "    delivery / import rate: $(calc "%.2f" "$B_RATE / $B_IMPORT_RATE")x   aim: delivery keeps up with the import: $(verdict "$(calc "%d" "$B_RATE >= $B_IMPORT_RATE")")"
else
  say "  journal -> delivered files: FAILED (not every record was delivered)"
fi
say "    exact count: $(group "$B_FOUND") of $(group "$EXPECTED") expected eventIDs found once, $B_DUPS duplicates, $B_OTHERS other records (the bench's own trail calls); $(group "$B_RECORDS_IN_BUCKET") records in the bucket"
if [ "$LIVE" = 1 ]; then
  if [ -n "$L_RATE" ]; then
    say "  live (delivery every 1 s during the import): import $L_IMPORT_S s ($(group "$L_IMPORT_RATE") records/s); every record in the bucket $L_S s after the import started = $(group "$L_RATE") records/s end to end, $L_LAG s after the import returned, when $(group "$L_AT_IMPORT") records were in the bucket ($L_FILES files; server CPU $L_SRV_CPU s)"
    say "    aim: delivery keeps up with the import (last record in the bucket within interval + 1 s of the import's end): $(verdict "$(calc "%d" "$L_LAG <= 2")")"
  else
    say "  live: FAILED (not every record was delivered)"
  fi
fi
if [ -s "$WORK/latency.out" ] && grep -q '^RESULT' "$WORK/latency.out"; then
  P50=$(field "$WORK/latency.out" p50_ms)
  P99=$(field "$WORK/latency.out" p99_ms)
  say "  call -> object latency, --delivery-interval 1s, $RATE calls/s for $DURATION s (STS GetCallerIdentity and S3 PutObject alternately): p50 $P50 ms, p90 $(field "$WORK/latency.out" p90_ms) ms, p99 $P99 ms, max $(field "$WORK/latency.out" max_ms) ms over $(field "$WORK/latency.out" calls) calls ($(field "$WORK/latency.out" missing) missing)"
  say "    sts p50/p99 $(field "$WORK/latency.out" sts_p50_ms)/$(field "$WORK/latency.out" sts_p99_ms) ms, PutObject p50/p99 $(field "$WORK/latency.out" put_p50_ms)/$(field "$WORK/latency.out" put_p99_ms) ms; bucket listed every 25 ms (listing p50 $(field "$WORK/latency.out" list_p50_ms) ms: detection adds 0-26 ms, ~13 ms on average); AWS averages ~5 min"
  say "    aim p99 < interval + 1 s = 2000 ms: $(verdict "$(calc "%d" "$P99 < 2000")")"
fi
if grep -q '^RESULT' "$WORK/gzip.out" 2>/dev/null; then
  say "  gzip level 6 of delivered files' JSON ($(calc "%.0f" "$(field "$WORK/gzip.out" in_bytes) / 1e6") MB, $(field "$WORK/gzip.out" files) files): delivery path (libdeflate, 1 thread) $(field "$WORK/gzip.out" libdeflate_mb_s) MB/s vs gzip -6 $(field "$WORK/gzip.out" gzip_mb_s) MB/s = $(field "$WORK/gzip.out" speed_ratio)x (per CPU second: $(field "$WORK/gzip.out" libdeflate_cpu_mb_s) vs $(field "$WORK/gzip.out" gzip_cpu_mb_s) MB/s = $(field "$WORK/gzip.out" cpu_speed_ratio)x); compressed size libdeflate/gzip $(field "$WORK/gzip.out" size_ratio) ($(calc "%.1f" "100 * $(field "$WORK/gzip.out" libdeflate_out) / $(field "$WORK/gzip.out" in_bytes)")% vs $(calc "%.1f" "100 * $(field "$WORK/gzip.out" gzip_out) / $(field "$WORK/gzip.out" in_bytes)")%)"
fi
say "  (noise: 2 shared cores, load average at end $(cut -d' ' -f1-3 /proc/loadavg); rates move with other processes)"

echo "---------------------------- trail delivery report ----------------------------"
printf '%s' "$REPORT"
[ -n "$REPORT_FILE" ] && printf '%s' "$REPORT" >"$REPORT_FILE"
exit $FAILED
