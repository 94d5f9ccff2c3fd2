#!/usr/bin/env bash
# Build with ThreadSanitizer, UndefinedBehaviorSanitizer and -Werror, then
# run with ctest the tests that start typerpc's threads: the runtime's
# programs, every interop test with typerpc on one side, the install test,
# scale-out behind nginx, the regression programs and the examples.  The
# rest of the suite (the compiler's tests, type safety, the README check, the
# interop controls between the peers themselves) runs no threads of ours and
# is left to the ASan+UBSan build (tests/CMakeLists.txt says why).
# scripts/test.sh, the README's test command, runs this after that build.
#
# Every instrumented process writes its reports to a scratch folder
# (TSAN_OPTIONS log_path), not to its stderr: a server run by a script whose
# exit status nobody reads cannot hide a race that way.  Any report fails
# the run and is printed at the end.  The runtime needs no suppression:
# libevent, nghttp2 and libprotobuf-c are Debian's uninstrumented builds,
# their locking is pthread's (intercepted), and a wake-up through a pipe or
# an eventfd is a happens-before edge TSan models.  Extra TSAN_OPTIONS from
# the environment are kept (after ours, so they win).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
build_dir=${TSAN_BUILD_DIR:-build-tsan}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug \
  -DTYPERPC_TSAN=ON -DTYPERPC_UBSAN=ON -DTYPERPC_WERROR=ON >/dev/null
cmake --build "$build_dir" -j"$(nproc)"

reports=$(mktemp -d /tmp/typerpc-tsan.XXXXXX)
trap 'rm -rf "$reports"' EXIT
export TSAN_OPTIONS="log_path=$reports/tsan second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
rc=0
# Twice as many tests as cores, as scripts/test.sh runs them.
ctest --test-dir "$build_dir" --output-on-failure -j"$((2 * $(nproc)))" || rc=$?

shopt -s nullglob
found=("$reports"/tsan.*)
if [ ${#found[@]} -gt 0 ]; then
  for f in "${found[@]}"; do
    echo "---- ThreadSanitizer report ($(basename "$f")) ----" >&2
    cat "$f" >&2
  done
  echo "test-tsan: ThreadSanitizer reported in ${#found[@]} process(es)" >&2
  rc=1
fi
exit "$rc"
