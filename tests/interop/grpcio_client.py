#!/usr/bin/env python3
"""gRPC interop client on Python grpcio.

Usage: grpcio_client.py --server_host HOST --server_port PORT --test_case NAME

Runs one test case of grpc/doc/interop-test-descriptions.md, or one of
typerpc's two early-end cases (README.md), or "all"
against a grpc.testing.TestService server with grpcio's generic client API
(channel.unary_unary etc.; no generated stubs).  Exits 0 when the case
passes, else prints why and exits 1.  Messages come from protoc
--python_out (messages_pb2, empty_pb2 on PYTHONPATH).
"""
import argparse
import queue
import sys
import time

import grpc
import empty_pb2
import messages_pb2 as m

ECHO_INITIAL = ("x-grpc-test-echo-initial", "test_initial_metadata_value")
ECHO_TRAILING = ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab")
SVC = "/grpc.testing.TestService/"
TIMEOUT = 10


class Failed(Exception):
    pass


def check(cond, why):
    if not cond:
        raise Failed(why)


def method(channel, kind, path, req, rep):
    return getattr(channel, kind)(path, request_serializer=req.SerializeToString,
                                  response_deserializer=rep.FromString)


class Stub:
    def __init__(self, ch):
        E = empty_pb2.Empty
        self.empty_call = method(ch, "unary_unary", SVC + "EmptyCall", E, E)
        self.unary_call = method(ch, "unary_unary", SVC + "UnaryCall",
                                 m.SimpleRequest, m.SimpleResponse)
        self.streaming_output_call = method(ch, "unary_stream", SVC + "StreamingOutputCall",
                                            m.StreamingOutputCallRequest,
                                            m.StreamingOutputCallResponse)
        self.streaming_input_call = method(ch, "stream_unary", SVC + "StreamingInputCall",
                                           m.StreamingInputCallRequest,
                                           m.StreamingInputCallResponse)
        self.full_duplex_call = method(ch, "stream_stream", SVC + "FullDuplexCall",
                                       m.StreamingOutputCallRequest,
                                       m.StreamingOutputCallResponse)
        self.unimplemented_call = method(ch, "unary_unary", SVC + "UnimplementedCall", E, E)
        self.unimplemented_service = method(
            ch, "unary_unary", "/grpc.testing.UnimplementedService/UnimplementedCall", E, E)


def zeros(n):
    return m.Payload(body=b"\0" * n)


def out_req(sizes=(), payload=None, status=None):
    r = m.StreamingOutputCallRequest(
        response_parameters=[m.ResponseParameters(size=s) for s in sizes])
    if payload is not None:
        r.payload.CopyFrom(zeros(payload))
    if status is not None:
        r.response_status.CopyFrom(status)
    return r


class Requests:
    """A request iterator fed from the test's thread (for ping-pong)."""
    END = object()

    def __init__(self):
        self.q = queue.Queue()

    def put(self, r):
        self.q.put(r)

    def close(self):
        self.q.put(self.END)

    def __iter__(self):
        return self

    def __next__(self):
        r = self.q.get()
        if r is self.END:
            raise StopIteration
        return r


def expect_error(fn, code, message=None):
    try:
        fn()
    except grpc.RpcError as e:
        check(e.code() == code, "status %s (%r), want %s" % (e.code(), e.details(), code))
        if message is not None:
            check(e.details() == message, "message %r, want %r" % (e.details(), message))
        return e
    raise Failed("call succeeded, want %s" % code)


def empty_unary(s):
    r = s.empty_call(empty_pb2.Empty(), timeout=TIMEOUT)
    check(r is not None, "no response")


def large_unary(s):
    r = s.unary_call(m.SimpleRequest(response_size=314159, payload=zeros(271828)),
                     timeout=TIMEOUT)
    check(r.payload.body == b"\0" * 314159,
          "response payload %d bytes, want 314159 zeros" % len(r.payload.body))


def client_streaming(s):
    reqs = [m.StreamingInputCallRequest(payload=zeros(n)) for n in (27182, 8, 1828, 45904)]
    r = s.streaming_input_call(iter(reqs), timeout=TIMEOUT)
    check(r.aggregated_payload_size == 74922,
          "aggregated_payload_size %d, want 74922" % r.aggregated_payload_size)


def server_streaming(s):
    sizes = [31415, 9, 2653, 58979]
    rs = list(s.streaming_output_call(out_req(sizes), timeout=TIMEOUT))
    got = [len(r.payload.body) for r in rs]
    check(got == sizes, "response sizes %s, want %s" % (got, sizes))
    check(all(r.payload.body == b"\0" * len(r.payload.body) for r in rs), "non-zero payload")


