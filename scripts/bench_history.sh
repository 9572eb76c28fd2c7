#!/usr/bin/env bash
# Event history benchmark (issue 3): `bash scripts/bench_history.sh [BUILD_DIR] [REPORT_FILE]`
# (called by scripts/bench.sh; runs standalone too). BUILD_DIR defaults to build.
#
# For N records (1,000,000; with BENCH_LARGE=1 also 10,000,000):
#   1. bench/gen_cloudtrail_logs writes N synthetic CloudTrail records as gzip log files
#      ({"Records":[...]}, AWS layout, 1,000 records a file, 30 days, one account).
#   2. Parse ceiling: history_bench parse — simdjson DOM over every file, gunzip untimed.
#   3. Import: a fresh `opentrail serve --history-retention 0`, the records' account created
#      with `opentrail admin create-account`; timed from the start of `opentrail import
#      --concurrency C` until everything is visible in history: after the import returns,
#      `history_bench settle` ingests one sentinel record and polls LookupEvents by EventId
#      until the sentinel is found (history indexes the journal in order, so all records
#      imported before it are visible then), then the oldest and newest generated events are
#      checked by EventId too. records/s = N / that time.
#   4. Lookups: history_bench lookup — LookupEvents (MaxResults 50) by each of the 8
#      attributes with values drawn from the data, and a walk of 20 pages over 1-day time
#      ranges; one keep-alive connection, each request signed; p50/p99 of first pages,
#      follow-up pages and both; every walk checked against ground truth from the files.
#      Diagnostics (BENCH_HISTORY_NORECORD=0 skips them): the same lookups after a restart
#      with --bench-no-record and after a normal restart, to separate the cost of recording
#      each LookupEvents call (a durable journal append before the reply) from the lookup.
#   5. PostgreSQL 15 (1M only; BENCH_PG_LARGE=1 for the 10M run too): a temporary cluster on
#      a loopback port; the same records COPYed (server-side COPY FROM a file in COPY text
#      format, prepared from the same log files *outside* the timing, with the summary
#      fields already extracted by opentrail's own code) into `events` + `event_resources`,
#      then the indexes the lookups need and ANALYZE; timed = COPY + indexes + ANALYZE. Then
#      the same query plan through libpq (history_bench pg-lookup): prepared statements,
#      newest first, keyset pagination.
#   A report block with every figure, the issue's aims and the opentrail / PostgreSQL ratios
#   is printed at the end and written to REPORT_FILE when given.
#
# Environment:
#   BENCH_HISTORY_RECORDS=1000000   records of the normal run
#   BENCH_HISTORY_LARGE_RECORDS=10000000  records of the BENCH_LARGE=1 run
#   BENCH_LARGE=1                   also the large run
#   BENCH_PG_LARGE=1                PostgreSQL in the large run too (adds ~30 GB of disk)
#   BENCH_HISTORY_PG=1              0 skips PostgreSQL
#   BENCH_IMPORT_CONCURRENCY=4      `opentrail import --concurrency`
#   BENCH_SERVER_THREADS=           server --threads (empty: its default)
#   BENCH_HISTORY_NORECORD=1        0 skips the diagnostic lookup run with --bench-no-record
#   BENCH_TMPDIR=                   where the temporary dirs go (default: $TMPDIR or /tmp)
#
# Everything started here (servers, PostgreSQL) is stopped and every temporary dir removed
# on exit, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_NAME=bench-history
source scripts/bench_lib.sh
ROOT=$(pwd)
BUILD=${1:-build}
REPORT_FILE=${2:-}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
OPENTRAIL="$BUILD/opentrail"
GEN="$BUILD/gen_cloudtrail_logs"
HB="$BUILD/history_bench"

