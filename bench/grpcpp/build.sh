#!/usr/bin/env bash
# build.sh OUT_DIR: builds the gRPC C++ helloworld.Greeter server
# (greeter_server.cc beside this file, helloworld.proto from
# examples/helloworld) into OUT_DIR/grpcpp_greeter_server, unless it is
# already newer than both sources, and prints its path. bench/load.sh and
# bench/coldstart.sh use it.
# Needs g++, protoc, pkg-config grpc++ (libgrpc++-dev) and grpc_cpp_plugin
# (protobuf-compiler-grpc); installs the last two with apt-get when missing
# and running as root.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${1:?usage: build.sh OUT_DIR}

if ! pkg-config --exists grpc++ || [ ! -x /usr/bin/grpc_cpp_plugin ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing libgrpc++-dev protobuf-compiler-grpc" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y libgrpc++-dev protobuf-compiler-grpc >&2
  else
    echo "build.sh: need libgrpc++-dev and protobuf-compiler-grpc" >&2
    exit 1
  fi
fi

mkdir -p "$OUT"
BIN=$OUT/grpcpp_greeter_server
if [ ! -x "$BIN" ] || [ "$HERE/greeter_server.cc" -nt "$BIN" ] ||
   [ "$ROOT/examples/helloworld/helloworld.proto" -nt "$BIN" ]; then
  protoc --cpp_out="$OUT" --grpc_out="$OUT" --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin \
    -I"$ROOT/examples/helloworld" helloworld.proto
  # shellcheck disable=SC2046
  g++ -O2 -std=c++17 -I"$OUT" "$HERE/greeter_server.cc" \
    "$OUT/helloworld.pb.cc" "$OUT/helloworld.grpc.pb.cc" \
    $(pkg-config --cflags --libs grpc++ protobuf) -o "$BIN" >&2
fi
echo "$BIN"
