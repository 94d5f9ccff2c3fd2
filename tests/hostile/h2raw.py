"""h2raw: hand-built HTTP/2 frames for the hostile-peer tests.

A peer that breaks the rules on purpose cannot be built from a library that
keeps them, so frames are written byte by byte here (RFC 9113 section 4.1:
a 9-byte header, then the payload).  Header blocks are hand-encoded HPACK
(RFC 7541): literal fields without indexing (no state to keep in step),
plus the two pieces the HPACK bomb needs, a literal with incremental
indexing (one entry into the peer's dynamic table) and an indexed field
(one byte naming that entry again).  Header blocks the peer sends are
decoded with Debian's python3-hpack, which keeps the decoder's table.

Conn wraps one TCP connection from either side: send frames, read them
back one at a time (answering SETTINGS and PING so the peer is content),
and keep the decoded header blocks per stream.
"""
import socket
import struct
import time

import hpack

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, \
    WINDOW_UPDATE, CONTINUATION = range(10)
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4

# error codes (RFC 9113 section 7)
NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, REFUSED_STREAM, CANCEL, \
    ENHANCE_YOUR_CALM = 0x0, 0x1, 0x2, 0x7, 0x8, 0xb

# settings
MAX_HEADER_LIST_SIZE = 0x6
INITIAL_WINDOW_SIZE = 0x4

MAX_FRAME = 16384  # SETTINGS_MAX_FRAME_SIZE's default: frames we send stay below


