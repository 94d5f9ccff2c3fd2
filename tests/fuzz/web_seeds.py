#!/usr/bin/env python3
"""Seeds for fuzz_server_input in the web protocols (docs/web.md): a client's
bytes from the preface on, one request each, built with
tests/hostile/h2raw.py.  Usage: web_seeds.py OUT_DIR (tests/fuzz/corpus/
server_input).  EchoRequest is hand-encoded (fields 1 text, 3 count, 4 code,
5 mode): no generated Python needed."""
import base64
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "hostile"))
import h2raw  # noqa: E402

OUT = sys.argv[1]


def pb_str(field, s):
    b = s.encode()
    return bytes([field << 3 | 2, len(b)]) + b


def pb_int(field, v):
    return bytes([field << 3, v])


def frame(payload, flags=0):
    return bytes([flags]) + struct.pack(">I", len(payload)) + payload


def seed(name, method, path, headers, body=b"", chunks=None):
    fields = [(":method", method), (":scheme", "http"), (":path", path),
              (":authority", "localhost")] + headers
    parts = chunks if chunks is not None else ([body] if body else [])
    out = h2raw.PREFACE + h2raw.settings() + \
        h2raw.header_frames(1, h2raw.hp_block(fields), end_stream=not parts)
    for i, p in enumerate(parts):
        out += h2raw.data(1, p, end=i == len(parts) - 1)
    with open(os.path.join(OUT, "web_" + name), "wb") as f:
        f.write(out)


ct = lambda v: ("content-type", v)  # noqa: E731
seed("connect_json", "POST", "/echo.Echo/Unary",
     [ct("application/json"), ("connect-protocol-version", "1"),
      ("connect-timeout-ms", "5000")], b'{"text":"hi","count":2,"mode":"metadata"}')
seed("connect_proto_error", "POST", "/echo.Echo/Unary", [ct("application/proto")],
     pb_str(1, "no") + pb_int(4, 5))
seed("connect_get", "GET", "/echo.Echo/Unary?connect=v1&encoding=json&message=%7B%22text%22%3A%22g%22%7D",
     [])
seed("connect_get_b64", "GET", "/echo.Echo/Unary?encoding=proto&base64=1&message=" +
     base64.urlsafe_b64encode(pb_str(1, "b")).decode().rstrip("="), [])
seed("connect_stream_json", "POST", "/echo.Echo/ServerStream",
     [ct("application/connect+json")], frame(b'{"text":"s","count":3}'))
seed("connect_bidi_proto", "POST", "/echo.Echo/Bidi", [ct("application/connect+proto")],
     frame(pb_str(1, "a")) + frame(pb_str(1, "b")))
seed("grpc_web", "POST", "/echo.Echo/ServerStream",
     [ct("application/grpc-web+proto"), ("x-grpc-web", "1")],
     frame(pb_str(1, "w") + pb_int(3, 2)))
data = frame(pb_str(1, "t"))
seed("grpc_web_text", "POST", "/echo.Echo/Unary", [ct("application/grpc-web-text")],
     chunks=[base64.b64encode(data[:4]), base64.b64encode(data[4:])])
seed("grpc_json", "POST", "/echo.Echo/Unary", [ct("application/grpc+json"), ("te", "trailers")],
     frame(b'{"text":"j"}'))
seed("options", "OPTIONS", "/echo.Echo/Unary",
     [("origin", "https://a.example"), ("access-control-request-method", "POST")])
