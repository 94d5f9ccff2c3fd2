#!/bin/sh
# run.sh BUILD_DIR SECONDS — fuzz the front end for a bounded time.
#
# BUILD_DIR is a build configured with -DTYPERPC_FUZZ=ON and CC=clang, e.g.
#   CC=clang cmake -S . -B build-fuzz -DTYPERPC_FUZZ=ON && cmake --build build-fuzz
#   tests/fuzz/run.sh build-fuzz 300
# The seed corpus is tests/oracle/valid and tests/oracle/invalid (read only),
# the dictionary tests/fuzz/proto.dict;
# new inputs the fuzzer finds go to BUILD_DIR/fuzz-corpus, crashes to
# BUILD_DIR/fuzz-artifacts/. Prints the number of executions at the end and
# exits nonzero if the fuzzer found a crash.
set -eu
if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
oracle=$here/../oracle
bin=$build/tests/fuzz/fuzz_frontend
if [ ! -x "$bin" ]; then
  echo "$0: $bin not found; configure $1 with CC=clang -DTYPERPC_FUZZ=ON and build it" >&2
  exit 2
fi
mkdir -p "$build/fuzz-corpus" "$build/fuzz-artifacts"
log=$build/fuzz.log
status=0
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
"$bin" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
  -dict="$here/proto.dict" \
  -artifact_prefix="$build/fuzz-artifacts/" -print_final_stats=1 \
  "$build/fuzz-corpus" "$oracle/valid" "$oracle/invalid" >"$log" 2>&1 || status=$?
# The interesting part of the log: final stats and any sanitizer report.
grep -E '^(Done|stat::|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written|Dictionary:|INFO: seed corpus)' "$log" || true
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
echo "executions: ${execs:-unknown} in ${seconds} s (log: $log)"
if [ "$status" -ne 0 ]; then
  echo "fuzzer stopped with status $status: see $build/fuzz-artifacts/" >&2
fi
exit "$status"
