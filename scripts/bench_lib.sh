# scripts/bench_lib.sh — helpers shared by the benchmark scripts (sourced, never run).
# The sourcing script sets BENCH_NAME (for messages) and, for stop_server, SERVER_PID.

group() { echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }  # 1234567 -> 1,234,567
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"$1\", ($2) }"; }  # calc FORMAT EXPR
cpu_of() {  # utime+stime of a process, seconds
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0
}
machine_busy() {  # busy core-seconds of the whole machine so far (/proc/stat)
  awk -v hz="$(getconf CLK_TCK)" '/^cpu / { print ($2 + $3 + $4 + $7 + $8 + $9) / hz }' /proc/stat
}
indent() { sed 's/^/    /'; }
free_port() {
  local p
  for p in $(shuf -i 20000-32000 -n 50); do  # below the ephemeral range (32768+): no clash with client sockets
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  echo "$BENCH_NAME: no free port" >&2
  return 1
}

# stop_server: SIGTERM to $SERVER_PID, SIGKILL after 60 s; clears SERVER_PID.
stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 600); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "$BENCH_NAME: the server did not stop within 60 s of SIGTERM; killing it" >&2
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
