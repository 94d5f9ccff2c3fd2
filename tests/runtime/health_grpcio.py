#!/usr/bin/python3
"""grpcio's health client -> greeter_server's grpc.health.v1.Health.

Usage: health_grpcio.py GREETER_SERVER PROTOC RUNTIME_PROTO_DIR [GRPC_PROTO_DIR]

Debian has no grpcio-health-checking package (import grpc_health fails) nor
a usable grpcio-tools, so the messages come from `protoc --python_out` of
the standard health.proto (GRPC_PROTO_DIR, Debian's grpc-proto: the file
every gRPC implementation uses; our copy in RUNTIME_PROTO_DIR when that is
missing) and the calls go through grpcio's generic unary_unary and
unary_stream: exactly what grpc_health_v1's generated stub does.

First, when GRPC_PROTO_DIR is given, our copy of health.proto
(runtime/proto) must describe the same wire contract as the standard one:
their descriptor sets (protoc --descriptor_set_out) must agree on every
message, field, enum value and method once the language options and source
info are set aside.

Then against a running greeter_server: Check of "" and helloworld.Greeter
(SERVING), of an unknown service (NOT_FOUND); Watch of an unknown service
(SERVICE_UNKNOWN, the stream stays open); 16 concurrent watchers see
SERVING, then NOT_SERVING when SIGUSR1 takes the server out of rotation,
SERVING again on SIGUSR2; a watcher that cancels gets CANCELLED and the
server carries on; at SIGTERM every remaining watcher sees NOT_SERVING and
its stream ends with OK, and the server exits 0 (a leaked watch call would
hold it for the 5 s grace and then be cancelled: the streams would end
CANCELLED instead).
"""
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading

SERVER, PROTOC, OUR_DIR = sys.argv[1:4]
STD_DIR = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None
REL = "grpc/health/v1/health.proto"

import grpc  # noqa: E402
from google.protobuf import descriptor_pb2  # noqa: E402

tmp = tempfile.mkdtemp(prefix="trpc-health-")


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def contract(proto_dir):
    """The wire contract of health.proto under proto_dir, as plain data."""
    out = os.path.join(tmp, "d%d.pb" % len(os.listdir(tmp)))
    subprocess.run([PROTOC, "-I" + proto_dir, "--descriptor_set_out=" + out, REL],
                   check=True)
    fds = descriptor_pb2.FileDescriptorSet.FromString(open(out, "rb").read())
    f = fds.file[0]

    def enum(e):
        return (e.name, [(v.name, v.number) for v in e.value])

    def msg(m):
        return (m.name, [(x.name, x.number, x.label, x.type, x.type_name) for x in m.field],
                [enum(e) for e in m.enum_type], [msg(n) for n in m.nested_type])
    return (f.package, f.syntax, [msg(m) for m in f.message_type],
            [enum(e) for e in f.enum_type],
            [(s.name, [(x.name, x.input_type, x.output_type, x.client_streaming,
                        x.server_streaming) for x in s.method]) for s in f.service])


if STD_DIR and os.path.exists(os.path.join(STD_DIR, REL)):
    ours, std = contract(OUR_DIR), contract(STD_DIR)
    if ours != std:
        fail("runtime/proto/%s differs from %s/%s:\n  ours %r\n  std  %r"
             % (REL, STD_DIR, REL, ours, std))
    print("ok: our health.proto has the wire contract of %s/%s" % (STD_DIR, REL))
    proto_dir = STD_DIR
else:
    print("note: no grpc-proto health.proto; using our copy for the Python messages")
    proto_dir = OUR_DIR
# Generated from the file's own folder: a top-level health_pb2 module (a
# grpc.health.v1 package would collide with grpcio's grpc package).
subprocess.run([PROTOC, "-I" + os.path.join(proto_dir, os.path.dirname(REL)),
                "--python_out=" + tmp, os.path.basename(REL)], check=True)
sys.path.insert(0, tmp)
import health_pb2  # noqa: E402