RECORDS=${BENCH_HISTORY_RECORDS:-1000000}
LARGE_RECORDS=${BENCH_HISTORY_LARGE_RECORDS:-10000000}
BENCH_LARGE=${BENCH_LARGE:-0}
PG_LARGE=${BENCH_PG_LARGE:-0}
WITH_PG=${BENCH_HISTORY_PG:-1}
CONCURRENCY=${BENCH_IMPORT_CONCURRENCY:-4}
SERVER_THREADS=${BENCH_SERVER_THREADS:-}
ACCOUNT=123456789012
PG_BIN=/usr/lib/postgresql/15/bin

if [ ! -x "$OPENTRAIL" ] || [ ! -x "$GEN" ] || [ ! -x "$HB" ]; then
  echo "bench-history: building into $BUILD"
  bash scripts/build.sh "$BUILD"
fi
for bin in "$OPENTRAIL" "$GEN" "$HB"; do
  [ -x "$bin" ] || { echo "bench-history: $bin is missing after the build (OPENTRAIL_BENCH=OFF?)" >&2; exit 1; }
done

WORK=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/opentrail-history-bench.XXXXXX")
chmod 711 "$WORK"  # PostgreSQL's user must reach its data dir and COPY files inside
SERVER_PID=""
PG_DATA=""
PG_RUNNING=0

