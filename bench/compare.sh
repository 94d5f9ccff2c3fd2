#!/usr/bin/env bash
# compare.sh: the unary hot path of this tree against another revision.
#
# Builds examples/helloworld's greeter_server (Release) twice: from the
# working tree and from REF (default main, unpacked with git archive into a
# scratch directory, no worktree), then runs ROUNDS rounds of h2load, each
# round both servers back to back in alternating order, and reports for
# each: requests per second, server CPU seconds (user + system, from the
# server's rusage) and the ratios this/REF.  CPU per call is the steadier
# figure on a shared machine; requests per second swing with the load of
# everything else.  Then it counts heap allocations per call on both
# servers with bench/malloc_count.c (the difference of two runs, N/10 and N
# calls, so start-up and shutdown cancel out).
#
# Usage: bench/compare.sh [REF]   (env: N=200000 C=100 M=10 ROUNDS=10,
#                                   KEEP=1 keeps the work directory)
# Needs: cmake, cc, h2load (nghttp2-client), git, GNU time (/usr/bin/time).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
REF=${1:-main}
N=${N:-200000}
C=${C:-100}
M=${M:-10}
ROUNDS=${ROUNDS:-10}
WORK=$(mktemp -d /tmp/typerpc-compare.XXXXXX)
SERVER_PID=

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'compare.sh: %s\n' "$*" >&2; exit 1; }
cleanup() {
  [ -n "$SERVER_PID" ] && kill -KILL "$SERVER_PID" 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v h2load >/dev/null || die "h2load not found (apt-get install nghttp2-client)"
[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install time)"

build() {  # build SRC DIR -> path of greeter_server
  cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release -DTYPERPC_TESTS=OFF \
    -DTYPERPC_ASAN=OFF -DTYPERPC_UBSAN=OFF >"$2.cmake.log" 2>&1 \
    || { cat "$2.cmake.log" >&2; die "cmake failed for $1"; }
  cmake --build "$2" -j"$(nproc)" --target greeter_server >"$2.build.log" 2>&1 \
    || { tail -30 "$2.build.log" >&2; die "build failed for $1"; }
  echo "$2/examples/helloworld/greeter_server"
}

say "building this tree and $REF (Release)"
mkdir -p "$WORK/ref"
git -C "$ROOT" archive "$REF" | tar -x -C "$WORK/ref"
THIS=$(build "$ROOT" "$WORK/build-this")
OTHER=$(build "$WORK/ref" "$WORK/build-ref")
cc -O2 -shared -fPIC -o "$WORK/malloc_count.so" "$ROOT/bench/malloc_count.c"
printf '\x00\x00\x00\x00\x07\x0a\x05world' >"$WORK/body.bin"

# run SERVER NREQ [COUNT-FILE]: prints "REQ/S CPU-SECONDS" of one run.
run() {
  local log="$WORK/run.log" tlog="$WORK/run.time" port=
  local env=()
  [ $# -ge 3 ] && env=(env MALLOC_COUNT_FILE="$3" LD_PRELOAD="$WORK/malloc_count.so")
  : >"$log"
  /usr/bin/time -f "CPU %U %S" -o "$tlog" "${env[@]}" "$1" --listen 127.0.0.1:0 \
    >"$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 200); do
    port=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$log" | head -n 1)
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || die "the server did not start: $(cat "$log")"
  h2load -n "$2" -c "$C" -m "$M" -d "$WORK/body.bin" -H 'content-type: application/grpc' \
    -H 'te: trailers' "http://127.0.0.1:$port/helloworld.Greeter/SayHello" >"$WORK/h2load" 2>&1 \
    || true
  # time(1) forwards no signal: stop its child, the server.
  pkill -TERM -P "$SERVER_PID" || true
  wait "$SERVER_PID" || true
  SERVER_PID=
  local ok
  ok=$(sed -n 's/^requests:.* \([0-9][0-9]*\) succeeded.*/\1/p' "$WORK/h2load")
  [ "$ok" = "$2" ] || die "only ${ok:-0} of $2 calls succeeded"
  echo "$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "$WORK/h2load")" \
       "$(awk '/^CPU/ { print $2 + $3 }' "$tlog")"
}

say "$ROUNDS rounds of $N unary calls, $C connections x $M streams, alternating"
: >"$WORK/rounds"
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then order="this ref"; else order="ref this"; fi
  for w in $order; do
    if [ "$w" = this ]; then s=$THIS; else s=$OTHER; fi
    echo "$w $(run "$s" "$N")" | tee -a "$WORK/rounds" >&2
  done
done

allocs() {  # allocs SERVER -> mallocs per call
  rm -f "$WORK/m1" "$WORK/m2"
  run "$1" $((N / 10)) "$WORK/m1" >/dev/null
  run "$1" "$N" "$WORK/m2" >/dev/null
  local a b
  a=$(sed -n 's/.*malloc=\([0-9]*\).*/\1/p' "$WORK/m1")
  b=$(sed -n 's/.*malloc=\([0-9]*\).*/\1/p' "$WORK/m2")
  awk -v a="$a" -v b="$b" -v n1=$((N / 10)) -v n2="$N" 'BEGIN { printf "%.2f", (b - a) / (n2 - n1) }'
}
say "allocations per call"
MT=$(allocs "$THIS")
MR=$(allocs "$OTHER")

awk -v ref="$REF" -v mt="$MT" -v mr="$MR" '
  { rps[$1] += $2; cpu[$1] += $3; n[$1]++ }
  END {
    printf "\n================ this tree vs %s: helloworld SayHello ================\n", ref
    for (w in n)
      printf "%-5s %d runs: %.0f req/s, %.3f s server CPU per run\n", w, n[w], rps[w] / n[w], cpu[w] / n[w]
    printf "ratio this/%s: req/s %.3f, CPU per call %.3f\n", ref,
      (rps["this"] / n["this"]) / (rps["ref"] / n["ref"]), (cpu["this"] / n["this"]) / (cpu["ref"] / n["ref"])
    printf "mallocs per unary call on the server: this %s, %s %s\n", mt, ref, mr
  }' "$WORK/rounds"
