#!/usr/bin/env bash
# End-to-end check of the hello-world example:
#   run-e2e.sh GREETER_SERVER GREETER_CLIENT PROTO_DIR [PROTOC] [PYTHON3]
# 1. greeter_server on 127.0.0.1 with a free port; greeter_client must print
#    "Hello NAME"; a Python grpcio client (messages from protoc --python_out,
#    no gRPC plugin) must get the same reply, proving any gRPC hello-world
#    client can call it (skipped, with a note, without protoc or grpcio);
#    the client against a stopped server must fail with UNAVAILABLE.
# 2. The same server and client over a unix socket in a temporary folder.
# The server must stop cleanly (exit 0) on SIGTERM and on SIGINT.
set -euo pipefail
server=$1 client=$2 proto_dir=$3 protoc=${4:-} python=${5:-}

tmp=$(mktemp -d /tmp/typerpc-helloworld-XXXXXX)
pid=
cleanup() {
    if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; [ -f "$tmp/server.log" ] && sed 's/^/  server: /' "$tmp/server.log" >&2; exit 1; }

# Start the server with $1 as --listen; sets pid and addr (the bound address).
start_server() {
    : > "$tmp/server.log"
    "$server" --listen "$1" --workers 2 > "$tmp/server.log" 2>&1 &
    pid=$!
    addr=
    for _ in $(seq 100); do
        addr=$(sed -n 's/^greeter_server: listening on //p' "$tmp/server.log")
        [ -n "$addr" ] && return 0
        kill -0 "$pid" 2>/dev/null || fail "greeter_server exited early"
        sleep 0.1
    done
    fail "greeter_server did not start"
}

# Stop the server with signal $1; it must exit 0 and log the stop.
stop_server() {
    kill -"$1" "$pid"
    local rc=0
    wait "$pid" || rc=$?
    pid=
    [ "$rc" -eq 0 ] || fail "greeter_server exited with $rc on SIG$1"
    grep -q "SIG$1, stopped" "$tmp/server.log" || fail "no stop line after SIG$1"
}

expect_hello() {
    local got
    got=$("$client" --target "$1" "$2") || fail "greeter_client --target $1 $2 failed"
    [ "$got" = "Hello $2" ] || fail "greeter_client printed '$got', want 'Hello $2'"
    echo "ok: greeter_client --target $1 '$2' -> $got"
}

# 1. TCP, free port.
start_server 127.0.0.1:0
echo "server: $(head -1 "$tmp/server.log")"
expect_hello "$addr" world
expect_hello "$addr" "gRPC from C, ünïcödé"

if [ -n "$protoc" ] && [ -n "$python" ] && "$python" -c 'import grpc, google.protobuf' 2>/dev/null; then
    "$protoc" -I"$proto_dir" --python_out="$tmp" "$proto_dir/helloworld.proto"
    got=$(cd "$tmp" && "$python" - "$addr" <<'PY'
import sys
import grpc
import helloworld_pb2

# A plain grpcio hello-world client: generic stub, no generated service code.
with grpc.insecure_channel(sys.argv[1]) as channel:
    say_hello = channel.unary_unary(
        "/helloworld.Greeter/SayHello",
        request_serializer=helloworld_pb2.HelloRequest.SerializeToString,
        response_deserializer=helloworld_pb2.HelloReply.FromString)
    print(say_hello(helloworld_pb2.HelloRequest(name="Python"), timeout=10).message)
PY
    ) || fail "grpcio client failed"
    [ "$got" = "Hello Python" ] || fail "grpcio client got '$got'"
    echo "ok: grpcio client -> $got"
else
    echo "note: protoc or python3-grpcio missing: grpcio client not run"
fi
stop_server TERM

# The server is gone: the client must fail, print the status, exit nonzero.
if out=$("$client" --target "$addr" world 2>&1); then fail "client succeeded without a server"; fi
echo "$out" | grep -q UNAVAILABLE || fail "client without a server printed '$out'"
echo "ok: no server -> $out"

# Limits are flags: a request over --max-message-size fails with
# RESOURCE_EXHAUSTED, and the server goes on serving.
: > "$tmp/server.log"
"$server" --listen 127.0.0.1:0 --workers 1 --max-message-size 64 --max-streams 4 \
    --idle-timeout 60000 > "$tmp/server.log" 2>&1 &
pid=$!
addr=
for _ in $(seq 100); do
    addr=$(sed -n 's/^greeter_server: listening on //p' "$tmp/server.log")
    [ -n "$addr" ] && break
    sleep 0.1
done
[ -n "$addr" ] || fail "greeter_server with limits did not start"
long=$(printf 'x%.0s' $(seq 100))
if out=$("$client" --target "$addr" "$long" 2>&1); then fail "a 100-byte name passed a 64-byte limit"; fi
echo "$out" | grep -q RESOURCE_EXHAUSTED || fail "over the limit, the client printed '$out'"
echo "ok: over --max-message-size -> $out"
expect_hello "$addr" small
stop_server TERM
if "$server" --max-streams 0 >/dev/null 2>&1; then fail "--max-streams 0 was accepted"; fi
echo "ok: a bad limit is a usage error"

# 2. Unix socket.
start_server "unix:$tmp/greeter.sock"
expect_hello "$addr" unix
stop_server INT
echo "helloworld e2e: all passed"
