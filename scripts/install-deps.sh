#!/usr/bin/env bash
# Install every Debian 12 package that typerpc's build, tests and benchmarks
# use. The one list of dependencies: .ci/run and the README both call this.
set -euo pipefail

packages=(
  build-essential cmake pkg-config flex bison clang
  libprotobuf-c-dev protobuf-c-compiler protobuf-compiler libprotobuf-dev libprotoc-dev
  libcmocka-dev python3 time
  libnghttp2-dev libevent-dev python3-grpcio python3-protobuf nghttp2-client
  grpc-proto nginx haproxy libgrpc++-dev protobuf-compiler-grpc
  systemd
  libssl-dev openssl
)
# Message compression (runtime/base/compress.c): zlib.
packages+=(zlib1g-dev)
# The hostile-peer memory tests (tests/hostile) decode typerpc's HPACK with it.
packages+=(python3-hpack)
# The protobuf JSON codec (runtime/json/): jansson parses JSON text.
packages+=(libjansson-dev)
# HTTP/1.1 on the server's port (runtime/server/h1.c): http_parser parses
# it. curl calls the server in tests/h1, tests/protocols and tests/web.
packages+=(libhttp-parser-dev curl)
# The web client tests (tests/web): headless Chromium (driven by npm
# playwright-core) loads the pages.
packages+=(chromium)
# Node.js and npm: the grpc-js interop peer (tests/interop/node), buf
# (test_buf) and the corpus's npm collections (tests/corpus) come from the
# npm registry. Debian's packages only when neither is already there: a
# Node.js from elsewhere (NodeSource) bundles its own npm, which Debian's
# npm package would conflict with.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
