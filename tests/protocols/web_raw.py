#!/usr/bin/env python3
"""gRPC-Web, Connect and CORS on a typerpc server, from raw HTTP/2 requests.

Usage: web_raw.py PATH/TO/trpc_echo_server PB_DIR H2RAW_DIR

Every request is built by hand (tests/hostile/h2raw.py: frames and HPACK,
Debian's python3-hpack decoding the answers) so each case controls the
exact bytes: gRPC-Web text bodies in several padded base64 chunks, Connect
envelopes, GET query strings, CORS preflights, and every kind of bad
input.  Messages are encoded and decoded with Debian's python3-protobuf
(echo_pb2 from tests/runtime/proto/echo.proto, built by tests/runtime).
After the bad-input cases the server must still answer.

The server (trpc_echo_server, tests/runtime) serves echo.Echo, whose Unary
is `idempotency_level = NO_SIDE_EFFECTS` (Connect GET), and
helloworld.Greeter; it runs with CORS for https://app.example and a
second instance runs gRPC-only, a third with a 4 KiB message limit.
"""
import base64
import gzip
import json
import os
import struct
import subprocess
import sys
import unittest
import urllib.parse

SERVER = sys.argv[1]
sys.path.insert(0, sys.argv[2])
sys.path.insert(0, sys.argv[3])
del sys.argv[1:4]

import echo_pb2  # noqa: E402
import h2raw  # noqa: E402

ORIGIN = "https://app.example"