as_pg() {  # PostgreSQL refuses to run as root
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "$PG_RUNNING" = 1 ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
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

# field FILE KEY [SELECTOR]: value of KEY= on the last RESULT line (containing SELECTOR).
field() {
  grep "^RESULT .*${3:-}" "$1" | sed -n 's/^RESULT .*\<'"$2"'=\([^ ]*\).*/\1/p' | tail -n1
}
children_cpu() {  # children_cpu FILE: user+sys of this shell's finished children, seconds
  # (`times` must run in this shell, not in a $(...) subshell, to see its children.)
  awk 'NR == 2 { n = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); n += a[1] * 60 + a[2] } print n }' "$1"
}

# start_server NAME [flags]: data dir $WORK/NAME (kept when it exists), free port; sets
# SERVER_PID, ENDPOINT, DATA_DIR.
start_server() {
  DATA_DIR="$WORK/$1"
  local log="$WORK/$1.log"
  shift
  mkdir -p "$DATA_DIR"
  : >"$log"
  local flags=(serve --data-dir "$DATA_DIR" --listen 127.0.0.1:0 --history-retention 0 "$@")
  [ -n "$SERVER_THREADS" ] && flags+=(--threads "$SERVER_THREADS")
  "$OPENTRAIL" "${flags[@]}" >"$log" 2>&1 &
  SERVER_PID=$!
  ENDPOINT=""
  for _ in $(seq 1 300); do
    ENDPOINT=$(sed -n 's#^opentrail listening on \(http://[^ ]*\).*#\1#p' "$log" | head -n1)
    [ -n "$ENDPOINT" ] && [ -s "$DATA_DIR/credentials" ] && return 0
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "bench-history: the server exited before listening:" >&2
      cat "$log" >&2
      SERVER_PID=""
      return 1
    fi
    sleep 0.1
  done
  echo "bench-history: the server did not start within 30 s:" >&2
  cat "$log" >&2
  return 1
}


ensure_postgres() {
  if [ ! -x "$PG_BIN/postgres" ] || ! { ldconfig -p 2>/dev/null | grep 'libpq\.so\.5' >/dev/null; }; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "bench-history: installing postgresql-15 and libpq5 (apt-get)"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15 libpq5 >/dev/null ||
        { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15 libpq5 >/dev/null; }
    fi
  fi
  [ -x "$PG_BIN/postgres" ] || { echo "bench-history: PostgreSQL 15 is not installed ($PG_BIN)" >&2; return 1; }
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "bench-history: no 'postgres' user to run PostgreSQL as" >&2
    return 1
  fi
}

FAILED=0
REPORT=""
say() { REPORT+="$*"$'\n'; }
verdict() { if [ "$1" = 1 ]; then echo "MET"; else echo "NOT MET"; fi; }

# ---------------------------------------------------------------------------------------
# One run: N records, optionally PostgreSQL.

run_case() {
  local n=$1 label=$2 with_pg=$3
  local dir="$WORK/$label"
  mkdir -p "$dir"
  echo "== event history, $(group "$n") records ($label)"

  # 1. Log files.
  echo "-- generating $(group "$n") records (gzip log files)"
  "$GEN" --out "$dir/logs" --records "$n" --per-file 1000 --account "$ACCOUNT" --days 30 --seed 42 \
    >"$dir/gen.out"
  indent <"$dir/gen.out"
  local json_bytes gz_bytes avg_bytes data_events errors files
  json_bytes=$(field "$dir/gen.out" json_bytes)
  gz_bytes=$(field "$dir/gen.out" gz_bytes)
  avg_bytes=$(field "$dir/gen.out" avg_record_bytes)
  data_events=$(field "$dir/gen.out" data_events)
  errors=$(field "$dir/gen.out" errors)
  files=$(field "$dir/gen.out" files)

  # 2. Parse ceiling.
  echo "-- simdjson parse ceiling (gunzip untimed)"
  "$HB" parse --logs "$dir/logs" >"$dir/parse.out"
  indent <"$dir/parse.out"

  # 3. Query plan, ground truth (and PostgreSQL's COPY files), untimed.
  echo "-- query plan and ground truth$([ "$with_pg" = 1 ] && echo " (and PostgreSQL's COPY files)")"
  local pg_args=()
  if [ "$with_pg" = 1 ]; then
    mkdir -p "$dir/pg"
    chmod 755 "$dir" "$dir/pg"
    pg_args=(--pg-events "$dir/pg/events.tsv" --pg-resources "$dir/pg/resources.tsv")
  fi
  "$HB" prepare --logs "$dir/logs" --account "$ACCOUNT" --queries "$dir/queries.tsv" "${pg_args[@]}" \
    >"$dir/prepare.out"
  indent <"$dir/prepare.out"
  [ "$with_pg" = 1 ] && chmod 644 "$dir/pg/"*.tsv
  local oldest newest
  oldest=$(field "$dir/prepare.out" oldest_id)
  newest=$(field "$dir/prepare.out" newest_id)

  # 4. Import until visible.
  start_server "srv-$label"
  "$OPENTRAIL" admin create-account --account-id "$ACCOUNT" --endpoint "$ENDPOINT" --data-dir "$DATA_DIR" \
    >"$dir/account.json"
  echo "-- import: opentrail import --concurrency $CONCURRENCY, until visible in history"
  local t0 t1 t2 srv_cpu0 srv_cpu1 cli_cpu0 cli_cpu1 busy0 busy1 rc=0
  srv_cpu0=$(cpu_of "$SERVER_PID")
  times >"$dir/times0"
  busy0=$(machine_busy)
  t0=$(now)
  "$OPENTRAIL" import "$dir/logs" --endpoint "$ENDPOINT" --data-dir "$DATA_DIR" --concurrency "$CONCURRENCY" \
    --json --no-progress >"$dir/import.json" 2>"$dir/import.err" || rc=$?
  t1=$(now)
  times >"$dir/times1"
  cli_cpu0=$(children_cpu "$dir/times0")
  cli_cpu1=$(children_cpu "$dir/times1")
  if [ $rc -ne 0 ]; then
    echo "bench-history: opentrail import failed (exit $rc):" >&2
    head -c 2000 "$dir/import.json" >&2
    cat "$dir/import.err" >&2
    return 1
  fi
  "$HB" settle --endpoint "$ENDPOINT" --root-credentials "$DATA_DIR/credentials" \
    --account-credentials "$dir/account.json" --account "$ACCOUNT" --check-ids "$oldest,$newest" \
    >"$dir/settle.out" || { cat "$dir/settle.out"; echo "bench-history: not everything became visible" >&2; return 1; }
  t2=$(now)
  srv_cpu1=$(cpu_of "$SERVER_PID")
  busy1=$(machine_busy)
  echo "    import: $(head -c 400 "$dir/import.json")"
  indent <"$dir/settle.out"
  local accepted import_s visible_s rate cli_rate srv_cpu cli_cpu
  accepted=$(sed -n 's/.*"Accepted":\([0-9]*\).*/\1/p' "$dir/import.json")
  if [ "$accepted" != "$n" ]; then
    echo "bench-history: the import accepted $accepted of $n records" >&2
    return 1
  fi
  import_s=$(calc "%.3f" "$t1 - $t0")
  visible_s=$(calc "%.3f" "$t2 - $t0")
  rate=$(calc "%.0f" "$n / ($t2 - $t0)")
  cli_rate=$(calc "%.0f" "$n / ($t1 - $t0)")
  srv_cpu=$(calc "%.1f" "$srv_cpu1 - $srv_cpu0")
  cli_cpu=$(calc "%.1f" "$cli_cpu1 - $cli_cpu0")
  local other_cores  # cores used by everything but the server and the import client
  other_cores=$(calc "%.2f" "($busy1 - $busy0 - ($srv_cpu1 - $srv_cpu0) - ($cli_cpu1 - $cli_cpu0)) / ($t2 - $t0)")
  local du_data
  du_data=$(du -sm "$DATA_DIR" | cut -f1)
  echo "    $(group "$n") records visible in history $visible_s s after the import started: $(group "$rate") records/s"
  echo "    (import command returned after $import_s s; server CPU ${srv_cpu} s, import client CPU ${cli_cpu} s; other processes $other_cores cores; data dir ${du_data} MB)"

  # 5. Lookups.
  echo "-- LookupEvents latency ($(group "$n") records in history)"
  "$HB" lookup --endpoint "$ENDPOINT" --account-credentials "$dir/account.json" --queries "$dir/queries.tsv" \
    >"$dir/lookup.out"
  indent <"$dir/lookup.out"
  stop_server
  # Diagnostics on the same data dir after a restart (no import work left in the background):
  # recording off (--bench-no-record, benchmarks only), then recording on again — what
  # recording each LookupEvents call (journal fsync before the reply) adds to its latency.
  local srv_dir="$DATA_DIR"
  if [ "${BENCH_HISTORY_NORECORD:-1}" = 1 ]; then
    echo "-- diagnostic: the same lookups, server restarted with --bench-no-record"
    start_server "srv-$label" --bench-no-record
    "$HB" lookup --endpoint "$ENDPOINT" --account-credentials "$dir/account.json" --queries "$dir/queries.tsv" \
      >"$dir/lookup-norecord.out"
    grep -v '^RESULT' "$dir/lookup-norecord.out" | indent
    stop_server
    echo "-- diagnostic: the same lookups, server restarted normally (recording on)"
    start_server "srv-$label"
    "$HB" lookup --endpoint "$ENDPOINT" --account-credentials "$dir/account.json" --queries "$dir/queries.tsv" \
      >"$dir/lookup-restarted.out"
    grep -v '^RESULT' "$dir/lookup-restarted.out" | indent
    stop_server
  fi
  rm -rf "$srv_dir"
  [ "$(field "$dir/lookup.out" mismatches kind=total)" = 0 ] && [ "$(field "$dir/lookup.out" errors kind=total)" = 0 ] ||
    { echo "bench-history: LookupEvents results differ from the ground truth (see above)" >&2; FAILED=1; }

  # 6. PostgreSQL.
  local pg_ok=0 pg_rate="" copy_s="" index_s="" analyze_s="" pg_total_s="" pg_mb=""
  if [ "$with_pg" = 1 ]; then
    echo "-- PostgreSQL 15: COPY + indexes + ANALYZE, then the same queries"
    if ensure_postgres; then
      local port
      port=$(free_port)
      PG_DATA="$dir/pg/data"
      mkdir -p "$PG_DATA"
      chown -R postgres: "$PG_DATA" 2>/dev/null || true
      as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/pg/initdb.log" 2>&1 ||
        { cat "$dir/pg/initdb.log" >&2; return 1; }
      local shared_mb=$(( $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) / 8 ))
      [ "$shared_mb" -gt 4096 ] && shared_mb=4096
      cat >>"$PG_DATA/postgresql.conf" <<EOF
# opentrail bench: loopback only, durable (fsync on), tuned for a bulk load
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$PG_DATA'
shared_buffers = '${shared_mb}MB'
effective_cache_size = '$(( shared_mb * 3 ))MB'
maintenance_work_mem = '1GB'
work_mem = '64MB'
max_wal_size = '16GB'
checkpoint_timeout = '30min'
wal_level = minimal
max_wal_senders = 0
fsync = on
synchronous_commit = on
random_page_cost = 1.1
jit = off
EOF
      as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 120 start >/dev/null ||
        { cat "$PG_DATA/server.log" >&2; return 1; }
      PG_RUNNING=1
      local psql=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres)
      local p0 p1 p2 p3
      p0=$(now)
      "${psql[@]}" <<EOF
BEGIN;
CREATE TABLE events (
  seq bigint NOT NULL, event_id text NOT NULL, event_time timestamptz NOT NULL,
  account text NOT NULL, region text NOT NULL, management boolean NOT NULL,
  event_name text, event_source text, read_only boolean, username text, access_key_id text,
  resources text NOT NULL, record json NOT NULL);
CREATE TABLE event_resources (
  seq bigint NOT NULL, account text NOT NULL, region text NOT NULL, event_time timestamptz NOT NULL,
  kind "char" NOT NULL, value text NOT NULL);
COPY events FROM '$dir/pg/events.tsv';
COPY event_resources FROM '$dir/pg/resources.tsv';
COMMIT;
EOF
      p1=$(now)
      "${psql[@]}" <<EOF
ALTER TABLE events ADD PRIMARY KEY (seq);
CREATE UNIQUE INDEX events_event_id ON events (account, event_id);
CREATE INDEX events_time ON events (account, region, event_time DESC, seq DESC) WHERE management;
CREATE INDEX events_event_name ON events (account, region, event_name, event_time DESC, seq DESC) WHERE management;
CREATE INDEX events_read_only ON events (account, region, read_only, event_time DESC, seq DESC) WHERE management;
CREATE INDEX events_username ON events (account, region, username, event_time DESC, seq DESC) WHERE management;
CREATE INDEX events_event_source ON events (account, region, event_source, event_time DESC, seq DESC) WHERE management;
CREATE INDEX events_access_key_id ON events (account, region, access_key_id, event_time DESC, seq DESC) WHERE management;
CREATE INDEX event_resources_value ON event_resources (account, region, kind, value, event_time DESC, seq DESC);
EOF
      p2=$(now)
      "${psql[@]}" -c "ANALYZE events; ANALYZE event_resources;"
      p3=$(now)
      copy_s=$(calc "%.2f" "$p1 - $p0")
      index_s=$(calc "%.2f" "$p2 - $p1")
      analyze_s=$(calc "%.2f" "$p3 - $p2")
      pg_total_s=$(calc "%.2f" "$p3 - $p0")
      pg_rate=$(calc "%.0f" "$n / ($p3 - $p0)")
      pg_mb=$("${psql[@]}" -At -c "SELECT (pg_database_size('postgres') / 1048576)::int")
      echo "    COPY $copy_s s, 8 indexes $index_s s, ANALYZE $analyze_s s: $(group "$pg_rate") records/s; database ${pg_mb} MB"
      echo "    query plans (an EventName first page, a ResourceType follow-up page):"
      "${psql[@]}" -At <<EOF | indent
SET TIME ZONE 'UTC';
EXPLAIN (COSTS OFF) SELECT * FROM events e WHERE account = '$ACCOUNT' AND region = 'us-east-1' AND management
  AND event_name = 'DescribeInstances' ORDER BY event_time DESC, seq DESC LIMIT 51;
EXPLAIN (COSTS OFF) SELECT * FROM event_resources r JOIN events e ON e.seq = r.seq WHERE r.account = '$ACCOUNT'
  AND r.region = 'us-east-1' AND r.kind = 'T' AND r.value = 'AWS::S3::Bucket'
  AND (r.event_time, r.seq) < ('2026-11-20'::timestamptz, 9223372036854775807) ORDER BY r.event_time DESC, r.seq DESC LIMIT 51;
EOF
      "$HB" pg-lookup --conninfo "host=127.0.0.1 port=$port user=postgres dbname=postgres" \
        --queries "$dir/queries.tsv" --account "$ACCOUNT" >"$dir/pg-lookup.out"
      indent <"$dir/pg-lookup.out"
      [ "$(field "$dir/pg-lookup.out" mismatches kind=total)" = 0 ] ||
        { echo "bench-history: PostgreSQL results differ from the ground truth (see above)" >&2; FAILED=1; }
      as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null || true
      PG_RUNNING=0
      pg_ok=1
    else
      FAILED=1
    fi
    rm -rf "$dir/pg"
  fi

  # ---- report block of this run
  local parse_rate parse_mb
  parse_rate=$(field "$dir/parse.out" parse_records_per_s)
  parse_mb=$(field "$dir/parse.out" parse_mb_per_s)
  say "event history, $(group "$n") records ($files gzip files, $(calc "%.0f" "$json_bytes / 1e6") MB JSON / $(calc "%.0f" "$gz_bytes / 1e6") MB gzip, avg $avg_bytes B/record, $(calc "%.1f" "100 * $data_events / $n")% data events, $(calc "%.1f" "100 * $errors / $n")% errors):"
  say "  simdjson parse ceiling (DOM, 1 thread, gunzip untimed): $(group "$parse_rate") records/s, $(printf '%.0f' "$parse_mb") MB/s"
  say "  import -> visible in history (opentrail import --concurrency $CONCURRENCY): $(group "$rate") records/s ($visible_s s; import command $import_s s = $(group "$cli_rate") records/s)   aim >= 150,000 records/s: $(verdict "$(calc "%d" "$rate >= 150000")")"
  say "  import / parse ceiling: $(calc "%.3f" "$rate / $parse_rate")   (server CPU $srv_cpu s = $(calc "%.1f" "1e6 * $srv_cpu / $n") us/record, $(calc "%.2f" "$srv_cpu / $visible_s") cores; import client CPU $cli_cpu s; other processes $other_cores cores)"
  if [ "$pg_ok" = 1 ]; then
    say "  PostgreSQL 15 load (COPY of pre-extracted rows + 8 indexes + ANALYZE): $(group "$pg_rate") records/s ($pg_total_s s: COPY $copy_s s, indexes $index_s s, ANALYZE $analyze_s s)"
    say "  load throughput opentrail / PostgreSQL: $(calc "%.2f" "$rate / $pg_rate")x   aim >= 3x: $(verdict "$(calc "%d" "$rate >= 3 * $pg_rate")")"
  fi
  local hdr="  LookupEvents pages (MaxResults 50), $(group "$n") records in history, 1 connection; p50 / p99 in ms (first+follow-up pages)"
  if [ "$pg_ok" = 1 ]; then
    say "$hdr; opentrail | PostgreSQL | opentrail/PostgreSQL:"
  else
    say "$hdr:"
  fi
  local kind all_lower=1 max_p99=0
  for kind in EventId EventName ReadOnly Username ResourceType ResourceName EventSource AccessKeyId TimeRange; do
    local o50 o99 reqs line
    o50=$(field "$dir/lookup.out" p50_ms "kind=$kind ")
    o99=$(field "$dir/lookup.out" p99_ms "kind=$kind ")
    reqs=$(field "$dir/lookup.out" requests "kind=$kind ")
    max_p99=$(calc "%.3f" "($o99 > $max_p99) ? $o99 : $max_p99")
    line=$(printf '    %-13s %4s reqs  %7.3f / %7.3f' "$kind" "$reqs" "$o50" "$o99")
    if [ "$pg_ok" = 1 ]; then
      local g50 g99 lower
      g50=$(field "$dir/pg-lookup.out" p50_ms "kind=$kind ")
      g99=$(field "$dir/pg-lookup.out" p99_ms "kind=$kind ")
      lower=$(calc "%d" "$o50 < $g50 && $o99 < $g99")
      [ "$lower" = 1 ] || all_lower=0
      line+=$(printf '  |  %7.3f / %7.3f  |  %5.2f / %5.2f  %s' "$g50" "$g99" \
        "$(calc "%.4f" "$o50 / $g50")" "$(calc "%.4f" "$o99 / $g99")" "$([ "$lower" = 1 ] && echo lower || echo NOT-lower)")
    fi
    say "$line"
  done
  if [ "$pg_ok" = 1 ]; then
    say "  lower latency than PostgreSQL on every query (p50 and p99): $(verdict "$all_lower")"
  fi
  local diag_file diag_name
  for diag_file in lookup-restarted lookup-norecord; do
    [ -s "$dir/$diag_file.out" ] || continue
    [ "$diag_file" = lookup-restarted ] && diag_name="server restarted, recording on" || diag_name="server restarted, recording off"
    local diag="  diagnostic, $diag_name, p50/p99 ms:"
    for kind in EventId EventName ReadOnly Username ResourceType ResourceName EventSource AccessKeyId TimeRange; do
      diag+=$(printf ' %s %.2f/%.2f' "$kind" "$(field "$dir/$diag_file.out" p50_ms "kind=$kind ")" \
        "$(field "$dir/$diag_file.out" p99_ms "kind=$kind ")")
    done
    say "$diag"
  done
  if [ "$n" -ge 10000000 ]; then
    say "  highest lookup p99: $max_p99 ms   aim p99 < 5 ms at 10M records: $(verdict "$(calc "%d" "$max_p99 < 5")")"
  else
    say "  highest lookup p99: $max_p99 ms (the < 5 ms aim is for 10M records: make bench-large)"
  fi
  say "  (check: every walk matched ground truth computed from the files: opentrail $( [ "$(field "$dir/lookup.out" mismatches kind=total)" = 0 ] && echo yes || echo NO)$( [ "$pg_ok" = 1 ] && { [ "$(field "$dir/pg-lookup.out" mismatches kind=total)" = 0 ] && echo ", PostgreSQL yes" || echo ", PostgreSQL NO"; } ))"
  rm -rf "$dir"
  echo
}

echo "event history benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "note: server, import client, load generator and PostgreSQL share the machine's cores with anything else running."
echo
run_case "$RECORDS" "n$RECORDS" "$WITH_PG"
if [ "$BENCH_LARGE" = "1" ]; then
  run_case "$LARGE_RECORDS" "n$LARGE_RECORDS" "$([ "$WITH_PG" = 1 ] && [ "$PG_LARGE" = 1 ] && echo 1 || echo 0)"
fi
say "  (noise: 2 shared cores, load average at end $(cut -d' ' -f1-3 /proc/loadavg); PostgreSQL load excludes JSON parsing/field extraction, done untimed beforehand)"

echo "---------------------------- event history report ----------------------------"
printf '%s' "$REPORT"
[ -n "$REPORT_FILE" ] && printf '%s' "$REPORT" >"$REPORT_FILE"
exit $FAILED
