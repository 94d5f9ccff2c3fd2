#!/usr/bin/env bash
# Install every Debian 12 package that typerpc's build, tests and benchmarks
# use. The one list of dependencies: .ci/run and the README both call this.
set -euo pipefail

packages=(
  build-essential cmake pkg-config flex bison clang
  libprotobuf-c-dev protobuf-c-compiler protobuf-compiler libprotobuf-dev libprotoc-dev
  libcmocka-dev python3 time
  libnghttp2-dev libevent-dev python3-grpcio python3-protobuf nghttp2-client
  grpc-proto nginx libgrpc++-dev protobuf-compiler-grpc
  libssl-dev openssl
)
# The grpc-js interop peer (tests/interop/node) needs node and npm; Debian's
# only when neither is already there (e.g. a NodeSource node, which bundles
# npm and conflicts with Debian's npm package).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

# npm, for test_buf (buf from the npm registry): Debian's, unless an npm is
# already there (a nodejs from elsewhere ships its own, and Debian's would
# conflict with it).
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# The corpus test (tests/corpus) fetches npm packages with npm. Many machines
# have Node.js with its npm from elsewhere (nodesource), which Debian's npm
# package would conflict with: install it only when there is no npm at all.
if ! command -v npm >/dev/null 2>&1; then
  missing+=(npm)
fi
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
