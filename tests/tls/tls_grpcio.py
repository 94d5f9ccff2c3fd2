#!/usr/bin/env python3
"""TLS and mutual TLS between typerpc and Python grpcio, both directions,
through the hello-world example programs.

Usage: tls_grpcio.py GREETER_SERVER GREETER_CLIENT GEN_CERTS PB_DIR

 1. grpcio client -> greeter_server --tls-cert/--tls-key: TLS calls by host
    name and by IP address; a client trusting another CA fails; a
    plaintext client and one offering only ALPN spdy/3 are refused.
 2. grpcio client -> greeter_server --tls-client-ca (mutual TLS): the reply
    names the verified client; without a client certificate the call fails.
 3. Certificate rotation: the server's files are replaced and SIGHUP
    reloads them; a new grpcio channel trusting only the new CA succeeds.
 4. greeter_client --tls-ca -> grpcio server (grpc.ssl_server_credentials):
    by name and by IP address; --authority overrides the verified name;
    a wrong CA fails with the verification error.
 5. greeter_client with --tls-cert/--tls-key -> grpcio server requiring
    client certificates: grpcio sees CN alice; without one the call fails.
 6. Bearer tokens over TLS, through interceptors: greeter_server --token
    (a server interceptor) refuses grpcio calls without the token or with
    a wrong one UNAUTHENTICATED and answers those with it;
    greeter_client --token (a client interceptor) is answered by it and by
    a grpcio server that checks the token, which sees it.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent import futures

SERVER, CLIENT, GEN_CERTS, PB = sys.argv[1:5]
sys.path.insert(0, PB)

import grpc  # noqa: E402
import helloworld_pb2  # noqa: E402

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def start_server(args):
    log = tempfile.TemporaryFile(mode="w+")
    p = subprocess.Popen([SERVER, "--listen", "127.0.0.1:0", "--workers", "2"] + args,
                         stdout=log, stderr=subprocess.STDOUT, text=True)
    for _ in range(100):
        log.seek(0)
        text = log.read()
        for line in text.splitlines():
            if line.startswith("greeter_server: listening on "):
                port = int(line.split(":")[2].split()[0])
                return p, port, log
        if p.poll() is not None:
            raise SystemExit("greeter_server exited: " + text)
        time.sleep(0.1)
    raise SystemExit("greeter_server did not start")


def stop_server(p, log):
    p.send_signal(signal.SIGTERM)
    rc = p.wait(timeout=30)
    log.seek(0)
    text = log.read()
    check(rc == 0, "greeter_server stops cleanly (rc %d)" % rc)
    return text


def py_hello(target, creds, name, override=None, metadata=None):
    """SayHello from grpcio; returns (code, message-or-details)."""
    opts = [("grpc.ssl_target_name_override", override)] if override else []
    with grpc.secure_channel(target, creds, options=opts) as ch:
        call = ch.unary_unary("/helloworld.Greeter/SayHello",
                              request_serializer=helloworld_pb2.HelloRequest.SerializeToString,
                              response_deserializer=helloworld_pb2.HelloReply.FromString)
        try:
            rep = call(helloworld_pb2.HelloRequest(name=name), timeout=10, metadata=metadata)
            return grpc.StatusCode.OK, rep.message
        except grpc.RpcError as e:
            return e.code(), e.details()


def c_hello(args, name):
    r = subprocess.run([CLIENT] + args + [name], capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout.strip() + r.stderr.strip()


def main():
    d = tempfile.mkdtemp(prefix="typerpc-tls-grpcio-")
    try:
        run(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    if failures:
        print("%d failure(s)" % len(failures))
        sys.exit(1)
    print("all TLS interop checks passed")


def run(d):
    subprocess.run([GEN_CERTS, d], check=True)
    f = lambda n: os.path.join(d, n)  # noqa: E731
    ca, other_ca = read(f("ca.pem")), read(f("other-ca.pem"))
    client_key, client_crt = read(f("client.key")), read(f("client.pem"))

    # 1. grpcio client -> typerpc server over TLS
    p, port, log = start_server(["--tls-cert", f("server.pem"), "--tls-key", f("server.key")])
    creds = grpc.ssl_channel_credentials(root_certificates=ca)
    code, msg = py_hello("localhost:%d" % port, creds, "py")
    check(code == grpc.StatusCode.OK and msg == "Hello py",
          "grpcio -> typerpc TLS by name: %s %r" % (code, msg))
    code, msg = py_hello("127.0.0.1:%d" % port, creds, "ip")
    check(code == grpc.StatusCode.OK and msg == "Hello ip",
          "grpcio -> typerpc TLS by IP address: %s %r" % (code, msg))
    code, msg = py_hello("localhost:%d" % port,
                         grpc.ssl_channel_credentials(root_certificates=other_ca), "x")
    check(code == grpc.StatusCode.UNAVAILABLE,
          "grpcio trusting another CA is refused: %s %r" % (code, msg))
    # the typerpc client too, on the same server
    rc, out = c_hello(["--target", "localhost:%d" % port, "--tls-ca", f("ca.pem")], "c")
    check(rc == 0 and out == "Hello c", "greeter_client -> greeter_server TLS: %r" % out)
    rc, out = c_hello(["--target", "localhost:%d" % port], "plain")
    check(rc == 1 and "UNAVAILABLE" in out and "did not answer with HTTP/2" in out,
          "plaintext greeter_client on the TLS port: %r" % out)
    # ALPN: a client offering neither h2 nor http/1.1 gets the
    # no_application_protocol alert (openssl s_client as the client); one
    # offering only http/1.1 settles on it (served by the HTTP/1.1 bridge:
    # tests/h1)
    r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
                        "-alpn", "spdy/3", "-CAfile", f("ca.pem")],
                       input="", capture_output=True, text=True, timeout=30)
    check("no application protocol" in r.stdout + r.stderr,
          "a client offering only spdy/3 is refused with no_application_protocol")
    r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
                        "-alpn", "http/1.1", "-CAfile", f("ca.pem")],
                       input="", capture_output=True, text=True, timeout=30)
    check("ALPN protocol: http/1.1" in r.stdout + r.stderr,
          "a client offering only http/1.1 settles on it")
    stop_server(p, log)

    # 2. mutual TLS, with the server's files as live copies for step 3
    shutil.copy(f("server.pem"), f("live.pem"))
    shutil.copy(f("server.key"), f("live.key"))
    p, port, log = start_server(["--tls-cert", f("live.pem"), "--tls-key", f("live.key"),
                                 "--tls-client-ca", f("ca.pem")])
    mcreds = grpc.ssl_channel_credentials(root_certificates=ca, private_key=client_key,
                                          certificate_chain=client_crt)
    code, msg = py_hello("localhost:%d" % port, mcreds, "alice")
    check(code == grpc.StatusCode.OK and msg == "Hello alice (client O=typerpc tests,CN=alice)",
          "grpcio -> typerpc mutual TLS, identity: %s %r" % (code, msg))
    code, msg = py_hello("localhost:%d" % port, creds, "anon")
    check(code == grpc.StatusCode.UNAVAILABLE,
          "grpcio without a client certificate is refused: %s %r" % (code, msg))
    rc, out = c_hello(["--target", "localhost:%d" % port, "--tls-ca", f("ca.pem"),
                       "--tls-cert", f("client.pem"), "--tls-key", f("client.key")], "c")
    check(rc == 0 and out == "Hello c (client O=typerpc tests,CN=alice)",
          "greeter_client -> greeter_server mutual TLS: %r" % out)
    rc, out = c_hello(["--target", "localhost:%d" % port, "--tls-ca", f("ca.pem")], "c")
    check(rc == 1 and "certificate required" in out,
          "greeter_client without a client certificate: %r" % out)

    # 3. rotation: new files in place, SIGHUP
    shutil.copy(f("other-server.pem"), f("live.pem"))
    shutil.copy(f("other-server.key"), f("live.key"))
    p.send_signal(signal.SIGHUP)
    for _ in range(100):
        log.seek(0)
        if "TLS files reloaded" in log.read():
            break
        time.sleep(0.1)
    mcreds2 = grpc.ssl_channel_credentials(root_certificates=other_ca, private_key=client_key,
                                           certificate_chain=client_crt)
    code, msg = py_hello("localhost:%d" % port, mcreds2, "rotated")
    check(code == grpc.StatusCode.OK and msg.startswith("Hello rotated"),
          "after SIGHUP the new certificate is served: %s %r" % (code, msg))
    code, msg = py_hello("localhost:%d" % port, mcreds, "old")
    check(code == grpc.StatusCode.UNAVAILABLE,
          "after SIGHUP the old CA no longer verifies new connections: %s" % code)
    stop_server(p, log)

    # 4. typerpc client -> grpcio server over TLS
    seen = {}

    def say_hello(req, ctx):
        auth = ctx.auth_context()
        seen["cn"] = auth.get("x509_common_name", [b""])[0].decode()
        seen["authorization"] = dict(ctx.invocation_metadata()).get("authorization")
        return helloworld_pb2.HelloReply(message="Hello " + req.name)

    def grpcio_server(require_client_auth):
        srv = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        srv.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
            "helloworld.Greeter", {"SayHello": grpc.unary_unary_rpc_method_handler(
                say_hello, request_deserializer=helloworld_pb2.HelloRequest.FromString,
                response_serializer=helloworld_pb2.HelloReply.SerializeToString)}),))
        screds = grpc.ssl_server_credentials(
            [(read(f("server.key")), read(f("server.pem")))],
            root_certificates=ca if require_client_auth else None,
            require_client_auth=require_client_auth)
        port = srv.add_secure_port("127.0.0.1:0", screds)
        srv.start()
        return srv, port

    srv, port = grpcio_server(False)
    rc, out = c_hello(["--target", "localhost:%d" % port, "--tls-ca", f("ca.pem")], "c")
    check(rc == 0 and out == "Hello c", "greeter_client -> grpcio TLS by name: %r" % out)
    rc, out = c_hello(["--target", "127.0.0.1:%d" % port, "--tls-ca", f("ca.pem")], "ip")
    check(rc == 0 and out == "Hello ip", "greeter_client -> grpcio TLS by IP address: %r" % out)
    rc, out = c_hello(["--target", "127.0.0.1:%d" % port, "--tls-ca", f("ca.pem"),
                       "--authority", "localhost"], "auth")
    check(rc == 0 and out == "Hello auth", "greeter_client --authority localhost: %r" % out)
    rc, out = c_hello(["--target", "127.0.0.1:%d" % port, "--tls-ca", f("ca.pem"),
                       "--authority", "elsewhere.example"], "x")
    check(rc == 1 and "hostname mismatch" in out,
          "greeter_client --authority elsewhere.example: %r" % out)
    rc, out = c_hello(["--target", "localhost:%d" % port, "--tls-ca", f("other-ca.pem")], "x")
    check(rc == 1 and "UNAVAILABLE" in out and "certificate verify failed" in out,
          "greeter_client trusting another CA: %r" % out)
    srv.stop(0)

    # 5. typerpc client -> grpcio server requiring client certificates
    srv, port = grpcio_server(True)
    rc, out = c_hello(["--target", "localhost:%d" % port, "--tls-ca", f("ca.pem"),
                       "--tls-cert", f("client.pem"), "--tls-key", f("client.key")], "m")
    check(rc == 0 and out == "Hello m" and seen.get("cn") == "alice",
          "greeter_client -> grpcio mutual TLS (grpcio sees CN %r): %r" % (seen.get("cn"), out))
    rc, out = c_hello(["--target", "localhost:%d" % port, "--tls-ca", f("ca.pem")], "x")
    check(rc == 1 and "UNAVAILABLE" in out,
          "greeter_client without a certificate -> grpcio mutual TLS: %r" % out)
    srv.stop(0)

    # 6. bearer tokens over TLS (interceptors on both sides)
    p, port, log = start_server(["--tls-cert", f("server.pem"), "--tls-key", f("server.key"),
                                 "--token", "s3cret"])
    target = "localhost:%d" % port
    code, msg = py_hello(target, creds, "t", metadata=[("authorization", "Bearer s3cret")])
    check(code == grpc.StatusCode.OK and msg == "Hello t",
          "grpcio with the token -> greeter_server --token: %s %r" % (code, msg))
    code, msg = py_hello(target, creds, "none")
    check(code == grpc.StatusCode.UNAUTHENTICATED and "bearer token" in msg,
          "grpcio without a token is refused: %s %r" % (code, msg))
    code, msg = py_hello(target, creds, "bad", metadata=[("authorization", "Bearer guess")])
    check(code == grpc.StatusCode.UNAUTHENTICATED,
          "grpcio with a wrong token is refused: %s %r" % (code, msg))
    rc, out = c_hello(["--target", target, "--tls-ca", f("ca.pem"), "--token", "s3cret"], "c")
    check(rc == 0 and out == "Hello c", "greeter_client --token -> greeter_server: %r" % out)
    rc, out = c_hello(["--target", target, "--tls-ca", f("ca.pem"), "--token", "nope"], "c")
    check(rc == 1 and "UNAUTHENTICATED" in out,
          "greeter_client with a wrong token: %r" % out)
    stop_server(p, log)
    srv, port = grpcio_server(False)
    rc, out = c_hello(["--target", "localhost:%d" % port, "--tls-ca", f("ca.pem"),
                       "--token", "tok"], "g")
    check(rc == 0 and out == "Hello g" and seen.get("authorization") == "Bearer tok",
          "greeter_client --token -> grpcio sees %r: %r" % (seen.get("authorization"), out))
    srv.stop(0)


if __name__ == "__main__":
    main()
