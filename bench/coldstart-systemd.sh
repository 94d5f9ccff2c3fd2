#!/usr/bin/env bash
# coldstart-systemd.sh: the first call to a socket-activated typerpc server,
# beside servers started by hand (typerpc and gRPC C++) (not a ctest).
#
# Under socket activation the listening socket exists before the server:
# systemd-socket-activate (Debian package systemd; what a .socket unit does)
# binds 127.0.0.1:PORT, and the first connection makes it exec
# greeter_server with the socket as fd 3 (LISTEN_FDS).  The client's
# connection is accepted by the kernel at once and waits in the queue while
# the server starts, so there is no connect-retry loop: the clock runs from
# the probe's connect to the reply "Hello world" of its one SayHello (raw
# HTTP/2 frames, as bench/coldstart.sh sends them).  Beside it, as
# bench/coldstart.sh measures them: typerpc's and gRPC C++'s greeters
# started by hand, from just before exec to the first answered call, the
# probe connecting every 0.2 ms until the server listens.  N runs of each
# (default 20), alternating, after one unmeasured warm-up of each; prints
# every sample and the medians.
#
# Usage: bench/coldstart-systemd.sh   (env: N, BUILD (default build-load, as
#                                      bench/load.sh), WORKERS for typerpc's
#                                      --workers, default 0 = one per core)
# Needs: cmake, cc, /usr/bin/python3, systemd-socket-activate, and what
# bench/grpcpp/build.sh needs.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build-load}
N=${N:-20}
WORKERS=${WORKERS:-0}
ACTIVATE=${ACTIVATE:-/usr/bin/systemd-socket-activate}
WORK=$(mktemp -d /tmp/typerpc-coldstart-sd.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'coldstart-systemd.sh: %s\n' "$*" >&2; exit 1; }

[ -x "$ACTIVATE" ] || die "no $ACTIVATE (apt-get install systemd)"
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
BENCH_DIR="$ROOT/bench" /usr/bin/python3 - "$N" "$TRPC_SERVER" "$WORKERS" "$GPP_SERVER" "$ACTIVATE" <<'PY'
import os, signal, statistics, subprocess, sys, time

n = int(sys.argv[1])
trpc, workers, gpp, activate = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]

sys.path.insert(0, os.environ["BENCH_DIR"])
from h2probe import call, free_port  # noqa: E402

def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()

def by_hand(argv_for_port):
    """exec -> first answered call, connecting until the server listens."""
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
        stop(p)

def activated():
    """first connection -> answered call, the socket held by
    systemd-socket-activate, which execs the server on that connection."""
    port = free_port()
    p = subprocess.Popen([activate, "-l", "127.0.0.1:%d" % port, trpc, "--workers", workers],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        line = p.stderr.readline()              # "Listening on 127.0.0.1:PORT as 3."
        if "Listening on" not in line:
            sys.exit("systemd-socket-activate: %r" % line)
        t0 = time.perf_counter()
        if not call(port, timeout=20):
            sys.exit("no answer from the socket-activated server")
        return (time.perf_counter() - t0) * 1000
    finally:
        stop(p)

runs = {
    "typerpc socket-activated": activated,
    "typerpc by hand": lambda: by_hand(
        lambda port: [trpc, "--listen", "127.0.0.1:%d" % port, "--workers", workers]),
    "grpc++ by hand": lambda: by_hand(lambda port: [gpp, "--port", str(port)]),
}
def run(name):
    return runs[name]()

samples = {name: [] for name in runs}
for name in runs:
    run(name)                                                 # warm-up
for _ in range(n):
    for name in runs:
        samples[name].append(run(name))

med = {name: statistics.median(v) for name, v in samples.items()}
print()
print("========== cold start: first call (socket activation) and exec -> first call ==========")
print("machine: %d cores, %s; %d runs each, alternating, after one warm-up each"
      % (os.cpu_count(), " ".join(os.uname()[i] for i in (0, 2)), n))
for name, v in samples.items():
    print("%-25s median %7.2f ms   min %7.2f   max %7.2f"
          % (name, med[name], min(v), max(v)))
    print("    " + " ".join("%.1f" % x for x in v))
print("ratio socket-activated typerpc / grpc++ by hand (median): %.2f"
      % (med["typerpc socket-activated"] / med["grpc++ by hand"]))
print("=========================================================================================")
PY
