#!/usr/bin/env python3
"""Connection-level limits of the typerpc server, against raw peers (issue 12
items 1, 2 and 7).

Usage: conn_limits.py PATH/TO/trpc_echo_server CASE

Every case starts trpc_echo_server with short limits and attacks it with raw
sockets (the HTTP/2 frames are written here by hand, or by python3-h2 where a
well-behaved client is wanted):

  preface   2,000 bare TCP connections and a slow-loris (the preface one byte
            at a time) are all closed after the handshake deadline; a real
            call works afterwards.
  idle      an HTTP/2 connection with no stream gets GOAWAY NO_ERROR after
            the idle timeout and is closed; one with a call open keeps going
            (the reply comes before any GOAWAY).
  maxconn   with max_connections 4, a fifth connection is not accepted (the
            server says nothing to it) while the four are served; once one
            closes, the fifth is accepted and served.
  emfile    the server under RLIMIT_NOFILE 64 and 100 connections: it does
            not spin (CPU time well under the wall time), its log stays
            small, and once the connections close a new call succeeds.
  goaway    connection errors carry the right GOAWAY code: floods of PING,
            SETTINGS, RST_STREAM and CONTINUATION frames ENHANCE_YOUR_CALM, a bad frame
            size FRAME_SIZE_ERROR, a broken header block COMPRESSION_ERROR,
            a bad preface and DATA on stream 0 PROTOCOL_ERROR.

No assertion is about how fast anything happens: waits are bounded
generously, and the limits under test are much shorter than the bounds.
"""
import os
import resource
import selectors
import socket
import struct
import subprocess
import sys
import tempfile
import time

SERVER, CASE = sys.argv[1], sys.argv[2]

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR = 0, 1, 2
FRAME_SIZE_ERROR, COMPRESSION_ERROR, ENHANCE_YOUR_CALM = 6, 9, 11
CODES = {0: "NO_ERROR", 1: "PROTOCOL_ERROR", 2: "INTERNAL_ERROR", 6: "FRAME_SIZE_ERROR",
         9: "COMPRESSION_ERROR", 11: "ENHANCE_YOUR_CALM"}


