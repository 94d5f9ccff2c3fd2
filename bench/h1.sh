#!/usr/bin/env bash
# h1.sh: what HTTP/1.1 costs the server, against HTTP/2 on the same server
# in the same run (runtime/server/h1.c bridges each HTTP/1.1 request into
# the server's HTTP/2 connection code: one internal HPACK and framing hop).
#
# One greeter_server (Release, built here), restarted for each phase;
# h2load sends gRPC-framed SayHello calls (HTTP/1.1: content-length
# request bodies, chunked responses with grpc-status in the trailers):
#   h2       HTTP/2, C connections x M streams
#   h2-1     HTTP/2, C connections, one stream at a time (HTTP/1.1's pattern:
#            a read and a write per call, not per M calls)
#   h1       HTTP/1.1 (h2load --h1), C connections, one request at a time
#   h1-pipe  HTTP/1.1, C connections, M requests pipelined
# Each phase: N/20 warm-up calls, then N calls; server CPU microseconds per
# call (user + system of all its threads, from /proc).  ROUNDS rounds, the
# order rotating; per phase the median (min-max), and per round the ratio
# h1/h2 and h1/h2-1 of CPU per call: the second is the bridge's own cost
# (parsing, the internal HPACK and framing hop), the first adds what
# HTTP/2's multiplexing saves (syscalls per call).
#
# Usage: bench/h1.sh   (env: N=100000 C=50 M=10 ROUNDS=3 BUILD=build-bench
#                       KEEP=1 keeps the work dir)
# Needs: cmake, cc, h2load (nghttp2-client).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-100000}
C=${C:-50}
M=${M:-10}
ROUNDS=${ROUNDS:-3}
BUILD=${BUILD:-$ROOT/build-bench}
WORK=$(mktemp -d /tmp/typerpc-h1-bench.XXXXXX)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

cleanup() {
  bench_stop
  if [ "${KEEP:-0}" = 1 ]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bench_init

bench_say "building this tree (Release) in $BUILD"
bench_build "$ROOT" "$BUILD" greeter_server

NAMES=(h2 h2-1 h1 h1-pipe)
declare -A ARGS=([h2]="-c $C -m $M" [h2-1]="-c $C -m 1" [h1]="--h1 -c $C -m 1"
                 [h1-pipe]="--h1 -c $C -m $M")

# load OUT N NAME: N calls; fails unless all succeed.
load() {
  # shellcheck disable=SC2086
  h2load -n "$2" ${ARGS[$3]} -d "$WORK/body.bin" -H 'content-type: application/grpc' \
    -H 'te: trailers' "http://127.0.0.1:$BENCH_PORT/helloworld.Greeter/SayHello" >"$1" 2>&1 \
    || true
  local ok
  ok=$(sed -n 's/^requests:.* \([0-9][0-9]*\) succeeded.*/\1/p' "$1")
  [ "$ok" = "$2" ] || { cat "$1" >&2; bench_die "only ${ok:-0} of $2 calls succeeded ($3)"; }
}

LOAD_BEFORE=$(bench_load)
bench_say "$ROUNDS rounds of $N calls per phase; load $LOAD_BEFORE"
: >"$WORK/results"   # round name calls/s cpu-us/call
for r in $(seq 1 "$ROUNDS"); do
  for k in 0 1 2 3; do
    name=${NAMES[$(( (k + r - 1) % 4 ))]}
    bench_start "$WORK/$name.log" "$BUILD/examples/helloworld/greeter_server" \
      --listen 127.0.0.1:0
    load "$WORK/h2load" $((N / 20)) "$name"
    c0=$(bench_cpu)
    load "$WORK/h2load" "$N" "$name"
    c1=$(bench_cpu)
    rps=$(bench_rps "$WORK/h2load")
    bench_stop
    awk -v r="$r" -v n="$name" -v rps="$rps" -v a="$c0" -v b="$c1" -v calls="$N" \
        'BEGIN { printf "%s %s %s %.3f\n", r, n, rps, (b - a) * 1e6 / calls }' \
      | tee -a "$WORK/results" >&2
  done
done
LOAD_AFTER=$(bench_load)

col() { awk -v n="$1" -v f="$2" '$2 == n { print $f }' "$WORK/results"; }
ratio() {
  awk -v a="$1" -v b="$2" -v f="$3" '
    $2 == a { x[$1] = $f } $2 == b { y[$1] = $f }
    END { for (r in x) if (y[r] > 0) printf "%.4f\n", x[r] / y[r] }' "$WORK/results"
}

echo
echo "============ HTTP/1.1 bridge benchmark: helloworld SayHello ============"
echo "machine: $(nproc) cores, $(uname -sr); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load average before/after: $LOAD_BEFORE / $LOAD_AFTER"
echo "$ROUNDS rounds of $N calls; h2: $C connections x $M streams; h2-1 and h1: $C"
echo "connections, one call at a time; h1-pipe: $C connections x $M pipelined; median (min-max)"
printf '%-8s %24s %24s\n' phase "calls/s" "server CPU us/call"
for n in "${NAMES[@]}"; do
  read -r rm rlo rhi < <(col "$n" 3 | bench_stats)
  read -r cm clo chi < <(col "$n" 4 | bench_stats)
  printf '%-8s %8s (%s-%s) %8s (%s-%s)\n' "$n" "$rm" "$rlo" "$rhi" "$cm" "$clo" "$chi"
done
for p in "h1 h2-1" "h1 h2" "h1-pipe h2"; do
  read -r a b <<<"$p"
  read -r cm clo chi < <(ratio "$a" "$b" 4 | bench_stats)
  printf 'CPU per call %s / %s: x%s (%s-%s)\n' "$a" "$b" "$cm" "$clo" "$chi"
done
