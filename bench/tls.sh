#!/usr/bin/env bash
# tls.sh: what TLS costs a server, typerpc beside gRPC C++ with the same
# certificates, in the same run.
#
# Four servers of helloworld.Greeter/SayHello, built Release here:
#   typerpc      examples/helloworld greeter_server, plaintext
#   typerpc-tls  the same with --tls-cert/--tls-key
#   grpcpp       bench/grpcpp/greeter_server.cc (gRPC C++, callback API),
#                plaintext
#   grpcpp-tls   the same with --tls-cert/--tls-key
# The certificates come from tests/tls/gen-certs.sh (EC P-256 server key);
# h2load is the client (TLS 1.3, ALPN h2; it does not verify certificates,
# which costs the server nothing either way).  ROUNDS rounds, each running
# every server once in an order that rotates from round to round:
#   unary    N/20 warm-up calls, then N calls over C connections x M
#            streams: server CPU microseconds per call (the steady-state
#            cost of encryption)
#   connect  H new connections, each with one call (batches of B
#            concurrent connections): server CPU microseconds per
#            connection; typerpc-tls minus typerpc is the handshake's cost
# CPU is user + system of all the server's threads, from /proc, read just
# before and after each phase.  Per server: median (min-max) over the
# rounds; per pair, the median (min-max) of per-round ratios.
#
# Usage: bench/tls.sh   (env: N=100000 C=50 M=10 H=2000 B=100 ROUNDS=3,
#                        BUILD=build-bench, KEEP=1 keeps the work dir)
# Needs: cmake, cc, g++, h2load (nghttp2-client), openssl, gRPC C++
# (bench/grpcpp/build.sh).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-100000}
C=${C:-50}
M=${M:-10}
H=${H:-2000}
B=${B:-100}
ROUNDS=${ROUNDS:-3}
BUILD=${BUILD:-$ROOT/build-bench}
WORK=$(mktemp -d /tmp/typerpc-tls-bench.XXXXXX)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

cleanup() {
  bench_stop
  if [ "${KEEP:-0}" = 1 ]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bench_init
command -v openssl >/dev/null || bench_die "openssl not found (apt-get install openssl)"

bench_say "building this tree (Release) in $BUILD, gRPC C++; certificates in $WORK/certs"
bench_build "$ROOT" "$BUILD" greeter_server
GPP=$("$ROOT/bench/grpcpp/build.sh" "$BUILD/bench-grpcpp" greeter_server)
"$ROOT/tests/tls/gen-certs.sh" "$WORK/certs"
TLS="--tls-cert $WORK/certs/server.pem --tls-key $WORK/certs/server.key"

NAMES=(typerpc typerpc-tls grpcpp grpcpp-tls)
declare -A CMD=(
  [typerpc]="$BUILD/examples/helloworld/greeter_server --listen 127.0.0.1:0"
  [typerpc-tls]="$BUILD/examples/helloworld/greeter_server --listen 127.0.0.1:0 $TLS"
  [grpcpp]="$GPP --port 0"
  [grpcpp-tls]="$GPP --port 0 $TLS"
)

# h2load OUT N CONNS STREAMS SCHEME: N calls; fails unless all succeed.
load() {
  h2load -n "$2" -c "$3" -m "$4" -d "$WORK/body.bin" -H 'content-type: application/grpc' \
    -H 'te: trailers' "$5://127.0.0.1:$BENCH_PORT/helloworld.Greeter/SayHello" >"$1" 2>&1 \
    || true
  local ok
  ok=$(sed -n 's/^requests:.* \([0-9][0-9]*\) succeeded.*/\1/p' "$1")
  [ "$ok" = "$2" ] || { cat "$1" >&2; bench_die "only ${ok:-0} of $2 calls succeeded"; }
}

LOAD_BEFORE=$(bench_load)
bench_say "$ROUNDS rounds: $N calls ($C connections x $M streams), $H connections of one call; load $LOAD_BEFORE"
: >"$WORK/results"   # round name calls/s cpu-us/call cpu-us/connection
for r in $(seq 1 "$ROUNDS"); do
  for k in 0 1 2 3; do
    name=${NAMES[$(( (k + r - 1) % 4 ))]}
    scheme=http
    case $name in *-tls) scheme=https ;; esac
    # shellcheck disable=SC2086
    bench_start "$WORK/$name.log" ${CMD[$name]}
    load "$WORK/h2load" $((N / 20)) "$C" "$M" "$scheme"
    c0=$(bench_cpu)
    load "$WORK/h2load" "$N" "$C" "$M" "$scheme"
    c1=$(bench_cpu)
    rps=$(bench_rps "$WORK/h2load")
    c2=$(bench_cpu)
    for _ in $(seq 1 $((H / B))); do
      load "$WORK/h2load-conn" "$B" "$B" 1 "$scheme"
    done
    c3=$(bench_cpu)
    bench_stop
    awk -v r="$r" -v n="$name" -v rps="$rps" -v a="$c0" -v b="$c1" -v c="$c2" -v d="$c3" \
        -v calls="$N" -v conns="$(( H / B * B ))" \
        'BEGIN { printf "%s %s %s %.3f %.3f\n", r, n, rps, (b - a) * 1e6 / calls,
                 (d - c) * 1e6 / conns }' | tee -a "$WORK/results" >&2
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
diff_col() {  # diff_col A B FIELD: per-round A-B of FIELD
  awk -v a="$1" -v b="$2" -v f="$3" '
    $2 == a { x[$1] = $f } $2 == b { y[$1] = $f }
    END { for (r in x) printf "%.3f\n", x[r] - y[r] }' "$WORK/results"
}

