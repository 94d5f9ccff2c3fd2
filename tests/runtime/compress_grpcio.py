#!/usr/bin/env python3
"""Message compression against Python grpcio, both ways, measured on the wire.

Usage: compress_grpcio.py PATH/TO/trpc_echo_server PATH/TO/trpc_compress_client PB_DIR

Every call goes through a TCP proxy this script runs, which counts the bytes
each way on its connection, so a test sees whether the messages really
travelled compressed: about 1 MiB of text compresses to a few KiB, so a
direction is "compressed" when it carried under 64 KiB and "plain" when it
carried more than the payload.  (Uncompressed cases are measured the same
way, so the measure is shown to tell the two apart.)

grpcio client -> typerpc server:
  - grpcio compresses its requests (gzip, deflate; channel and per call):
    the typerpc server inflates them and echoes the payload;
  - the typerpc server's default (compression=gzip) compresses its replies
    toward grpcio, which lists gzip in grpc-accept-encoding; the
    handler's trpc_call_set_compression() picks deflate, or none, per call;
  - bidi streams compressed both ways;
  - a request that inflates past the server's max_recv_message_size is
    RESOURCE_EXHAUSTED, and the server serves on.
typerpc client -> grpcio server (grpc.server(compression=...)):
  - typerpc's compressed requests (gzip, deflate) are understood by grpcio;
  - grpcio's compressed replies are inflated by the typerpc client.
"""
import os
import socket
import subprocess
import sys
import threading
import unittest
from concurrent import futures

SERVER, CLIENT = sys.argv[1], sys.argv[2]
sys.path.insert(0, sys.argv[3])
del sys.argv[1:4]

import grpc  # noqa: E402
import echo_pb2  # noqa: E402

Req, Rep = echo_pb2.EchoRequest, echo_pb2.EchoReply
MiB = 1 << 20
TEXT = (b"compressible text, over and over; " * 40000)[:MiB]
SMALL = 64 * 1024   # a compressed MiB of TEXT is far below this


