#!/usr/bin/python3
"""The FileDescriptorProto each foo.pb-c.c embeds, against protoc.

Usage: embedded_check.py TYPERPC PROTOC WKT_DIR SOURCE_DIR

For every .proto file of tests/oracle/valid (each compiled alone), the
examples, the reflection tests, the runtime's own (health, reflection) and
the well-known types: `typerpc --c_out` and `protoc --descriptor_set_out`
(no source info: what gRPC's reflection serves) on the same command line.
The bytes of the trpc_file_descriptor at the end of each .pb-c.c must be
protoc's for that file, byte for byte and parsed (descriptor_pb2), with the
file's name and its imports' links (weak symbols named after the imports)
as protoc's dependency list says.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

TYPERPC, PROTOC, WKT, SRC = sys.argv[1:5]
from google.protobuf import descriptor_pb2  # noqa: E402

tmp = tempfile.mkdtemp(prefix="trpc-embedded-")


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def symbol(name):
    return "trpc_file__" + "".join(
        ch if ch.isascii() and ch.isalnum() else "_%02x" % ord(ch) for ch in name)


def embedded(path, name):
    text = open(path).read()
    sym = symbol(name)
    m = re.search(r"static const uint8_t %s__data\[(\d+)\] =\n\{(.*?)\};" % sym, text, re.S)
    if not m:
        fail("%s: no %s__data" % (path, sym))
    data = bytes(int(x, 16) for x in re.findall(r"0x([0-9a-f]{2})", m.group(2)))
    if len(data) != int(m.group(1)):
        fail("%s: %d bytes in an array of %s" % (path, len(data), m.group(1)))
    m = re.search(r"const trpc_file_descriptor %s TRPC_FILE_DESCRIPTOR_WEAK =\n\{\n  \"(.*?)\",\n  %s__data,\n  (\d+),\n"
                  r"  (\d+),\n  (\S+)\n\};" % (sym, sym), text)
    if not m or int(m.group(2)) != len(data):
        fail("%s: the trpc_file_descriptor of %s is not as expected" % (path, name))
    deps = re.findall(r"^  &(trpc_file__\w+),?$", text, re.M)
    return m.group(1), data, deps, int(m.group(3))


def check(include, files):
    out = os.path.join(tmp, "o%d" % check.n)
    check.n += 1
    os.makedirs(out)
    inc = ["-I" + d for d in include]
    r = subprocess.run([TYPERPC, *inc, "--c_out=" + out, *files], capture_output=True, text=True)
    if r.returncode != 0:
        return 0  # not for this test (the oracle test compares verdicts)
    subprocess.run([PROTOC, *inc, "--descriptor_set_out=" + out + "/set.pb", *files], check=True)
    fds = descriptor_pb2.FileDescriptorSet.FromString(open(out + "/set.pb", "rb").read())
    n = 0
    for f in fds.file:
        pbc = os.path.join(out, f.name[:-len(".proto")] + ".pb-c.c")
        if not os.path.exists(pbc):
            continue  # (pb_c_file).no_generate
        name, data, deps, n_deps = embedded(pbc, f.name)
        want = f.SerializeToString()
        if name != f.name or descriptor_pb2.FileDescriptorProto.FromString(data) != f:
            fail("%s: the embedded descriptor parses differently from protoc's" % f.name)
        if data != want:
            fail("%s: the embedded bytes are not protoc's" % f.name)
        if n_deps != len(f.dependency) or deps != [symbol(d) for d in f.dependency]:
            fail("%s: links %r, imports %r" % (f.name, deps, list(f.dependency)))
        n += 1
    return n


check.n = 0
total = 0
for p in sorted(glob.glob(os.path.join(SRC, "tests/oracle/valid/*.proto"))):
    total += check([os.path.dirname(p), WKT], [os.path.basename(p)])
total += check([os.path.join(SRC, "examples/helloworld"), WKT], ["helloworld.proto"])
shop = os.path.join(SRC, "examples/shop")
total += check([shop, WKT], sorted(os.path.basename(p) for p in glob.glob(shop + "/*.proto")))
total += check([os.path.join(SRC, "tests/reflection/proto"), WKT],
               ["refl/catalog.proto", "refl/common.proto", "refl/partial.proto",
                "refl/unlinked.proto"])
total += check([os.path.join(SRC, "runtime/proto")],
               ["grpc/health/v1/health.proto", "grpc/reflection/v1/reflection.proto",
                "grpc/reflection/v1alpha/reflection.proto", "typerpc/reflect/filedesc.proto"])
wkt = sorted(os.path.relpath(p, WKT) for p in glob.glob(os.path.join(WKT, "google/protobuf/*.proto")))
total += check([WKT], wkt)
if total < 150:
    fail("only %d files compared" % total)
print("PASS: %d embedded descriptors are protoc's, byte for byte" % total)
