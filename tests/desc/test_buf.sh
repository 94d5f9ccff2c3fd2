#!/usr/bin/env bash
# test_buf.sh TYPERPC PLUGIN_DIR BUILD_DIR SOURCE_DIR
#
# `buf generate` (npm @bufbuild/buf, pinned in buf/package.json and
# buf/package-lock.json, installed with `npm ci` into BUILD_DIR/buf-npm) with
# buf/buf.gen.yaml, the README's example, running protoc-gen-typerpc from
# PLUGIN_DIR, writes exactly what `typerpc --c_out` writes: for the examples
# (helloworld; shop, four files importing each other) and for every file of
# tests/oracle/valid/ that buf itself accepts (`buf build`; buf checks a few
# things protoc does not, and those files are counted, not compared).
# Exit 77 (ctest: skipped) with a message when npm is not installed.
set -euo pipefail
typerpc=$1 plugin_dir=$2 build=$3 src=$4
here=$src/tests/desc

if ! command -v npm >/dev/null 2>&1; then
  echo "SKIP: npm is not installed, so buf (npm @bufbuild/buf) cannot be; Debian: apt-get install npm"
  exit 77
fi

# The README shows buf.gen.yaml as the test uses it.
while IFS= read -r line; do
  grep -qxF -- "$line" "$src/README.md" || {
    echo "FAIL: README.md lacks the buf.gen.yaml line: $line"; exit 1; }
done < "$here/buf/buf.gen.yaml"

npm_dir=$build/buf-npm
mkdir -p "$npm_dir"
if ! cmp -s "$here/buf/package-lock.json" "$npm_dir/package-lock.json" ||
   [ ! -x "$npm_dir/node_modules/.bin/buf" ]; then
  cp "$here/buf/package.json" "$here/buf/package-lock.json" "$npm_dir/"
  (cd "$npm_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
buf=$npm_dir/node_modules/.bin/buf
echo "buf $("$buf" --version)"

work=$(mktemp -d "${TMPDIR:-/tmp}/typerpc-buf-XXXXXX")
trap 'rm -rf "$work"' EXIT
export PATH="$plugin_dir:$PATH"
export BUF_CACHE_DIR="$work/cache"
cp "$here/buf/buf.gen.yaml" "$work/"

compared=0 rejected=0 failed=0 descriptor_bytes=0
# mask_descriptor FILE: FILE without its embedded descriptor's bytes and
# length (the __data array, the struct's number lines).
mask_descriptor() {
  awk '/__data\[[0-9]+\] =$/ { skip = 1 }
       skip && /^};$/ { skip = 0; next }
       !skip && !/^  [0-9]+,$/' "$1" >"$1.m" && mv "$1.m" "$1"
}

# compare LABEL MODULE_DIR: buf generate on the module against typerpc --c_out
# on all its files.
compare() {
  local label=$1 module=$2
  rm -rf "$work/out" "$work/ref"
  mkdir -p "$work/out" "$work/ref/gen"
  if ! "$buf" build "$module" -o /dev/null >"$work/log" 2>&1; then
    rejected=$((rejected + 1))
    return
  fi
  compared=$((compared + 1))
  local files
  files=$(cd "$module" && find . -name '*.proto' | sed 's|^\./||' | sort)
  if ! (cd "$work" && "$buf" generate "$module" --template buf.gen.yaml -o out) >"$work/log" 2>&1; then
    echo "FAIL $label: buf generate failed:"; head -20 "$work/log"
    failed=$((failed + 1))
    return
  fi
  # shellcheck disable=SC2086
  (cd "$module" && "$typerpc" -I . -I /usr/include --c_out="$work/ref/gen" $files) 2>/dev/null
  mkdir -p "$work/out/gen"
  if ! diff -r "$work/ref/gen" "$work/out/gen" >"$work/diff" 2>&1; then
    # The one allowed difference: the embedded FileDescriptorProto (server
    # reflection) is the plugin's request's, as buf serialized it, and buf
    # writes the bytes of some custom options in another order than protoc
    # (whose order typerpc --c_out writes). The rest must be the same.
    local d
    for d in ref out; do
      rm -rf "$work/$d-masked"
      cp -r "$work/$d/gen" "$work/$d-masked"
      find "$work/$d-masked" -name '*.pb-c.c' | while IFS= read -r f; do
        mask_descriptor "$f"
      done
    done
    if diff -r "$work/ref-masked" "$work/out-masked" >"$work/diff" 2>&1; then
      descriptor_bytes=$((descriptor_bytes + 1))
    else
      echo "FAIL $label: buf generate's output differs from typerpc --c_out's:"
      head -20 "$work/diff"
      failed=$((failed + 1))
    fi
  fi
}

compare examples/helloworld "$src/examples/helloworld"
mkdir -p "$work/shop"
cp "$src"/examples/shop/*.proto "$work/shop/"
compare examples/shop "$work/shop"
for f in "$src"/tests/oracle/valid/*.proto; do
  rm -rf "$work/one"
  mkdir -p "$work/one"
  cp "$f" "$work/one/"
  compare "valid/$(basename "$f")" "$work/one"
done

echo "buf generate: $compared modules compared, $failed differ, $rejected rejected by buf build"
echo "  ($descriptor_bytes of the same but for buf's order of option bytes in the embedded descriptor)"
[ "$failed" -eq 0 ] && [ "$compared" -gt 100 ]