echo
echo "================ TLS benchmark: helloworld SayHello ================"
echo "machine: $(nproc) cores, $(uname -sr); $(date -u '+%Y-%m-%d %H:%M UTC'); $(openssl version)"
echo "load average before/after: $LOAD_BEFORE / $LOAD_AFTER"
echo "$ROUNDS rounds; unary: $N calls, h2load $C connections x $M streams;"
echo "connect: $H connections of one call each, $B at a time; median (min-max)"
printf '%-12s %24s %24s %26s\n' server "calls/s" "CPU us/call" "CPU us/connection"
for n in "${NAMES[@]}"; do
  read -r rm rlo rhi < <(col "$n" 3 | bench_stats)
  read -r cm clo chi < <(col "$n" 4 | bench_stats)
  read -r hm hlo hhi < <(col "$n" 5 | bench_stats)
  printf '%-12s %8s (%s-%s) %8s (%s-%s) %10s (%s-%s)\n' "$n" "$rm" "$rlo" "$rhi" \
    "$cm" "$clo" "$chi" "$hm" "$hlo" "$hhi"
done
echo "TLS's cost, per round, median (min-max):"
for p in typerpc grpcpp; do
  read -r cm clo chi < <(ratio "$p-tls" "$p" 4 | bench_stats)
  read -r hm hlo hhi < <(diff_col "$p-tls" "$p" 5 | bench_stats)
  printf '  %-8s CPU per call x%s (%s-%s); handshake +%s us (%s-%s) per connection\n' \
    "$p" "$cm" "$clo" "$chi" "$hm" "$hlo" "$hhi"
done
echo "typerpc-tls / grpcpp-tls, per round, median (min-max):"
read -r cm clo chi < <(ratio typerpc-tls grpcpp-tls 4 | bench_stats)
read -r hm hlo hhi < <(ratio typerpc-tls grpcpp-tls 5 | bench_stats)
printf '  CPU per call %s (%s-%s)   CPU per connection %s (%s-%s)\n' \
  "$cm" "$clo" "$chi" "$hm" "$hlo" "$hhi"