class Proxy:
    """Forwards 127.0.0.1:port to target, counting the bytes each way."""

    def __init__(self, target_port):
        self.target = ("127.0.0.1", target_port)
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.lock = threading.Lock()
        self.up = self.down = 0   # client->server, server->client
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self):
        with self.lock:
            self.up = self.down = 0

    def counts(self):
        with self.lock:
            return self.up, self.down

    def _accept(self):
        while True:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            s = socket.create_connection(self.target)
            threading.Thread(target=self._pump, args=(c, s, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(s, c, False), daemon=True).start()

    def _pump(self, src, dst, up):
        try:
            while True:
                d = src.recv(65536)
                if not d:
                    break
                with self.lock:
                    if up:
                        self.up += len(d)
                    else:
                        self.down += len(d)
                dst.sendall(d)
        except OSError:
            pass
        for x in (src, dst):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        src.close()   # dst is the other pump's src


def start_echo_server(*opts):
    p = subprocess.Popen([SERVER, "127.0.0.1:0"] + list(opts), stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    assert line.startswith("PORT "), line
    return p, int(line.split()[1])


def stop(p):
    p.stdin.close()
    assert p.wait(timeout=30) == 0


class GrpcioClient(unittest.TestCase):
    """grpcio client -> typerpc server (default reply compression: gzip)."""

    @classmethod
    def setUpClass(cls):
        cls.proc, port = start_echo_server("compression=3",
                                           "max_recv_message_size=%d" % (4 * MiB))
        cls.proxy = Proxy(port)

    @classmethod
    def tearDownClass(cls):
        stop(cls.proc)

    def call(self, compression=None, call_compression=None, mode="", payload=TEXT):
        """One unary call on a fresh channel; (reply, bytes up, bytes down)."""
        ch = grpc.insecure_channel("127.0.0.1:%d" % self.proxy.port, compression=compression,
                                   options=[("grpc.max_receive_message_length", 16 * MiB),
                                            ("grpc.max_send_message_length", 16 * MiB)])
        grpc.channel_ready_future(ch).result(timeout=10)
        self.proxy.reset()
        f = ch.unary_unary("/echo.Echo/Unary", request_serializer=Req.SerializeToString,
                           response_deserializer=Rep.FromString)
        try:
            r = f(Req(text="z", payload=payload, mode=mode), timeout=30,
                  compression=call_compression)
        finally:
            up, down = self.proxy.counts()
            ch.close()
        self.assertEqual(r.payload, payload)
        return r, up, down

    def test_plain_is_measured_plain(self):
        # no request compression; the handler turns reply compression off
        _, up, down = self.call(mode="identity")
        self.assertGreater(up, MiB)
        self.assertGreater(down, MiB)

    def test_gzip_both_ways(self):
        _, up, down = self.call(compression=grpc.Compression.Gzip)
        self.assertLess(up, SMALL)
        self.assertLess(down, SMALL)

    def test_deflate_request_per_call(self):
        _, up, down = self.call(call_compression=grpc.Compression.Deflate)
        self.assertLess(up, SMALL)
        self.assertLess(down, SMALL)   # the server's default, gzip

    def test_server_compresses_uncompressed_client(self):
        _, up, down = self.call()
        self.assertGreater(up, MiB)
        self.assertLess(down, SMALL)

    def test_handler_chooses(self):
        _, up, down = self.call(compression=grpc.Compression.Gzip, mode="deflate")
        self.assertLess(up, SMALL)
        self.assertLess(down, SMALL)
        _, up, down = self.call(compression=grpc.Compression.Gzip, mode="identity")
        self.assertLess(up, SMALL)
        self.assertGreater(down, MiB)

    def test_bidi(self):
        ch = grpc.insecure_channel("127.0.0.1:%d" % self.proxy.port,
                                   compression=grpc.Compression.Deflate)
        grpc.channel_ready_future(ch).result(timeout=10)
        self.proxy.reset()
        f = ch.stream_stream("/echo.Echo/Bidi", request_serializer=Req.SerializeToString,
                             response_deserializer=Rep.FromString)
        reqs = [Req(text=str(i), payload=TEXT if i % 2 else b"s") for i in range(8)]
        got = list(f(iter(reqs), timeout=30))
        up, down = self.proxy.counts()
        ch.close()
        self.assertEqual([r.payload for r in got], [q.payload for q in reqs])
        self.assertLess(up, SMALL)
        self.assertLess(down, SMALL)

    def test_bomb(self):
        # 12 MiB of zeros (about 12 KiB compressed) to a server taking 4 MiB
        with self.assertRaises(grpc.RpcError) as cm:
            self.call(compression=grpc.Compression.Gzip, payload=bytes(12 * MiB))
        self.assertEqual(cm.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.call(compression=grpc.Compression.Gzip)   # and it serves on


def unary(req, ctx):
    if req.mode == "deflate":
        ctx.set_compression(grpc.Compression.Deflate)
    elif req.mode == "identity":
        ctx.set_compression(grpc.Compression.NoCompression)
    return Rep(text=req.text, payload=req.payload)


def bidi(reqs, ctx):
    for r in reqs:
        yield Rep(text=r.text, payload=r.payload)


def grpcio_server(compression):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), compression=compression,
                         options=[("grpc.max_receive_message_length", 16 * MiB),
                                  ("grpc.max_send_message_length", 16 * MiB)])
    h = {"Unary": grpc.unary_unary_rpc_method_handler(
             unary, request_deserializer=Req.FromString,
             response_serializer=Rep.SerializeToString),
         "Bidi": grpc.stream_stream_rpc_method_handler(
             bidi, request_deserializer=Req.FromString,
             response_serializer=Rep.SerializeToString)}
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("echo.Echo", h),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


class TyperpcClient(unittest.TestCase):
    """typerpc client (trpc_compress_client) -> grpcio server."""

    def run_client(self, server_compression, client_compression, mode=""):
        server, port = grpcio_server(server_compression)
        proxy = Proxy(port)
        try:
            r = subprocess.run([CLIENT, "127.0.0.1:%d" % proxy.port, str(client_compression),
                                str(MiB), mode], timeout=60)
            self.assertEqual(r.returncode, 0)
            return proxy.counts()
        finally:
            proxy.lsock.close()
            server.stop(None)

    def test_plain_is_measured_plain(self):
        up, down = self.run_client(grpc.Compression.NoCompression, 1)
        self.assertGreater(up, 5 * MiB)    # 1 + 4 messages of 1 MiB each way
        self.assertGreater(down, 5 * MiB)

    def test_gzip_both_ways(self):
        up, down = self.run_client(grpc.Compression.Gzip, 3)
        self.assertLess(up, SMALL)
        self.assertLess(down, SMALL)

    def test_deflate_both_ways(self):
        up, down = self.run_client(grpc.Compression.Deflate, 2)
        self.assertLess(up, SMALL)
        self.assertLess(down, SMALL)

    def test_requests_only(self):
        up, down = self.run_client(grpc.Compression.NoCompression, 3)
        self.assertLess(up, SMALL)
        self.assertGreater(down, 5 * MiB)

    def test_replies_only(self):
        # the grpcio handler picks deflate for the unary reply; the bidi
        # replies follow the server's default (none)
        up, down = self.run_client(grpc.Compression.NoCompression, 0, "deflate")
        self.assertGreater(up, 5 * MiB)
        self.assertGreater(down, 4 * MiB)
        self.assertLess(down, 5 * MiB)


if __name__ == "__main__":
    unittest.main(verbosity=2)
