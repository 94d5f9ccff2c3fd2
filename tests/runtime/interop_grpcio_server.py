#!/usr/bin/env python3
"""typerpc client -> grpcio server interop test.

Usage: interop_grpcio_server.py PATH/TO/trpc_interop_client PB_DIR

Serves echo.Echo and helloworld.Greeter with Python grpcio's generic
handlers (no generated stubs), with the same request-driven behaviours as
the C test implementation (tests/runtime/echo_impl.c), then runs the typerpc
interop client against it and exits with its status.
"""
import subprocess
import sys
import threading
import time
from concurrent import futures

CLIENT = sys.argv[1]
sys.path.insert(0, sys.argv[2])

import grpc  # noqa: E402
import echo_pb2  # noqa: E402
import helloworld_pb2  # noqa: E402

Req, Rep = echo_pb2.EchoRequest, echo_pb2.EchoReply
CODES = {c.value[0]: c for c in grpc.StatusCode}
stats = {"cancelled": 0}
lock = threading.Lock()


def echo_metadata(ctx):
    md = [(k, v) for k, v in ctx.invocation_metadata()
          if k.startswith("x-")]
    ctx.send_initial_metadata(md)
    ctx.set_trailing_metadata(md)


def wait_cancel(ctx, what):
    for _ in range(2000):
        if not ctx.is_active():
            with lock:
                stats["cancelled"] += 1
            return
        time.sleep(0.005)
    sys.stderr.write("interop server: %s never saw its call cancelled\n" % what)


def unary(req, ctx):
    if req.mode == "metadata":
        echo_metadata(ctx)
    if req.mode == "wait_cancel":
        wait_cancel(ctx, "Unary")
        return Rep()
    if req.mode == "stats":
        with lock:
            return Rep(index=stats["cancelled"])
    if req.mode == "defer":
        time.sleep(req.sleep_ms / 1000.0)
    if req.code:
        ctx.abort(CODES[req.code], req.text)
    rep = Rep(text=req.text, payload=req.payload)
    if req.mode == "big":
        rep.payload = b"x" * req.count
    if req.mode == "deadline":
        left = ctx.time_remaining()
        rep.deadline_left_ms = -1 if left is None else int(left * 1000)
    return rep


def server_stream(req, ctx):
    if req.mode == "metadata":
        echo_metadata(ctx)
    if req.mode == "wait_cancel":
        # grpcio may stop iterating this generator once the call is
        # cancelled, so count the cancellation from the termination callback
        # (this call ends no other way within the test's patience).
        def count():
            with lock:
                stats["cancelled"] += 1
        ctx.add_callback(count)
        yield Rep(text="first")
        for _ in range(2000):
            if not ctx.is_active():
                return
            time.sleep(0.005)
        return
    for i in range(req.count):
        yield Rep(text=req.text, index=i, payload=req.payload)
    if req.code:
        ctx.abort(CODES[req.code], req.text)


def client_stream(reqs, ctx):
    n, text, size = 0, "", 0
    for r in reqs:
        if r.code:
            ctx.abort(CODES[r.code], r.text)
        n += 1
        text += r.text
        size += len(r.payload)
    return Rep(text=text, index=n, deadline_left_ms=size)


def bidi(reqs, ctx):
    i = 0
    try:
        for r in reqs:
            if r.code:
                ctx.abort(CODES[r.code], r.text)
            i += 1
            yield Rep(text=r.text, payload=r.payload, index=i)
    finally:
        if not ctx.is_active():
            with lock:
                stats["cancelled"] += 1


def say_hello(req, ctx):
    return helloworld_pb2.HelloReply(message="Hello " + req.name)


def h(kind, fn, req=Req, rep=Rep):
    return getattr(grpc, kind + "_rpc_method_handler")(
        fn, request_deserializer=req.FromString, response_serializer=rep.SerializeToString)


def main():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32),
                         options=[("grpc.max_receive_message_length", 4 << 20),
                                  ("grpc.max_send_message_length", 16 << 20)])
    server.add_generic_rpc_handlers((
        grpc.method_handlers_generic_handler("echo.Echo", {
            "Unary": h("unary_unary", unary),
            "ServerStream": h("unary_stream", server_stream),
            "ClientStream": h("stream_unary", client_stream),
            "Bidi": h("stream_stream", bidi),
        }),
        grpc.method_handlers_generic_handler("helloworld.Greeter", {
            "SayHello": h("unary_unary", say_hello, helloworld_pb2.HelloRequest,
                          helloworld_pb2.HelloReply),
        }),
    ))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        rc = subprocess.run([CLIENT, "127.0.0.1:%d" % port], timeout=240).returncode
    finally:
        server.stop(grace=1)
    sys.exit(rc)


if __name__ == "__main__":
    main()
