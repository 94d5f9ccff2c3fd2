#!/usr/bin/env bash
# soak.sh: the soak run of issue 12 (not a ctest; tests/soak registers a small
# one).  One typerpc interop server (tests/interop/interop_server), one
# soak client (tests/soak/soak_client, typerpc too) keeping C calls in
# flight over K connections: N unary calls, then S server streams of R
# replies.  Passes with 0 failed calls, the server's clean exit at SIGTERM,
# and its resident memory flat: at the middle and end of each phase within
# TOL percent of the phase's start (taken after its first tenth).
#
# Usage: bench/soak.sh      (env: N=1000000 S=10000 R=10 C=1000 K=10 TOL=5,
#                            W=N/3,
#                            BUILD=build-soak; ASAN=1 builds with ASan+UBSan
#                            (LeakSanitizer at exit) and checks no RSS)
# Needs: cmake, cc, /usr/bin/python3, grpc-proto (the interop .proto files).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-1000000} S=${S:-10000} R=${R:-10} C=${C:-1000} K=${K:-10} TOL=${TOL:-5}
W=${W:-$((N / 3))}
if [ "${ASAN:-0}" = 1 ]; then
  BUILD=${BUILD:-$ROOT/build-soak-asan}
  flags=(-DCMAKE_BUILD_TYPE=Debug -DTYPERPC_ASAN=ON -DTYPERPC_UBSAN=ON)
  rss=()
else
  BUILD=${BUILD:-$ROOT/build-soak}
  flags=(-DCMAKE_BUILD_TYPE=Release -DTYPERPC_ASAN=OFF -DTYPERPC_UBSAN=OFF)
  rss=(--rss-tolerance "$TOL")
fi
echo "== building $BUILD" >&2
cmake -S "$ROOT" -B "$BUILD" "${flags[@]}" -DTYPERPC_TSAN=OFF -DTYPERPC_TESTS=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target interop_server soak_client >/dev/null
echo "== soak: warm-up $W unary calls and $((W / 100)) streams, then $N unary calls," \
  "$S streams of $R replies, $C in flight over $K connections" >&2
exec /usr/bin/python3 "$ROOT/tests/soak/soak.py" "$BUILD/tests/interop/interop_server" \
  "$BUILD/tests/soak/soak_client" --warmup "$W" --unary "$N" --streams "$S" --stream-replies "$R" \
  --concurrency "$C" --channels "$K" "${rss[@]}"