def ping_pong(s):
    reqs = Requests()
    call = s.full_duplex_call(reqs, timeout=TIMEOUT)
    try:
        for size, pl in ((31415, 27182), (9, 8), (2653, 1828), (58979, 45904)):
            reqs.put(out_req([size], pl))
            r = next(call)
            check(r.payload.body == b"\0" * size,
                  "response %d bytes, want %d" % (len(r.payload.body), size))
    finally:
        reqs.close()
    rest = list(call)
    check(not rest, "%d extra responses" % len(rest))
    check(call.code() == grpc.StatusCode.OK, "status %s" % call.code())


def empty_stream(s):
    call = s.full_duplex_call(iter(()), timeout=TIMEOUT)
    rs = list(call)
    check(not rs, "%d responses, want 0" % len(rs))
    check(call.code() == grpc.StatusCode.OK, "status %s" % call.code())


def echo_status(s, text, duplex):
    st = m.EchoStatus(code=2, message=text)
    expect_error(lambda: s.unary_call(m.SimpleRequest(response_status=st), timeout=TIMEOUT),
                 grpc.StatusCode.UNKNOWN, text)
    if duplex:
        expect_error(lambda: list(s.full_duplex_call(iter([out_req(status=st)]),
                                                     timeout=TIMEOUT)),
                     grpc.StatusCode.UNKNOWN, text)


def status_code_and_message(s):
    echo_status(s, "test status message", True)


def special_status_message(s):
    echo_status(s, "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP "
                   "\U0001f608\t\n", False)


def check_echoed(initial, trailing, what):
    check(ECHO_INITIAL in list(initial),
          "%s: initial metadata %r lacks %r" % (what, initial, ECHO_INITIAL))
    check(ECHO_TRAILING in list(trailing),
          "%s: trailing metadata %r lacks %r" % (what, trailing, ECHO_TRAILING))


def custom_metadata(s):
    md = (ECHO_INITIAL, ECHO_TRAILING)
    r, call = s.unary_call.with_call(
        m.SimpleRequest(response_size=314159, payload=zeros(271828)),
        metadata=md, timeout=TIMEOUT)
    check(len(r.payload.body) == 314159, "UnaryCall: wrong payload size")
    check_echoed(call.initial_metadata(), call.trailing_metadata(), "UnaryCall")

    call = s.full_duplex_call(iter([out_req([314159], 271828)]), metadata=md,
                              timeout=TIMEOUT)
    rs = list(call)
    check([len(r.payload.body) for r in rs] == [314159], "FullDuplexCall: wrong responses")
    check_echoed(call.initial_metadata(), call.trailing_metadata(), "FullDuplexCall")


def unimplemented_method(s):
    expect_error(lambda: s.unimplemented_call(empty_pb2.Empty(), timeout=TIMEOUT),
                 grpc.StatusCode.UNIMPLEMENTED)


def unimplemented_service(s):
    expect_error(lambda: s.unimplemented_service(empty_pb2.Empty(), timeout=TIMEOUT),
                 grpc.StatusCode.UNIMPLEMENTED)


def cancel_after_begin(s):
    reqs = Requests()
    fut = s.streaming_input_call.future(reqs, timeout=TIMEOUT)
    fut.cancel()
    reqs.close()
    check(fut.cancelled(), "call not cancelled")
    check(fut.code() == grpc.StatusCode.CANCELLED, "status %s" % fut.code())


def cancel_after_first_response(s):
    reqs = Requests()
    call = s.full_duplex_call(reqs, timeout=TIMEOUT)
    try:
        reqs.put(out_req([31415], 27182))
        r = next(call)
        check(len(r.payload.body) == 31415, "first response %d bytes" % len(r.payload.body))
        call.cancel()
    finally:
        reqs.close()
    check(call.code() == grpc.StatusCode.CANCELLED, "status %s" % call.code())


def timeout_on_sleeping_server(s):
    reqs = Requests()
    reqs.put(out_req(payload=27182))
    try:
        call = s.full_duplex_call(reqs, timeout=0.001)
        expect_error(lambda: list(call), grpc.StatusCode.DEADLINE_EXCEEDED)
    finally:
        reqs.close()


EARLY_CODE = grpc.StatusCode.INVALID_ARGUMENT
EARLY_MESSAGE = "server ends the call early"


def server_ends_bidi_early(s):
    """typerpc's own case (README.md): the server ends a bidi call (Echo
    Status) while the client has not half-closed; the client must see that
    status at once, not at its deadline.  grpcio drains the request iterator
    itself, so a later request cannot fail visibly: it must simply change
    nothing (and not hang the call)."""
    t0 = time.monotonic()
    reqs = Requests()
    call = s.full_duplex_call(reqs, timeout=TIMEOUT)
    try:
        reqs.put(out_req([31415], 27182))
        r = next(call)
        check(len(r.payload.body) == 31415, "first response %d bytes" % len(r.payload.body))
        reqs.put(out_req(status=m.EchoStatus(code=EARLY_CODE.value[0], message=EARLY_MESSAGE)))
        try:
            rest = list(call)
            raise Failed("call ended with OK after %d more responses" % len(rest))
        except grpc.RpcError:
            pass
        ms = (time.monotonic() - t0) * 1000
        check(call.code() == EARLY_CODE and call.details() == EARLY_MESSAGE,
              "status %s (%r) after %d ms, want %s (%r)"
              % (call.code(), call.details(), ms, EARLY_CODE, EARLY_MESSAGE))
        reqs.put(out_req([9], 8))
    finally:
        reqs.close()
    check(call.code() == EARLY_CODE, "status changed to %s" % call.code())


