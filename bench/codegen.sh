#!/usr/bin/env bash
# codegen.sh — typerpc's message code generation against protoc + protoc-c.
#
#   bench/codegen.sh [N] [TYPERPC]
#
# Generates the big proto3 file (2,000 messages, 200 services) with
# shared/bench/gen-big-proto.py, then writes its .pb-c.[ch] N times (default
# 15) with `typerpc --c_out` and N times with `protoc --c_out` (protoc plus
# the protoc-gen-c plugin), interleaved so both see the same machine load.
# Prints each one's median wall and CPU time (user + system, children
# included: protoc runs protoc-gen-c), the ratios protoc-c/typerpc (above 1:
# typerpc is faster; on a loaded machine the CPU ratio is the steadier one)
# and the size of the generated code; with COMPILE=1 also
# the size of each one's object file (gcc -O2 -c; protoc-c's `inf`/`nan`
# spellings would not compile, but this file has none).
#
# TYPERPC defaults to build-release/typerpc, then build/typerpc. If that
# binary does not write .pb-c files yet (the CLI is wired separately), the
# generator's test driver beside it (tests/gen/gen_driver) is used: the same
# library call. Measure a build without sanitizers, e.g.
#   cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release && cmake --build build-release
# This is a benchmark, not a test: the machine is shared and noisy, so only
# the ratio measured in one run means anything.
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
  echo "codegen.sh: no typerpc binary; build one or pass its path as the 2nd argument" >&2
  exit 2
fi
typerpc=$(cd "$(dirname "$typerpc")" && pwd)/$(basename "$typerpc")
protoc=${PROTOC:-$(command -v protoc || true)}
if [[ -z $protoc ]] || ! command -v protoc-gen-c >/dev/null; then
  echo "codegen.sh: protoc and protoc-gen-c needed (Debian: protobuf-compiler, protobuf-c-compiler)" >&2
  exit 2
fi
gen=${GEN_BIG_PROTO:-}
if [[ -z $gen ]]; then
  for cand in "$root/../shared/bench/gen-big-proto.py" /work/shared/bench/gen-big-proto.py; do
    if [[ -f $cand ]]; then gen=$cand; break; fi
  done
fi
if [[ -z $gen || ! -f $gen ]]; then
  echo "codegen.sh: gen-big-proto.py not found; set GEN_BIG_PROTO" >&2
  exit 2
fi

work=$(mktemp -d /tmp/typerpc-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 "$gen" "$work/big.proto" >&2
size=$(wc -c <"$work/big.proto")
mkdir -p "$work/t" "$work/p"

generator=("$typerpc")
(cd "$work" && "$typerpc" -I . --c_out=t big.proto) >/dev/null 2>"$work/err" || true
if [[ ! -f $work/t/big.pb-c.c ]]; then
  driver="$(dirname "$typerpc")/tests/gen/gen_driver"
  if [[ ! -x $driver ]]; then
    echo "codegen.sh: $typerpc wrote no big.pb-c.c and $driver is missing:" >&2
    head "$work/err" >&2
    exit 1
  fi
  echo "note: $typerpc does not generate C yet; timing $driver (same generator)" >&2
  generator=("$driver")
fi
run_typerpc() { (cd "$work" && "${generator[@]}" -I . --c_out=t big.proto); }
run_protoc() { (cd "$work" && "$protoc" -I . --c_out=p big.proto); }
run_typerpc >/dev/null 2>"$work/err" || { echo "typerpc fails:" >&2; head "$work/err" >&2; exit 1; }
run_protoc >/dev/null 2>"$work/err" || { echo "protoc-c fails:" >&2; head "$work/err" >&2; exit 1; }

if [[ ! -x /usr/bin/time ]]; then
  echo "codegen.sh: /usr/bin/time not found (Debian: apt-get install time)" >&2
  exit 2
fi

# One timed run: appends "wall-ms cpu-ms" to $2 (cpu: user + system time of
# the process and its children, i.e. protoc plus its plugin).
measure() {
  local which=$1 out=$2 t0 t1 cpu
  local -a cmd
  if [[ $which == typerpc ]]; then cmd=("${generator[@]}" -I . --c_out=t big.proto)
  else cmd=("$protoc" -I . --c_out=p big.proto); fi
  t0=$EPOCHREALTIME
  (cd "$work" && /usr/bin/time -f "%U %S" -o time.txt "${cmd[@]}" >/dev/null 2>&1)
  t1=$EPOCHREALTIME
  cpu=$(awk '{ printf "%.3f", ($1 + $2) * 1000 }' "$work/time.txt")
  awk -v a="$t0" -v b="$t1" -v c="$cpu" 'BEGIN { printf "%.3f %s\n", (b - a) * 1000, c }' >>"$out"
}

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
bytes() { cat "$@" | wc -c; }
lines() { cat "$@" | wc -l; }

echo "input:    big.proto, $size bytes (gen-big-proto.py defaults: 2000 messages, 200 services)"
echo "runs:     $n each, interleaved"
printf 'typerpc:  median %9.1f ms wall %9.1f ms cpu   (%s)\n' "$tm" "$tc" "${generator[*]}"
printf 'protoc-c: median %9.1f ms wall %9.1f ms cpu   (%s + protoc-gen-c)\n' "$pm" "$pc" \
  "$("$protoc" --version)"
awk -v p="$pm" -v t="$tm" -v pc="$pc" -v tc="$tc" 'BEGIN {
  printf "ratio:    protoc-c/typerpc wall time %.1fx, cpu time %.1fx\n", p / t, pc / (tc > 0 ? tc : 1) }'
printf 'code:     typerpc  .h %8d B %6d lines   .c %8d B %6d lines\n' \
  "$(bytes "$work/t/big.pb-c.h")" "$(lines "$work/t/big.pb-c.h")" \
  "$(bytes "$work/t/big.pb-c.c")" "$(lines "$work/t/big.pb-c.c")"
printf '          protoc-c .h %8d B %6d lines   .c %8d B %6d lines   (protoc-c adds service stubs)\n' \
  "$(bytes "$work/p/big.pb-c.h")" "$(lines "$work/p/big.pb-c.h")" \
  "$(bytes "$work/p/big.pb-c.c")" "$(lines "$work/p/big.pb-c.c")"
if [[ ${COMPILE:-0} == 1 ]]; then
  cc=${CC:-cc}
  "$cc" -std=c11 -O2 -I "$work/t" -c "$work/t/big.pb-c.c" -o "$work/t.o"
  "$cc" -std=gnu11 -O2 -w -I "$work/p" -c "$work/p/big.pb-c.c" -o "$work/p.o"
  printf 'object:   typerpc %d B text+data, protoc-c %d B (gcc -O2)\n' \
    "$(size "$work/t.o" | awk 'NR == 2 { print $1 + $2 }')" \
    "$(size "$work/p.o" | awk 'NR == 2 { print $1 + $2 }')"
fi
