#!/usr/bin/env bash
# Build with AddressSanitizer, UndefinedBehaviorSanitizer and -Werror, then
# run every test with ctest. This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
build_dir=${BUILD_DIR:-build-test}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug \
  -DTYPERPC_ASAN=ON -DTYPERPC_UBSAN=ON -DTYPERPC_WERROR=ON >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)"
