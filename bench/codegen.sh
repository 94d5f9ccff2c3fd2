#!/usr/bin/env bash
# codegen.sh — typerpc's code generation against protoc + protoc-c.
#
#   bench/codegen.sh [N] [TYPERPC]
#
# Generates the big proto3 file (2,000 messages, 200 services) with
# shared/bench/gen-big-proto.py, then writes its C code N times (default 15)
# with each contender, interleaved so all see the same machine load:
#
#   typerpc   typerpc --c_out: big.pb-c.[ch] and, for the services,
#             big.trpc.[ch] (everything a user's build gets from it)
#   protoc    protoc --c_out: protoc plus the protoc-gen-c plugin
#             (protobuf-c's generator, run as protoc runs any plugin)
#   protoc-c  protoc-c --c_out: protobuf-c's compiler with the generator
#             built in (no plugin pipe); only if protoc-c is installed
#
# Prints each one's median wall and CPU time (user + system, children
# included: protoc runs protoc-gen-c), its peak resident memory, the ratios
# peer/typerpc (above 1: typerpc is faster; on a loaded machine the CPU
# ratio is the steadier one) and the size of the generated message code;
# with COMPILE=1 also the size of each one's object file (gcc -O2 -c;
# protoc-c's `inf`/`nan` spellings would not compile, but this file has
# none).
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
  echo "codegen.sh: no typerpc binary; build one or pass its path as the 2nd argument" >&2
  exit 2
fi
typerpc=$(cd "$(dirname "$typerpc")" && pwd)/$(basename "$typerpc")
protoc=${PROTOC:-$(command -v protoc || true)}
if [[ -z $protoc ]] || ! command -v protoc-gen-c >/dev/null; then
  echo "codegen.sh: protoc and protoc-gen-c needed (Debian: protobuf-compiler, protobuf-c-compiler)" >&2
  exit 2
fi
protoc_c=$(command -v protoc-c || true)
if [[ ! -x /usr/bin/time ]]; then
  echo "codegen.sh: /usr/bin/time not found (Debian: apt-get install time)" >&2
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
cd "$work"
mkdir -p t p c

contenders=(typerpc protoc)
[[ -n $protoc_c ]] && contenders+=(protoc-c)
# The command line of contender $1.
command_of() {
  case $1 in
  typerpc) cmd=("$typerpc" -I . --c_out=t big.proto) ;;
  protoc) cmd=("$protoc" -I . --c_out=p big.proto) ;;
  protoc-c) cmd=("$protoc_c" -I . --c_out=c big.proto) ;;
  esac
}

# All must accept the file before their times mean anything.
for who in "${contenders[@]}"; do
  command_of "$who"
  "${cmd[@]}" >/dev/null 2>"$work/err" || { echo "$who fails:" >&2; head "$work/err" >&2; exit 1; }
done

# One timed run: appends "wall-ms cpu-ms" to $who.txt. bash's `time` reads
# the child's user and system time (children included) to the millisecond.
measure() {
  local who=$1 TIMEFORMAT='%3R %3U %3S'
  command_of "$who"
  { time "${cmd[@]}" >/dev/null 2>&1; } 2>"$work/time.txt"
  awk '{ printf "%.3f %.3f\n", $1 * 1000, ($2 + $3) * 1000 }' "$work/time.txt" >>"$work/$who.txt"
}

# Peak memory of the biggest process (for protoc, protoc or its plugin).
peak_kb() {
  command_of "$1"
  /usr/bin/time -v -o "$work/time.txt" "${cmd[@]}" >/dev/null 2>&1
  sed -n 's/.*Maximum resident set size (kbytes): *//p' "$work/time.txt"
}

for who in "${contenders[@]}"; do : >"$work/$who.txt"; done
for ((i = 0; i < n; i++)); do
  # Rotate the order so no contender always runs right after another.
  k=${#contenders[@]}
  for ((j = 0; j < k; j++)); do measure "${contenders[(i + j) % k]}"; done
done

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
declare -A wall cpu mem
for who in "${contenders[@]}"; do
  wall[$who]=$(cut -d' ' -f1 "$work/$who.txt" | median)
  cpu[$who]=$(cut -d' ' -f2 "$work/$who.txt" | median)
  mem[$who]=$(peak_kb "$who")
done
bytes() { cat "$@" | wc -c; }
lines() { cat "$@" | wc -l; }

echo "input:    big.proto, $size bytes (gen-big-proto.py defaults: 2000 messages, 200 services)"
echo "runs:     $n each, interleaved"
for who in "${contenders[@]}"; do
  printf '%-9s median %8.1f ms wall %8.1f ms cpu   peak RSS %6.1f MB\n' "$who:" "${wall[$who]}" \
    "${cpu[$who]}" "$(awk -v k="${mem[$who]}" 'BEGIN { print k / 1024 }')"
done
echo "versions: $("$protoc" --version)${protoc_c:+, $("$protoc_c" --version 2>&1 | head -1)}"
for who in "${contenders[@]}"; do
  [[ $who == typerpc ]] && continue
  awk -v w="$who" -v p="${wall[$who]}" -v t="${wall[typerpc]}" -v pc="${cpu[$who]}" \
    -v tc="${cpu[typerpc]}" -v pk="${mem[$who]}" -v tk="${mem[typerpc]}" 'BEGIN {
    printf "ratio:    %s/typerpc wall time %.1fx, cpu time %.1fx, memory %.1fx\n",
      w, p / t, pc / (tc > 0 ? tc : 1), pk / tk }'
done
printf 'code:     typerpc  .h %8d B %6d lines   .c %8d B %6d lines   (+ .trpc.[ch] %d B)\n' \
  "$(bytes t/big.pb-c.h)" "$(lines t/big.pb-c.h)" \
  "$(bytes t/big.pb-c.c)" "$(lines t/big.pb-c.c)" "$(bytes t/big.trpc.h t/big.trpc.c)"
printf '          protoc-c .h %8d B %6d lines   .c %8d B %6d lines   (protoc-c adds service stubs)\n' \
  "$(bytes p/big.pb-c.h)" "$(lines p/big.pb-c.h)" \
  "$(bytes p/big.pb-c.c)" "$(lines p/big.pb-c.c)"
if [[ ${COMPILE:-0} == 1 ]]; then
  cc=${CC:-cc}
  "$cc" -std=c11 -O2 -I t -c t/big.pb-c.c -o t.o
  "$cc" -std=gnu11 -O2 -w -I p -c p/big.pb-c.c -o p.o
  printf 'object:   typerpc %d B text+data, protoc-c %d B (gcc -O2)\n' \
    "$(size t.o | awk 'NR == 2 { print $1 + $2 }')" \
    "$(size p.o | awk 'NR == 2 { print $1 + $2 }')"
fi
