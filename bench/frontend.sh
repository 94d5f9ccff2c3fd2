#!/usr/bin/env bash
# frontend.sh — typerpc's front end against protoc's on one big file.
#
#   bench/frontend.sh [N] [TYPERPC]
#
# Generates a large proto3 file (2,000 messages, 200 services) with
# shared/bench/gen-big-proto.py, then checks it N times (default 15) with
# typerpc and N times with protoc, both as `--descriptor_set_out=/dev/null`
# (each parses, checks and builds the same descriptor set),
# interleaved so both see the same machine load, and prints each one's median
# wall time and CPU time (user + system), the ratios protoc/typerpc (above 1:
# typerpc is faster; on a loaded machine the CPU ratio is the steadier one),
# and each one's peak resident memory (/usr/bin/time -v, "Maximum resident set
# size").
#
# TYPERPC defaults to build-release/typerpc, then build/typerpc. Measure a
# build without sanitizers, e.g.
#   cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release && cmake --build build-release
# This is a benchmark, not a test: the machine is shared and noisy, so only
# the ratio measured in one run means anything. bench/README.md has results.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
n=${1:-15}
typerpc=${2:-}
if [[ -z $typerpc ]]; then
  for cand in "$root/build-release/typerpc" "$root/build/typerpc"; do
    if [[ -x $cand ]]; then typerpc=$cand; break; fi
  done
fi
if [[ -z $typerpc || ! -x $typerpc ]]; then
  echo "frontend.sh: no typerpc binary; build one or pass its path as the 2nd argument" >&2
  exit 2
fi
typerpc=$(cd "$(dirname "$typerpc")" && pwd)/$(basename "$typerpc")
protoc=${PROTOC:-$(command -v protoc || true)}
if [[ -z $protoc ]]; then
  echo "frontend.sh: protoc not found (Debian: protobuf-compiler)" >&2
  exit 2
fi
if [[ ! -x /usr/bin/time ]]; then
  echo "frontend.sh: /usr/bin/time not found (Debian: apt-get install time)" >&2
  exit 2
fi
gen=${GEN_BIG_PROTO:-}
if [[ -z $gen ]]; then
  for cand in "$root/../shared/bench/gen-big-proto.py" /work/shared/bench/gen-big-proto.py; do
    if [[ -f $cand ]]; then gen=$cand; break; fi
  done
fi
if [[ -z $gen || ! -f $gen ]]; then
  echo "frontend.sh: gen-big-proto.py not found; set GEN_BIG_PROTO" >&2
  exit 2
fi

work=$(mktemp -d /tmp/typerpc-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 "$gen" "$work/big.proto" >&2
size=$(wc -c <"$work/big.proto")

run_typerpc() { (cd "$work" && "$typerpc" -I . --descriptor_set_out=/dev/null big.proto); }
run_protoc() { (cd "$work" && "$protoc" -I . --descriptor_set_out=/dev/null big.proto); }

# Both must accept the file before their times mean anything.
run_typerpc >/dev/null 2>"$work/err" || { echo "typerpc rejects the file:" >&2; head "$work/err" >&2; exit 1; }
run_protoc >/dev/null 2>"$work/err" || { echo "protoc rejects the file:" >&2; head "$work/err" >&2; exit 1; }

# One timed run of typerpc or protoc: appends "wall-ms cpu-ms" to $2. The
# compiler is started straight from this shell (no subshell, no time(1)
# wrapper) and timed by bash's `time`, which reads the child's own user and
# system time, so the measurement holds the compiler's own start-up and work
# and as little else as a shell allows; that matters for a run of a few tens
# of milliseconds.
measure() {
  local which=$1 out=$2 TIMEFORMAT='%3R %3U %3S'
  local -a cmd
  if [[ $which == typerpc ]]; then cmd=("$typerpc" -I . --descriptor_set_out=/dev/null big.proto)
  else cmd=("$protoc" -I . --descriptor_set_out=/dev/null big.proto); fi
  { time "${cmd[@]}" >/dev/null 2>&1; } 2>"$work/time.txt"
  awk '{ printf "%.3f %.3f\n", $1 * 1000, ($2 + $3) * 1000 }' "$work/time.txt" >>"$out"
}

# Peak memory, from separate runs under time(1).
peak_kb() {
  /usr/bin/time -v -o "$work/time.txt" "$@" >/dev/null 2>&1
  sed -n 's/.*Maximum resident set size (kbytes): *//p' "$work/time.txt"
}

cd "$work"
: >"$work/t.txt"
: >"$work/p.txt"
for ((i = 0; i < n; i++)); do
  if ((i % 2)); then
    measure protoc "$work/p.txt"; measure typerpc "$work/t.txt"
  else
    measure typerpc "$work/t.txt"; measure protoc "$work/p.txt"
  fi
done

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
tm=$(cut -d' ' -f1 "$work/t.txt" | median)
pm=$(cut -d' ' -f1 "$work/p.txt" | median)
tc=$(cut -d' ' -f2 "$work/t.txt" | median)
pc=$(cut -d' ' -f2 "$work/p.txt" | median)
tkb=$(peak_kb "$typerpc" -I . --descriptor_set_out=/dev/null big.proto)
pkb=$(peak_kb "$protoc" -I . --descriptor_set_out=/dev/null big.proto)

echo "input:   big.proto, $size bytes (gen-big-proto.py defaults: 2000 messages, 200 services)"
echo "runs:    $n each, interleaved"
printf 'typerpc: median %9.1f ms wall %9.1f ms cpu   peak RSS %7.1f MB   (%s)\n' "$tm" "$tc" \
  "$(awk -v k="$tkb" 'BEGIN { print k / 1024 }')" "$typerpc"
printf 'protoc:  median %9.1f ms wall %9.1f ms cpu   peak RSS %7.1f MB   (%s)\n' "$pm" "$pc" \
  "$(awk -v k="$pkb" 'BEGIN { print k / 1024 }')" "$("$protoc" --version)"
awk -v p="$pm" -v t="$tm" -v pc="$pc" -v tc="$tc" -v pk="$pkb" -v tk="$tkb" 'BEGIN {
  printf "ratio:   protoc/typerpc wall time %.2fx, cpu time %.2fx, memory %.2fx\n",
    p / t, pc / (tc > 0 ? tc : 1), pk / tk }'
