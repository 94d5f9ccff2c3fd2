#!/usr/bin/env python3
"""HTTP/1.1 on the server's port (runtime/server/h1.c, docs/http1.md), from
raw sockets, curl and grpcio.

Usage: h1_test.py ECHO_SERVER GREETER_SERVER GEN_CERTS PB_DIR CASE

ECHO_SERVER is tests/runtime's trpc_echo_server (options as key=value);
GREETER_SERVER the hello-world example (TLS flags).  Each CASE is one ctest:

  basic      GET -> 405, Connect JSON -> 200, text/plain -> 415, gRPC unary (body chunked, grpc-status in
             the chunked trailers), a gRPC error (trailers-only -> headers),
             keep-alive, Connection: close, HTTP/1.0, absolute-form target
  pipeline   three requests in one write, answered in order
  chunked    a chunked request body, a server-streaming response, 1 MiB both
             ways with content-length and chunked (flow control)
  continue   Expect: 100-continue
  smuggling  every variant refused with 400 (or 501), the connection closed,
             nothing forwarded; the server keeps serving
  limits     431 for a long request line and a long header section; a
             slow-loris closed by the handshake timeout (408); the idle timeout
  mixed      an HTTP/1.1 and an HTTP/2 client (grpcio) at once on one port;
             max_connections counts an HTTP/1.1 connection once
  tls        one TLS port: ALPN http/1.1, no ALPN, and h2 (grpcio)
  curl       curl --http1.1: gRPC, a body over 1 KiB (curl's Expect), GET
  shutdown   a graceful shutdown: the call in flight answered, then closed;
             an idle keep-alive connection closed
"""
import json
import os
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

ECHO, GREETER, GEN_CERTS, PB_DIR, CASE = sys.argv[1:6]
sys.path.insert(0, PB_DIR)
PYTHON_OK = True


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check(cond, msg):
    print(("ok:   " if cond else "FAIL: ") + msg)
    if not cond:
        sys.exit(1)


# ---- servers ------------------------------------------------------------------------------

class Echo:
    """trpc_echo_server in a child process."""

    def __init__(self, opts=()):
        self.err = tempfile.TemporaryFile()
        self.p = subprocess.Popen([ECHO, "127.0.0.1:0", "workers=1"] + list(opts),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=self.err, text=True)
        line = self.p.stdout.readline()
        assert line.startswith("PORT "), line
        self.port = int(line.split()[1])

    def stop(self):
        self.p.stdin.close()
        rc = self.p.wait(timeout=60)
        self.err.seek(0)
        log = self.err.read()
        check(rc == 0, "the server exits cleanly (rc %d) %r" % (rc, log[-2000:]))


# ---- protobuf and gRPC framing by hand (echo.EchoRequest / EchoReply) -----------------------

def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field(num, value):
    if isinstance(value, int):
        return varint(num << 3) + varint(value)
    return varint(num << 3 | 2) + varint(len(value)) + value


def echo_request(text=b"", payload=b"", count=0, code=0, mode=b"", sleep_ms=0):
    m = b""
    if text:
        m += field(1, text)
    if payload:
        m += field(2, payload)
    if count:
        m += field(3, count)
    if code:
        m += field(4, code)
    if mode:
        m += field(5, mode)
    if sleep_ms:
        m += field(6, sleep_ms)
    return m


