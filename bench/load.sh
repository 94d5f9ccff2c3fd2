#!/usr/bin/env bash
# load.sh: the load check of libtyperpc (not a ctest).
#
# Builds (Release) the typerpc helloworld greeter_server and a gRPC C++
# server for the same helloworld.proto (bench/grpcpp/), then, in one run:
#   1. h2load sends N unary SayHello calls (default 200000) at C connections
#      x M streams (default 100 x 10) to the typerpc server: every request
#      must succeed (0 failed, 0 errored) -> requests/s;
#   2. the same against the gRPC C++ server -> requests/s and the ratio;
#   3. heap allocations per unary call on the typerpc server, counted by the
#      LD_PRELOAD shim bench/malloc_count.c: two runs under the shim (N/10
#      and N calls, same connections) and the difference of their totals
#      divided by the difference of calls, so start-up, connection set-up
#      and shutdown cancel out.
# Each server also answers one call from Python grpcio (when installed) that
# checks the reply, since h2load only sees HTTP status codes.
#
# Usage: bench/load.sh            (env: N, C, M, BUILD, KEEP=1 keeps the
#                                  work directory)
# Needs: cmake, cc, h2load (nghttp2-client), g++, protoc, pkg-config grpc++
# (libgrpc++-dev), grpc_cpp_plugin (protobuf-compiler-grpc); the last two
# are installed with apt-get when missing and running as root.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build-load}
N=${N:-200000}
C=${C:-100}
M=${M:-10}
N_SMALL=$((N / 10))
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/typerpc-load.XXXXXX)
SERVER_PID=

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'load.sh: %s\n' "$*" >&2; exit 1; }

stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}
cleanup() {
  stop_server
  if [ "${KEEP:-0}" = 1 ]; then
    echo "work directory kept: $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- tools ------------------------------------------------------------------
command -v h2load >/dev/null || die "h2load not found (apt-get install nghttp2-client)"
# ---- build ------------------------------------------------------------------
say "building typerpc (Release) in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DTYPERPC_TESTS=OFF \
  -DTYPERPC_ASAN=OFF -DTYPERPC_UBSAN=OFF >"$WORK/cmake.log" 2>&1 \
  || { cat "$WORK/cmake.log" >&2; die "cmake configure failed"; }
cmake --build "$BUILD" -j"$(nproc)" --target greeter_server >"$WORK/build.log" 2>&1 \
  || { tail -30 "$WORK/build.log" >&2; die "build failed"; }
TRPC_SERVER=$BUILD/examples/helloworld/greeter_server
[ -x "$TRPC_SERVER" ] || die "no $TRPC_SERVER"

say "building the gRPC C++ server"
# The same build bench/coldstart.sh uses (installs gRPC C++ when missing).
GPP_SERVER=$("$ROOT/bench/grpcpp/build.sh" "$BUILD/bench-grpcpp")

say "building the malloc counting shim"
cc -O2 -shared -fPIC -o "$WORK/malloc_count.so" "$ROOT/bench/malloc_count.c"

# A gRPC-framed HelloRequest{name: "world"}: flag 0, length 7, 0a 05 "world".
printf '\x00\x00\x00\x00\x07\x0a\x05world' >"$WORK/body.bin"
PATH_SAYHELLO=/helloworld.Greeter/SayHello

# ---- helpers ----------------------------------------------------------------
# start_server LOG CMD...: starts CMD in the background, sets SERVER_PID and
# PORT from the first "PORT n" or "listening on HOST:n" line it prints.
start_server() {
  local log=$1
  shift
  : >"$log"   # exists before the background job opens it
  "$@" >"$log" 2>&1 &
  SERVER_PID=$!
  PORT=
  for _ in $(seq 1 200); do
    PORT=$(sed -n -e 's/^PORT \([0-9][0-9]*\)$/\1/p' \
                  -e 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$log" | head -n 1) || true
    [ -n "$PORT" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; die "server exited: $*"; }
    sleep 0.1
  done
  die "server did not report a port: $*"
}

# h2load_run OUT NREQ: N unary calls to the current server; output in OUT.
h2load_run() {
  h2load -n "$2" -c "$C" -m "$M" -d "$WORK/body.bin" \
    -H 'content-type: application/grpc' -H 'te: trailers' \
    "http://127.0.0.1:$PORT$PATH_SAYHELLO" >"$1" 2>&1 || true
}

# Fields of h2load's summary.
h2_field() {  # OUT NAME -> the number before NAME on the "requests:" line
  sed -n "s/^requests:.* \([0-9][0-9]*\) $2.*/\1/p" "$1" | head -n 1
}
h2_rps() { sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "$1" | head -n 1; }

# One real gRPC call with Python grpcio (raw bytes, no generated code).
grpc_check() {
  if ! "$PY" -c 'import grpc' 2>/dev/null; then
    echo "skipped (no python3-grpcio)"
    return 0
  fi
  "$PY" - "$PORT" <<'EOF'
import sys, grpc
with grpc.insecure_channel("127.0.0.1:" + sys.argv[1]) as ch:
    call = ch.unary_unary("/helloworld.Greeter/SayHello")
    rep = call(b"\x0a\x05world", timeout=10)
    assert rep == b"\x0a\x0bHello world", rep
print("ok (grpcio: 'Hello world')")
EOF
}

# throughput NAME CMD...: warm-up, then N calls; sets RPS_<NAME>.
declare -A RPS FAILED SUCCEEDED CHECK
throughput() {
  local name=$1
  shift
  say "$name: starting server"
  start_server "$WORK/$name.server.log" "$@"
  CHECK[$name]=$(grpc_check) || CHECK[$name]="FAILED"
  h2load_run "$WORK/$name.warmup" $((N / 20))
  say "$name: h2load -n $N -c $C -m $M"
  h2load_run "$WORK/$name.h2load" "$N"
  stop_server
  sed -n '/^finished in/p; /^requests:/p; /^status codes:/p' "$WORK/$name.h2load" >&2
  RPS[$name]=$(h2_rps "$WORK/$name.h2load")
  SUCCEEDED[$name]=$(h2_field "$WORK/$name.h2load" succeeded)
  FAILED[$name]=$(( $(h2_field "$WORK/$name.h2load" failed) + \
                    $(h2_field "$WORK/$name.h2load" errored) + \
                    $(h2_field "$WORK/$name.h2load" timeout) ))
}

# allocations NREQ: runs the typerpc server under the shim for NREQ calls;
# sets ALLOC_M (malloc calls) and ALLOC_A (malloc + calloc + realloc +
# memalign) to its totals.
allocations() {
  local f="$WORK/malloc.$1"
  rm -f "$f"
  start_server "$WORK/malloc.server.log" env MALLOC_COUNT_FILE="$f" \
    LD_PRELOAD="$WORK/malloc_count.so" "$TRPC_SERVER" --listen 127.0.0.1:0
  h2load_run "$WORK/malloc.h2load.$1" "$1"
  stop_server
  local ok
  ok=$(h2_field "$WORK/malloc.h2load.$1" succeeded)
  [ "$ok" = "$1" ] || die "malloc run: only $ok of $1 calls succeeded"
  [ -s "$f" ] || die "the server did not report its allocations"
  read -r ALLOC_M ALLOC_A < <(awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      print v["malloc"], v["malloc"] + v["calloc"] + v["realloc"] + v["memalign"] }' "$f")
}

# ---- measure ----------------------------------------------------------------
throughput typerpc "$TRPC_SERVER" --listen 127.0.0.1:0
throughput grpcpp "$GPP_SERVER" --port 0

say "typerpc: allocations under the counting shim ($N_SMALL and $N calls)"
allocations "$N_SMALL"
M1=$ALLOC_M A1=$ALLOC_A
allocations "$N"
M2=$ALLOC_M A2=$ALLOC_A
PER_MALLOC=$(awk -v a="$M1" -v b="$M2" -v n1="$N_SMALL" -v n2="$N" \
  'BEGIN { printf "%.2f", (b - a) / (n2 - n1) }')
PER_ALLOC=$(awk -v a="$A1" -v b="$A2" -v n1="$N_SMALL" -v n2="$N" \
  'BEGIN { printf "%.2f", (b - a) / (n2 - n1) }')
RAW_ALLOC=$(awk -v b="$A2" -v n="$N" 'BEGIN { printf "%.2f", b / n }')
RATIO=$(awk -v a="${RPS[typerpc]:-0}" -v b="${RPS[grpcpp]:-0}" \
  'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')

cat <<EOF

================ typerpc load check ================
machine: $(nproc) cores, $(uname -sr); h2load $(h2load --version | sed -n 's/.*nghttp2\///p')
load:    $N unary calls helloworld.Greeter/SayHello, $C connections x $M streams
typerpc  (examples/helloworld greeter_server, Release):
         ${SUCCEEDED[typerpc]:-?} succeeded, ${FAILED[typerpc]:-?} failed
         ${RPS[typerpc]:-?} req/s; grpcio check: ${CHECK[typerpc]}
grpc++   (bench/grpcpp, gRPC C++ $(pkg-config --modversion grpc++), callback API):
         ${SUCCEEDED[grpcpp]:-?} succeeded, ${FAILED[grpcpp]:-?} failed
         ${RPS[grpcpp]:-?} req/s; grpcio check: ${CHECK[grpcpp]}
ratio typerpc / grpc++ (req/s): $RATIO
typerpc server heap allocations per unary call (steady state,
  ($N - $N_SMALL) calls): $PER_MALLOC malloc, $PER_ALLOC malloc+calloc+realloc+memalign
  (whole run incl. start-up and $C connections: $RAW_ALLOC per call)
=====================================================
EOF

if [ "${FAILED[typerpc]:-1}" != 0 ] || [ "${SUCCEEDED[typerpc]:-0}" != "$N" ]; then
  die "typerpc: not every request succeeded"
fi
case "${CHECK[typerpc]}" in ok*|skipped*) ;; *) die "typerpc: grpcio check failed";; esac
