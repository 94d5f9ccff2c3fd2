#!/usr/bin/python3
"""capture.py OUT_DIR — record real gRPC conversations as fuzz seeds.

A grpcio echo.Echo server (tests/runtime/proto/echo.proto) runs behind a
recording TCP proxy; a grpcio client makes one kind of call per connection
through it (unary, with metadata and binary metadata, with a deadline, an
error status, gzip-compressed, server streaming, client streaming, bidi).
Each connection's two byte streams are written as seeds:
  OUT_DIR/server_input/NAME      what the client sent (the preface on)
  OUT_DIR/client_response/NAME   one byte naming the call's kind
                                 (fuzz_client_response.c), then what the
                                 server sent
Run with Debian's python3 (python3-grpcio, protoc on PATH):
  tests/fuzz/capture.py tests/fuzz/corpus
"""
import os
import socket
import subprocess
import sys
import tempfile
import threading
from concurrent import futures

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.join(HERE, "..", "runtime", "proto")

# The call kinds of fuzz_client_response.c's first byte.
UNARY, SERVER_STREAM, CLIENT_STREAM, BIDI = 0, 1, 2, 3


def load_pb2():
    out = tempfile.mkdtemp(prefix="trpc-capture-")
    subprocess.run(["protoc", "--python_out=" + out, "-I" + PROTO_DIR,
                    os.path.join(PROTO_DIR, "echo.proto")], check=True)
    sys.path.insert(0, out)
    import echo_pb2  # noqa: E402
    return echo_pb2


pb = load_pb2()


