#!/usr/bin/env python3
"""gRPC-Web and Connect against clients nobody here wrote: buf curl and curl.

Usage: web_peers.py ECHO_SERVER GREETER_SERVER BUF_PIN_DIR NPM_DIR PROTO_DIR

buf curl is the pinned one of tests/desc/buf (npm @bufbuild/buf, installed
with `npm ci` into NPM_DIR as tests/reflection does); it speaks Connect
(--protocol connect; it sends binary protobuf and prints JSON) and gRPC-Web
(--protocol grpcweb) over HTTP/2 (--http2-prior-knowledge).  curl (Debian) sends the
Connect unary request of issue 14 by hand: JSON in, JSON out.

  - echo.Echo on trpc_echo_server, schema from echo.proto: unary, server
    streaming, client streaming, bidi, an error with its code and message,
    over connect and grpcweb (and grpc, the control);
  - greeter_server (examples/helloworld) by reflection: SayHello over all
    three protocols; curl's JSON line; --cors answering a preflight;
    --token: a Connect call without the token is unauthenticated (HTTP 401:
    the interceptor runs for Connect as for gRPC).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

ECHO, GREETER, PIN, NPM_DIR, PROTO_DIR = sys.argv[1:6]


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


if not shutil.which("npm"):
    print("SKIP: npm is not installed, so buf (npm @bufbuild/buf) cannot be")
    sys.exit(77)
if not shutil.which("curl"):
    fail("curl is not installed (scripts/install-deps.sh installs it)")
os.makedirs(NPM_DIR, exist_ok=True)
buf = os.path.join(NPM_DIR, "node_modules", ".bin", "buf")
lock = os.path.join(PIN, "package-lock.json")
have = os.path.join(NPM_DIR, "package-lock.json")
if (not os.path.exists(buf) or not os.path.exists(have) or
        open(lock, "rb").read() != open(have, "rb").read()):
    for f in ("package.json", "package-lock.json"):
        shutil.copy(os.path.join(PIN, f), NPM_DIR)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                   cwd=NPM_DIR, check=True)
print("buf " + subprocess.run([buf, "--version"], capture_output=True, text=True).stdout.strip())
env = dict(os.environ, BUF_CACHE_DIR=tempfile.mkdtemp(prefix="trpc-web-buf-"))
SCHEMA = ["--schema", os.path.join(PROTO_DIR, "echo.proto")]


def bufcurl(proto, url, *args, data=None, ok=True):
    cmd = [buf, "curl", "--protocol", proto, "--http2-prior-knowledge", *args, url]
    if data is not None:
        cmd[2:2] = ["-d", "@-"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, input=data)
    if ok and r.returncode != 0:
        fail("%s: exit %d\n%s%s" % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
    return r


def jsons(text):
    """buf curl prints one JSON document per message."""
    dec, out, i = json.JSONDecoder(), [], 0
    text = text.strip()
    while i < len(text):
        obj, j = dec.raw_decode(text, i)
        out.append(obj)
        i = j
        while i < len(text) and text[i].isspace():
            i += 1
    return out


def start(argv, ready):
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if not line.startswith(ready):
        p.kill()
        fail("%s printed %r" % (argv[0], line))
    return p, line


def curl(*args):
    r = subprocess.run(["curl", "-sS", "--http2-prior-knowledge", *args],
                       capture_output=True, text=True, timeout=60)
    return r


# ---- echo.Echo: every method kind ----
p, line = start([ECHO, "127.0.0.1:0"], "PORT ")
try:
    base = "http://127.0.0.1:" + line.split()[1] + "/echo.Echo/"
    for proto in ("connect", "grpcweb", "grpc"):
        got = jsons(bufcurl(proto, base + "Unary", *SCHEMA, data='{"text":"u"}').stdout)
        if got != [{"text": "u"}]:
            fail("%s Unary: %r" % (proto, got))
        got = jsons(bufcurl(proto, base + "ServerStream", *SCHEMA,
                            data='{"text":"s","count":3}').stdout)
        if [m.get("index", 0) for m in got] != [0, 1, 2]:
            fail("%s ServerStream: %r" % (proto, got))
        got = jsons(bufcurl(proto, base + "ClientStream", *SCHEMA,
                            data='{"text":"a"} {"text":"b"} {"text":"c"}').stdout)
        if len(got) != 1:
            fail("%s ClientStream: %r" % (proto, got))
        got = jsons(bufcurl(proto, base + "Bidi", *SCHEMA,
                            data='{"text":"x"} {"text":"y"}').stdout)
        if [m["text"] for m in got] != ["x", "y"]:
            fail("%s Bidi: %r" % (proto, got))
        for method in ("Unary", "ServerStream"):
            r = bufcurl(proto, base + method, *SCHEMA, data='{"text":"denied","code":7}',
                        ok=False)
            err = jsons(r.stdout + r.stderr)
            if r.returncode == 0 or not err or err[-1].get("code") != "permission_denied" or \
                    err[-1].get("message") != "denied":
                fail("%s %s error: exit %d %r %r" % (proto, method, r.returncode, r.stdout,
                                                     r.stderr))
        print("ok: buf curl --protocol %s: unary, server/client streaming, bidi, errors" % proto)
    # buf curl sends protobuf on the wire; curl sends JSON:
    r = curl("-i", "-H", "content-type: application/json", "-d", '{"text":"hi","count":1}',
             base + "Unary")
    head, _, body = r.stdout.partition("\n\n")
    if not head.startswith("HTTP/2 200") or json.loads(body) != {"text": "hi"}:
        fail("curl JSON unary: %r" % r.stdout)
    r = curl("-i", "-H", "content-type: application/json", "-d", '{"text":', base + "Unary")
    head, _, body = r.stdout.partition("\n\n")
    if not head.startswith("HTTP/2 400") or json.loads(body)["code"] != "invalid_argument":
        fail("curl malformed JSON: %r" % r.stdout)
    r = curl("-i", "-G", "--data-urlencode", "encoding=json", "--data-urlencode",
             'message={"text":"by get"}', base + "Unary")
    head, _, body = r.stdout.partition("\n\n")
    if not head.startswith("HTTP/2 200") or json.loads(body) != {"text": "by get"}:
        fail("curl GET: %r" % r.stdout)
    print("ok: curl: JSON unary, malformed JSON (400 invalid_argument), GET")
finally:
    p.stdin.close()
    if p.wait(timeout=30) != 0:
        fail("echo_server exited %d" % p.returncode)

# ---- greeter_server, as the README shows it, with --cors and --token ----
p, line = start([GREETER, "--listen", "127.0.0.1:0", "--cors", "https://app.example"],
                "greeter_server: listening on ")
try:
    host = "http://" + line.split()[-1]
    url = host + "/helloworld.Greeter/SayHello"
    for proto in ("connect", "grpcweb", "grpc"):
        got = jsons(bufcurl(proto, url, data='{"name":"web"}').stdout)  # by reflection
        if got != [{"message": "Hello web"}]:
            fail("greeter %s: %r" % (proto, got))
    r = curl("-d", '{"name":"world"}', "-H", "content-type: application/json", url)
    if json.loads(r.stdout) != {"message": "Hello world"}:
        fail("greeter curl: %r %r" % (r.stdout, r.stderr))
    r = curl("-i", "-X", "OPTIONS", "-H", "origin: https://app.example",
             "-H", "access-control-request-method: POST",
             "-H", "access-control-request-headers: content-type", url)
    if not r.stdout.startswith("HTTP/2 204") or \
            "access-control-allow-origin: https://app.example" not in r.stdout:
        fail("greeter preflight: %r" % r.stdout)
    print("ok: greeter_server: SayHello over connect, grpcweb, grpc; curl JSON; --cors preflight")
finally:
    p.send_signal(15)
    p.wait(timeout=30)

p, line = start([GREETER, "--listen", "127.0.0.1:0", "--token", "s3cret"],
                "greeter_server: listening on ")
try:
    url = "http://" + line.split()[-1] + "/helloworld.Greeter/SayHello"
    r = curl("-i", "-d", '{"name":"x"}', "-H", "content-type: application/json", url)
    head, _, body = r.stdout.partition("\n\n")
    if not head.startswith("HTTP/2 401") or json.loads(body)["code"] != "unauthenticated":
        fail("greeter --token without a token: %r" % r.stdout)
    r = curl("-d", '{"name":"x"}', "-H", "content-type: application/json",
             "-H", "authorization: Bearer s3cret", url)
    if json.loads(r.stdout) != {"message": "Hello x"}:
        fail("greeter --token with the token: %r" % r.stdout)
    print("ok: greeter_server --token: the interceptor answers Connect calls (401, then 200)")
finally:
    p.send_signal(15)
    p.wait(timeout=30)
print("PASS")
