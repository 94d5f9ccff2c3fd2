#!/usr/bin/env bash
# coldstart.sh: cold start of a typerpc server beside a gRPC C++ one (not a
# ctest).
#
# Builds (Release) the typerpc helloworld greeter_server and the gRPC C++
# greeter (bench/grpcpp/build.sh), then measures, for each, the time from
# starting the server's executable (just before fork/exec) to the first
# answered SayHello: a probe connects to the server's port every 0.2 ms
# until the connection is accepted, sends one gRPC call over plain HTTP/2
# (raw frames, so no client library's reconnect backoff gets in the way)
# and stops the clock at the reply "Hello world". The server is then
# stopped (SIGTERM) and started again: N runs each (default 20), the two
# servers alternating, after one unmeasured warm-up run of each; prints
# every sample, the medians and their ratio.
#
# Usage: bench/coldstart.sh      (env: N, BUILD (default build-load, which
#                                 bench/load.sh configures the same way),
#                                 WORKERS for typerpc's --workers, default
#                                 0 = one per core)
# Needs: cmake, cc, /usr/bin/python3, and what bench/grpcpp/build.sh needs.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build-load}
N=${N:-20}
WORKERS=${WORKERS:-0}
WORK=$(mktemp -d /tmp/typerpc-coldstart.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'coldstart.sh: %s\n' "$*" >&2; exit 1; }

say "building typerpc (Release) in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DTYPERPC_TESTS=OFF \
  -DTYPERPC_ASAN=OFF -DTYPERPC_UBSAN=OFF >"$WORK/cmake.log" 2>&1 \
  || { cat "$WORK/cmake.log" >&2; die "cmake configure failed"; }
cmake --build "$BUILD" -j"$(nproc)" --target greeter_server >"$WORK/build.log" 2>&1 \
  || { tail -30 "$WORK/build.log" >&2; die "build failed"; }
TRPC_SERVER=$BUILD/examples/helloworld/greeter_server
[ -x "$TRPC_SERVER" ] || die "no $TRPC_SERVER"

say "building the gRPC C++ server"
GPP_SERVER=$("$ROOT/bench/grpcpp/build.sh" "$BUILD/bench-grpcpp") || die "gRPC C++ build failed"

say "measuring: $N cold starts of each"
BENCH_DIR="$ROOT/bench" /usr/bin/python3 - "$N" "$TRPC_SERVER" "$WORKERS" "$GPP_SERVER" <<'PY'
import os, signal, statistics, subprocess, sys, time

n = int(sys.argv[1])
trpc, workers, gpp = sys.argv[2], sys.argv[3], sys.argv[4]

sys.path.insert(0, os.environ["BENCH_DIR"])
from h2probe import call, free_port  # noqa: E402

def cold_start(argv_for_port):
    port = free_port()
    argv = argv_for_port(port)
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not call(port):
            if p.poll() is not None:
                sys.exit("server exited: %s" % " ".join(argv))
            if time.perf_counter() - t0 > 20:
                sys.exit("no answer within 20 s: %s" % " ".join(argv))
            time.sleep(0.0002)
        return (time.perf_counter() - t0) * 1000
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

servers = {
    "typerpc": lambda port: [trpc, "--listen", "127.0.0.1:%d" % port, "--workers", workers],
    "grpc++": lambda port: [gpp, "--port", str(port)],
}
samples = {name: [] for name in servers}
for name, argv in servers.items():
    cold_start(argv)                                          # warm-up
for _ in range(n):
    for name, argv in servers.items():
        samples[name].append(cold_start(argv))

med = {name: statistics.median(v) for name, v in samples.items()}
print()
print("================ cold start: exec -> first answered SayHello ================")
print("machine: %d cores, %s; %d runs each, alternating, after one warm-up each"
      % (os.cpu_count(), " ".join(os.uname()[i] for i in (0, 2)), n))
for name, v in samples.items():
    print("%-8s median %7.2f ms   min %7.2f   max %7.2f   (%s)"
          % (name, med[name], min(v), max(v), " ".join("%.1f" % x for x in v)))
print("ratio typerpc / grpc++ (median time): %.2f" % (med["typerpc"] / med["grpc++"]))
print("==============================================================================")
PY