def frame(ftype, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + \
        struct.pack(">I", sid & 0x7FFFFFFF) + payload


def settings(pairs=(), ack=False):
    return frame(SETTINGS, ACK if ack else 0, 0,
                 b"".join(struct.pack(">HI", k, v) for k, v in pairs))


def window_update(sid, inc):
    return frame(WINDOW_UPDATE, 0, sid, struct.pack(">I", inc))


def rst_stream(sid, code):
    return frame(RST_STREAM, 0, sid, struct.pack(">I", code))


def data(sid, payload, end=False):
    return frame(DATA, END_STREAM if end else 0, sid, payload)


def grpc_message(body, announced=None):
    """A gRPC length-prefixed message (uncompressed); announced: the length
    the prefix claims (default: the body's)."""
    n = len(body) if announced is None else announced
    return b"\x00" + struct.pack(">I", n) + body


# ---- HPACK by hand -----------------------------------------------------------------


def hp_int(value, prefix_bits, first):
    """RFC 7541 5.1: an integer with an N-bit prefix; first holds the bits
    above the prefix."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out = [first | limit]
    value -= limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def hp_str(s):
    b = s.encode() if isinstance(s, str) else s
    return hp_int(len(b), 7, 0x00) + b  # no Huffman


def hp_literal(name, value):
    """A literal field without indexing, new name (RFC 7541 6.2.2)."""
    return b"\x00" + hp_str(name) + hp_str(value)


def hp_literal_indexed(name, value):
    """A literal field with incremental indexing, new name (6.2.1): the peer
    adds it to its dynamic table, as entry 62 when the table was empty."""
    return b"\x40" + hp_str(name) + hp_str(value)


def hp_indexed(index):
    """An indexed field (6.1): one byte for index 62."""
    return hp_int(index, 7, 0x80)


def hp_block(fields):
    return b"".join(hp_literal(n, v) for n, v in fields)


def request_fields(path, extra=()):
    return [(":method", "POST"), (":scheme", "http"), (":path", path),
            (":authority", "localhost"), ("content-type", "application/grpc"),
            ("te", "trailers")] + list(extra)


def response_fields(status="200", extra=()):
    return [(":status", status), ("content-type", "application/grpc")] + list(extra)


def header_frames(sid, block, end_stream=False, max_frame=MAX_FRAME):
    """HEADERS and CONTINUATION frames carrying block."""
    chunks = [block[i:i + max_frame] for i in range(0, len(block), max_frame)] or [b""]
    out = []
    for i, c in enumerate(chunks):
        flags = END_HEADERS if i == len(chunks) - 1 else 0
        if i == 0:
            out.append(frame(HEADERS, flags | (END_STREAM if end_stream else 0), sid, c))
        else:
            out.append(frame(CONTINUATION, flags, sid, c))
    return b"".join(out)


def bomb_block(prefix_fields, entry_value_len=4000, refs=None, max_bytes=147000):
    """An HPACK bomb: prefix_fields as literals, one big header inserted into
    the dynamic table, then referenced by index until the block is
    max_bytes long (or refs times).  Returns (block, expanded_bytes) where
    expanded_bytes counts as RFC 7541 does (name + value + 32 each)."""
    head = hp_block(prefix_fields) + hp_literal_indexed("x-bomb", "a" * entry_value_len)
    if refs is None:
        refs = max_bytes - len(head)
    block = head + hp_indexed(62) * refs
    entry = len("x-bomb") + entry_value_len + 32
    return block, entry * (refs + 1)


# ---- a connection -------------------------------------------------------------------


class Conn:
    """One HTTP/2 connection, client or server side, over a socket."""

    def __init__(self, sock, server=False):
        self.sock = sock
        self.buf = b""
        self.expect_preface = server  # the server side reads the client's first
        self.decoder = hpack.Decoder()
        self.decoder.max_header_list_size = 1 << 30
        self.headers = {}     # sid -> list of decoded header lists
        self.rst = {}         # sid -> error code
        self.ended = set()    # sids whose peer sent END_STREAM
        self.data = {}        # sid -> bytes received
        self.goaway = None
        self.peer_settings = {}
        self.got_settings = False
        self.closed = False
        self._block = None    # (sid, flags, bytes) of a header block in progress
        # flow control of what we send (RFC 9113 6.9)
        self.conn_window = 65535
        self.stream_window = {}
        self.initial_window = 65535

    @classmethod
    def connect(cls, port, settings_pairs=()):
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        c = cls(s)
        c.send(PREFACE + settings(settings_pairs) +
               window_update(0, (1 << 30)))  # let the peer send freely
        return c

    def send(self, b):
        self.sock.settimeout(60)  # reads leave their own timeout behind
        self.sock.sendall(b)

    def _fill(self, deadline):
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                b = self.sock.recv(1 << 16)
            except socket.timeout:
                return False
            except ConnectionError:
                b = b""
            if not b:
                self.closed = True
                return False
            self.buf += b
            return True

    def read_frame(self, timeout=10.0):
        """The next frame (type, flags, sid, payload), or None on timeout or
        EOF.  SETTINGS and PING are answered; header blocks are decoded."""
        deadline = time.monotonic() + timeout
        if self.expect_preface:
            while len(self.buf) < len(PREFACE):
                if not self._fill(deadline):
                    return None
            if not self.buf.startswith(PREFACE):
                raise ValueError("no HTTP/2 client preface: %r" % self.buf[:24])
            self.buf = self.buf[len(PREFACE):]
            self.expect_preface = False
        while len(self.buf) < 9:
            if not self._fill(deadline):
                return None
        n = struct.unpack(">I", b"\x00" + self.buf[:3])[0]
        while len(self.buf) < 9 + n:
            if not self._fill(deadline):
                return None
        ftype, flags = self.buf[3], self.buf[4]
        sid = struct.unpack(">I", self.buf[5:9])[0] & 0x7FFFFFFF
        payload = self.buf[9:9 + n]
        self.buf = self.buf[9 + n:]
        self._note(ftype, flags, sid, payload)
        return ftype, flags, sid, payload

    def _note(self, ftype, flags, sid, payload):
        if ftype == SETTINGS and not flags & ACK:
            self.got_settings = True
            for i in range(0, len(payload), 6):
                k, v = struct.unpack(">HI", payload[i:i + 6])
                self.peer_settings[k] = v
                if k == INITIAL_WINDOW_SIZE:
                    for sid0 in self.stream_window:
                        self.stream_window[sid0] += v - self.initial_window
                    self.initial_window = v
            self.send(settings(ack=True))
        elif ftype == WINDOW_UPDATE:
            inc = struct.unpack(">I", payload)[0] & 0x7FFFFFFF
            if sid == 0:
                self.conn_window += inc
            else:
                self.stream_window[sid] = self.stream_window.get(sid, self.initial_window) + inc
        elif ftype == PING and not flags & ACK:
            self.send(frame(PING, ACK, 0, payload))
        elif ftype == GOAWAY:
            self.goaway = struct.unpack(">II", payload[:8])
        elif ftype == RST_STREAM:
            self.rst[sid] = struct.unpack(">I", payload)[0]
        elif ftype == DATA:
            self.data[sid] = self.data.get(sid, b"") + payload
            if flags & END_STREAM:
                self.ended.add(sid)
            if payload:  # keep the peer's windows open
                self.send(window_update(0, len(payload)) + window_update(sid, len(payload)))
        elif ftype in (HEADERS, CONTINUATION):
            if ftype == HEADERS:
                pad = payload[0] if flags & 0x8 else 0
                body = payload[1 if flags & 0x8 else 0:]
                if flags & 0x20:
                    body = body[5:]
                if pad:
                    body = body[:-pad]
                self._block = (sid, flags, body)
            else:
                s0, f0, b0 = self._block
                self._block = (s0, f0, b0 + payload)
            if flags & END_HEADERS:
                s0, f0, b0 = self._block
                self._block = None
                self.headers.setdefault(s0, []).append(
                    [(k.decode() if isinstance(k, bytes) else k,
                      v.decode() if isinstance(v, bytes) else v)
                     for k, v in self.decoder.decode(b0, raw=True)])
                if f0 & END_STREAM:
                    self.ended.add(s0)

    def wait(self, cond, timeout=30.0):
        """Reads frames until cond() holds; False at timeout or EOF."""
        deadline = time.monotonic() + timeout
        while not cond():
            left = deadline - time.monotonic()
            if left <= 0 or self.read_frame(left) is None:
                return cond()
        return True

    def settle(self, timeout=10.0):
        """Waits for the peer's SETTINGS (and so its windows), then reads
        what else came with them (its WINDOW_UPDATE)."""
        ok = self.wait(lambda: self.got_settings, timeout)
        self.wait(lambda: False, 0.2)
        return ok

    def send_data(self, sid, payload, end=False, timeout=60.0):
        """Sends payload on sid as DATA within the peer's flow-control windows
        (reading frames for WINDOW_UPDATEs as needed).  Stops early, False,
        when the peer ended or reset the stream, or at timeout."""
        deadline = time.monotonic() + timeout
        self.stream_window.setdefault(sid, self.initial_window)
        off = 0
        while off < len(payload) or (end and off == len(payload) == 0):
            if sid in self.rst or sid in self.ended:
                return False
            room = min(self.conn_window, self.stream_window[sid], MAX_FRAME,
                       len(payload) - off)
            if room <= 0 and len(payload) > 0:
                left = deadline - time.monotonic()
                if left <= 0 or self.read_frame(min(left, 1.0)) is None and self.closed:
                    return False
                continue
            chunk = payload[off:off + room]
            off += room
            last = end and off == len(payload)
            self.send(data(sid, chunk, last))
            self.conn_window -= room
            self.stream_window[sid] -= room
            if len(payload) == 0:
                break
        return True

    def poll(self):
        """Reads whatever frames are already here, without waiting."""
        while self.read_frame(0.001) is not None:
            pass

    def trailer(self, sid, name):
        for block in self.headers.get(sid, []):
            for k, v in block:
                if k == name:
                    return v
        return None

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def proc_cpu_seconds(pid):
    """utime + stime of a process (/proc/PID/stat), in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    import os
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