Req, Resp = health_pb2.HealthCheckRequest, health_pb2.HealthCheckResponse
SERVING, NOT_SERVING, SERVICE_UNKNOWN = Resp.SERVING, Resp.NOT_SERVING, Resp.SERVICE_UNKNOWN

proc = subprocess.Popen([SERVER, "--listen", "127.0.0.1:0", "--workers", "2"],
                        stdout=subprocess.PIPE, text=True)
try:
    line = proc.stdout.readline()
    if not line.startswith("greeter_server: listening on "):
        fail("greeter_server printed %r" % line)
    addr = line.split()[-1]
    channel = grpc.insecure_channel(addr)
    check = channel.unary_unary("/grpc.health.v1.Health/Check",
                                request_serializer=Req.SerializeToString,
                                response_deserializer=Resp.FromString)
    watch_m = channel.unary_stream("/grpc.health.v1.Health/Watch",
                                   request_serializer=Req.SerializeToString,
                                   response_deserializer=Resp.FromString)

    for svc in ("", "helloworld.Greeter"):
        st = check(Req(service=svc), timeout=10).status
        if st != SERVING:
            fail("Check(%r) = %s" % (svc, Resp.ServingStatus.Name(st)))
    try:
        check(Req(service="no.Such"), timeout=10)
        fail("Check of an unknown service succeeded")
    except grpc.RpcError as e:
        if e.code() != grpc.StatusCode.NOT_FOUND:
            fail("Check of an unknown service: %s" % e.code())
    print("ok: Check: SERVING, SERVING, NOT_FOUND")

    class Watcher:
        """Reads one Watch stream on a thread into a queue; the stream's end
        is queued as ("end", code)."""

        def __init__(self, svc):
            self.call = watch_m(Req(service=svc), timeout=60)
            self.q = queue.Queue()
            self.t = threading.Thread(target=self.run, daemon=True)
            self.t.start()

        def run(self):
            try:
                for r in self.call:
                    self.q.put(r.status)
                self.q.put(("end", grpc.StatusCode.OK))
            except grpc.RpcError as e:
                self.q.put(("end", e.code()))

        def next(self):
            try:
                return self.q.get(timeout=30)
            except queue.Empty:
                fail("a watcher got nothing for 30 s")

    def expect(w, want, what):
        got = w.next()
        if got != want:
            fail("%s: got %r, want %r" % (what, got, want))

    unknown = Watcher("no.Such")
    expect(unknown, SERVICE_UNKNOWN, "Watch(no.Such)")
    watchers = [Watcher("helloworld.Greeter" if i % 2 else "") for i in range(16)]
    for w in watchers:
        expect(w, SERVING, "Watch first message")
    print("ok: Watch: SERVICE_UNKNOWN for an unknown service; 16 watchers SERVING")

    proc.send_signal(signal.SIGUSR1)
    for w in watchers:
        expect(w, NOT_SERVING, "Watch after SIGUSR1")
    proc.send_signal(signal.SIGUSR2)
    for w in watchers:
        expect(w, SERVING, "Watch after SIGUSR2")
    print("ok: Watch: SERVING -> NOT_SERVING -> SERVING as the server sets it")

    quitter = watchers.pop()
    quitter.call.cancel()
    expect(quitter, ("end", grpc.StatusCode.CANCELLED), "cancelled watcher")
    if check(Req(service=""), timeout=10).status != SERVING:
        fail("Check after a watcher cancelled")
    print("ok: a watcher cancels; the server carries on")

    proc.send_signal(signal.SIGTERM)
    for w in watchers:
        expect(w, NOT_SERVING, "Watch at shutdown")
        expect(w, ("end", grpc.StatusCode.OK), "Watch end at shutdown")
    expect(unknown, ("end", grpc.StatusCode.OK), "unknown-service Watch end at shutdown")
    rc = proc.wait(timeout=60)
    if rc != 0:
        fail("greeter_server exited %d" % rc)
    print("ok: at SIGTERM every watcher sees NOT_SERVING, then OK; server exit 0")
    channel.close()
finally:
    if proc.poll() is None:
        proc.kill()
        proc.wait()
