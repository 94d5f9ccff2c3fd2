#!/usr/bin/env bash
# The README's test command and what CI runs: build with AddressSanitizer,
# UndefinedBehaviorSanitizer and -Werror and run every test with ctest; then
# scripts/test-tsan.sh builds with ThreadSanitizer and runs again every test
# that starts typerpc's threads.  Both must pass.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
build_dir=${BUILD_DIR:-build-test}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug \
  -DTYPERPC_ASAN=ON -DTYPERPC_UBSAN=ON -DTYPERPC_WERROR=ON >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
# Twice as many tests as cores: most of them wait on child processes,
# sockets and timers far more than they compute.
ctest --test-dir "$build_dir" --output-on-failure -j"$((2 * $(nproc)))"

scripts/test-tsan.sh