def server_ends_client_stream_early(s):
    """The same for client streaming: expect_compressed on an uncompressed
    message (CompressedRequest) makes the server fail StreamingInputCall with
    INVALID_ARGUMENT before the client half-closes."""
    t0 = time.monotonic()
    reqs = Requests()
    fut = s.streaming_input_call.future(reqs, timeout=TIMEOUT)
    try:
        reqs.put(m.StreamingInputCallRequest(payload=zeros(27182)))
        reqs.put(m.StreamingInputCallRequest(payload=zeros(8),
                                             expect_compressed=m.BoolValue(value=True)))
        e = fut.exception()
        ms = (time.monotonic() - t0) * 1000
        check(e is not None, "StreamingInputCall succeeded")
        check(fut.code() == grpc.StatusCode.INVALID_ARGUMENT,
              "status %s (%r) after %d ms, want INVALID_ARGUMENT"
              % (fut.code(), fut.details(), ms))
        reqs.put(m.StreamingInputCallRequest(payload=zeros(1828)))
    finally:
        reqs.close()


# Compression: grpcio compresses per call (compression=); it cannot send one
# message of a stream plain and the next compressed, nor tell whether a reply
# came compressed, so client_compressed_streaming is not here and the
# server_compressed_* cases check the payloads only.
def client_compressed_unary(s):
    def call(expect, compression):
        return s.unary_call(m.SimpleRequest(expect_compressed=m.BoolValue(value=expect),
                                            response_size=314159, payload=zeros(271828)),
                            timeout=TIMEOUT, compression=compression)
    expect_error(lambda: call(True, grpc.Compression.NoCompression),
                 grpc.StatusCode.INVALID_ARGUMENT)
    for expect, comp in ((True, grpc.Compression.Gzip), (False, grpc.Compression.NoCompression)):
        r = call(expect, comp)
        check(r.payload.body == b"\0" * 314159,
              "response payload %d bytes, want 314159 zeros" % len(r.payload.body))


def server_compressed_unary(s):
    for zip_ in (True, False):
        r = s.unary_call(m.SimpleRequest(response_compressed=m.BoolValue(value=zip_),
                                         response_size=314159, payload=zeros(271828)),
                         timeout=TIMEOUT)
        check(r.payload.body == b"\0" * 314159,
              "response payload %d bytes, want 314159 zeros" % len(r.payload.body))


def server_compressed_streaming(s):
    req = m.StreamingOutputCallRequest(response_parameters=[
        m.ResponseParameters(size=31415, compressed=m.BoolValue(value=True)),
        m.ResponseParameters(size=92653, compressed=m.BoolValue(value=False))])
    got = [len(r.payload.body) if r.payload.body == b"\0" * len(r.payload.body) else -1
           for r in s.streaming_output_call(req, timeout=TIMEOUT)]
    check(got == [31415, 92653], "responses %r, want zeros of 31415, 92653" % got)


CASES = [empty_unary, large_unary, client_streaming, server_streaming, ping_pong,
         empty_stream, status_code_and_message, special_status_message, custom_metadata,
         unimplemented_method, unimplemented_service, cancel_after_begin,
         cancel_after_first_response, timeout_on_sleeping_server, server_ends_bidi_early,
         server_ends_client_stream_early, client_compressed_unary, server_compressed_unary,
         server_compressed_streaming]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server_host", default="127.0.0.1")
    ap.add_argument("--server_port", type=int, required=True)
    ap.add_argument("--test_case", required=True)
    ap.add_argument("--use_tls", default="false")
    args = ap.parse_args()
    if args.use_tls != "false":
        sys.exit("grpcio_client: TLS is not supported here")
    names = {c.__name__: c for c in CASES}
    if args.test_case != "all" and args.test_case not in names:
        sys.exit("grpcio_client: unknown test case %r" % args.test_case)
    todo = CASES if args.test_case == "all" else [names[args.test_case]]
    host = args.server_host
    if ":" in host:
        host = "[%s]" % host
    failed = 0
    with grpc.insecure_channel("%s:%d" % (host, args.server_port),
                               options=[("grpc.max_receive_message_length", 16 << 20)]) as ch:
        stub = Stub(ch)
        for case in todo:
            try:
                case(stub)
                print("%s: passed" % case.__name__, flush=True)
            except (Failed, grpc.RpcError) as e:
                failed += 1
                print("%s: FAILED: %s" % (case.__name__, e), file=sys.stderr, flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
