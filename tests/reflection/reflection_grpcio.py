#!/usr/bin/python3
"""grpcio as a server reflection client -> typerpc's reflection service.

Usage: reflection_grpcio.py REFLECT_SERVER PROTOC RUNTIME_PROTO_DIR TEST_PROTO_DIR
                            WKT_DIR [GRPC_PROTO_DIR]

Debian has no grpcio-reflection (import grpc_reflection fails), so the
messages come from `protoc --python_out` of reflection.proto (Debian's
grpc-proto copy when installed, ours otherwise) and the streams go through
grpcio's generic stream_stream: what grpc_reflection's client stub does.

First, when GRPC_PROTO_DIR is given, our copies of reflection.proto (v1 and
v1alpha, runtime/proto) must have the wire contract of the standard ones.

Then against reflect_server (refl.catalog.Catalog, whose file imports
refl/common.proto, google/protobuf/empty.proto and timestamp.proto, all
linked; refl.partial.Partial, whose import refl/unlinked.proto is not
linked), on v1 and on v1alpha:
  - list_services: every registered service, health and reflection too;
  - file_containing_symbol of a service: its file first, then every
    transitive import, each byte for byte what protoc --descriptor_set_out
    writes for it (protoc is the oracle); later answers on the same stream
    carry only the asked-for file (imports once per stream); a new stream
    gets them again;
  - symbols of every kind (method, message, nested message, field, enum,
    enum value with C++ scoping, nested enum, extension) find their file;
    unknown ones NOT_FOUND; file_by_filename; file_containing_extension;
    all_extension_numbers_of_type (a message: its extensions; an enum or
    an unknown name: NOT_FOUND);
  - valid_host and original_request echo the request;
  - the unlinked import is left out (NOT_FOUND by name) and partial.proto
    is still served;
  - the files received build a protobuf DescriptorPool in which the
    Catalog service and its methods resolve (what a tool's "describe" does).
"""
import os
import subprocess
import sys
import tempfile

SERVER, PROTOC, OUR_DIR, TEST_DIR, WKT_DIR = sys.argv[1:6]
STD_DIR = sys.argv[6] if len(sys.argv) > 6 and sys.argv[6] else None

import grpc  # noqa: E402
from google.protobuf import descriptor_pb2, descriptor_pool  # noqa: E402

tmp = tempfile.mkdtemp(prefix="trpc-reflection-")
NOT_FOUND = 5


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def descriptor_set(include, files, imports=True):
    """{name: bytes} of protoc --descriptor_set_out for files."""
    out = os.path.join(tmp, "set%d.pb" % len(os.listdir(tmp)))
    cmd = [PROTOC] + ["-I" + d for d in include] + ["--descriptor_set_out=" + out]
    if imports:
        cmd.append("--include_imports")
    subprocess.run(cmd + files, check=True)
    data = open(out, "rb").read()
    fds = descriptor_pb2.FileDescriptorSet.FromString(data)
    return {f.name: f.SerializeToString() for f in fds.file}


def contract(proto_dir, rel):
    f = descriptor_pb2.FileDescriptorProto.FromString(
        descriptor_set([proto_dir], [rel], imports=False)[rel])
    f.ClearField("options")
    for m in f.message_type:
        m.ClearField("options")
    return f.SerializeToString(deterministic=True)


versions = ("v1", "v1alpha")
rels = {v: "grpc/reflection/%s/reflection.proto" % v for v in versions}
proto_dir = OUR_DIR
if STD_DIR and all(os.path.exists(os.path.join(STD_DIR, r)) for r in rels.values()):
    for v, rel in rels.items():
        if contract(OUR_DIR, rel) != contract(STD_DIR, rel):
            fail("runtime/proto/%s differs from %s/%s" % (rel, STD_DIR, rel))
    print("ok: our reflection.proto (v1, v1alpha) have the wire contract of %s" % STD_DIR)
    proto_dir = STD_DIR
else:
    print("note: no grpc-proto reflection.proto; using our copies for the Python messages")

# Each version's messages in a module of its own (v1_pb2, v1alpha_pb2).
pb = {}
for v, rel in rels.items():
    d = os.path.join(tmp, v)
    os.makedirs(d)
    subprocess.run(["cp", os.path.join(proto_dir, rel), os.path.join(d, v + ".proto")],
                   check=True)
    subprocess.run([PROTOC, "-I" + d, "--python_out=" + d, v + ".proto"], check=True)
    sys.path.insert(0, d)
    pb[v] = __import__(v + "_pb2")
    sys.path.pop(0)