class Proxy:
    """Accepts one connection at a time, relays it to the server and keeps
    both directions' bytes."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(8)
        self.port = self.lsock.getsockname()[1]
        self.records = []
        self.done = threading.Condition()
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while True:
            c, _ = self.lsock.accept()
            s = socket.create_connection(("127.0.0.1", self.target_port))
            rec = {"c2s": bytearray(), "s2c": bytearray(), "open": 2}
            with self.done:
                self.records.append(rec)
            threading.Thread(target=self.pump, args=(c, s, rec, "c2s"), daemon=True).start()
            threading.Thread(target=self.pump, args=(s, c, rec, "s2c"), daemon=True).start()

    def pump(self, src, dst, rec, key):
        try:
            while True:
                b = src.recv(65536)
                if not b:
                    break
                rec[key] += b
                dst.sendall(b)
        except OSError:
            pass
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        with self.done:
            rec["open"] -= 1
            self.done.notify_all()

    def take(self):
        """Waits for every recorded connection to end; returns and forgets them."""
        with self.done:
            self.done.wait_for(lambda: all(r["open"] == 0 for r in self.records), timeout=10)
            recs, self.records = self.records, []
        return recs


def reply_for(req, index=0):
    return pb.EchoReply(text=req.text, payload=req.payload, index=index)


def check_code(req, ctx):
    if req.code:
        ctx.abort(grpc.StatusCode(
            next(c for c in grpc.StatusCode if c.value[0] == req.code)), req.text)


def unary(req, ctx):
    if req.mode == "metadata":
        md = tuple((k, v) for k, v in ctx.invocation_metadata() if not k.startswith("grpc-"))
        ctx.send_initial_metadata(md)
        ctx.set_trailing_metadata(md)
    check_code(req, ctx)
    return reply_for(req)


def server_stream(req, ctx):
    check_code(req, ctx)
    for i in range(req.count):
        yield reply_for(req, i)


def client_stream(reqs, ctx):
    last = pb.EchoRequest()
    n = 0
    for r in reqs:
        last = r
        n += 1
    return pb.EchoReply(text=last.text, index=n)


def bidi(reqs, ctx):
    for r in reqs:
        yield reply_for(r)


def serve():
    ser = lambda m: m.SerializeToString()  # noqa: E731
    handlers = {
        "Unary": grpc.unary_unary_rpc_method_handler(
            unary, pb.EchoRequest.FromString, ser),
        "ServerStream": grpc.unary_stream_rpc_method_handler(
            server_stream, pb.EchoRequest.FromString, ser),
        "ClientStream": grpc.stream_unary_rpc_method_handler(
            client_stream, pb.EchoRequest.FromString, ser),
        "Bidi": grpc.stream_stream_rpc_method_handler(
            bidi, pb.EchoRequest.FromString, ser),
    }
    # No "true binary" metadata (a chttp2 extension typerpc does not
    # advertise): -bin values go base64-encoded, as to any other peer.
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4),
                         options=[("grpc.http2.true_binary", 0)])
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("echo.Echo", handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "server_input"), exist_ok=True)
    os.makedirs(os.path.join(out, "client_response"), exist_ok=True)
    server, port = serve()
    proxy = Proxy(port)
    ser = lambda m: m.SerializeToString()  # noqa: E731
    de = pb.EchoReply.FromString

    def reqs(n):
        return iter([pb.EchoRequest(text="m%d" % i, payload=bytes([i]) * 10) for i in range(n)])

    scenarios = [
        ("unary", UNARY, {}, lambda ch: ch.unary_unary("/echo.Echo/Unary", ser, de)(
            pb.EchoRequest(text="hello", payload=b"\x00\x01\x02"))),
        ("unary_metadata", UNARY, {}, lambda ch: ch.unary_unary("/echo.Echo/Unary", ser, de)(
            pb.EchoRequest(text="md", mode="metadata"),
            metadata=(("x-user", "alice"), ("x-trace-bin", b"\x00\xff\x10binary"),
                      ("x-multi", "a"), ("x-multi", "b")))),
        ("unary_deadline", UNARY, {}, lambda ch: ch.unary_unary("/echo.Echo/Unary", ser, de)(
            pb.EchoRequest(text="soon"), timeout=30)),
        ("unary_error", UNARY, {}, lambda ch: ch.unary_unary("/echo.Echo/Unary", ser, de)(
            pb.EchoRequest(text="not found: caf\u00e9 100%", code=5))),
        ("unary_gzip", UNARY, {"compression": grpc.Compression.Gzip},
         lambda ch: ch.unary_unary("/echo.Echo/Unary", ser, de)(
             pb.EchoRequest(text="compress me " * 20, payload=b"z" * 300),
             compression=grpc.Compression.Gzip)),
        ("server_stream", SERVER_STREAM, {}, lambda ch: list(
            ch.unary_stream("/echo.Echo/ServerStream", ser, de)(
                pb.EchoRequest(text="s", count=3)))),
        ("client_stream", CLIENT_STREAM, {}, lambda ch: ch.stream_unary(
            "/echo.Echo/ClientStream", ser, de)(reqs(3))),
        ("bidi", BIDI, {}, lambda ch: list(ch.stream_stream("/echo.Echo/Bidi", ser, de)(reqs(3)))),
        ("bidi_gzip", BIDI, {"compression": grpc.Compression.Gzip}, lambda ch: list(
            ch.stream_stream("/echo.Echo/Bidi", ser, de)(reqs(2), compression=grpc.Compression.Gzip))),
        ("unimplemented", UNARY, {}, lambda ch: ch.unary_unary("/echo.Echo/Missing", ser, de)(
            pb.EchoRequest(text="x"))),
    ]
    for name, kind, chopts, call in scenarios:
        copts = [("grpc.enable_retries", 0), ("grpc.http2.true_binary", 0)]
        ch = grpc.insecure_channel("127.0.0.1:%d" % proxy.port, options=copts,
                                   compression=chopts.get("compression"))
        try:
            call(ch)
        except grpc.RpcError as e:
            if name not in ("unary_error", "unimplemented"):
                raise
            print("%s: %s" % (name, e.code()))
        ch.close()
        recs = proxy.take()
        for i, r in enumerate(recs):
            suffix = "" if i == 0 else ".%d" % i
            with open(os.path.join(out, "server_input", name + suffix), "wb") as f:
                f.write(bytes(r["c2s"]))
            with open(os.path.join(out, "client_response", name + suffix), "wb") as f:
                f.write(bytes([kind]) + bytes(r["s2c"]))
            print("%s: %d bytes in, %d bytes out" % (name + suffix, len(r["c2s"]), len(r["s2c"])))
    server.stop(0)


if __name__ == "__main__":
    main()