def parse_fields(m):
    """{field number: [values]} of a message (varints and length-delimited)."""
    out, i = {}, 0
    while i < len(m):
        key, i = read_varint(m, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(m, i)
        elif wt == 2:
            n, i = read_varint(m, i)
            v, i = m[i:i + n], i + n
        else:
            raise ValueError("wire type %d" % wt)
        out.setdefault(num, []).append(v)
    return out


def read_varint(m, i):
    n = shift = 0
    while True:
        b = m[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def grpc_frame(msg):
    return struct.pack(">BI", 0, len(msg)) + msg


def grpc_messages(body):
    out, i = [], 0
    while i + 5 <= len(body):
        flag, n = struct.unpack(">BI", body[i:i + 5])
        out.append(body[i + 5:i + 5 + n])
        i += 5 + n
    assert i == len(body), "a partial gRPC message in the body"
    return out


# ---- HTTP/1.1 by hand ---------------------------------------------------------------------

def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class Reader:
    """Reads HTTP/1.1 responses off a socket."""

    def __init__(self, s):
        self.s = s
        self.buf = b""
        self.eof = False

    def fill(self):
        if self.eof:
            return False
        try:
            b = self.s.recv(65536)
        except ConnectionResetError:
            b = b""
        if not b:
            self.eof = True
            return False
        self.buf += b
        return True

    def line(self):
        while b"\r\n" not in self.buf:
            if not self.fill():
                raise EOFError("EOF in a line: %r" % self.buf)
        ln, self.buf = self.buf.split(b"\r\n", 1)
        return ln

    def take(self, n):
        while len(self.buf) < n:
            if not self.fill():
                raise EOFError("EOF in a body")
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def fields(self):
        out = []
        while True:
            ln = self.line()
            if not ln:
                return out
            name, value = ln.split(b":", 1)
            assert name == name.strip() and name.lower() == name, "header name %r" % name
            out.append((name.decode(), value.strip().decode()))

    def response(self, head=False):
        """(status, headers dict, body, trailers dict, raw framing)."""
        status_line = self.line()
        parts = status_line.split(b" ", 2)
        assert parts[0] == b"HTTP/1.1", status_line
        status = int(parts[1])
        hdrs = self.fields()
        h = dict(hdrs)
        body, trailers, framing = b"", {}, "none"
        if head or status in (100, 204, 304):
            pass
        elif "content-length" in h:
            framing = "length"
            body = self.take(int(h["content-length"]))
        elif h.get("transfer-encoding") == "chunked":
            framing = "chunked"
            while True:
                n = int(self.line(), 16)
                if n == 0:
                    break
                body += self.take(n)
                assert self.take(2) == b"\r\n"
            trailers = dict(self.fields())
        else:
            framing = "close"
            while self.fill():
                pass
            body, self.buf = self.buf, b""
        return status, h, body, trailers, framing

    def closed(self, timeout=10):
        """True when the server closes with nothing more to say."""
        self.s.settimeout(timeout)
        try:
            while self.fill():
                pass
        except socket.timeout:
            return False
        return self.buf == b""


def request(method, path, headers=(), body=b"", version="HTTP/1.1", host="x"):
    h = "%s %s %s\r\n" % (method, path, version)
    if host is not None:
        h += "Host: %s\r\n" % host
    for k, v in headers:
        h += "%s: %s\r\n" % (k, v)
    if body and not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in headers):
        h += "Content-Length: %d\r\n" % len(body)
    return h.encode() + b"\r\n" + body


GRPC = [("Content-Type", "application/grpc"), ("TE", "trailers")]


def grpc_unary(path="/echo.Echo/Unary", **kw):
    return request("POST", path, GRPC, grpc_frame(echo_request(**kw)))


def one(port, raw):
    """Sends raw on a new connection; every response until the close."""
    s = connect(port)
    s.sendall(raw)
    r = Reader(s)
    out = []
    try:
        while True:
            out.append(r.response())
    except EOFError:
        pass
    s.close()
    return out, r


def check_grpc_ok(resp, text):
    st, h, body, tr, framing = resp
    check(st == 200 and h.get("content-type") == "application/grpc",
          "gRPC over HTTP/1.1: 200 application/grpc (%d %r)" % (st, h))
    check(framing == "chunked" and tr.get("grpc-status") == "0",
          "the body chunked, grpc-status 0 in the chunked trailers (%s, %r)" % (framing, tr))
    msgs = grpc_messages(body)
    check(len(msgs) == 1 and parse_fields(msgs[0]).get(1) == [text],
          "the reply echoes %r" % text)


# ---- cases --------------------------------------------------------------------------------

def case_basic():
    srv = Echo()
    s = connect(srv.port)
    r = Reader(s)
    # several requests on one connection (keep-alive is HTTP/1.1's default)
    s.sendall(request("GET", "/echo.Echo/Unary"))
    st, h, body, _, _ = r.response()
    check(st == 405, "GET -> 405 (%d)" % st)
    check(not any(k.startswith(":") for k in h), "no pseudo-headers in the response")
    # Connect's JSON unary over HTTP/1.1 (the web protocols, docs/web.md)
    s.sendall(request("POST", "/echo.Echo/Unary", [("Content-Type", "application/json")],
                      b'{"text":"hi"}'))
    st, h, body, _, _ = r.response()
    check(st == 200 and h.get("content-type") == "application/json"
          and json.loads(body).get("text") == "hi",
          "a Connect JSON POST -> 200 and the echo (%d %r)" % (st, body))
    s.sendall(request("POST", "/echo.Echo/Unary", [("Content-Type", "text/plain")], b"x"))
    st, h, body, _, _ = r.response()
    check(st == 415, "an unknown content type -> 415 (%d)" % st)
    s.sendall(grpc_unary(text=b"hello"))
    check_grpc_ok(r.response(), b"hello")
    # a gRPC error: trailers-only, so its status is in the headers
    s.sendall(grpc_unary(text=b"nope", code=5))
    st, h, body, tr, framing = r.response()
    check(st == 200 and h.get("grpc-status") == "5" and h.get("grpc-message") == "nope"
          and body == b"" and framing == "length",
          "a gRPC error: grpc-status 5 in the headers, content-length 0 (%r)" % h)
    # a HEAD request has no body
    s.sendall(request("HEAD", "/echo.Echo/Unary"))
    st, h, body, _, _ = r.response(head=True)
    check(st == 405, "HEAD -> 405 without a body (%d)" % st)
    # absolute-form: the target's authority and path
    s.sendall(request("POST", "http://example.test:80/echo.Echo/Unary", GRPC,
                      grpc_frame(echo_request(text=b"abs"))))
    check_grpc_ok(r.response(), b"abs")
    # Upgrade: h2c is ignored: served over HTTP/1.1
    s.sendall(request("POST", "/echo.Echo/Unary", GRPC + [
        ("Connection", "Upgrade, HTTP2-Settings"), ("Upgrade", "h2c"),
        ("HTTP2-Settings", "AAMAAABkAAQAAP__")], grpc_frame(echo_request(text=b"no upgrade"))))
    check_grpc_ok(r.response(), b"no upgrade")
    s.sendall(request("GET", "/", [("Connection", "Upgrade"), ("Upgrade", "h2c")]))
    check(r.response()[0] == 405, "a GET with Upgrade: h2c answered over HTTP/1.1")
    # an unknown method still goes to the server
    s.sendall(request("POST", "/echo.Echo/NoSuchMethod", GRPC, grpc_frame(b"")))
    st, h, _, tr, _ = r.response()
    check(st == 200 and (h.get("grpc-status") or tr.get("grpc-status")) == "12",
          "an unknown method: UNIMPLEMENTED (%r %r)" % (h, tr))
    # Connection: close: the answer says so and the connection ends
    s.sendall(request("POST", "/echo.Echo/Unary", GRPC + [("Connection", "close")],
                      grpc_frame(echo_request(text=b"last"))))
    resp = r.response()
    check_grpc_ok(resp, b"last")
    check(resp[1].get("connection") == "close", "Connection: close is answered with it")
    check(r.closed(), "the connection closes after it")
    s.close()
    check_grpc_ok(half_close(srv.port), b"half")
    # HTTP/1.0: closes unless keep-alive; no chunked (the body ends at the close)
    out, r = one(srv.port, request("GET", "/", version="HTTP/1.0", host=None))
    check(len(out) == 1 and out[0][0] == 405, "HTTP/1.0 GET answered, then closed")
    out, r = one(srv.port, request("POST", "/echo.Echo/Unary", GRPC,
                                   grpc_frame(echo_request(text=b"ten")), version="HTTP/1.0"))
    check(len(out) == 1 and out[0][4] == "close" and
          parse_fields(grpc_messages(out[0][2])[0]).get(1) == [b"ten"],
          "HTTP/1.0 gRPC: the body delimited by the close (%r)" % (out[:1],))
    s = connect(srv.port)
    r = Reader(s)
    for i in range(2):
        s.sendall(request("GET", "/", [("Connection", "keep-alive")], version="HTTP/1.0"))
        st, h, _, _, _ = r.response()
        check(st == 405 and h.get("connection") == "keep-alive",
              "HTTP/1.0 keep-alive: answer %d kept alive" % i)
    s.close()
    srv.stop()


def half_close(port):
    """A request, then shutdown(SHUT_WR): still answered."""
    s = connect(port)
    s.sendall(grpc_unary(text=b"half", mode=b"defer", sleep_ms=200))
    s.shutdown(socket.SHUT_WR)
    r = Reader(s)
    resp = r.response()
    s.close()
    return resp


def case_pipeline():
    srv = Echo()
    s = connect(srv.port)
    s.sendall(grpc_unary(text=b"one") + request("GET", "/x") + grpc_unary(text=b"three"))
    r = Reader(s)
    check_grpc_ok(r.response(), b"one")
    check(r.response()[0] == 405, "the second pipelined request answered second")
    check_grpc_ok(r.response(), b"three")
    # a slow handler first: the answers still come in order
    s.sendall(grpc_unary(text=b"slow", mode=b"defer", sleep_ms=300) + grpc_unary(text=b"fast"))
    check_grpc_ok(r.response(), b"slow")
    check_grpc_ok(r.response(), b"fast")
    s.close()
    srv.stop()


def chunk(data, size):
    out = b""
    for i in range(0, len(data), size):
        part = data[i:i + size]
        out += b"%x\r\n" % len(part) + part + b"\r\n"
    return out + b"0\r\n\r\n"


def case_chunked():
    srv = Echo()
    s = connect(srv.port)
    r = Reader(s)
    frame = grpc_frame(echo_request(text=b"in chunks"))
    s.sendall(request("POST", "/echo.Echo/Unary", GRPC + [("Transfer-Encoding", "chunked")])
              + chunk(frame, 3))
    check_grpc_ok(r.response(), b"in chunks")
    # chunks with extensions, and a trailer section (not forwarded)
    s.sendall(request("POST", "/echo.Echo/Unary", GRPC + [("Transfer-Encoding", "chunked")])
              + b"%x;ext=1\r\n" % len(frame) + frame + b"\r\n0\r\nX-Trailer: y\r\n\r\n")
    check_grpc_ok(r.response(), b"in chunks")
    # server streaming: three replies, then the trailers
    s.sendall(request("POST", "/echo.Echo/ServerStream", GRPC,
                      grpc_frame(echo_request(text=b"s", count=3))))
    st, h, body, tr, framing = r.response()
    msgs = grpc_messages(body)
    check(st == 200 and framing == "chunked" and len(msgs) == 3 and tr.get("grpc-status") == "0",
          "server streaming: 3 messages, then grpc-status in the trailers (%d, %r)"
          % (len(msgs), tr))
    # 1 MiB each way, content-length then chunked, sent while reading
    big = os.urandom(1 << 20)
    for te in (False, True):
        frame = grpc_frame(echo_request(payload=big))
        if te:
            raw = request("POST", "/echo.Echo/Unary", GRPC + [("Transfer-Encoding", "chunked")]) \
                + chunk(frame, 100000)
        else:
            raw = request("POST", "/echo.Echo/Unary", GRPC, frame)
        t = threading.Thread(target=s.sendall, args=(raw,))
        t.start()
        st, h, body, tr, framing = r.response()
        t.join()
        msgs = grpc_messages(body)
        check(st == 200 and tr.get("grpc-status") == "0" and len(msgs) == 1 and
              parse_fields(msgs[0]).get(2) == [big],
              "1 MiB echoed (%s request body)" % ("chunked" if te else "content-length"))
    s.close()
    srv.stop()


def case_continue():
    srv = Echo()
    s = connect(srv.port)
    r = Reader(s)
    frame = grpc_frame(echo_request(text=b"after continue"))
    head = request("POST", "/echo.Echo/Unary", GRPC + [("Expect", "100-continue"),
                                                       ("Content-Length", str(len(frame)))])
    s.sendall(head)
    st, h, _, _, _ = r.response()
    check(st == 100, "Expect: 100-continue -> 100 Continue before the body (%d)" % st)
    s.sendall(frame)
    check_grpc_ok(r.response(), b"after continue")
    s.sendall(request("POST", "/", [("Expect", "something-else"), ("Content-Length", "1")], b"x"))
    check(r.response()[0] == 417, "another expectation -> 417")
    s.close()
    srv.stop()


def case_smuggling():
    srv = Echo()
    good = grpc_frame(echo_request(text=b"hidden"))
    n = len(good)
    hidden = grpc_unary(text=b"smuggled")
    variants = {
        "Content-Length and Transfer-Encoding":
            b"POST /echo.Echo/Unary HTTP/1.1\r\nHost: x\r\nContent-Type: application/grpc\r\n"
            b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n" % n + chunk(good, n)
            + hidden,
        "Transfer-Encoding and Content-Length":
            b"POST /echo.Echo/Unary HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Length: 4\r\n\r\n" + chunk(good, n) + hidden,
        "two different Content-Lengths":
            b"POST /echo.Echo/Unary HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n"
            b"Content-Length: 0\r\n\r\n" % n + good + hidden,
        "two equal Content-Lengths":
            b"POST /echo.Echo/Unary HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n"
            b"Content-Length: %d\r\n\r\n" % (n, n) + good + hidden,
        "Content-Length list":
            b"POST /echo.Echo/Unary HTTP/1.1\r\nHost: x\r\nContent-Length: %d, %d\r\n\r\n"
            % (n, n) + good + hidden,
        "Transfer-Encoding gzip":
            b"POST /echo.Echo/Unary HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"
            + hidden,
        "Transfer-Encoding chunked, gzip":
            b"POST /echo.Echo/Unary HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n"
            b"\r\n" + chunk(good, n),
        "Transfer-Encoding gzip, chunked (not supported)":
            b"POST /echo.Echo/Unary HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n"
            b"\r\n" + chunk(good, n),
        "Transfer-Encoding xchunked":
            b"POST /echo.Echo/Unary HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n"
            + chunk(good, n),
        "two Transfer-Encodings":
            b"POST /echo.Echo/Unary HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + chunk(good, n),
        "space before the colon":
            b"POST /echo.Echo/Unary HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n"
            b"Content-Length: %d\r\n\r\n" % n + good,
        "Transfer-Encoding in HTTP/1.0":
            b"POST /echo.Echo/Unary HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
            + chunk(good, n),
        "bad chunk size":
            b"POST /echo.Echo/Unary HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"zz\r\n" + good + b"\r\n0\r\n\r\n",
        "chunk size overflow":
            b"POST /echo.Echo/Unary HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"fffffffffffffffff1\r\n" + good + b"\r\n0\r\n\r\n",
        "negative Content-Length":
            b"POST /echo.Echo/Unary HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n" + good,
        "bare LF line endings":
            b"POST /echo.Echo/Unary HTTP/1.1\nHost: x\nContent-Length: %d\n\n" % n + good,
        "a bare LF in the header section":
            b"POST /echo.Echo/Unary HTTP/1.1\r\nHost: x\nContent-Length: %d\r\n\r\n" % n + good,
        "a bare CR":
            b"POST /echo.Echo/Unary HTTP/1.1\r\nHost: x\rContent-Length: %d\r\n\r\n" % n + good,
        "obs-fold":
            b"POST /echo.Echo/Unary HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n"
            b" 0\r\n\r\n" % n + good,
        "obs-fold of Transfer-Encoding":
            b"POST /echo.Echo/Unary HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n"
            b"Content-Length: %d\r\n\r\n" % n + good,
        "a space in a header name":
            b"GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n",
        "a control byte in a value":
            b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n",
        "a NUL in a value":
            b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n",
        "a byte above 0x7f in a name":
            b"GET / HTTP/1.1\r\nHost: x\r\nX-\xc3\xa9: y\r\n\r\n",
        "no Host in HTTP/1.1":
            b"GET / HTTP/1.1\r\nX-A: b\r\n\r\n",
        "two Hosts":
            b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "a bad method":
            b"G\x01T / HTTP/1.1\r\nHost: x\r\n\r\n",
        "HTTP/2.0 in a request line":
            b"GET / HTTP/2.0\r\nHost: x\r\n\r\n",
        "not HTTP at all":
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,
        "leading whitespace before the request line":
            b" GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "CONNECT":
            b"CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n",
    }
    bad = []
    for name, raw in variants.items():
        out, r = one(srv.port, raw)
        codes = [o[0] for o in out]
        ok = len(codes) == 1 and codes[0] in (400, 501, 505, 405) and r.buf == b""
        closes = all(o[1].get("connection") == "close" for o in out)
        print("%-4s %-45s %s" % ("ok" if ok and closes else "BAD", name, codes))
        if not (ok and closes):
            bad.append(name)
    check(not bad, "every smuggling variant refused, the connection closed: %r" % bad)
    # the server still serves, on a fresh connection
    out, _ = one(srv.port, grpc_unary(text=b"still", ) .replace(b"TE: trailers",
                                                               b"Connection: close"))
    check(len(out) == 1, "still serving")
    check_grpc_ok(out[0], b"still")
    srv.stop()


def case_limits():
    srv = Echo(["handshake_timeout_ms=1000", "idle_timeout_ms=1500"])
    # the default max_header_list_size is 16 KiB
    out, r = one(srv.port, b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    check([o[0] for o in out] == [431], "a 20 KB request line -> 431 and closed (%r)"
          % [o[0] for o in out])
    out, r = one(srv.port, b"GET / HTTP/1.1\r\nHost: x\r\n" +
                 b"".join(b"X-%d: %s\r\n" % (i, b"v" * 100) for i in range(200)) + b"\r\n")
    check([o[0] for o in out] == [431], "a 20 KB header section -> 431 and closed")
    # just under the limit is fine
    out, r = one(srv.port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-A: " +
                 b"v" * 8000 + b"\r\n\r\n")
    check([o[0] for o in out] == [405], "an 8 KB header passes (%r)" % [o[0] for o in out])
    # slow-loris: a header section a byte every 200 ms, the deadline 1 s
    s = connect(srv.port)
    raw = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"z" * 100 + b"\r\n\r\n"
    t0 = time.monotonic()
    closed = False
    got = b""
    for b in raw:
        try:
            s.sendall(bytes([b]))
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
        s.settimeout(0.2)
        try:
            d = s.recv(65536)
            got += d
            if not d:
                closed = True
                break
        except socket.timeout:
            pass
        except ConnectionResetError:
            closed = True
            break
    check(closed and got.startswith(b"HTTP/1.1 408 "),
          "a slow-loris on HTTP/1.1 answered 408 and closed after %.1f s (%r)"
          % (time.monotonic() - t0, got[:40]))
    s.close()
    # idle keep-alive connection: closed by the idle timeout (GOAWAY inside)
    s = connect(srv.port)
    s.sendall(request("GET", "/"))
    r = Reader(s)
    check(r.response()[0] == 405, "a request, then idle")
    t0 = time.monotonic()
    check(r.closed(timeout=20), "the idle connection is closed by the server")
    print("idle close after %.1f s" % (time.monotonic() - t0))
    s.close()
    srv.stop()


def case_mixed():
    import grpc
    import echo_pb2
    srv = Echo(["max_connections=3"])
    h1 = connect(srv.port)
    h1.sendall(b"POST /echo.Echo/Unary HTTP/1.1\r\nHost: x\r\n")  # a head half sent
    ch = grpc.insecure_channel("127.0.0.1:%d" % srv.port)
    unary = ch.unary_unary("/echo.Echo/Unary",
                           request_serializer=echo_pb2.EchoRequest.SerializeToString,
                           response_deserializer=echo_pb2.EchoReply.FromString)
    rep = unary(echo_pb2.EchoRequest(text="over h2"), timeout=30)
    check(rep.text == "over h2", "grpcio (HTTP/2) on the port while HTTP/1.1 is mid-request")
    frame = grpc_frame(echo_request(text=b"over h1"))
    h1.sendall(b"Content-Type: application/grpc\r\nContent-Length: %d\r\n\r\n" % len(frame)
               + frame)
    r = Reader(h1)
    check_grpc_ok(r.response(), b"over h1")
    rep = unary(echo_pb2.EchoRequest(text="again"), timeout=30)
    check(rep.text == "again", "grpcio again")
    # max_connections=3: grpcio's and h1's and one more; a fourth waits
    third = connect(srv.port)
    third.sendall(request("GET", "/"))
    check(Reader(third).response()[0] == 405, "a third connection is served")
    fourth = connect(srv.port)
    fourth.sendall(request("GET", "/"))
    fourth.settimeout(1.5)
    try:
        d = fourth.recv(100)
        waited = False
    except socket.timeout:
        waited = True
    check(waited, "a fourth connection waits (max_connections=3: each HTTP/1.1 "
          "connection counts once)")
    third.close()
    fourth.settimeout(30)
    check(Reader(fourth).response()[0] == 405, "answered once the third closed")
    fourth.close()
    h1.close()
    ch.close()
    srv.stop()


def case_shutdown():
    srv = Echo()
    idle = connect(srv.port)
    idle.sendall(request("GET", "/"))
    ri = Reader(idle)
    check(ri.response()[0] == 405, "a keep-alive connection, idle")
    busy = connect(srv.port)
    rb = Reader(busy)
    busy.sendall(grpc_unary(text=b"in flight", mode=b"defer", sleep_ms=700))
    time.sleep(0.2)
    srv.p.stdin.close()  # graceful shutdown: GOAWAY inside, calls may finish
    resp = rb.response()
    check_grpc_ok(resp, b"in flight")
    check(rb.closed(), "the busy connection closes after its response")
    check(ri.closed(), "the idle connection is closed by the shutdown")
    rc = srv.p.wait(timeout=60)
    check(rc == 0, "the server exits cleanly")


def start_greeter(args):
    log = tempfile.TemporaryFile(mode="w+")
    p = subprocess.Popen([GREETER, "--listen", "127.0.0.1:0", "--workers", "1"] + args,
                         stdout=log, stderr=subprocess.STDOUT, text=True)
    for _ in range(100):
        log.seek(0)
        for line in log.read().splitlines():
            if line.startswith("greeter_server: listening on "):
                return p, int(line.split(":")[2].split()[0]), log
        if p.poll() is not None:
            fail("greeter_server exited")
        time.sleep(0.1)
    fail("greeter_server did not start")


def hello_request(name):
    return request("POST", "/helloworld.Greeter/SayHello",
                   GRPC + [("Connection", "close")], grpc_frame(field(1, name)))


def case_tls():
    import grpc
    import helloworld_pb2
    d = tempfile.mkdtemp()
    subprocess.run(["bash", GEN_CERTS, d], check=True, capture_output=True)
    p, port, log = start_greeter(["--tls-cert", os.path.join(d, "server.pem"),
                                  "--tls-key", os.path.join(d, "server.key")])
    try:
        for alpn in (["http/1.1"], ["h2", "http/1.1"], None):
            ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.pem"))
            if alpn:
                ctx.set_alpn_protocols(alpn)
            raw = socket.create_connection(("127.0.0.1", port), timeout=30)
            s = ctx.wrap_socket(raw, server_hostname="localhost")
            got = s.selected_alpn_protocol()
            if alpn == ["h2", "http/1.1"]:
                check(got == "h2", "offered h2 and http/1.1: the server prefers h2")
                s.close()
                continue
            check(got == (alpn[0] if alpn else None), "ALPN settled on %r" % got)
            s.sendall(hello_request(b"tls"))
            r = Reader(s)
            st, h, body, tr, framing = r.response()
            msgs = grpc_messages(body)
            check(st == 200 and tr.get("grpc-status") == "0" and
                  parse_fields(msgs[0]).get(1) == [b"Hello tls"],
                  "HTTP/1.1 over TLS (ALPN %r): %r" % (alpn, msgs))
            s.close()
        creds = grpc.ssl_channel_credentials(
            root_certificates=open(os.path.join(d, "ca.pem"), "rb").read())
        ch = grpc.secure_channel("localhost:%d" % port, creds)
        say = ch.unary_unary("/helloworld.Greeter/SayHello",
                             request_serializer=helloworld_pb2.HelloRequest.SerializeToString,
                             response_deserializer=helloworld_pb2.HelloReply.FromString)
        rep = say(helloworld_pb2.HelloRequest(name="h2"), timeout=30)
        check(rep.message == "Hello h2", "grpcio over TLS (ALPN h2) on the same port")
        ch.close()
        r = subprocess.run(["curl", "-sS", "--http1.1", "--cacert", os.path.join(d, "ca.pem"),
                            "-o", "/dev/null", "-w", "%{http_code} %{http_version}",
                            "https://localhost:%d/helloworld.Greeter/SayHello" % port],
                           capture_output=True, text=True, timeout=60)
        check(r.stdout == "405 1.1", "curl --http1.1 over TLS: %r %r" % (r.stdout, r.stderr))
    finally:
        p.terminate()
        p.wait(timeout=30)
    # mutual TLS: the handler sees the client certificate's identity over
    # HTTP/1.1 as over HTTP/2
    p, port, log = start_greeter(["--tls-cert", os.path.join(d, "server.pem"),
                                  "--tls-key", os.path.join(d, "server.key"),
                                  "--tls-client-ca", os.path.join(d, "ca.pem")])
    try:
        ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.pem"))
        ctx.load_cert_chain(os.path.join(d, "client.pem"), os.path.join(d, "client.key"))
        ctx.set_alpn_protocols(["http/1.1"])
        s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=30),
                            server_hostname="localhost")
        s.sendall(hello_request(b"alice"))
        st, h, body, tr, framing = Reader(s).response()
        msgs = grpc_messages(body)
        check(st == 200 and msgs and parse_fields(msgs[0]).get(1) ==
              [b"Hello alice (client O=typerpc tests,CN=alice)"],
              "mutual TLS over HTTP/1.1: the handler sees the client's identity (%r)" % msgs)
        s.close()
    finally:
        p.terminate()
        p.wait(timeout=30)


