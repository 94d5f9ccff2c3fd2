# bench/lib.sh: what the benchmark scripts share (sourced, not run).
#
#   bench_build SRC DIR TARGET...   Release build of the typerpc tree SRC in
#                                   DIR (tests off, bench programs on)
#   bench_ref REF DIR               unpacks git revision REF of this tree
#                                   into DIR (git archive, no worktree)
#   bench_start LOG CMD...          starts a server in the background; sets
#                                   BENCH_PID and BENCH_PORT from its first
#                                   "PORT n" or "listening on HOST:n" line
#   bench_stop                      SIGTERM, then SIGKILL after 10 s
#   bench_cpu [PID]                 user + system CPU seconds the process
#                                   (all its threads) has used so far, from
#                                   /proc (nanoseconds, not clock ticks)
#   bench_h2load OUT N              N unary SayHello calls from h2load
#                                   (C connections x M streams) to
#                                   BENCH_PORT; fails unless all succeed
#   bench_stats                     "median min max" of the numbers on stdin
#   bench_load                      "load 1/5/15 min" of the machine now
#
# CPU is read from /proc before and after the measured load, so start-up,
# warm-up and shutdown are not in it, whatever the server does on SIGTERM.
# Callers set ROOT, WORK, C, M and call bench_init once.

BENCH_PID=
BENCH_PORT=

bench_say() { printf '== %s\n' "$*" >&2; }
bench_die() { printf '%s: %s\n' "${0##*/}" "$*" >&2; exit 1; }

bench_init() {
  command -v h2load >/dev/null || bench_die "h2load not found (apt-get install nghttp2-client)"
  # A gRPC-framed HelloRequest{name: "world"}: flag 0, length 7, 0a 05 "world".
  printf '\x00\x00\x00\x00\x07\x0a\x05world' >"$WORK/body.bin"
  BENCH_TICK=$(getconf CLK_TCK)
}

bench_build() {
  local src=$1 dir=$2 log
  shift 2
  log=$WORK/$(basename "$dir")
  cmake -S "$src" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DTYPERPC_TESTS=OFF -DTYPERPC_BENCH=ON \
    -DTYPERPC_ASAN=OFF -DTYPERPC_UBSAN=OFF -DTYPERPC_TSAN=OFF >"$log.cmake.log" 2>&1 \
    || { cat "$log.cmake.log" >&2; bench_die "cmake failed for $src"; }
  cmake --build "$dir" -j"$(nproc)" --target "$@" >"$log.build.log" 2>&1 \
    || { tail -30 "$log.build.log" >&2; bench_die "build failed for $src"; }
}

bench_ref() {
  mkdir -p "$2"
  git -C "$ROOT" archive "$1" | tar -x -C "$2"
}

bench_start() {
  local log=$1
  shift
  : >"$log"
  "$@" >"$log" 2>&1 &
  BENCH_PID=$!
  BENCH_PORT=
  for _ in $(seq 1 300); do
    BENCH_PORT=$(sed -n -e 's/^PORT \([0-9][0-9]*\)$/\1/p' \
                        -e 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$log" | head -n 1) || true
    [ -n "$BENCH_PORT" ] && return 0
    kill -0 "$BENCH_PID" 2>/dev/null || { cat "$log" >&2; bench_die "server exited: $*"; }
    sleep 0.1
  done
  bench_die "server did not report a port: $*"
}

bench_stop() {
  [ -n "$BENCH_PID" ] || return 0
  kill -TERM "$BENCH_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$BENCH_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$BENCH_PID" 2>/dev/null || true
  wait "$BENCH_PID" 2>/dev/null || true
  BENCH_PID=
}

bench_cpu() {
  # The run time of each live thread in nanoseconds (first field of
  # /proc/PID/task/TID/schedstat: user and system), plus what threads that
  # have exited used: the process's utime + stime (fields 14 and 15 of
  # /proc/PID/stat, in clock ticks, exited threads included) less its live
  # threads' own.  The command name in stat may hold spaces: fields are
  # counted from its ')'.
  local pid=${1:-$BENCH_PID}
  {
    echo "P $(sed 's/.*) //' "/proc/$pid/stat")"
    for t in /proc/"$pid"/task/*; do
      echo "T $(sed 's/.*) //' "$t/stat" 2>/dev/null) " \
           "$(cut -d' ' -f1 "$t/schedstat" 2>/dev/null)"
    done
  } | awk -v tick="$BENCH_TICK" '
    $1 == "P" { proc = $13 + $14 }
    $1 == "T" && NF > 14 { live += $13 + $14; ns += $NF }
    END { gone = proc - live; if (gone < 0) gone = 0
          printf "%.6f\n", ns / 1e9 + gone / tick }'
}

bench_h2load() {
  h2load -n "$2" -c "$C" -m "$M" -d "$WORK/body.bin" -H 'content-type: application/grpc' \
    -H 'te: trailers' "http://127.0.0.1:$BENCH_PORT/helloworld.Greeter/SayHello" >"$1" 2>&1 \
    || true
  local ok
  ok=$(sed -n 's/^requests:.* \([0-9][0-9]*\) succeeded.*/\1/p' "$1")
  [ "$ok" = "$2" ] || { cat "$1" >&2; bench_die "only ${ok:-0} of $2 calls succeeded"; }
}

bench_rps() { sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "$1" | head -n 1; }

bench_stats() {
  sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "n/a n/a n/a"; exit }
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%s %s %s\n", f(m), f(v[1]), f(v[NR]) }
    function f(x) { return x >= 1000 ? sprintf("%.0f", x) : sprintf("%.4g", x) }'
}

bench_load() { cut -d' ' -f1-3 /proc/loadavg; }
