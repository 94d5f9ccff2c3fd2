#!/usr/bin/env bash
# build.sh OUT_DIR [PROGRAM...]: builds gRPC C++ benchmark programs (the
# PROGRAM.cc files beside this file) into OUT_DIR/grpcpp_PROGRAM, each only
# when older than its sources, and prints their paths, one a line in the
# order asked.  PROGRAM: greeter_server (the default; helloworld.proto from
# examples/helloworld), unary_client (same proto), stream_server and
# stream_client (bench/proto/streambench.proto).  bench/load.sh,
# bench/coldstart.sh, bench/server.sh, bench/client.sh and bench/stream.sh
# use it.  Built with -O2 against Debian's gRPC C++ (pkg-config grpc++).
# Needs g++, protoc, pkg-config grpc++ (libgrpc++-dev) and grpc_cpp_plugin
# (protobuf-compiler-grpc); installs the last two with apt-get when missing
# and running as root.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${1:?usage: build.sh OUT_DIR [PROGRAM...]}
shift
[ $# -gt 0 ] || set -- greeter_server

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
# shellcheck disable=SC2207
FLAGS=($(pkg-config --cflags --libs grpc++ protobuf))

stale() {  # stale TARGET SOURCE...: true if TARGET is missing or older than a source
  local t=$1 s
  shift
  [ -e "$t" ] || return 0
  for s in "$@"; do [ "$s" -nt "$t" ] && return 0; done
  return 1
}

# proto_objects DIR NAME: generates and compiles NAME.proto from DIR once;
# sets OBJS to its two object files.
proto_objects() {
  local dir=$1 name=$2
  OBJS=("$OUT/$name.pb.o" "$OUT/$name.grpc.pb.o")
  if stale "${OBJS[1]}" "$dir/$name.proto"; then
    protoc --cpp_out="$OUT" --grpc_out="$OUT" --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin \
      -I"$dir" "$name.proto"
    g++ -O2 -std=c++17 -I"$OUT" -c "$OUT/$name.pb.cc" -o "$OUT/$name.pb.o" "${FLAGS[@]}" >&2
    g++ -O2 -std=c++17 -I"$OUT" -c "$OUT/$name.grpc.pb.cc" -o "$OUT/$name.grpc.pb.o" \
      "${FLAGS[@]}" >&2
  fi
}

for prog in "$@"; do
  case $prog in
    greeter_server|unary_client) proto_objects "$ROOT/examples/helloworld" helloworld ;;
    stream_server|stream_client) proto_objects "$ROOT/bench/proto" streambench ;;
    *) echo "build.sh: unknown program '$prog'" >&2; exit 2 ;;
  esac
  bin=$OUT/grpcpp_$prog
  if stale "$bin" "$HERE/$prog.cc" "${OBJS[@]}"; then
    g++ -O2 -std=c++17 -Wall -Wextra -I"$OUT" "$HERE/$prog.cc" "${OBJS[@]}" "${FLAGS[@]}" \
      -o "$bin" >&2
  fi
  echo "$bin"
done
