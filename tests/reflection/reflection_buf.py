#!/usr/bin/python3
"""buf curl (npm @bufbuild/buf) -> typerpc's server reflection, JSON in and out.

Usage: reflection_buf.py REFLECT_SERVER GREETER_SERVER BUF_PIN_DIR NPM_DIR README

buf is the pinned one of tests/desc/buf (package.json and package-lock.json,
installed with `npm ci` into NPM_DIR). buf curl knows nothing of the
services but what reflection tells it: it lists services and methods, then
resolves a method's request and reply types (file_containing_symbol and the
transitive imports, well-known types included) to turn JSON into protobuf
and back. Checked:
  - greeter_server (examples/helloworld) lists its services and methods,
    and SayHello answers {"message": "Hello world"}: the README's lines;
  - reflect_server: refl.catalog.Catalog/GetItem's reply carries a message
    of an imported file, a nested message, an enum and a
    google.protobuf.Timestamp (RFC 3339 in JSON): buf needs every import;
    Ping takes and returns google.protobuf.Empty; a NOT_FOUND status comes
    through; the same over grpc.reflection.v1alpha (--reflect-protocol);
  - with refl.partial.Partial too, whose file imports one not linked into
    the server: calls to Catalog still work (buf resolves only what it
    calls), and --list-methods fails on Partial, as docs/runtime.md says.
Exit 77 (skipped) when npm is not installed.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

REFLECT, GREETER, PIN, NPM_DIR, README = sys.argv[1:6]


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


if not shutil.which("npm"):
    print("SKIP: npm is not installed, so buf (npm @bufbuild/buf) cannot be")
    sys.exit(77)
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
env = dict(os.environ, BUF_CACHE_DIR=tempfile.mkdtemp(prefix="trpc-refl-buf-"))
readme = open(README).read()


def curl(url, *args, ok=True):
    cmd = [buf, "curl", "--protocol", "grpc", "--http2-prior-knowledge", *args, url]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    if ok and r.returncode != 0:
        fail("%s: exit %d\n%s%s" % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
    return r


def start(argv, ready):
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if not line.startswith(ready):
        p.kill()
        fail("%s printed %r" % (argv[0], line))
    return p, line


# examples/helloworld's greeter_server, as the README shows it.
p, line = start([GREETER, "--listen", "127.0.0.1:0"], "greeter_server: listening on ")
try:
    base = "http://" + line.split()[-1]
    got = curl(base, "--list-services").stdout.split()
    want = ["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection", "helloworld.Greeter"]
    if got != want:
        fail("greeter_server --list-services: %r" % got)
    got = curl(base, "--list-methods").stdout.split()
    if "helloworld.Greeter/SayHello" not in got:
        fail("greeter_server --list-methods: %r" % got)
    r = curl(base + "/helloworld.Greeter/SayHello", "-d", '{"name":"world"}')
    if json.loads(r.stdout) != {"message": "Hello world"}:
        fail("SayHello: %r" % r.stdout)
    for want in ("buf curl --protocol grpc --http2-prior-knowledge --list-services "
                 "http://127.0.0.1:50051",
                 "buf curl --protocol grpc --http2-prior-knowledge -d '{\"name\":\"world\"}' "
                 "http://127.0.0.1:50051/helloworld.Greeter/SayHello"):
        if want not in readme:
            fail("README.md lacks the line: " + want)
    print("ok: greeter_server: services, methods, SayHello as the README shows")
finally:
    p.send_signal(15)
    p.wait(timeout=30)

p, line = start([REFLECT, "catalog-only"], "PORT ")
try:
    base = "http://127.0.0.1:" + line.split()[1]
    got = curl(base, "--list-methods").stdout.split()
    for m in ("refl.catalog.Catalog/GetItem", "refl.catalog.Catalog/Ping",
              "grpc.health.v1.Health/Watch"):
        if m not in got:
            fail("--list-methods lacks %s: %r" % (m, got))
    want = {"sku": "a1", "price": {"currency": "EUR", "units": "42"},
            "added": "2023-11-14T22:13:20Z", "shelf": "TOP", "tags": [{"name": "new"}]}
    for proto in ("grpc-v1", "grpc-v1alpha"):
        r = curl(base + "/refl.catalog.Catalog/GetItem", "--reflect-protocol", proto,
                 "-d", '{"sku": "a1"}')
        if json.loads(r.stdout) != want:
            fail("GetItem over %s: %r" % (proto, r.stdout))
        r = curl(base + "/refl.catalog.Catalog/Ping", "--reflect-protocol", proto, "-d", "{}")
        if json.loads(r.stdout) != {}:
            fail("Ping over %s: %r" % (proto, r.stdout))
    print("ok: GetItem (imported types, Timestamp) and Ping (Empty) over v1 and v1alpha")
    r = curl(base + "/refl.catalog.Catalog/GetItem", "-d", '{"sku": "missing"}', ok=False)
    if r.returncode == 0 or "not_found" not in (r.stdout + r.stderr).lower():
        fail("GetItem of a missing item: exit %d %s%s" % (r.returncode, r.stdout, r.stderr))
    r = curl(base + "/refl.catalog.Catalog/Nope", "-d", "{}", ok=False)
    if r.returncode == 0:
        fail("a method reflection does not know was called")
    print("ok: NOT_FOUND comes through; an unknown method is refused")
finally:
    p.stdin.close()
    if p.wait(timeout=30) != 0:
        fail("reflect_server exited %d" % p.returncode)

p, line = start([REFLECT], "PORT ")
try:
    base = "http://127.0.0.1:" + line.split()[1]
    r = curl(base + "/refl.catalog.Catalog/GetItem", "-d", '{"sku": "a1"}')
    if json.loads(r.stdout)["added"] != "2023-11-14T22:13:20Z":
        fail("GetItem beside Partial: %r" % r.stdout)
    r = curl(base, "--list-methods", ok=False)
    if r.returncode == 0 or "refl.partial.Partial" not in r.stderr:
        fail("--list-methods with an unlinked import: exit %d %s" % (r.returncode, r.stderr))
    print("ok: an unlinked import: Catalog still called, Partial cannot be listed")
finally:
    p.stdin.close()
    if p.wait(timeout=30) != 0:
        fail("reflect_server exited %d" % p.returncode)
print("PASS")