# The oracle: protoc's bytes for every file the server should know.
oracle = descriptor_set([TEST_DIR, WKT_DIR], ["refl/catalog.proto", "refl/partial.proto"])
oracle.update(descriptor_set([OUR_DIR], ["grpc/health/v1/health.proto",
                                         rels["v1"], rels["v1alpha"]], imports=False))
SERVICES = ["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection", "refl.catalog.Catalog",
            "refl.partial.Partial"]
CATALOG = "refl/catalog.proto"
CATALOG_DEPS = ["google/protobuf/empty.proto", "google/protobuf/timestamp.proto",
                "refl/common.proto"]

proc = subprocess.Popen([SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
try:
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        fail("reflect_server printed %r" % line)
    channel = grpc.insecure_channel("127.0.0.1:" + line.split()[1])

    def stream(v, requests):
        """Sends requests on one ServerReflectionInfo stream; the responses."""
        m = pb[v]
        call = channel.stream_stream(
            "/grpc.reflection.%s.ServerReflection/ServerReflectionInfo" % v,
            request_serializer=m.ServerReflectionRequest.SerializeToString,
            response_deserializer=m.ServerReflectionResponse.FromString)
        out = list(call(iter(requests), timeout=30))
        if len(out) != len(requests):
            fail("%s: %d requests, %d responses" % (v, len(requests), len(out)))
        for q, r in zip(requests, out):
            if r.original_request != q or r.valid_host != q.host:
                fail("%s: original_request/valid_host not echoed: %r" % (v, r))
        return out

    def files(r):
        if r.WhichOneof("message_response") != "file_descriptor_response":
            fail("not a file_descriptor_response: %r" % r)
        got = []
        for b in r.file_descriptor_response.file_descriptor_proto:
            name = descriptor_pb2.FileDescriptorProto.FromString(b).name
            if oracle.get(name) != b:
                fail("%s: the served bytes are not protoc's" % name)
            got.append(name)
        return got

    def not_found(r, what):
        if (r.WhichOneof("message_response") != "error_response" or
                r.error_response.error_code != NOT_FOUND):
            fail("%s: want NOT_FOUND, got %r" % (what, r))

    for v in versions:
        m = pb[v]
        Req, Ext = m.ServerReflectionRequest, m.ExtensionRequest
        symbols = {
            "refl.catalog.Catalog.GetItem": CATALOG,
            "refl.catalog.Item": CATALOG,
            "refl.catalog.Item.Tag": CATALOG,
            "refl.catalog.Item.sku": CATALOG,
            "refl.catalog.Shelf": CATALOG,
            "refl.catalog.TOP": CATALOG,
            "refl.common.Money": "refl/common.proto",
            "refl.common.Outer.Inner.Kind": "refl/common.proto",
            "refl.common.Outer.Inner.KIND_A": "refl/common.proto",
            "refl.common.GREEN": "refl/common.proto",
            "refl.common.note": "refl/common.proto",
            "google.protobuf.Timestamp": "google/protobuf/timestamp.proto",
            "grpc.health.v1.Health": "grpc/health/v1/health.proto",
            "grpc.reflection.v1alpha.ServerReflection": rels["v1alpha"],
            "grpc.reflection.v1.ServerReflectionRequest": rels["v1"],
        }
        reqs = [Req(host="h1", list_services=""),
                Req(file_containing_symbol="refl.catalog.Catalog")]
        reqs += [Req(host="h", file_containing_symbol=s) for s in symbols]
        reqs += [Req(file_containing_symbol="refl.catalog.Nope"),
                 Req(file_containing_symbol="refl.catalog"),
                 Req(file_by_filename="refl/common.proto"),
                 Req(file_by_filename="refl/nope.proto"),
                 Req(file_containing_extension=Ext(containing_type="refl.common.Money",
                                                   extension_number=150)),
                 Req(file_containing_extension=Ext(containing_type="refl.common.Money",
                                                   extension_number=101)),
                 Req(all_extension_numbers_of_type="refl.common.Money"),
                 Req(all_extension_numbers_of_type="refl.catalog.Item"),
                 Req(all_extension_numbers_of_type="refl.catalog.Shelf"),
                 Req(all_extension_numbers_of_type="refl.nope"),
                 Req(file_containing_symbol="refl.partial.Partial"),
                 Req(file_by_filename="refl/unlinked.proto")]
        rs = stream(v, reqs)
        names = [s.name for s in rs[0].list_services_response.service]
        if names != SERVICES:
            fail("%s: list_services = %r" % (v, names))
        got = files(rs[1])
        if got[0] != CATALOG or sorted(got[1:]) != CATALOG_DEPS:
            fail("%s: Catalog's files: %r" % (v, got))
        i = 2
        for s, want in symbols.items():
            got = files(rs[i])
            if got[0] != want:
                fail("%s: %s found in %r, want %s" % (v, s, got, want))
            # Imports go once per stream: catalog's are sent; the reflection
            # and health files import nothing.
            if len(got) != 1:
                fail("%s: %s: imports sent again on the same stream: %r" % (v, s, got))
            i += 1
        not_found(rs[i], "an unknown symbol")
        not_found(rs[i + 1], "a package name")
        if files(rs[i + 2]) != ["refl/common.proto"]:
            fail("%s: file_by_filename: %r" % (v, rs[i + 2]))
        not_found(rs[i + 3], "an unknown file")
        if files(rs[i + 4]) != ["refl/common.proto"]:
            fail("%s: file_containing_extension: %r" % (v, rs[i + 4]))
        not_found(rs[i + 5], "an unknown extension number")
        n = rs[i + 6].all_extension_numbers_response
        if n.base_type_name != "refl.common.Money" or sorted(n.extension_number) != [100, 150]:
            fail("%s: all_extension_numbers_of_type: %r" % (v, rs[i + 6]))
        n = rs[i + 7]
        if (n.WhichOneof("message_response") != "all_extension_numbers_response" or
                list(n.all_extension_numbers_response.extension_number)):
            fail("%s: a message without extensions: %r" % (v, n))
        not_found(rs[i + 8], "extensions of an enum")
        not_found(rs[i + 9], "extensions of an unknown type")
        if files(rs[i + 10]) != ["refl/partial.proto"]:
            fail("%s: partial.proto (its import not linked): %r" % (v, rs[i + 10]))
        not_found(rs[i + 11], "a file not linked in")
        print("ok: %s: list_services, %d symbols, files, extensions, errors" % (v, len(symbols)))

        # A new stream: the imports come again; then "describe": the files
        # build a pool in which the service resolves.
        rs = stream(v, [Req(file_containing_symbol="refl.catalog.Item"),
                        Req(file_by_filename=CATALOG)])
        got = files(rs[0])
        if got[0] != CATALOG or sorted(got[1:]) != CATALOG_DEPS or files(rs[1]) != [CATALOG]:
            fail("%s: a new stream's files: %r" % (v, got))
        pool = descriptor_pool.DescriptorPool()
        for name in reversed(got):  # imports first
            pool.Add(descriptor_pb2.FileDescriptorProto.FromString(oracle[name]))
        svc = pool.FindServiceByName("refl.catalog.Catalog")
        meths = {x.name: (x.input_type.full_name, x.output_type.full_name) for x in svc.methods}
        if meths != {"GetItem": ("refl.catalog.GetItemRequest", "refl.catalog.Item"),
                     "Ping": ("google.protobuf.Empty", "google.protobuf.Empty")}:
            fail("%s: described: %r" % (v, meths))
        added = pool.FindMessageTypeByName("refl.catalog.Item").fields_by_name["added"]
        if added.message_type.full_name != "google.protobuf.Timestamp":
            fail("%s: Item.added is %s" % (v, added.message_type.full_name))
        print("ok: %s: a new stream resends the imports; the files describe Catalog" % v)

    # A request with nothing set ends the stream INVALID_ARGUMENT? No: it is
    # answered (error_response INVALID_ARGUMENT) and the stream goes on.
    rs = stream("v1", [pb["v1"].ServerReflectionRequest(host="x"),
                       pb["v1"].ServerReflectionRequest(list_services="*")])
    if (rs[0].WhichOneof("message_response") != "error_response" or
            rs[0].error_response.error_code != 3 or
            len(rs[1].list_services_response.service) != len(SERVICES)):
        fail("an empty request: %r" % rs)
    print("ok: an empty request gets INVALID_ARGUMENT and the stream goes on")
finally:
    proc.stdin.close()
    rc = proc.wait(timeout=30)
if rc != 0:
    fail("reflect_server exited %d" % rc)
print("PASS")
