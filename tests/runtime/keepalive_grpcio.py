#!/usr/bin/env python3
"""grpcio clients with keepalive -> typerpc server: the ping policy.

Usage: keepalive_grpcio.py PATH/TO/trpc_echo_server PB_DIR

Each case starts trpc_echo_server with keepalive options and runs a grpcio
client in a child process (gRPC core reports a GOAWAY it receives only in
its log, on stderr, so the child's stderr is the evidence):

  - aggressive: keepalive_time_ms 100, max_pings_without_data 0,
    permit_without_calls 1, against the default policy (5 minutes between
    PINGs, 2 strikes): the call fails UNAVAILABLE and gRPC logs GOAWAY
    ENHANCE_YOUR_CALM with debug data "too_many_pings".
  - the same client pinging every second against the default policy: told
    off too (so it does ping at that pace) ...
  - ... and against a server that allows it (min_ping_interval_ms 500,
    permit_keepalive_without_calls): a 4 s call, 3 s without calls and
    another call all succeed on one connection, no GOAWAY.
  - gRPC's own defaults for everything but keepalive_time_ms (1 s; at most
    two PINGs without data) against the default policy: the call succeeds.
"""
import json
import subprocess
import sys
import time

SERVER, PB = sys.argv[1], sys.argv[2]


def client(port, ka_ms, unlimited, call_ms, idle_ms):
    """The child: one long call, optionally an idle period and a second call."""
    sys.path.insert(0, PB)
    import grpc
    import echo_pb2
    opts = [("grpc.keepalive_time_ms", ka_ms), ("grpc.keepalive_timeout_ms", 5000)]
    if unlimited:
        opts += [("grpc.http2.max_pings_without_data", 0),
                 ("grpc.keepalive_permit_without_calls", 1)]
    ch = grpc.insecure_channel("127.0.0.1:%d" % port, options=opts)
    states = []
    ch.subscribe(lambda s: states.append(s.name), try_to_connect=True)
    f = ch.unary_unary("/echo.Echo/Unary",
                       request_serializer=echo_pb2.EchoRequest.SerializeToString,
                       response_deserializer=echo_pb2.EchoReply.FromString)
    out = {"codes": []}

    def call(ms):
        # ms < 0: a call that ends only when cancelled (here: when the
        # server closes the connection)
        req = (echo_pb2.EchoRequest(text="ka", mode="defer", sleep_ms=ms) if ms >= 0
               else echo_pb2.EchoRequest(mode="wait_cancel"))
        try:
            f(req, timeout=30)
            out["codes"].append("OK")
        except grpc.RpcError as e:
            out["codes"].append(e.code().name)

    call(call_ms)
    if idle_ms:
        time.sleep(idle_ms / 1000.0)
        call(100)
    out["states"] = states
    ch.close()
    print(json.dumps(out))


def run_case(name, server_opts, ka_ms, unlimited, call_ms, idle_ms=0):
    srv = subprocess.Popen([SERVER, "127.0.0.1:0"] + server_opts, stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, text=True)
    try:
        line = srv.stdout.readline()
        assert line.startswith("PORT "), line
        port = int(line.split()[1])
        child = subprocess.run(
            [sys.executable, __file__, SERVER, PB, "client", str(port), str(ka_ms),
             str(int(unlimited)), str(call_ms), str(idle_ms)],
            capture_output=True, text=True, timeout=120)
    finally:
        srv.stdin.close()
        rc = srv.wait(timeout=60)
    assert child.returncode == 0, (name, child.stderr)
    out = json.loads(child.stdout.strip().splitlines()[-1])
    calm = "ENHANCE_YOUR_CALM" in child.stderr and "too_many_pings" in child.stderr
    print("%-12s codes=%s states=%s too_many_pings=%s server_rc=%d"
          % (name, out["codes"], out["states"], calm, rc))
    assert rc == 0, (name, rc)
    return out, calm


def main():
    failures = []

    def check(what, cond):
        if not cond:
            failures.append(what)
            print("FAIL:", what)

    out, calm = run_case("aggressive", [], 100, True, -1)
    check("aggressive: UNAVAILABLE", out["codes"] == ["UNAVAILABLE"])
    check("aggressive: GOAWAY ENHANCE_YOUR_CALM too_many_pings", calm)

    out, calm = run_case("1s/default", [], 1000, True, -1)
    check("1 s against the default policy: UNAVAILABLE", out["codes"] == ["UNAVAILABLE"])
    check("1 s against the default policy: too_many_pings", calm)

    out, calm = run_case("1s/allowed", ["min_ping_interval_ms=500",
                                        "permit_keepalive_without_calls=1"],
                         1000, True, 4000, 3000)
    check("allowed: both calls OK", out["codes"] == ["OK", "OK"])
    check("allowed: no too_many_pings", not calm)
    ready = out["states"].index("READY") if "READY" in out["states"] else -1
    check("allowed: one connection throughout",
          ready >= 0 and all(s == "READY" for s in out["states"][ready:]))

    out, calm = run_case("grpc-default", [], 1000, False, 4000)
    check("gRPC defaults: OK", out["codes"] == ["OK"])
    check("gRPC defaults: no too_many_pings", not calm)

    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[3] == "client":
        a = sys.argv[4:]
        client(int(a[0]), int(a[1]), a[2] == "1", int(a[3]), int(a[4]))
    else:
        main()
