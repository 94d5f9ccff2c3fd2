#!/usr/bin/env python3
"""gRPC interop server (grpc.testing.TestService) on Python grpcio.

Usage: grpcio_server.py --port N   (0 picks a free port)

Implements the server side of grpc/doc/interop-test-descriptions.md with
grpcio's generic handlers (no generated service code): EmptyCall, UnaryCall,
CacheableUnaryCall, StreamingOutputCall, StreamingInputCall, FullDuplexCall,
HalfDuplexCall, Echo Status and Echo Metadata, CompressedRequest
(expect_compressed: INVALID_ARGUMENT, since grpcio cannot tell a handler
whether a request came compressed; both end a stream at once, before the
client half-closes), CompressedResponse (gzip: response_compressed on
UnaryCall; ResponseParameters.compressed per message through
disable_next_message_compression).  UnimplementedCall is left
out so it answers UNIMPLEMENTED.  Prints "PORT <n>" once listening, stops on
SIGTERM or SIGINT and exits 0.  Messages come from protoc --python_out
(messages_pb2, empty_pb2 on PYTHONPATH).
"""
import argparse
import signal
import sys
import threading
import time
from concurrent import futures

import grpc
import empty_pb2
import messages_pb2 as m

ECHO_INITIAL = "x-grpc-test-echo-initial"
ECHO_TRAILING = "x-grpc-test-echo-trailing-bin"
CODES = {c.value[0]: c for c in grpc.StatusCode}


def echo_metadata(ctx):
    md = dict(ctx.invocation_metadata())
    if ECHO_INITIAL in md:
        ctx.send_initial_metadata(((ECHO_INITIAL, md[ECHO_INITIAL]),))
    if ECHO_TRAILING in md:
        ctx.set_trailing_metadata(((ECHO_TRAILING, md[ECHO_TRAILING]),))


def echo_status(req, ctx):
    if req.HasField("response_status") and req.response_status.code != 0:
        ctx.abort(CODES[req.response_status.code], req.response_status.message)


def payload(size):
    return m.Payload(type=m.COMPRESSABLE, body=b"\0" * size)


def empty_call(req, ctx):
    echo_metadata(ctx)
    return empty_pb2.Empty()


def unary_call(req, ctx):
    echo_metadata(ctx)
    echo_status(req, ctx)
    if req.expect_compressed.value:
        ctx.abort(grpc.StatusCode.INVALID_ARGUMENT, "expected a compressed request")
    if req.response_type != m.COMPRESSABLE:
        ctx.abort(grpc.StatusCode.INVALID_ARGUMENT, "unsupported response_type")
    if req.response_compressed.value:
        ctx.set_compression(grpc.Compression.Gzip)
    return m.SimpleResponse(payload=payload(req.response_size))


def responses(req, ctx):
    echo_status(req, ctx)
    if any(rp.compressed.value for rp in req.response_parameters):
        ctx.set_compression(grpc.Compression.Gzip)
    for rp in req.response_parameters:
        if rp.interval_us > 0:
            time.sleep(rp.interval_us / 1e6)
        if not rp.compressed.value:
            ctx.disable_next_message_compression()
        yield m.StreamingOutputCallResponse(payload=payload(rp.size))


def streaming_output_call(req, ctx):
    echo_metadata(ctx)
    yield from responses(req, ctx)


def streaming_input_call(reqs, ctx):
    echo_metadata(ctx)
    total = 0
    for r in reqs:
        if r.expect_compressed.value:
            ctx.abort(grpc.StatusCode.INVALID_ARGUMENT, "expected a compressed request")
        total += len(r.payload.body)
    return m.StreamingInputCallResponse(aggregated_payload_size=total)


def full_duplex_call(reqs, ctx):
    echo_metadata(ctx)
    for r in reqs:
        yield from responses(r, ctx)


def half_duplex_call(reqs, ctx):
    echo_metadata(ctx)
    for r in list(reqs):
        yield from responses(r, ctx)


def handler(kind, fn, req, rep):
    return getattr(grpc, kind + "_rpc_method_handler")(
        fn, request_deserializer=req.FromString, response_serializer=rep.SerializeToString)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--use_tls", default="false")
    args = ap.parse_args()
    if args.use_tls != "false":
        sys.exit("grpcio_server: TLS is not supported here")

    E, SReq, SRep = empty_pb2.Empty, m.SimpleRequest, m.SimpleResponse
    OReq, ORep = m.StreamingOutputCallRequest, m.StreamingOutputCallResponse
    IReq, IRep = m.StreamingInputCallRequest, m.StreamingInputCallResponse
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16),
                         options=[("grpc.max_receive_message_length", 16 << 20),
                                  ("grpc.max_send_message_length", 16 << 20)])
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
        "grpc.testing.TestService", {
            "EmptyCall": handler("unary_unary", empty_call, E, E),
            "UnaryCall": handler("unary_unary", unary_call, SReq, SRep),
            "CacheableUnaryCall": handler("unary_unary", unary_call, SReq, SRep),
            "StreamingOutputCall": handler("unary_stream", streaming_output_call, OReq, ORep),
            "StreamingInputCall": handler("stream_unary", streaming_input_call, IReq, IRep),
            "FullDuplexCall": handler("stream_stream", full_duplex_call, OReq, ORep),
            "HalfDuplexCall": handler("stream_stream", half_duplex_call, OReq, ORep),
        }),))
    port = server.add_insecure_port("127.0.0.1:%d" % args.port)
    server.start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("PORT %d" % port, flush=True)
    while not stop.wait(0.2):
        pass
    server.stop(grace=1).wait()
    sys.exit(0)


if __name__ == "__main__":
    main()
