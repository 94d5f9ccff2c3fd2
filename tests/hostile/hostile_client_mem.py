#!/usr/bin/env python3
"""A hostile server against a typerpc client's memory bounds (issue 12,
item 4).

Usage: hostile_client_mem.py PATH/TO/trpc_mem_client

Each case listens on a loopback port, runs trpc_mem_client (one SayHello
call; it prints its status and how far its peak RSS rose) and answers the
call with hand-built HTTP/2 (h2raw.py):

  - control: a proper reply: OK (the fake server is sound), and the client
    advertised SETTINGS_MAX_HEADER_LIST_SIZE 16384.
  - headers_bomb: response headers that expand to ~590 MB (HPACK bomb):
    RESOURCE_EXHAUSTED, peak RSS growth < 64 MiB.
  - trailers_bomb: a proper reply message, then the bomb as trailers: the
    same.
  - info_bombs: three informational (1xx) blocks, each a bomb: the same.
  - info_ignored: five 1xx blocks of 10 KiB each, then the real reply: OK
    (1xx headers are not kept, so they do not add up past the limit).
  - info_flood: twenty small 1xx blocks: INTERNAL, "too many
    informational (1xx) responses".
  - small_limit: the client's limit set to 1 KiB, a reply with 2 KiB of
    trailers: RESOURCE_EXHAUSTED (the option works).
"""
import os
import socket
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import h2raw as h  # noqa: E402

CLIENT = sys.argv[1]
REPLY = h.grpc_message(b"\x0a\x02hi")  # HelloReply{message: "hi"}
ENV = dict(os.environ)
ENV["ASAN_OPTIONS"] = (ENV.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=4").lstrip(":")

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def ok_trailers():
    return h.hp_block([("grpc-status", "0")])


def run(name, answer, client_args=()):
    """Runs the client against a server that answers stream 1 with
    answer(conn); returns (status line, RSS growth KiB, conn)."""
    print("-- " + name)
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    port = ls.getsockname()[1]
    p = subprocess.Popen([CLIENT, str(port)] + list(client_args), stdout=subprocess.PIPE,
                         text=True, env=ENV)
    ls.settimeout(30)
    sock, _ = ls.accept()
    ls.close()
    c = h.Conn(sock, server=True)
    box = {}

    def serve():
        c.send(h.settings())
        c.wait(lambda: 1 in c.ended)  # the whole request
        try:
            c.send(answer(c))
        except OSError as e:  # the client may reset and close early
            box["err"] = e
        c.wait(lambda: False, timeout=15)  # until the client closes
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    out = p.communicate(timeout=120)[0]
    t.join(timeout=20)
    c.close()
    lines = dict(l.split(" ", 1) for l in out.strip().splitlines() if " " in l)
    status = lines.get("STATUS", "?")
    growth = int(lines.get("RSS_GROWTH", "-1"))
    print("client: STATUS %s; peak RSS growth %d KiB" % (status, growth))
    return status, growth, c


def bomb_ok_headers(prefix):
    block, expanded = h.bomb_block(prefix, max_bytes=9 * h.MAX_FRAME)
    return block


status, growth, c = run("control", lambda c: h.header_frames(1, h.hp_block(h.response_fields()))
                        + h.data(1, REPLY) + h.header_frames(1, ok_trailers(), True))
check(status.startswith("OK Hello") or status == "OK hi", "a proper reply: OK (%s)" % status)
check(c.peer_settings.get(h.MAX_HEADER_LIST_SIZE) == 16384,
      "the client advertises SETTINGS_MAX_HEADER_LIST_SIZE 16384 (%s)"
      % c.peer_settings.get(h.MAX_HEADER_LIST_SIZE))

status, growth, _ = run("headers_bomb", lambda c: h.header_frames(
    1, bomb_ok_headers(h.response_fields())))
check(status.startswith("RESOURCE_EXHAUSTED"), "a bomb in the reply headers: "
      "RESOURCE_EXHAUSTED (%s)" % status)
check(0 <= growth < 64 * 1024, "the client's peak RSS grew less than 64 MiB")

status, growth, _ = run("trailers_bomb", lambda c: h.header_frames(
    1, h.hp_block(h.response_fields())) + h.data(1, REPLY) +
    h.header_frames(1, bomb_ok_headers([("grpc-status", "0")]), True))
check(status.startswith("RESOURCE_EXHAUSTED"), "a bomb in the trailers: "
      "RESOURCE_EXHAUSTED (%s)" % status)
check(0 <= growth < 64 * 1024, "the client's peak RSS grew less than 64 MiB")


def info_bombs(c):
    # the first bomb puts its entry into the client's table: the others
    # name it without inserting again
    first = bomb_ok_headers([(":status", "100")])
    again = h.hp_block([(":status", "100")]) + h.hp_indexed(62) * (9 * h.MAX_FRAME - 20)
    return h.header_frames(1, first) + h.header_frames(1, again) + \
        h.header_frames(1, again)


status, growth, _ = run("info_bombs", info_bombs)
check(status.startswith("RESOURCE_EXHAUSTED"), "three 1xx bombs: RESOURCE_EXHAUSTED (%s)"
      % status)
check(0 <= growth < 64 * 1024, "the client's peak RSS grew less than 64 MiB")


def info_ignored(c):
    info = h.hp_block([(":status", "100"), ("x-info", "i" * 10000)])
    return h.header_frames(1, info) * 5 + h.header_frames(1, h.hp_block(h.response_fields())) + \
        h.data(1, REPLY) + h.header_frames(1, ok_trailers(), True)


status, growth, _ = run("info_ignored", info_ignored)
check(status.startswith("OK"), "five 10 KiB 1xx blocks, then the reply: OK (%s)" % status)

status, growth, _ = run("info_flood", lambda c: h.header_frames(
    1, h.hp_block([(":status", "100")])) * 20)
check(status.startswith("INTERNAL") and "informational" in status,
      "twenty 1xx blocks: INTERNAL (%s)" % status)

status, growth, c = run("small_limit", lambda c: h.header_frames(
    1, h.hp_block(h.response_fields())) + h.data(1, REPLY) +
    h.header_frames(1, h.hp_block([("grpc-status", "0"), ("x-t", "t" * 2048)]), True),
    client_args=["1024"])
check(c.peer_settings.get(h.MAX_HEADER_LIST_SIZE) == 1024,
      "max_header_list_size 1024 is advertised (%s)" % c.peer_settings.get(h.MAX_HEADER_LIST_SIZE))
check(status.startswith("RESOURCE_EXHAUSTED") and "1024" in status,
      "2 KiB of trailers over a 1 KiB limit: RESOURCE_EXHAUSTED (%s)" % status)

if failures:
    print("%d check(s) failed" % len(failures))
    sys.exit(1)
print("all passed")
