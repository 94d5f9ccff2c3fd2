#!/usr/bin/env bash
# stream.sh: the server-streaming benchmark (issue 9): the typerpc server
# (bench/stream/stream_server.c) beside a gRPC C++ server
# (bench/grpcpp/stream_server.cc, callback API) with the same .proto
# (bench/proto/streambench.proto), read by the same client.
#
# CLIENT=grpcpp (default: bench/grpcpp/stream_client.cc, so the client is
# constant and is the one peer both servers must satisfy) or CLIENT=typerpc
# (bench/stream/stream_client.c).  Four cases, each over one channel:
#   small1   1 stream of NS messages of 16 bytes
#   kib1     1 stream of NK messages of 1 KiB
#   small8   8 concurrent streams of NS/8 messages of 16 bytes
#   kib8     8 concurrent streams of NK/8 messages of 1 KiB
# ROUNDS rounds; in each, each server in turn (alternating which goes
# first) is started and serves every case; the client reports messages/s
# (messages over its wall time, after it has connected) and the server's
# CPU (user + system, all threads, from /proc) is read before and after
# each case.  Per server and case: messages/s and server CPU microseconds
# per message, median (min-max); per case: the per-round ratios
# typerpc/gRPC C++, median (min-max).
#
# Usage: bench/stream.sh   (env: NS=400000 NK=100000 ROUNDS=5 CLIENT=grpcpp
#                           BUILD=build-bench KEEP=1)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NS=${NS:-400000}
NK=${NK:-100000}
ROUNDS=${ROUNDS:-5}
CLIENT=${CLIENT:-grpcpp}
BUILD=${BUILD:-$ROOT/build-bench}
WORK=$(mktemp -d /tmp/typerpc-stream-bench.XXXXXX)
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

bench_say "building this tree (Release) in $BUILD and the gRPC C++ programs"
bench_build "$ROOT" "$BUILD" trpc_stream_server trpc_stream_client
{ read -r GPP_SERVER; read -r GPP_CLIENT; } \
  < <("$ROOT/bench/grpcpp/build.sh" "$BUILD/bench-grpcpp" stream_server stream_client)
case $CLIENT in
  grpcpp) CLIENT_BIN=$GPP_CLIENT ;;
  typerpc) CLIENT_BIN=$BUILD/bench/trpc_stream_client ;;
  *) bench_die "CLIENT is grpcpp or typerpc" ;;
esac
declare -A SERVER=(
  [typerpc]="$BUILD/bench/trpc_stream_server --listen 127.0.0.1:0"
  [grpcpp]="$GPP_SERVER --port 0"
)
CASES=(small1 kib1 small8 kib8)
declare -A ARGS=(
  [small1]="--size 16 --count $NS --streams 1"
  [kib1]="--size 1024 --count $NK --streams 1"
  [small8]="--size 16 --count $((NS / 8)) --streams 8"
  [kib8]="--size 1024 --count $((NK / 8)) --streams 8"
)

LOAD_BEFORE=$(bench_load)
bench_say "$ROUNDS rounds, client $CLIENT; load $LOAD_BEFORE"
: >"$WORK/results"   # round case server msgs/s server-cpu-us/msg
: >"$WORK/retries"   # round case server, for each case that had to run again
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then order="typerpc grpcpp"; else order="grpcpp typerpc"; fi
  for s in $order; do
    # shellcheck disable=SC2086
    bench_start "$WORK/$s.log" ${SERVER[$s]}
    for c in "${CASES[@]}"; do
      c0=$(bench_cpu)
      # shellcheck disable=SC2086
      if ! line=$("$CLIENT_BIN" --target "127.0.0.1:$BENCH_PORT" ${ARGS[$c]}); then
        # A server that stalled (the clients' 60 s deadline): once, the
        # case runs again on a fresh server; the summary counts these.
        echo "$r $c $s" >>"$WORK/retries"
        bench_say "round $r, $c: the $CLIENT client failed against $s; restarting $s, once"
        bench_stop
        # shellcheck disable=SC2086
        bench_start "$WORK/$s.log" ${SERVER[$s]}
        c0=$(bench_cpu)
        # shellcheck disable=SC2086
        line=$("$CLIENT_BIN" --target "127.0.0.1:$BENCH_PORT" ${ARGS[$c]}) \
          || bench_die "$CLIENT client failed against $s ($c) twice"
      fi
      c1=$(bench_cpu)
      mps=$(sed -n 's/.* msgs_per_s=\([0-9.]*\).*/\1/p' <<<"$line")
      n=$(sed -n 's/.* messages=\([0-9]*\).*/\1/p' <<<"$line")
      cpu=$(awk -v a="$c0" -v b="$c1" -v n="$n" 'BEGIN { printf "%.3f", (b - a) * 1e6 / n }')
      echo "$r $c $s $mps $cpu" | tee -a "$WORK/results" >&2
    done
    bench_stop
  done
done
LOAD_AFTER=$(bench_load)

col() { awk -v k="$1" -v s="$2" -v f="$3" '$2 == k && $3 == s { print $f }' "$WORK/results"; }
ratio() {  # ratio CASE FIELD: per-round typerpc/grpcpp
  awk -v k="$1" -v f="$2" '
    $2 == k && $3 == "typerpc" { x[$1] = $f } $2 == k && $3 == "grpcpp" { y[$1] = $f }
    END { for (r in x) if (y[r] > 0) printf "%.4f\n", x[r] / y[r] }' "$WORK/results"
}

echo
echo "================ server-streaming benchmark: streambench.Streamer/Stream ================"
echo "machine: $(nproc) cores, $(uname -sr); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load average before/after: $LOAD_BEFORE / $LOAD_AFTER"
echo "client: $CLIENT for both servers; $ROUNDS rounds; median (min-max)"
if [ -s "$WORK/retries" ]; then
  echo "cases run again after a stalled server (round case server):" $(cat "$WORK/retries")
fi
printf '%-7s %-8s %30s %28s\n' case server "messages/s" "server CPU us/msg"
for c in "${CASES[@]}"; do
  for s in typerpc grpcpp; do
    read -r rm rlo rhi < <(col "$c" "$s" 4 | bench_stats)
    read -r cm clo chi < <(col "$c" "$s" 5 | bench_stats)
    printf '%-7s %-8s %12s (%s-%s) %10s (%s-%s)\n' "$c" "$s" "$rm" "$rlo" "$rhi" \
      "$cm" "$clo" "$chi"
  done
done
echo "ratios typerpc/gRPC C++ server, per round, median (min-max):"
for c in "${CASES[@]}"; do
  read -r rm rlo rhi < <(ratio "$c" 4 | bench_stats)
  read -r cm clo chi < <(ratio "$c" 5 | bench_stats)
  printf '  %-7s messages/s %s (%s-%s)   server CPU per message %s (%s-%s)\n' \
    "$c" "$rm" "$rlo" "$rhi" "$cm" "$clo" "$chi"
done