def frame(kind, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(
        ">I", sid) + payload


def literal(name, value):
    """HPACK literal header field without indexing, new name, no Huffman."""
    name, value = name.encode(), value.encode()
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


def request_headers(path="/helloworld.Greeter/SayHello"):
    return b"".join(literal(k, v) for k, v in [
        (":method", "POST"), (":scheme", "http"), (":path", path),
        (":authority", "127.0.0.1"), ("content-type", "application/grpc"),
        ("te", "trailers")])


# HelloRequest{name: "world"}, gRPC-framed.
HELLO = b"\x00\x00\x00\x00\x07\x0a\x05world"


class Server:
    """trpc_echo_server in a child process; stderr goes to a file."""

    def __init__(self, opts, nofile=None):
        self.err = tempfile.TemporaryFile()

        def limit():
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        self.p = subprocess.Popen([SERVER, "127.0.0.1:0"] + opts, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=self.err, text=True,
                                  preexec_fn=limit)
        line = self.p.stdout.readline()
        assert line.startswith("PORT "), line
        self.port = int(line.split()[1])

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.p.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # utime and stime are fields 14 and 15 (1-based) of the whole line.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log(self):
        self.err.seek(0)
        return self.err.read()

    def stop(self):
        self.p.stdin.close()
        rc = self.p.wait(timeout=60)
        assert rc == 0, "server exited %d; stderr: %r" % (rc, self.log()[-2000:])


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class Frames:
    """Reads frames off a raw socket."""

    def __init__(self, sock):
        self.s, self.buf = sock, b""

    def next(self, timeout=30):
        """(type, flags, sid, payload), or None at EOF / reset."""
        self.s.settimeout(timeout)
        while True:
            if len(self.buf) >= 9:
                n = int.from_bytes(self.buf[:3], "big")
                if len(self.buf) >= 9 + n:
                    f = (self.buf[3], self.buf[4],
                         int.from_bytes(self.buf[5:9], "big") & 0x7FFFFFFF,
                         self.buf[9:9 + n])
                    self.buf = self.buf[9 + n:]
                    return f
            try:
                chunk = self.s.recv(1 << 20)
            except ConnectionResetError:
                return None
            if not chunk:
                return None
            self.buf += chunk

    def goaway(self, timeout=30):
        """The error code of the next GOAWAY, None if the connection ends
        without one; every other frame is skipped."""
        while True:
            f = self.next(timeout)
            if f is None:
                return None
            if f[0] == 7:
                return int.from_bytes(f[3][4:8], "big")


def hello_call(port):
    """One SayHello on a new connection; True when the reply arrives."""
    s = connect(port)
    try:
        s.sendall(PREFACE + frame(4, 0, 0) + frame(1, 4, 1, request_headers())
                  + frame(0, 1, 1, HELLO))
        fr = Frames(s)
        while True:
            f = fr.next()
            if f is None or f[0] in (3, 7):
                return False
            if f[0] == 4 and not f[1] & 1:
                s.sendall(frame(4, 1, 0))
            if f[0] == 0 and f[2] == 1 and b"Hello world" in f[3]:
                return True
    finally:
        s.close()


def wait_closed(socks, bound_s):
    """Waits until the server has closed every socket (EOF or reset);
    returns how many are still open after bound_s seconds."""
    sel = selectors.DefaultSelector()
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    left = len(socks)
    end = time.monotonic() + bound_s
    while left and time.monotonic() < end:
        for key, _ in sel.select(timeout=1):
            try:
                data = key.fileobj.recv(65536)
            except BlockingIOError:
                continue
            except ConnectionResetError:
                data = b""
            if data == b"":
                sel.unregister(key.fileobj)
                left -= 1
    sel.close()
    return left


def case_preface():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 2000 + 200
    if hard < want:
        print("conn_limits: RLIMIT_NOFILE hard limit %d < %d: skipped" % (hard, want))
        sys.exit(77)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
    srv = Server(["workers=2", "handshake_timeout_ms=1000", "max_connections=5000"],
                 nofile=max(soft, want))
    try:
        socks = []
        for _ in range(2000):
            socks.append(connect(srv.port))
        # A slow-loris: the preface one byte per 300 ms (7 s for all of it,
        # with the deadline at 1 s).  The server must close it before the end.
        loris = connect(srv.port)
        closed_early = False
        for i, b in enumerate(PREFACE + frame(4, 0, 0)):
            try:
                loris.sendall(bytes([b]))
            except (BrokenPipeError, ConnectionResetError):
                closed_early = True
                break
            time.sleep(0.3)
            loris.settimeout(0)
            try:
                if loris.recv(65536) == b"":
                    closed_early = True
                    break
            except BlockingIOError:
                pass
            except ConnectionResetError:
                closed_early = True
                break
            loris.settimeout(30)
        assert closed_early, "the slow-loris was let finish its preface"
        left = wait_closed(socks, 120)
        assert left == 0, "%d of 2000 bare connections still open" % left
        for s in socks:
            s.close()
        loris.close()
        assert hello_call(srv.port), "no reply after the bare connections"
    finally:
        srv.stop()
    print("preface: 2000 bare connections and a slow-loris closed; serving")


def case_idle():
    srv = Server(["workers=1", "idle_timeout_ms=500"])
    try:
        # An HTTP/2 connection that never opens a stream.
        idle = connect(srv.port)
        idle.sendall(PREFACE + frame(4, 0, 0))
        # A connection with a call that takes 2 s (four idle timeouts).
        busy = connect(srv.port)
        busy.sendall(PREFACE + frame(4, 0, 0))
        # EchoRequest{text: "busy", mode: "defer", sleep_ms: 2000}, by hand.
        req = b"\x0a\x04busy" + b"\x2a\x05defer" + b"\x30\xd0\x0f"
        body = b"\x00" + struct.pack(">I", len(req)) + req
        busy.sendall(frame(1, 4, 1, request_headers("/echo.Echo/Unary")) + frame(0, 1, 1, body))
        code = Frames(idle).goaway()
        assert code == NO_ERROR, "idle connection: GOAWAY %r" % code
        assert wait_closed([idle], 30) == 0, "idle connection not closed after its GOAWAY"
        fr = Frames(busy)
        got_reply = False
        while True:
            f = fr.next()
            assert f is not None, "the busy connection closed before its reply"
            if f[0] == 4 and not f[1] & 1:
                busy.sendall(frame(4, 1, 0))
            if f[0] == 7:
                assert got_reply, "GOAWAY on a connection with a call open"
                assert int.from_bytes(f[3][4:8], "big") == NO_ERROR
                break
            if f[0] == 0 and f[2] == 1 and b"busy" in f[3]:
                got_reply = True
        busy.close()
        idle.close()
        assert hello_call(srv.port)
    finally:
        srv.stop()
    print("idle: the idle connection got GOAWAY NO_ERROR, the busy one its reply first")


def served(sock, bound_s):
    """The connection's frame reader once the server's SETTINGS came within
    bound_s seconds (the connection was accepted), else None."""
    fr = Frames(sock)
    try:
        f = fr.next(bound_s)
    except socket.timeout:
        return None
    return fr if f is not None and f[0] == 4 else None


def call_on(sock, fr):
    """A SayHello on stream 1 of an accepted connection; True on the reply."""
    sock.sendall(frame(4, 1, 0) + frame(1, 4, 1, request_headers()) + frame(0, 1, 1, HELLO))
    while True:
        f = fr.next()
        if f is None or f[0] in (3, 7):
            return False
        if f[0] == 0 and b"Hello world" in f[3]:
            return True


def case_maxconn():
    srv = Server(["workers=1", "max_connections=4"])
    try:
        conns = []
        for _ in range(4):
            s = connect(srv.port)
            s.sendall(PREFACE + frame(4, 0, 0))
            fr = served(s, 30)
            assert fr, "one of the first four connections not served"
            conns.append((s, fr))
        fifth = connect(srv.port)   # completed by the kernel, not accepted
        fifth.sendall(PREFACE + frame(4, 0, 0))
        assert not served(fifth, 2), "a fifth connection was accepted"
        # The four are served meanwhile: a call on the first.
        assert call_on(*conns[0]), "call on a served connection failed"
        conns[1][0].close()
        fr = served(fifth, 30)
        assert fr, "the fifth connection not accepted after one closed"
        assert call_on(fifth, fr), "call on the fifth connection failed"
        for s, _ in conns:
            s.close()
        fifth.close()
    finally:
        srv.stop()
    print("maxconn: the fifth waited until one of four closed, then was served")


def case_emfile():
    srv = Server(["workers=1", "max_connections=100000"], nofile=64)
    try:
        socks = [connect(srv.port) for _ in range(100)]
        time.sleep(0.5)
        cpu0, t0 = srv.cpu_seconds(), time.monotonic()
        time.sleep(3)
        cpu = srv.cpu_seconds() - cpu0
        wall = time.monotonic() - t0
        log = srv.log()
        print("emfile: server CPU %.2f s in %.2f s; log %d bytes" % (cpu, wall, len(log)))
        print(log.decode(errors="replace")[:1000])
        assert cpu < 0.5 * wall, "the server spins: %.2f s CPU in %.2f s" % (cpu, wall)
        assert b"accept() failed" in log, "no log line about the failing accept()"
        assert len(log) < 4096, "log too long: %d bytes" % len(log)
        for s in socks:
            s.close()
        ok = False
        for _ in range(30):          # the accepted ones close as their EOF is read
            if hello_call(srv.port):
                ok = True
                break
            time.sleep(0.5)
        assert ok, "no call succeeded after the connections closed"
        log = srv.log()
        assert len(log) < 4096, "log too long: %d bytes" % len(log)
    finally:
        srv.stop()


def goaway_after(port, payload):
    # A small receive buffer: answers the server cannot deliver pile up in
    # it (how a flood of PINGs or SETTINGS shows up to nghttp2).
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(30)
    s.connect(("127.0.0.1", port))
    fr = Frames(s)
    try:
        try:
            s.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return fr.goaway()
    finally:
        s.close()


def case_goaway():
    srv = Server(["workers=1"])
    hello = PREFACE + frame(4, 0, 0)
    try:
        results = {}
        # PINGs sent without reading the ACKs: they pile up in the server
        # until nghttp2 calls it a flood.
        results["PING flood"] = (goaway_after(srv.port, hello + frame(6, 0, 0, b"12345678")
                                              * 2000000), ENHANCE_YOUR_CALM)
        results["SETTINGS flood"] = (goaway_after(srv.port, hello + frame(4, 0, 0) * 2000000),
                                     ENHANCE_YOUR_CALM)
        # A header block that never ends: HEADERS without END_HEADERS, then
        # CONTINUATION after CONTINUATION.
        block = request_headers()
        results["CONTINUATION flood"] = (goaway_after(
            srv.port, hello + frame(1, 0, 1, block[:10])
            + b"".join(frame(9, 0, 1, b"\x00") for _ in range(200))), ENHANCE_YOUR_CALM)
        # Rapid reset: streams opened and reset at once, 20,000 of them.
        rapid = b"".join(frame(1, 4, sid, block) + frame(3, 0, sid, b"\x00\x00\x00\x08")
                         for sid in range(1, 40000, 2))
        results["RST_STREAM flood"] = (goaway_after(srv.port, hello + rapid), ENHANCE_YOUR_CALM)
        results["PING of 7 bytes"] = (goaway_after(srv.port, hello + frame(6, 0, 0, b"1234567")),
                                      FRAME_SIZE_ERROR)
        # 0x80: indexed header field with index 0, which HPACK forbids.
        results["bad HPACK"] = (goaway_after(srv.port, hello + frame(1, 5, 1, b"\x80")),
                                COMPRESSION_ERROR)
        results["DATA on stream 0"] = (goaway_after(srv.port, hello + frame(0, 0, 0, b"x")),
                                       PROTOCOL_ERROR)
        bad = []
        for name, (got, want) in results.items():
            print("goaway: %-20s GOAWAY %s (want %s)" % (name, CODES.get(got, got),
                                                          CODES[want]))
            if got != want:
                bad.append(name)
        assert not bad, "wrong GOAWAY code for %s" % ", ".join(bad)
        # Not HTTP/2's preface: HTTP/1.1 (server/h1.c, tests/h1), answered
        # as such, garbage after the request with 400; no GOAWAY.
        s = connect(srv.port)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + b"x" * 64)
        got = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += b
        s.close()
        print("not a preface: %r" % got[:200])
        assert got.startswith(b"HTTP/1.1 405 ") and b"HTTP/1.1 400 " in got, got
        assert hello_call(srv.port), "the server stopped serving"
    finally:
        srv.stop()


if __name__ == "__main__":
    {"preface": case_preface, "idle": case_idle, "maxconn": case_maxconn,
     "emfile": case_emfile, "goaway": case_goaway}[CASE]()
