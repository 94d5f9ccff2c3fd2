#!/usr/bin/python3
"""h2dump.py FILE [SKIP] — print the HTTP/2 frames in FILE (after SKIP
bytes: 24 for a client's stream, to pass the preface), header blocks
decoded (python3-hpack).  For checking seeds and fuzz findings by eye:
  TRPC_FUZZ_DUMP=/tmp/out build-fuzz/tests/fuzz/fuzz_server_input SEED
  tests/fuzz/h2dump.py /tmp/out
"""
import sys

import hpack

TYPES = ["DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE",
         "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"]


def main():
    b = open(sys.argv[1], "rb").read()[int(sys.argv[2]) if len(sys.argv) > 2 else 0:]
    dec = hpack.Decoder()
    i = 0
    while i + 9 <= len(b):
        n = int.from_bytes(b[i:i + 3], "big")
        t, f = b[i + 3], b[i + 4]
        sid = int.from_bytes(b[i + 5:i + 9], "big") & 0x7fffffff
        pl = b[i + 9:i + 9 + n]
        name = TYPES[t] if t < len(TYPES) else "type%d" % t
        extra = ""
        if t == 1:
            if f & 0x8:
                pl = pl[1:len(pl) - pl[0]]
            if f & 0x20:
                pl = pl[5:]
            extra = " " + repr(dec.decode(pl, raw=True))
        elif t == 3 or t == 7:
            extra = " " + pl.hex()
        print("%s flags=%#x stream=%d len=%d%s" % (name, f, sid, n, extra))
        i += 9 + n


if __name__ == "__main__":
    main()
