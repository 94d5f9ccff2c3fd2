#!/usr/bin/env bash
# client.sh: the unary client benchmark (issue 9): the typerpc client
# (bench/client/unary_client.c) beside the gRPC C++ client
# (bench/grpcpp/unary_client.cc), the same load against the same server.
#
# Two loads, each over one channel (one HTTP/2 connection):
#   inflight  NA calls, async, MA calls in flight at all times (typerpc:
#             the completion callback starts the next call; gRPC C++ twice:
#             grpcpp_cq, one thread draining a CompletionQueue does, and
#             grpcpp_cb, the callback API's completion does)
#   threads   NT calls, blocking, from TT threads
# The server runs throughout: SERVER=ceiling (default: bench/ceiling, the
# bare nghttp2 server, so the server takes as little of the two cores as
# possible and the client is what is measured) or SERVER=typerpc
# (greeter_server).  ROUNDS rounds; in each, both clients run each load,
# in an order that rotates from round to round.  Each client reports
# its own CPU (user + system of the whole process: gRPC's threads and
# typerpc's I/O thread included) over the counted calls, after a warm-up.
# Per client: calls/s and client CPU microseconds per call, median
# (min-max); per load: the per-round ratios typerpc/gRPC C++, median
# (min-max).
#
# Usage: bench/client.sh   (env: NA=100000 MA=100 NT=20000 TT=4 ROUNDS=5
#                           SERVER=ceiling BUILD=build-bench KEEP=1)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NA=${NA:-100000}
MA=${MA:-100}
NT=${NT:-20000}
TT=${TT:-4}
ROUNDS=${ROUNDS:-5}
SERVER=${SERVER:-ceiling}
BUILD=${BUILD:-$ROOT/build-bench}
WORK=$(mktemp -d /tmp/typerpc-client-bench.XXXXXX)
C=1 M=1
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

cleanup() {
  bench_stop
  if [ "${KEEP:-0}" = 1 ]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bench_init

bench_say "building this tree (Release) in $BUILD and the gRPC C++ client"
bench_build "$ROOT" "$BUILD" greeter_server ceiling_server trpc_unary_client
GPP=$("$ROOT/bench/grpcpp/build.sh" "$BUILD/bench-grpcpp" unary_client)
declare -A CLIENT=([typerpc]="$BUILD/bench/trpc_unary_client" [grpcpp]="$GPP")
case $SERVER in
  ceiling) bench_start "$WORK/server.log" "$BUILD/bench/ceiling_server" --listen 127.0.0.1:0 ;;
  typerpc) bench_start "$WORK/server.log" "$BUILD/examples/helloworld/greeter_server" \
             --listen 127.0.0.1:0 ;;
  *) bench_die "SERVER is ceiling or typerpc" ;;
esac
TARGET=127.0.0.1:$BENCH_PORT

# Per load, the clients: typerpc first, then its gRPC C++ peers.
declare -A PEERS=([inflight]="grpcpp_cq grpcpp_cb" [threads]="grpcpp")
args_of() {  # args_of LOAD CLIENT: its command line after --target
  case $1:$2 in
    inflight:grpcpp_cq) echo "--calls $NA --inflight $MA --api cq" ;;
    inflight:grpcpp_cb) echo "--calls $NA --inflight $MA --api callback" ;;
    inflight:*) echo "--calls $NA --inflight $MA" ;;
    threads:*) echo "--calls $NT --threads $TT" ;;
  esac
}
bin_of() { if [ "$1" = typerpc ]; then echo "${CLIENT[typerpc]}"; else echo "${CLIENT[grpcpp]}"; fi; }

LOAD_BEFORE=$(bench_load)
bench_say "$ROUNDS rounds against $SERVER on $TARGET; load $LOAD_BEFORE"
: >"$WORK/results"   # round load client calls/s cpu-us/call
for r in $(seq 1 "$ROUNDS"); do
  for load in inflight threads; do
    clients=(typerpc ${PEERS[$load]})
    n=${#clients[@]}
    for k in $(seq 0 $((n - 1))); do   # the order rotates from round to round
      c=${clients[$(( (k + r - 1) % n ))]}
      # shellcheck disable=SC2046
      line=$("$(bin_of "$c")" --target "$TARGET" $(args_of "$load" "$c")) \
        || bench_die "$c client failed"
      rps=$(sed -n 's/.* calls_per_s=\([0-9.]*\).*/\1/p' <<<"$line")
      cpu=$(sed -n 's/.* cpu_us_per_call=\([0-9.]*\).*/\1/p' <<<"$line")
      echo "$r $load $c $rps $cpu" | tee -a "$WORK/results" >&2
    done
  done
done
LOAD_AFTER=$(bench_load)
bench_stop

col() { awk -v l="$1" -v c="$2" -v f="$3" '$2 == l && $3 == c { print $f }' "$WORK/results"; }
ratio() {  # ratio LOAD PEER FIELD: per-round typerpc/PEER
  awk -v l="$1" -v p="$2" -v f="$3" '
    $2 == l && $3 == "typerpc" { x[$1] = $f } $2 == l && $3 == p { y[$1] = $f }
    END { for (r in x) if (y[r] > 0) printf "%.4f\n", x[r] / y[r] }' "$WORK/results"
}

echo
echo "================ unary client benchmark: helloworld SayHello ================"
echo "machine: $(nproc) cores, $(uname -sr); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load average before/after: $LOAD_BEFORE / $LOAD_AFTER"
echo "server: $SERVER; $ROUNDS rounds; inflight: $NA calls, $MA in flight;" \
     "threads: $NT calls, $TT threads; median (min-max)"
echo "grpcpp_cq: CompletionQueue API; grpcpp_cb: callback API; grpcpp: blocking stub"
printf '%-9s %-10s %28s %28s\n' load client "calls/s" "client CPU us/call"
for load in inflight threads; do
  for c in typerpc ${PEERS[$load]}; do
    read -r rm rlo rhi < <(col "$load" "$c" 4 | bench_stats)
    read -r cm clo chi < <(col "$load" "$c" 5 | bench_stats)
    printf '%-9s %-10s %10s (%s-%s) %10s (%s-%s)\n' "$load" "$c" "$rm" "$rlo" "$rhi" \
      "$cm" "$clo" "$chi"
  done
done
echo "ratios typerpc/gRPC C++, per round, median (min-max):"
for load in inflight threads; do
  for p in ${PEERS[$load]}; do
    read -r rm rlo rhi < <(ratio "$load" "$p" 4 | bench_stats)
    read -r cm clo chi < <(ratio "$load" "$p" 5 | bench_stats)
    printf '  %-9s vs %-10s calls/s %s (%s-%s)   client CPU per call %s (%s-%s)\n' \
      "$load" "$p" "$rm" "$rlo" "$rhi" "$cm" "$clo" "$chi"
  done
done