def case_curl():
    srv = Echo()
    url = "http://127.0.0.1:%d/echo.Echo/Unary" % srv.port
    d = tempfile.mkdtemp()
    for size in (10, 5000, 300000):  # curl sends Expect: 100-continue past 1 KiB
        req = os.path.join(d, "req")
        with open(req, "wb") as f:
            f.write(grpc_frame(echo_request(text=b"curl", payload=b"p" * size)))
        out = os.path.join(d, "out")
        hdr = os.path.join(d, "hdr")
        r = subprocess.run(["curl", "-sS", "-v", "--http1.1", "-H", "content-type: application/grpc",
                            "-H", "te: trailers", "--data-binary", "@" + req, "-o", out,
                            "-D", hdr, "-w", "%{http_code}", url],
                           capture_output=True, text=True, timeout=60)
        body = open(out, "rb").read()
        msgs = grpc_messages(body) if body else []
        expect_seen = "Expect: 100-continue" in r.stderr
        check(r.stdout == "200" and len(msgs) == 1 and
              parse_fields(msgs[0]).get(2) == [b"p" * size],
              "curl --http1.1, a %d-byte payload echoed%s" %
              (size, " (through Expect: 100-continue)" if expect_seen else ""))
        dump = open(hdr).read()
        check(dump.rstrip().endswith("grpc-status: 0") and "transfer-encoding: chunked" in dump,
              "curl's header dump ends with the trailer grpc-status: 0")
    r = subprocess.run(["curl", "-sS", "--http1.1", "-o", "/dev/null", "-w", "%{http_code}", url],
                       capture_output=True, text=True, timeout=60)
    check(r.stdout == "405", "curl GET -> 405")
    r = subprocess.run(["curl", "-sS", "--http1.1", "-o", "/dev/null", "-w", "%{http_code}",
                        "-H", "content-type: application/json", "-d", "{}", url],
                       capture_output=True, text=True, timeout=60)
    check(r.stdout == "200", "curl JSON POST (Connect) -> 200 (%r)" % r.stdout)
    r = subprocess.run(["curl", "-sS", "--http1.1", "-o", "/dev/null", "-w", "%{http_code}",
                        "-H", "content-type: text/plain", "-d", "{}", url],
                       capture_output=True, text=True, timeout=60)
    check(r.stdout == "415", "curl text/plain POST -> 415 (%r)" % r.stdout)
    # curl --http2-prior-knowledge to the same port still speaks HTTP/2
    r = subprocess.run(["curl", "-sS", "--http2-prior-knowledge", "-o", "/dev/null", "-w",
                        "%{http_code} %{http_version}", url],
                       capture_output=True, text=True, timeout=60)
    check(r.stdout == "405 2", "curl --http2-prior-knowledge: HTTP/2 (%r)" % r.stdout)
    srv.stop()


if __name__ == "__main__":
    {"basic": case_basic, "pipeline": case_pipeline, "chunked": case_chunked,
     "continue": case_continue, "smuggling": case_smuggling, "limits": case_limits,
     "mixed": case_mixed, "tls": case_tls, "shutdown": case_shutdown, "curl": case_curl}[CASE]()
    print("PASS")
