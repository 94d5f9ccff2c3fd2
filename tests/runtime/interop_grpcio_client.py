#!/usr/bin/env python3
"""grpcio client -> typerpc server interop test.

Usage: interop_grpcio_client.py PATH/TO/trpc_echo_server PB_DIR

Starts the typerpc echo server (it prints "PORT n"), then exercises it with
Python grpcio's generic client API (no generated stubs): all four call kinds,
large messages, metadata both ways (including -bin), status codes with
non-ASCII and whitespace messages, deadlines, cancellation, unimplemented
methods, and concurrency.  Closing the server's stdin shuts it down
gracefully; its exit status is checked too.
"""
import os
import subprocess
import sys
import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

SERVER = sys.argv[1]
sys.path.insert(0, sys.argv[2])
del sys.argv[1:3]

import grpc  # noqa: E402
import echo_pb2  # noqa: E402
import helloworld_pb2  # noqa: E402

Req, Rep = echo_pb2.EchoRequest, echo_pb2.EchoReply
proc = None
channel = None


def method(kind, name, req=Req, rep=Rep, service="echo.Echo"):
    factory = getattr(channel, kind)
    return factory("/%s/%s" % (service, name),
                   request_serializer=req.SerializeToString,
                   response_deserializer=rep.FromString)


def setUpModule():
    global proc, channel
    proc = subprocess.Popen([SERVER, "127.0.0.1:0"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("PORT "), line
    port = int(line.split()[1])
    channel = grpc.insecure_channel(
        "127.0.0.1:%d" % port,
        options=[("grpc.max_receive_message_length", 16 << 20),
                 ("grpc.max_send_message_length", 16 << 20)])
    grpc.channel_ready_future(channel).result(timeout=10)


def tearDownModule():
    channel.close()
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0


class Interop(unittest.TestCase):
    def test_unary(self):
        r = method("unary_unary", "Unary")(Req(text="hi"), timeout=10)
        self.assertEqual(r.text, "hi")

    def test_helloworld(self):
        say = method("unary_unary", "SayHello", helloworld_pb2.HelloRequest,
                     helloworld_pb2.HelloReply, "helloworld.Greeter")
        self.assertEqual(say(helloworld_pb2.HelloRequest(name="grpcio"),
                             timeout=10).message, "Hello grpcio")

    def test_server_stream(self):
        rs = list(method("unary_stream", "ServerStream")(Req(text="s", count=100),
                                                         timeout=10))
        self.assertEqual([r.index for r in rs], list(range(100)))
        rs = list(method("unary_stream", "ServerStream")(
            Req(text="d", count=10, mode="defer", sleep_ms=5), timeout=10))
        self.assertEqual(len(rs), 10)

    def test_server_stream_read_slowly(self):
        # 40 x 256 KiB (10 MiB, beyond the server's 4 MiB bound) to a client
        # that reads slowly: the server writes while the call is writable and
        # goes on from the drain callback; every reply arrives, in order.
        blob = os.urandom(256 * 1024)
        call = method("unary_stream", "ServerStream")(Req(payload=blob, count=40),
                                                      timeout=60)
        n = 0
        for r in call:
            self.assertEqual(r.index, n)
            self.assertEqual(r.payload, blob)
            n += 1
            if n % 8 == 0:
                time.sleep(0.05)
        self.assertEqual(n, 40)
        # and from a thread of the handler's, waiting for room
        call = method("unary_stream", "ServerStream")(
            Req(payload=blob, count=40, mode="defer"), timeout=60)
        self.assertEqual(sum(1 for _ in call), 40)

    def test_client_stream(self):
        r = method("stream_unary", "ClientStream")(
            iter([Req(text="ab")] * 50), timeout=10)
        self.assertEqual(r.index, 50)
        self.assertEqual(r.text, "ab" * 50)

    def test_bidi(self):
        call = method("stream_stream", "Bidi")(
            iter([Req(text="m%d" % i) for i in range(20)]), timeout=10)
        self.assertEqual([r.text for r in call], ["m%d" % i for i in range(20)])

    def test_large(self):
        blob = os.urandom(3 * 1024 * 1024)
        r = method("unary_unary", "Unary")(Req(payload=blob), timeout=30)
        self.assertEqual(r.payload, blob)
        r = method("unary_unary", "Unary")(Req(mode="big", count=2 << 20), timeout=30)
        self.assertEqual(len(r.payload), 2 << 20)
        rs = list(method("stream_stream", "Bidi")(iter([Req(payload=blob)] * 2),
                                                   timeout=30))
        self.assertEqual([r.payload for r in rs], [blob, blob])

    def test_too_large(self):
        with self.assertRaises(grpc.RpcError) as cm:
            method("unary_unary", "Unary")(Req(payload=b"x" * (5 << 20)), timeout=30)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.test_unary()

    def test_metadata(self):
        blob = bytes(range(256))
        md = (("x-token", "abc 123"), ("x-blob-bin", blob), ("x-one-bin", b"\x07"))
        r, call = method("unary_unary", "Unary").with_call(
            Req(text="md", mode="metadata"), metadata=md, timeout=10)
        for got in (dict(call.initial_metadata()), dict(call.trailing_metadata())):
            self.assertEqual(got["x-token"], "abc 123")
            self.assertEqual(got["x-blob-bin"], blob)
            self.assertEqual(got["x-one-bin"], b"\x07")

    def test_status(self):
        texts = ["plain", "  leading and trailing whitespace \t\n",
                 "non-ASCII: h\u00e9llo w\u00f6rld \u2713 \U0001F600", "100% %41 done"]
        for code in grpc.StatusCode:
            if code == grpc.StatusCode.OK:
                continue
            num = code.value[0]
            text = texts[num % len(texts)]
            with self.assertRaises(grpc.RpcError) as cm:
                method("unary_unary", "Unary")(Req(text=text, code=num), timeout=10)
            self.assertEqual(cm.exception.code(), code)
            self.assertEqual(cm.exception.details(), text)

    def test_deadline(self):
        with self.assertRaises(grpc.RpcError) as cm:
            method("unary_unary", "Unary")(Req(mode="wait_cancel"), timeout=0.2)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
        r = method("unary_unary", "Unary")(Req(mode="deadline"), timeout=30)
        # grpcio rounds grpc-timeout up (e.g. to 100 ms units)
        self.assertTrue(0 < r.deadline_left_ms <= 31000, r.deadline_left_ms)

    def test_cancel(self):
        call = method("unary_stream", "ServerStream")(Req(mode="wait_cancel"), timeout=30)
        first = next(call)
        self.assertEqual(first.text, "first")
        call.cancel()
        with self.assertRaises(grpc.RpcError) as cm:
            next(call)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.CANCELLED)
        self.test_unary()

    def test_unimplemented(self):
        for kind, name, service in (("unary_unary", "Missing", "echo.Echo"),
                                    ("unary_unary", "Nope", "echo.Echo"),
                                    ("unary_unary", "X", "nope.Nope")):
            with self.assertRaises(grpc.RpcError) as cm:
                method(kind, name, service=service)(Req(), timeout=10)
            self.assertEqual(cm.exception.code(), grpc.StatusCode.UNIMPLEMENTED)
        with self.assertRaises(grpc.RpcError) as cm:
            list(method("stream_stream", "Nope", service="nope.Nope")(iter([Req()]),
                                                                       timeout=10))
        self.assertEqual(cm.exception.code(), grpc.StatusCode.UNIMPLEMENTED)

    def test_concurrency(self):
        f = method("unary_unary", "Unary")

        def one(i):
            return f(Req(text=str(i), mode="defer" if i % 7 == 0 else ""),
                     timeout=30).text == str(i)

        with ThreadPoolExecutor(16) as ex:
            self.assertTrue(all(ex.map(one, range(400))))


if __name__ == "__main__":
    unittest.main(verbosity=2)
