#!/usr/bin/env bash
# web.sh: the web protocols' cost (issue 14): JSON unary calls over Connect
# against binary gRPC unary calls, on the same server in the same run, as
# server CPU per call; and gRPC on this tree against gRPC on REF, to show
# the protocol check did not slow gRPC down.
#
# greeter_server (examples/helloworld, Release) serves
# helloworld.Greeter/SayHello{name: "world"}.  Per round, one server of
# this tree takes four loads in a rotating order, h2load C connections x M
# streams over h2, N calls each after N/20 warm-up calls:
#   grpc          application/grpc, the 5-byte framed protobuf
#   connect-json  application/json {"name":"world"} (curl's line)
#   connect-proto application/proto, the bare protobuf
#   grpc-web      application/grpc-web, framed protobuf, trailers in the body
# and a server of REF (default main) takes the grpc load.  Server CPU (user
# + system, all threads, /proc) is read just before and after the N calls.
# Per load: calls/s and CPU us/call, median (min-max) over the rounds; per
# pair the median (min-max) of per-round ratios.
#
# Usage: bench/web.sh [REF]   (env: N=100000 C=50 M=10 ROUNDS=5,
#                              BUILD=build-bench, KEEP=1 keeps the work dir)
# Needs: cmake, cc, h2load (nghttp2-client), git.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
REF=${1:-main}
N=${N:-100000}
C=${C:-50}
M=${M:-10}
ROUNDS=${ROUNDS:-5}
BUILD=${BUILD:-$ROOT/build-bench}
WORK=$(mktemp -d /tmp/typerpc-web-bench.XXXXXX)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

cleanup() {
  bench_stop
  if [ "${KEEP:-0}" = 1 ]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bench_init   # writes $WORK/body.bin, the gRPC-framed request

printf '{"name":"world"}' >"$WORK/body.json"
printf '\x0a\x05world' >"$WORK/body.proto"
declare -A BODY=([grpc]=body.bin [connect-json]=body.json [connect-proto]=body.proto
                 [grpc-web]=body.bin [ref-grpc]=body.bin)
declare -A CTYPE=([grpc]=application/grpc [connect-json]=application/json
                  [connect-proto]=application/proto [grpc-web]=application/grpc-web
                  [ref-grpc]=application/grpc)

load() {  # load NAME OUT CALLS
  local extra=()
  case $1 in *grpc) extra=(-H 'te: trailers') ;; esac
  h2load -n "$3" -c "$C" -m "$M" -d "$WORK/${BODY[$1]}" -H "content-type: ${CTYPE[$1]}" \
    "${extra[@]}" "http://127.0.0.1:$BENCH_PORT/helloworld.Greeter/SayHello" >"$2" 2>&1 || true
  local ok
  ok=$(sed -n 's/^requests:.* \([0-9][0-9]*\) succeeded.*/\1/p' "$2")
  [ "$ok" = "$3" ] || { cat "$2" >&2; bench_die "$1: only ${ok:-0} of $3 calls succeeded"; }
  # h2load counts any HTTP status as success: the replies must be 2xx
  grep -q "status codes: $3 2xx" "$2" || { cat "$2" >&2; bench_die "$1: not all 2xx"; }
}

measure() {  # measure ROUND NAME
  load "$2" "$WORK/h2load" $((N / 20))
  local c0 c1 rps cpu
  c0=$(bench_cpu)
  load "$2" "$WORK/h2load" "$N"
  c1=$(bench_cpu)
  rps=$(bench_rps "$WORK/h2load")
  cpu=$(awk -v a="$c0" -v b="$c1" -v n="$N" 'BEGIN { printf "%.3f", (b - a) * 1e6 / n }')
  echo "$1 $2 $rps $cpu" | tee -a "$WORK/results" >&2
}

bench_say "building this tree (Release) in $BUILD, $REF in $WORK"
bench_build "$ROOT" "$BUILD" greeter_server
bench_ref "$REF" "$WORK/ref"
bench_build "$WORK/ref" "$WORK/build-ref" greeter_server

LOADS=(grpc connect-json connect-proto grpc-web)
LOAD_BEFORE=$(bench_load)
bench_say "$ROUNDS rounds of $N calls per load, $C connections x $M streams; load $LOAD_BEFORE"
: >"$WORK/results"   # round name calls/s cpu-us/call
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) = 0 ]; then
    bench_start "$WORK/ref.log" "$WORK/build-ref/examples/helloworld/greeter_server" \
      --listen 127.0.0.1:0
    measure "$r" ref-grpc
    bench_stop
  fi
  bench_start "$WORK/typerpc.log" "$BUILD/examples/helloworld/greeter_server" \
    --listen 127.0.0.1:0
  for k in 0 1 2 3; do
    measure "$r" "${LOADS[$(( (k + r - 1) % 4 ))]}"
  done
  bench_stop
  if [ $((r % 2)) = 1 ]; then
    bench_start "$WORK/ref.log" "$WORK/build-ref/examples/helloworld/greeter_server" \
      --listen 127.0.0.1:0
    measure "$r" ref-grpc
    bench_stop
  fi
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
echo "================ web protocols benchmark: helloworld SayHello ================"
echo "machine: $(nproc) cores, $(uname -sr); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load average before/after: $LOAD_BEFORE / $LOAD_AFTER"
echo "$ROUNDS rounds x $N calls, h2load $C connections x $M streams; median (min-max)"
printf '%-14s %26s %28s\n' load "calls/s" "server CPU us/call"
for n in "${LOADS[@]}" ref-grpc; do
  read -r rm rlo rhi < <(col "$n" 3 | bench_stats)
  read -r cm clo chi < <(col "$n" 4 | bench_stats)
  printf '%-14s %10s (%s-%s) %10s (%s-%s)\n' "$n" "$rm" "$rlo" "$rhi" "$cm" "$clo" "$chi"
done
echo "CPU per call, ratios per round, median (min-max):"
for p in connect-json connect-proto grpc-web; do
  read -r cm clo chi < <(ratio "$p" grpc 4 | bench_stats)
  printf '  %-14s / grpc      %s (%s-%s)\n' "$p" "$cm" "$clo" "$chi"
done
read -r cm clo chi < <(ratio grpc ref-grpc 4 | bench_stats)
printf '  %-14s / ref-grpc  %s (%s-%s)\n' grpc "$cm" "$clo" "$chi"
echo "(ref = $REF: $(git -C "$ROOT" log -1 --format='%h %s' "$REF" | cut -c1-60))"
