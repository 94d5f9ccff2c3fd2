#!/usr/bin/env bash
# The main job: build everything, then run the hello-world example end to end.
# (Until code generation lands, "end to end" means the compiler checks
# examples/helloworld/helloworld.proto and reports success.)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
build/typerpc -I examples/helloworld examples/helloworld/helloworld.proto
echo "helloworld: examples/helloworld/helloworld.proto checked, no errors"
