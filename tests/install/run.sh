#!/usr/bin/env bash
# Install the build into a temporary prefix and use it as a user would:
#   run.sh CMAKE BUILD_DIR SOURCE_DIR LIBDIR
# 1. `cmake --install BUILD_DIR --prefix TMP`; check the files a user needs
#    are there and libtyperpc.so exports the public API (trpc_*) only.
# 2. examples/helloworld built standalone with CMake: find_package(typerpc
#    CONFIG) from the prefix, typerpc_generate(); greeter over a unix socket.
# 3. The same example with its plain Makefile and pkg-config; greeter over
#    127.0.0.1 on a free port.
# 4. typerpc_generate() dependencies: editing an imported .proto regenerates.
# Nothing is fetched from a network; everything lives in one temporary
# folder, removed on exit.  TYPERPC_TEST_CFLAGS (sanitizer flags) and CC
# come from ctest.
set -euo pipefail
cmake=$1 build=$2 src=$3 libdir=$4
cflags=${TYPERPC_TEST_CFLAGS:-}

tmp=$(mktemp -d /tmp/typerpc-install-XXXXXX)
prefix=$tmp/prefix
pid=
cleanup() {
    if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# Keep the user's environment from steering the build to another typerpc.
unset CMAKE_PREFIX_PATH PKG_CONFIG_PATH LD_LIBRARY_PATH typerpc_DIR || true

# --- 1. install ----------------------------------------------------------
"$cmake" --install "$build" --prefix "$prefix" > "$tmp/install.log" \
    || { cat "$tmp/install.log" >&2; fail "cmake --install"; }
for f in bin/typerpc bin/protoc-gen-typerpc "$libdir/libtyperpc.so" "$libdir/libtyperpc.a" \
         include/typerpc/typerpc.h include/typerpc/common.h \
         include/typerpc/server.h include/typerpc/channel.h \
         include/typerpc/health.h include/typerpc/systemd.h include/typerpc/json.h \
         "$libdir/cmake/typerpc/typerpcConfig.cmake" \
         "$libdir/cmake/typerpc/typerpcConfigVersion.cmake" \
         "$libdir/cmake/typerpc/typerpcTargets.cmake" \
         "$libdir/cmake/typerpc/typerpc_generate.cmake" \
         "$libdir/pkgconfig/typerpc.pc" share/man/man1/typerpc.1; do
    [ -e "$prefix/$f" ] || fail "not installed: $f"
done
echo "ok: installed $(find "$prefix" -type f -o -type l | wc -l) files under the prefix"

version=$("$prefix/bin/typerpc" --version) || fail "installed typerpc --version"
[[ $version == "typerpc "* ]] || fail "installed typerpc --version printed '$version'"
# Only the public API leaves the shared library (plus the version node).
leaked=$(nm -D --defined-only "$prefix/$libdir/libtyperpc.so" \
         | awk '{ print $NF }' | sed 's/@.*//' | grep -v -e '^trpc_' -e '^TYPERPC_0$' || true)
[ -z "$leaked" ] || fail "libtyperpc.so exports non-API symbols: $leaked"
echo "ok: libtyperpc.so exports $(nm -D --defined-only "$prefix/$libdir/libtyperpc.so" | grep -c ' trpc_') trpc_* symbols and nothing else"
# The plugin installed beside typerpc: protoc finds it on PATH by its name
# and writes what typerpc --c_out writes.
if command -v protoc > /dev/null; then
    mkdir -p "$tmp/plug/a" "$tmp/plug/b"
    (cd "$src/examples/helloworld" &&
     "$prefix/bin/typerpc" -I. --c_out="$tmp/plug/a" helloworld.proto &&
     PATH="$prefix/bin:$PATH" protoc -I. --typerpc_out="$tmp/plug/b" helloworld.proto) \
        || fail "protoc with the installed protoc-gen-typerpc"
    diff -r "$tmp/plug/a" "$tmp/plug/b" > /dev/null || fail "the installed plugin's output differs from typerpc --c_out's"
    echo "ok: protoc --typerpc_out with the installed plugin writes what typerpc --c_out writes"
fi
if command -v groff > /dev/null; then
    warn=$(groff -man -ww -z "$prefix/share/man/man1/typerpc.1" 2>&1) || true
    [ -z "$warn" ] || fail "groff warns about typerpc.1: $warn"
    echo "ok: typerpc.1 formats without warnings"
fi

# Start a greeter_server listening at $2 ($1: the binary); sets pid and addr.
start_server() {
    "$1" --listen "$2" > "$tmp/server.log" 2>&1 &
    pid=$!
    addr=
    for _ in $(seq 100); do
        addr=$(sed -n 's/^greeter_server: listening on //p' "$tmp/server.log")
        [ -n "$addr" ] && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$tmp/server.log" >&2; fail "$1 exited early"; }
        sleep 0.1
    done
    fail "$1 did not start"
}
stop_server() {
    kill -TERM "$pid"
    local rc=0
    wait "$pid" || rc=$?
    pid=
    [ "$rc" -eq 0 ] || fail "greeter_server exited with $rc on SIGTERM"
}
# Run the greeter pair in folder $1 with the server at $2; expect "Hello NAME".
greet() {
    start_server "$1/greeter_server" "$2"
    local got
    got=$("$1/greeter_client" --target "$addr" "$3") || fail "greeter_client in $1 failed"
    [ "$got" = "Hello $3" ] || fail "greeter_client printed '$got', want 'Hello $3'"
    stop_server
    echo "ok: $1/greeter_client --target $addr '$3' -> $got"
}
# The programs must use the installed library, not the build tree's.
uses_prefix() {
    local libs
    libs=$(ldd "$1")
    grep -q "libtyperpc\.so.* => $prefix/" <<< "$libs" || fail "$1 does not load $prefix's libtyperpc: $libs"
}

# --- 2. CMake, standalone --------------------------------------------------
"$cmake" -S "$src/examples/helloworld" -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_FLAGS="$cflags" -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$tmp/cmake.log" 2>&1 \
    || { cat "$tmp/cmake.log" >&2; fail "configuring helloworld against the prefix"; }
"$cmake" --build "$tmp/cmake" -j2 >> "$tmp/cmake.log" 2>&1 \
    || { cat "$tmp/cmake.log" >&2; fail "building helloworld with CMake"; }
grep -q "$prefix/bin/typerpc" "$tmp/cmake/CMakeFiles/helloworld_proto.dir/build.make" 2>/dev/null \
    || grep -rqs "$prefix/bin/typerpc" "$tmp/cmake/build.ninja" \
    || fail "the CMake build did not run the installed typerpc"
uses_prefix "$tmp/cmake/greeter_server"
greet "$tmp/cmake" "unix:$tmp/cmake.sock" cmake

# --- 3. make + pkg-config --------------------------------------------------
mkdir "$tmp/make"
PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig" make -C "$tmp/make" -f "$src/examples/helloworld/Makefile" \
    CFLAGS="-O2 $cflags" LDFLAGS="$cflags" > "$tmp/make.log" 2>&1 \
    || { cat "$tmp/make.log" >&2; fail "building helloworld with make and pkg-config"; }
grep -q "^$prefix/bin/typerpc " "$tmp/make.log" || { cat "$tmp/make.log" >&2; fail "make did not run the installed typerpc"; }
export LD_LIBRARY_PATH="$prefix/$libdir"
uses_prefix "$tmp/make/greeter_client"
greet "$tmp/make" 127.0.0.1:0 make
unset LD_LIBRARY_PATH

# --- 4. typerpc_generate(): an edited import regenerates --------------------
# cart.proto imports money.proto; both are generated (cart's header includes
# money's), and editing only money.proto must rerun the compiler for cart
# too: that edge is known only from the compiler's dependency file.
mkdir -p "$tmp/dep/proto/shop"
cat > "$tmp/dep/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.18)
project(dep LANGUAGES C)
find_package(typerpc CONFIG REQUIRED)
if(NOT TARGET typerpc::protoc-gen-typerpc)
  message(FATAL_ERROR "the package does not export typerpc::protoc-gen-typerpc")
endif()
add_executable(use use.c)
typerpc_generate(TARGET use IMPORT_DIRS proto
                 PROTOS proto/shop/cart.proto proto/shop/money.proto)
CMAKE
cat > "$tmp/dep/proto/shop/money.proto" <<'PROTO'
syntax = "proto3";
package shop;
message Money { int64 cents = 1; }
PROTO
cat > "$tmp/dep/proto/shop/cart.proto" <<'PROTO'
syntax = "proto3";
package shop;
import "shop/money.proto";
// Not a service: service Fake {}
/* Nor this: service Fake2 { rpc X(Cart) returns (Cart); } */
message Cart { Money total = 1; }
PROTO
cat > "$tmp/dep/use.c" <<'C'
#include "shop/cart.pb-c.h"
int main(void) { Shop__Cart cart = SHOP__CART__INIT; return cart.total != 0; }
C
dep_build() {
    "$cmake" --build "$tmp/dep/build" > "$tmp/dep.log" 2>&1 || { cat "$tmp/dep.log" >&2; fail "building the import test"; }
}
"$cmake" -S "$tmp/dep" -B "$tmp/dep/build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_FLAGS="$cflags" > "$tmp/dep.log" 2>&1 || { cat "$tmp/dep.log" >&2; fail "configuring the import test"; }
dep_build
gen=$tmp/dep/build/typerpc_gen/use/shop
[ -f "$gen/cart.pb-c.c" ] && [ -f "$gen/money.pb-c.c" ] || fail "no generated code under $gen"
[ ! -e "$gen/cart.trpc.c" ] || fail "cart.trpc.c generated for a file without services"
grep -q "shop/cart.proto" "$tmp/dep.log" || fail "first build did not generate cart"
dep_build
! grep -q "generating" "$tmp/dep.log" || fail "a second build with no edits regenerated: $(cat "$tmp/dep.log")"
sleep 1   # a coarse file system clock must see the edit as newer
sed -i 's/int64 cents = 1;/int64 cents = 1; string currency = 2;/' "$tmp/dep/proto/shop/money.proto"
dep_build
grep -q "generating C code from shop/cart.proto" "$tmp/dep.log" \
    || { cat "$tmp/dep.log" >&2; fail "editing the imported money.proto did not regenerate cart"; }
grep -q "currency" "$gen/money.pb-c.h" || fail "money.pb-c.h was not regenerated"
echo "ok: typerpc_generate(): editing an imported .proto regenerates its importers"

echo "install test: all passed"
