"""h2probe: one raw gRPC SayHello over a fresh HTTP/2 connection, with no
client library in the way, for the cold-start benchmarks (coldstart.sh,
coldstart-systemd.sh): the first answered call is what they time."""
import socket
import struct


def frame(kind, flags, sid, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", sid) + payload

def literal(name, value):
    # HPACK literal header field without indexing, new name, no Huffman.
    name, value = name.encode(), value.encode()
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value

HEADERS = b"".join(literal(k, v) for k, v in [
    (":method", "POST"), (":scheme", "http"), (":path", "/helloworld.Greeter/SayHello"),
    (":authority", "127.0.0.1"), ("content-type", "application/grpc"), ("te", "trailers")])
# HelloRequest{name: "world"}, gRPC-framed: flag 0, length 7, 0a 05 "world".
REQUEST = (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, b"")
           + frame(1, 4, 1, HEADERS) + frame(0, 1, 1, b"\x00\x00\x00\x00\x07\x0a\x05world"))

def call(port, timeout=2):
    """One SayHello; True once the reply's DATA arrives, False if the server
    is not (yet) answering."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    except OSError:
        return False
    try:
        s.sendall(REQUEST)
        buf = b""
        while True:
            while len(buf) >= 9:
                length = int.from_bytes(buf[:3], "big")
                if len(buf) < 9 + length:
                    break
                kind, flags = buf[3], buf[4]
                sid = int.from_bytes(buf[5:9], "big") & 0x7FFFFFFF
                payload, buf = buf[9:9 + length], buf[9 + length:]
                if kind == 4 and not flags & 1:
                    s.sendall(frame(4, 1, 0, b""))          # SETTINGS ACK
                elif kind == 0 and sid == 1 and b"Hello world" in payload:
                    return True
                elif kind in (3, 7):                          # RST_STREAM, GOAWAY
                    return False
            chunk = s.recv(65536)
            if not chunk:
                return False
            buf += chunk
    except OSError:
        return False
    finally:
        s.close()

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
