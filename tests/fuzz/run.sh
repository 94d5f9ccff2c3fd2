#!/bin/sh
# run.sh BUILD_DIR SECONDS [TARGET...] — run libFuzzer targets, each for a
# bounded time (SECONDS each, one after the other).
#
# BUILD_DIR is a build configured with -DTYPERPC_FUZZ=ON and CC=clang, e.g.
#   CC=clang cmake -S . -B build-fuzz -DTYPERPC_FUZZ=ON -DTYPERPC_TESTS=OFF
#   cmake --build build-fuzz --target fuzz_frontend fuzz_server_input \
#     fuzz_client_response fuzz_parsers
#   tests/fuzz/run.sh build-fuzz 300 fuzz_server_input
# Without TARGET, every target built in BUILD_DIR runs.  Targets and their
# read-only seeds and dictionaries:
#   fuzz_frontend         tests/oracle/valid, tests/oracle/invalid; proto.dict
#   fuzz_server_input     tests/fuzz/corpus/server_input; grpc.dict
#   fuzz_client_response  tests/fuzz/corpus/client_response; grpc.dict
#   fuzz_parsers          tests/fuzz/corpus/parsers; grpc.dict
# New inputs the fuzzer finds go to BUILD_DIR/fuzz-corpus/TARGET, crashes
# to BUILD_DIR/fuzz-artifacts/TARGET-*, the log to BUILD_DIR/TARGET.log.
# Prints each target's executions and coverage at the end and exits
# nonzero if a fuzzer found a crash.
set -eu
if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
oracle=$here/../oracle
all="fuzz_frontend fuzz_server_input fuzz_client_response fuzz_parsers"
if [ $# -eq 0 ]; then
  set --
  for t in $all; do
    if [ -x "$build/tests/fuzz/$t" ]; then
      set -- "$@" "$t"
    fi
  done
fi
if [ $# -eq 0 ]; then
  echo "$0: no fuzz target in $build/tests/fuzz; configure $build with CC=clang -DTYPERPC_FUZZ=ON and build it" >&2
  exit 2
fi
mkdir -p "$build/fuzz-artifacts"
failed=0
for t in "$@"; do
  bin=$build/tests/fuzz/$t
  case $t in
    fuzz_frontend)
      seeds="$oracle/valid $oracle/invalid"; dict=$here/proto.dict; maxlen=65536 ;;
    fuzz_server_input)
      seeds=$here/corpus/server_input; dict=$here/grpc.dict; maxlen=16384 ;;
    fuzz_client_response)
      seeds=$here/corpus/client_response; dict=$here/grpc.dict; maxlen=16384 ;;
    fuzz_parsers)
      seeds=$here/corpus/parsers; dict=$here/grpc.dict; maxlen=4096 ;;
    *)
      echo "$0: unknown target $t" >&2; exit 2 ;;
  esac
  if [ ! -x "$bin" ]; then
    echo "$0: $bin not found; build it in $build" >&2
    exit 2
  fi
  mkdir -p "$build/fuzz-corpus/$t"
  log=$build/$t.log
  status=0
  # shellcheck disable=SC2086 # seeds is a list of folders
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  "$bin" -max_total_time="$seconds" -max_len="$maxlen" -timeout=10 -rss_limit_mb=4096 \
    -dict="$dict" \
    -artifact_prefix="$build/fuzz-artifacts/$t-" -print_final_stats=1 \
    "$build/fuzz-corpus/$t" $seeds >"$log" 2>&1 || status=$?
  # The interesting part of the log: final stats and any sanitizer report.
  grep -E '^(Done|stat::|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written|Dictionary:|INFO: seed corpus)' "$log" || true
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.*\(cov: [0-9]* ft: [0-9]*\).*/\1/p')
  echo "$t: executions: ${execs:-unknown} in ${seconds} s, ${cov:-coverage unknown} (log: $log)"
  if [ "$status" -ne 0 ]; then
    echo "$t: fuzzer stopped with status $status: see $build/fuzz-artifacts/" >&2
    failed=1
  fi
done
exit "$failed"