class Server:
    def __init__(self, *opts):
        self.p = subprocess.Popen([SERVER, "127.0.0.1:0", *opts], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        line = self.p.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError("server did not start: %r" % line)
        self.port = int(line.split()[1])

    def stop(self):
        self.p.stdin.close()
        rc = self.p.wait(timeout=60)
        if rc != 0:
            raise RuntimeError("server exited %d" % rc)


class Reply:
    def __init__(self, conn, sid):
        blocks = conn.headers.get(sid, [])
        self.headers = dict(blocks[0]) if blocks else {}
        self.all_headers = blocks[0] if blocks else []
        self.trailers = dict(blocks[1]) if len(blocks) > 1 else {}
        self.status = self.headers.get(":status")
        self.body = conn.data.get(sid, b"")
        self.rst = conn.rst.get(sid)


def request(port, method, path, headers=(), body=b"", chunks=None, timeout=20):
    """One request on a fresh connection; body sent as one DATA frame, or
    as the given chunks (each its own DATA frame)."""
    c = h2raw.Conn.connect(port)
    try:
        c.settle()
        fields = [(":method", method), (":scheme", "http"), (":path", path),
                  (":authority", "localhost")] + list(headers)
        parts = chunks if chunks is not None else ([body] if body else [])
        c.send(h2raw.header_frames(1, h2raw.hp_block(fields), end_stream=not parts))
        for i, part in enumerate(parts):
            c.send_data(1, part, end=i == len(parts) - 1)
        c.wait(lambda: 1 in c.ended or 1 in c.rst, timeout)
        return Reply(c, 1)
    finally:
        c.close()


def frames(body):
    """gRPC-style frames: [(flags, payload)]."""
    out = []
    while body:
        flags, n = body[0], struct.unpack(">I", body[1:5])[0]
        out.append((flags, body[5:5 + n]))
        body = body[5 + n:]
    return out


def frame(payload, flags=0):
    return bytes([flags]) + struct.pack(">I", len(payload)) + payload


def req(**kw):
    return echo_pb2.EchoRequest(**kw).SerializeToString()


def reply(b):
    r = echo_pb2.EchoReply()
    r.ParseFromString(b)
    return r


CT_JSON = ("content-type", "application/json")
CT_PROTO = ("content-type", "application/proto")

CONNECT_HTTP = {1: ("canceled", "499"), 2: ("unknown", "500"), 3: ("invalid_argument", "400"),
                4: ("deadline_exceeded", "504"), 5: ("not_found", "404"),
                6: ("already_exists", "409"), 7: ("permission_denied", "403"),
                8: ("resource_exhausted", "429"), 9: ("failed_precondition", "400"),
                10: ("aborted", "409"), 11: ("out_of_range", "400"),
                12: ("unimplemented", "501"), 13: ("internal", "500"),
                14: ("unavailable", "503"), 15: ("data_loss", "500"),
                16: ("unauthenticated", "401")}


class Connect(unittest.TestCase):
    def post(self, path, body, ct=CT_JSON, extra=()):
        return request(S.port, "POST", path, [ct, *extra], body)

    def test_unary_json(self):
        r = self.post("/echo.Echo/Unary", b'{"text":"hi","shade":"SHADE_LIGHT"}',
                      extra=[("connect-protocol-version", "1")])
        self.assertEqual(r.status, "200")
        self.assertEqual(r.headers["content-type"], "application/json")
        self.assertEqual(json.loads(r.body), {"text": "hi"})
        # without connect-protocol-version (curl's line in issue 14)
        r = self.post("/helloworld.Greeter/SayHello", b'{"name":"world"}')
        self.assertEqual((r.status, json.loads(r.body)), ("200", {"message": "Hello world"}))

    def test_unary_proto(self):
        r = self.post("/echo.Echo/Unary", req(text="bin", payload=b"\x00\xff"), CT_PROTO)
        self.assertEqual(r.status, "200")
        self.assertEqual(r.headers["content-type"], "application/proto")
        m = reply(r.body)
        self.assertEqual((m.text, m.payload), ("bin", b"\x00\xff"))

    def test_empty_body_is_empty_message(self):
        r = self.post("/echo.Echo/Unary", b"", CT_PROTO)
        self.assertEqual((r.status, r.body), ("200", b""))

    def test_gzip_request_and_reply(self):
        body = gzip.compress(b'{"text":"' + b"z" * 3000 + b'","mode":"gzip"}')
        r = self.post("/echo.Echo/Unary", body,
                      extra=[("content-encoding", "gzip"), ("accept-encoding", "gzip")])
        self.assertEqual(r.status, "200")
        self.assertEqual(r.headers.get("content-encoding"), "gzip")
        self.assertEqual(json.loads(gzip.decompress(r.body))["text"], "z" * 3000)
        # a client that does not accept gzip gets it plain
        r = self.post("/echo.Echo/Unary", body, extra=[("content-encoding", "gzip")])
        self.assertNotIn("content-encoding", r.headers)
        self.assertEqual(json.loads(r.body)["text"], "z" * 3000)
        # not gzip at all
        r = self.post("/echo.Echo/Unary", b"not gzip", extra=[("content-encoding", "gzip")])
        self.assertEqual(r.headers["content-type"], "application/json")
        self.assertIn(r.status, ("400", "500"))
        # an unknown encoding
        r = self.post("/echo.Echo/Unary", b"{}", extra=[("content-encoding", "br")])
        self.assertEqual((r.status, json.loads(r.body)["code"]), ("501", "unimplemented"))

    def test_error_codes(self):
        for code, (name, http) in CONNECT_HTTP.items():
            r = self.post("/echo.Echo/Unary", json.dumps({"text": "why %d" % code,
                                                          "code": code}).encode())
            self.assertEqual(r.status, http, name)
            self.assertEqual(r.headers["content-type"], "application/json")
            self.assertEqual(json.loads(r.body), {"code": name, "message": "why %d" % code})

    def test_metadata_headers_and_trailers(self):
        r = self.post("/echo.Echo/Unary", b'{"mode":"metadata"}', extra=[("x-thing", "one")])
        self.assertEqual(r.status, "200")
        self.assertEqual(r.headers["x-thing"], "one")
        self.assertEqual(r.headers["trailer-x-thing"], "one")
        r = self.post("/echo.Echo/Unary", b'{"mode":"metadata","code":5,"text":"gone"}',
                      extra=[("x-thing", "two")])
        self.assertEqual((r.status, r.headers["trailer-x-thing"]), ("404", "two"))

    def test_deadline(self):
        r = self.post("/echo.Echo/Unary", b'{"mode":"deadline"}',
                      extra=[("connect-timeout-ms", "60000")])
        left = int(json.loads(r.body)["deadlineLeftMs"])
        self.assertTrue(0 < left <= 60000, left)
        r = self.post("/echo.Echo/Unary", b'{"mode":"defer","sleepMs":3000}',
                      extra=[("connect-timeout-ms", "100")])
        self.assertEqual((r.status, json.loads(r.body)["code"]), ("504", "deadline_exceeded"))
        r = self.post("/echo.Echo/Unary", b"{}", extra=[("connect-timeout-ms", "soon")])
        self.assertEqual(r.headers["content-type"], "application/json")
        self.assertNotEqual(r.status, "200")

    def test_bad_input(self):
        cases = [(b'{"text":', "invalid JSON"),
                 (b'{"text":5}', "text"),
                 (b'{"count":"many"}', "count"),
                 (b'{"shade":"SHADE_DARK"}', "shade"),
                 (b'{"nope":1}', "nope"),
                 (b'[1,2]', "")]
        for body, word in cases:
            r = self.post("/echo.Echo/Unary", body)
            self.assertEqual(r.status, "400", body)
            e = json.loads(r.body)
            self.assertEqual(e["code"], "invalid_argument")
            self.assertIn(word, e["message"])
        r = self.post("/echo.Echo/Unary", b"\xff\xff\xff", CT_PROTO)
        self.assertEqual((r.status, json.loads(r.body)["code"]), ("400", "invalid_argument"))
        # unknown content types keep getting 415, streaming methods too
        for ct in ("text/plain", "application/xml", "application/grpc-webz"):
            r = self.post("/echo.Echo/Unary", b"{}", ("content-type", ct))
            self.assertEqual(r.status, "415", ct)
        r = self.post("/echo.Echo/ServerStream", b"{}")
        self.assertEqual(r.status, "415")
        r = self.post("/echo.Echo/Unary", frame(b"{}"), ("content-type", "application/connect+json"))
        self.assertEqual(r.status, "415")
        r = self.post("/echo.Echo/Nope", b"{}")
        self.assertEqual((r.status, json.loads(r.body)["code"]), ("501", "unimplemented"))
        r = request(S.port, "PUT", "/echo.Echo/Unary", [CT_JSON], b"{}")
        self.assertEqual(r.status, "405")
        # and the server still serves
        self.assertEqual(self.post("/echo.Echo/Unary", b'{"text":"ok"}').status, "200")

    def test_oversized(self):
        r = request(SMALL.port, "POST", "/echo.Echo/Unary", [CT_JSON],
                    b'{"text":"' + b"a" * 8000 + b'"}')
        self.assertEqual((r.status, json.loads(r.body)["code"]), ("429", "resource_exhausted"))
        body = gzip.compress(b'{"text":"' + b"a" * 8000 + b'"}')
        r = request(SMALL.port, "POST", "/echo.Echo/Unary",
                    [CT_JSON, ("content-encoding", "gzip")], body)
        self.assertEqual((r.status, json.loads(r.body)["code"]), ("429", "resource_exhausted"))
        r = request(SMALL.port, "POST", "/echo.Echo/Unary", [CT_JSON], b'{"text":"fine"}')
        self.assertEqual(r.status, "200")


    def test_cancel_then_serve(self):
        # a Connect call cancelled by its client (RST_STREAM) while the
        # handler holds it; the connection and the server go on
        c = h2raw.Conn.connect(S.port)
        try:
            c.settle()
            fields = [(":method", "POST"), (":scheme", "http"), (":path", "/echo.Echo/Unary"),
                      (":authority", "localhost"), CT_JSON]
            c.send(h2raw.header_frames(1, h2raw.hp_block(fields)))
            c.send_data(1, b'{"mode":"defer","sleepMs":1500}', end=True)
            c.wait(lambda: False, 0.2)
            c.send(h2raw.rst_stream(1, h2raw.CANCEL))
            c.send(h2raw.header_frames(3, h2raw.hp_block(
                [*fields[:2], (":path", "/echo.Echo/Unary"), *fields[3:]])))
            c.send_data(3, b'{"text":"after"}', end=True)
            self.assertTrue(c.wait(lambda: 3 in c.ended, 20))
            self.assertEqual(json.loads(c.data[3]), {"text": "after"})
            self.assertNotIn(1, c.data)
        finally:
            c.close()

    def test_many_on_one_connection(self):
        # unary Connect, gRPC-Web and gRPC interleaved on one connection
        c = h2raw.Conn.connect(S.port)
        try:
            c.settle()
            kinds = [("application/json", b'{"text":"j%d"}', None),
                     ("application/grpc-web", None, "w%d"),
                     ("application/grpc", None, "g%d")]
            for i in range(30):
                ct, jb, pt = kinds[i % 3]
                sid = 2 * i + 1
                extra = [("te", "trailers")] if ct == "application/grpc" else []
                c.send(h2raw.header_frames(sid, h2raw.hp_block(
                    [(":method", "POST"), (":scheme", "http"), (":path", "/echo.Echo/Unary"),
                     (":authority", "localhost"), ("content-type", ct), *extra])))
                body = jb % i if jb else frame(req(text=pt % i))
                c.send_data(sid, body, end=True)
            self.assertTrue(c.wait(lambda: all(2 * i + 1 in c.ended for i in range(30)), 30))
            for i in range(30):
                b = c.data[2 * i + 1]
                got = json.loads(b)["text"] if i % 3 == 0 else reply(frames(b)[0][1]).text
                self.assertEqual(got, (kinds[i % 3][2] or "j%d") % i)
        finally:
            c.close()


class ConnectGet(unittest.TestCase):
    def get(self, path, query, extra=()):
        return request(S.port, "GET", path + "?" + urllib.parse.urlencode(query), extra)

    def test_json(self):
        r = self.get("/echo.Echo/Unary", {"connect": "v1", "encoding": "json",
                                          "message": '{"text":"got"}'})
        self.assertEqual((r.status, json.loads(r.body)), ("200", {"text": "got"}))

    def test_proto_base64(self):
        m = base64.urlsafe_b64encode(req(text="b64?/+")).rstrip(b"=").decode()
        r = self.get("/echo.Echo/Unary", {"encoding": "proto", "base64": "1", "message": m})
        self.assertEqual(r.status, "200")
        self.assertEqual(reply(r.body).text, "b64?/+")

    def test_gzip(self):
        m = base64.urlsafe_b64encode(gzip.compress(b'{"text":"zipped"}')).decode()
        r = self.get("/echo.Echo/Unary", {"encoding": "json", "base64": "1",
                                          "compression": "gzip", "message": m})
        self.assertEqual((r.status, json.loads(r.body)), ("200", {"text": "zipped"}))

    def test_refused(self):
        # side effects possible: not with GET
        r = self.get("/echo.Echo/ServerStream", {"encoding": "json", "message": "{}"})
        self.assertEqual(r.status, "405")
        r = self.get("/helloworld.Greeter/SayHello", {"encoding": "json", "message": "{}"})
        self.assertEqual(r.status, "405")
        r = request(S.port, "GET", "/echo.Echo/Unary")
        self.assertEqual(r.status, "405")
        r = self.get("/echo.Echo/Unary", {"encoding": "xml", "message": "{}"})
        self.assertEqual(r.status, "415")
        r = self.get("/echo.Echo/Unary", {"encoding": "proto", "base64": "1", "message": "!!"})
        self.assertEqual((r.status, json.loads(r.body)["code"]), ("400", "invalid_argument"))
        r = request(S.port, "GET", "/echo.Echo/Unary?encoding=json&message=%zz")
        self.assertEqual(r.status, "400")
        r = self.get("/echo.Echo/Unary", {"encoding": "json", "message": '{"text":1}'})
        self.assertEqual((r.status, json.loads(r.body)["code"]), ("400", "invalid_argument"))


class ConnectStream(unittest.TestCase):
    def call(self, path, msgs, ct="application/connect+json", extra=()):
        r = request(S.port, "POST", path, [("content-type", ct), *extra],
                    b"".join(frame(m) for m in msgs))
        self.assertEqual(r.status, "200")
        self.assertEqual(r.headers["content-type"], ct)
        fs = frames(r.body)
        self.assertEqual(fs[-1][0], 0x02)
        return [m for f, m in fs[:-1]], json.loads(fs[-1][1])

    def test_server_stream_json(self):
        msgs, end = self.call("/echo.Echo/ServerStream", [b'{"text":"s","count":3}'])
        self.assertEqual([json.loads(m) for m in msgs],
                         [{"text": "s"}, {"text": "s", "index": 1}, {"text": "s", "index": 2}])
        self.assertEqual(end, {})

    def test_server_stream_proto(self):
        msgs, end = self.call("/echo.Echo/ServerStream", [req(text="p", count=2)],
                              "application/connect+proto")
        self.assertEqual([reply(m).index for m in msgs], [0, 1])
        self.assertEqual(end, {})

    def test_error_and_metadata(self):
        msgs, end = self.call("/echo.Echo/ServerStream",
                              [b'{"text":"no","code":9,"mode":"metadata"}'],
                              extra=[("x-thing", "t")])
        self.assertEqual(msgs, [])
        self.assertEqual(end["error"], {"code": "failed_precondition", "message": "no"})
        self.assertEqual(end["metadata"]["x-thing"], ["t"])
        msgs, end = self.call("/echo.Echo/ServerStream", [b'{"text":5}'])
        self.assertEqual(end["error"]["code"], "invalid_argument")

    def test_client_and_bidi(self):
        msgs, end = self.call("/echo.Echo/ClientStream",
                              [b'{"text":"a"}', b'{"text":"b"}', b'{"text":"c"}'])
        self.assertEqual(len(msgs), 1)
        self.assertEqual(end, {})
        msgs, end = self.call("/echo.Echo/Bidi", [b'{"text":"x"}', b'{"text":"y"}'])
        self.assertEqual([json.loads(m)["text"] for m in msgs], ["x", "y"])

    def test_compressed_envelope(self):
        z = gzip.compress(b'{"text":"zz","count":1}')
        r = request(S.port, "POST", "/echo.Echo/ServerStream",
                    [("content-type", "application/connect+json"),
                     ("connect-content-encoding", "gzip")], frame(z, 0x01))
        fs = frames(r.body)
        self.assertEqual(json.loads(fs[0][1]), {"text": "zz"})
        self.assertEqual(json.loads(fs[-1][1]), {})


class GrpcWeb(unittest.TestCase):
    def test_unary_binary(self):
        for ct in ("application/grpc-web", "application/grpc-web+proto"):
            r = request(S.port, "POST", "/echo.Echo/Unary",
                        [("content-type", ct), ("x-grpc-web", "1")],
                        frame(req(text="web")))
            self.assertEqual((r.status, r.headers["content-type"]), ("200", ct))
            fs = frames(r.body)
            self.assertEqual(reply(fs[0][1]).text, "web")
            self.assertEqual(fs[1][0], 0x80)
            self.assertIn(b"grpc-status: 0\r\n", fs[1][1])
            self.assertEqual(r.trailers, {})  # no HTTP/2 trailers: all in the body

    def test_trailers_in_body(self):
        r = request(S.port, "POST", "/echo.Echo/ServerStream",
                    [("content-type", "application/grpc-web"), ("x-thing", "tt")],
                    frame(req(text="m", count=2, mode="metadata")))
        fs = frames(r.body)
        self.assertEqual([f for f, _ in fs], [0, 0, 0x80])
        lines = fs[2][1].decode().split("\r\n")
        self.assertIn("grpc-status: 0", lines)
        self.assertIn("x-thing: tt", lines)

    def test_error_trailers_only(self):
        r = request(S.port, "POST", "/echo.Echo/Unary",
                    [("content-type", "application/grpc-web")],
                    frame(req(text="nope", code=5)))
        self.assertEqual((r.status, r.headers["grpc-status"], r.headers["grpc-message"]),
                         ("200", "5", "nope"))
        self.assertEqual(r.body, b"")

    def test_text_chunks(self):
        # several base64 chunks, each padded on its own
        data = frame(req(text="texty", count=2))
        chunks = [base64.b64encode(data[:4]), base64.b64encode(data[4:9]),
                  base64.b64encode(data[9:])]
        r = request(S.port, "POST", "/echo.Echo/ServerStream",
                    [("content-type", "application/grpc-web-text")], chunks=chunks)
        self.assertEqual((r.status, r.headers["content-type"]),
                         ("200", "application/grpc-web-text"))
        # each frame is base64 on its own (padded): decode frame by frame
        out, text = b"", r.body
        while text:
            head = base64.b64decode(text[:8])[:5]  # a frame is 5 bytes or more
            size = 5 + struct.unpack(">I", head[1:5])[0]
            enc = 4 * ((size + 2) // 3)
            out += base64.b64decode(text[:enc])
            text = text[enc:]
        fs = frames(out)
        self.assertEqual([reply(m).index for f, m in fs if f == 0], [0, 1])
        self.assertEqual(fs[-1][0], 0x80)
        r = request(S.port, "POST", "/echo.Echo/Unary",
                    [("content-type", "application/grpc-web-text+proto")], b"**not base64**")
        self.assertEqual(r.headers.get("grpc-status"), "13")
        # a whole frame, then two characters more
        r = request(S.port, "POST", "/echo.Echo/Unary",
                    [("content-type", "application/grpc-web-text")],
                    base64.b64encode(frame(req(text="t"))) + b"AA")
        self.assertEqual(r.headers.get("grpc-status"), "13")
        self.assertIn("base64", urllib.parse.unquote(r.headers.get("grpc-message")))

    def test_json_and_grpc_json(self):
        r = request(S.port, "POST", "/echo.Echo/Unary",
                    [("content-type", "application/grpc-web+json")], frame(b'{"text":"wj"}'))
        self.assertEqual(json.loads(frames(r.body)[0][1]), {"text": "wj"})
        r = request(S.port, "POST", "/echo.Echo/Unary",
                    [("content-type", "application/grpc+json"), ("te", "trailers")],
                    frame(b'{"text":"gj"}'))
        self.assertEqual(r.headers["content-type"], "application/grpc+json")
        self.assertEqual(json.loads(frames(r.body)[0][1]), {"text": "gj"})
        self.assertEqual(r.trailers["grpc-status"], "0")
        r = request(S.port, "POST", "/echo.Echo/Unary",
                    [("content-type", "application/grpc+json"), ("te", "trailers")],
                    frame(b'{"text":1}'))
        self.assertEqual(r.headers["grpc-status"], "3")

    def test_oversized(self):
        r = request(SMALL.port, "POST", "/echo.Echo/Unary",
                    [("content-type", "application/grpc-web")], frame(req(text="a" * 8000)))
        self.assertEqual(r.headers.get("grpc-status"), "8")


class Cors(unittest.TestCase):
    def test_preflight(self):
        r = request(S.port, "OPTIONS", "/echo.Echo/Unary",
                    [("origin", ORIGIN), ("access-control-request-method", "POST"),
                     ("access-control-request-headers", "content-type,connect-protocol-version")])
        self.assertEqual(r.status, "204")
        h = r.headers
        self.assertEqual(h["access-control-allow-origin"], ORIGIN)
        self.assertIn("POST", h["access-control-allow-methods"])
        allowed = [x.strip() for x in h["access-control-allow-headers"].split(",")]
        for name in ("content-type", "connect-protocol-version", "connect-timeout-ms",
                     "x-grpc-web", "x-user-agent", "grpc-timeout", "x-echo-allowed"):
            self.assertIn(name, allowed)
        self.assertEqual(h["access-control-max-age"], "600")
        self.assertEqual(h["vary"], "Origin")

    def test_other_origin(self):
        r = request(S.port, "OPTIONS", "/echo.Echo/Unary",
                    [("origin", "https://evil.example"), ("access-control-request-method", "POST")])
        self.assertEqual(r.status, "204")
        self.assertNotIn("access-control-allow-origin", r.headers)
        r = request(S.port, "POST", "/echo.Echo/Unary", [CT_JSON, ("origin", "https://evil.example")],
                    b"{}")
        self.assertEqual(r.status, "200")
        self.assertNotIn("access-control-allow-origin", r.headers)

    def test_headers_on_answers(self):
        for ct, body in ((CT_JSON, b'{"text":"c"}'),
                         (("content-type", "application/grpc-web"), frame(req(text="c"))),
                         (CT_JSON, b'{"code":5}'),
                         (("content-type", "application/grpc-web"), frame(req(code=5)))):
            r = request(S.port, "POST", "/echo.Echo/Unary", [ct, ("origin", ORIGIN)], body)
            h = r.headers
            self.assertEqual(h["access-control-allow-origin"], ORIGIN)
            exposed = [x.strip() for x in h["access-control-expose-headers"].split(",")]
            for name in ("grpc-status", "grpc-message", "grpc-status-details-bin",
                         "x-echo-exposed"):
                self.assertIn(name, exposed)
            self.assertEqual(h["vary"], "Origin")
        r = request(S.port, "POST", "/echo.Echo/Unary", [("content-type", "text/plain"),
                                                         ("origin", ORIGIN)], b"x")
        self.assertEqual((r.status, r.headers["access-control-allow-origin"]), ("415", ORIGIN))

    def test_no_cors_configured(self):
        r = request(GRPC_ONLY.port, "OPTIONS", "/echo.Echo/Unary",
                    [("origin", ORIGIN), ("access-control-request-method", "POST")])
        self.assertEqual(r.status, "405")
        r = request(SMALL.port, "OPTIONS", "/echo.Echo/Unary",
                    [("origin", ORIGIN), ("access-control-request-method", "POST")])
        self.assertEqual(r.status, "405")
        r = request(SMALL.port, "POST", "/echo.Echo/Unary", [CT_JSON, ("origin", ORIGIN)], b"{}")
        self.assertEqual(r.status, "200")
        self.assertFalse([k for k in r.headers if k.startswith("access-control")])


class GrpcOnly(unittest.TestCase):
    def test_refused(self):
        for ct in ("application/json", "application/proto", "application/grpc-web",
                   "application/grpc-web-text", "application/connect+json"):
            r = request(GRPC_ONLY.port, "POST", "/echo.Echo/Unary", [("content-type", ct)], b"{}")
            self.assertEqual(r.status, "415", ct)
        r = request(GRPC_ONLY.port, "GET", "/echo.Echo/Unary?encoding=json&message=%7B%7D")
        self.assertEqual(r.status, "405")
        r = request(GRPC_ONLY.port, "POST", "/echo.Echo/Unary",
                    [("content-type", "application/grpc"), ("te", "trailers")],
                    frame(req(text="still grpc")))
        self.assertEqual(reply(frames(r.body)[0][1]).text, "still grpc")
        self.assertEqual(r.trailers["grpc-status"], "0")


if __name__ == "__main__":
    S = Server("cors=" + ORIGIN)
    GRPC_ONLY = Server("grpc_only=1")
    SMALL = Server("max_recv_message_size=4096")
    try:
        ok = unittest.main(exit=False, verbosity=2).result.wasSuccessful()
    finally:
        for s in (S, GRPC_ONLY, SMALL):
            s.stop()
    sys.exit(0 if ok else 1)
