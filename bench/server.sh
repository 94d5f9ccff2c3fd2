#!/usr/bin/env bash
# server.sh: the unary server benchmark (issue 9), every figure a ratio to a
# peer measured in the same run.
#
# Four servers of helloworld.Greeter/SayHello, all built Release here:
#   typerpc  examples/helloworld greeter_server of this tree
#   ref      the same program at git revision REF (default main: the 0.1
#            API, the pre-change figures), unpacked with git archive
#   ceiling  bench/ceiling/ceiling_server: bare nghttp2 + libevent with one
#            fixed valid gRPC response, the most any server on these
#            libraries can do
#   grpcpp   bench/grpcpp/greeter_server.cc, gRPC C++ (callback API)
# ROUNDS rounds; each round runs every server once, in an order that
# rotates from round to round: start it, N/20 warm-up calls, then N calls
# from h2load (C connections x M streams), its CPU (user + system, all
# threads, from /proc) read just before and after those N calls.  Per
# server: calls/s and CPU microseconds per call, median (min-max) over the
# rounds.  Per pair: the median (min-max) of the per-round ratios
# typerpc/peer, each taken within one round, which cancels most of what
# the rest of a shared machine does.
#
# Usage: bench/server.sh [REF]   (env: N=200000 C=100 M=10 ROUNDS=5,
#                                 BUILD=build-bench, KEEP=1 keeps the work dir)
# Needs: cmake, cc, g++, h2load (nghttp2-client), git, and gRPC C++
# (bench/grpcpp/build.sh).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
REF=${1:-main}
N=${N:-200000}
C=${C:-100}
M=${M:-10}
ROUNDS=${ROUNDS:-5}
BUILD=${BUILD:-$ROOT/build-bench}
WORK=$(mktemp -d /tmp/typerpc-server-bench.XXXXXX)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

cleanup() {
  bench_stop
  if [ "${KEEP:-0}" = 1 ]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bench_init

bench_say "building this tree (Release) in $BUILD, $REF in $WORK, gRPC C++"
bench_build "$ROOT" "$BUILD" greeter_server ceiling_server
bench_ref "$REF" "$WORK/ref"
bench_build "$WORK/ref" "$WORK/build-ref" greeter_server
GPP=$("$ROOT/bench/grpcpp/build.sh" "$BUILD/bench-grpcpp" greeter_server)

NAMES=(typerpc ref ceiling grpcpp)
declare -A CMD=(
  [typerpc]="$BUILD/examples/helloworld/greeter_server --listen 127.0.0.1:0"
  [ref]="$WORK/build-ref/examples/helloworld/greeter_server --listen 127.0.0.1:0"
  [ceiling]="$BUILD/bench/ceiling_server --listen 127.0.0.1:0"
  [grpcpp]="$GPP --port 0"
)

LOAD_BEFORE=$(bench_load)
bench_say "$ROUNDS rounds of $N calls, $C connections x $M streams; load $LOAD_BEFORE"
: >"$WORK/results"   # round name calls/s cpu-us/call
for r in $(seq 1 "$ROUNDS"); do
  for k in 0 1 2 3; do
    name=${NAMES[$(( (k + r - 1) % 4 ))]}
    # shellcheck disable=SC2086
    bench_start "$WORK/$name.log" ${CMD[$name]}
    bench_h2load "$WORK/h2load" $((N / 20))
    c0=$(bench_cpu)
    bench_h2load "$WORK/h2load" "$N"
    c1=$(bench_cpu)
    bench_stop
    rps=$(bench_rps "$WORK/h2load")
    cpu=$(awk -v a="$c0" -v b="$c1" -v n="$N" 'BEGIN { printf "%.3f", (b - a) * 1e6 / n }')
    echo "$r $name $rps $cpu" | tee -a "$WORK/results" >&2
  done
done
LOAD_AFTER=$(bench_load)

col() {  # col NAME FIELD: that field of every round of NAME
  awk -v n="$1" -v f="$2" '$2 == n { print $f }' "$WORK/results"
}
ratio() {  # ratio A B FIELD: per-round A/B of FIELD
  awk -v a="$1" -v b="$2" -v f="$3" '
    $2 == a { x[$1] = $f } $2 == b { y[$1] = $f }
    END { for (r in x) if (y[r] > 0) printf "%.4f\n", x[r] / y[r] }' "$WORK/results"
}

echo
echo "================ unary server benchmark: helloworld SayHello ================"
echo "machine: $(nproc) cores, $(uname -sr); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load average before/after: $LOAD_BEFORE / $LOAD_AFTER"
echo "$ROUNDS rounds x $N calls, h2load $C connections x $M streams; median (min-max)"
printf '%-8s %26s %28s\n' server "calls/s" "server CPU us/call"
for n in "${NAMES[@]}"; do
  read -r rm rlo rhi < <(col "$n" 3 | bench_stats)
  read -r cm clo chi < <(col "$n" 4 | bench_stats)
  printf '%-8s %10s (%s-%s) %10s (%s-%s)\n' "$n" "$rm" "$rlo" "$rhi" "$cm" "$clo" "$chi"
done
echo "ratios typerpc/peer, per round, median (min-max):"
for p in ref ceiling grpcpp; do
  read -r rm rlo rhi < <(ratio typerpc "$p" 3 | bench_stats)
  read -r cm clo chi < <(ratio typerpc "$p" 4 | bench_stats)
  printf '  vs %-8s calls/s %s (%s-%s)   CPU per call %s (%s-%s)\n' \
    "$p" "$rm" "$rlo" "$rhi" "$cm" "$clo" "$chi"
done
echo "(ref = $REF: $(git -C "$ROOT" log -1 --format='%h %s' "$REF" | cut -c1-60))"
