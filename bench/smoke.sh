#!/usr/bin/env bash
# smoke.sh CEILING GREETER UNARY_CLIENT STREAM_SERVER STREAM_CLIENT: runs
# each benchmark program once, small (ctest bench_smoke): the typerpc unary
# client, async with many calls in flight and blocking on several threads,
# against the nghttp2 ceiling server and against greeter_server; the
# streaming client on several threads against the typerpc streaming
# server, small and 1 KiB messages.  Every call must succeed (the clients
# check every reply) and every server must stop cleanly on SIGTERM (exit 0,
# so a sanitizer report in a server fails the test).  No timing is judged.
set -u
CEILING=$1 GREETER=$2 UNARY=$3 SSERVER=$4 SCLIENT=$5
TMP=$(mktemp -d)
PID=
cleanup() {
  [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "bench_smoke: $*" >&2; [ -s "$TMP/err" ] && cat "$TMP/err" >&2; exit 1; }

start() {  # start CMD...: sets PID and ADDR
  : >"$TMP/out"
  "$@" --listen 127.0.0.1:0 >"$TMP/out" 2>"$TMP/err" &
  PID=$!
  ADDR=
  for _ in $(seq 1 300); do
    ADDR=$(sed -n 's/.*listening on \(.*:[0-9][0-9]*\)$/\1/p' "$TMP/out" | head -n 1)
    [ -n "$ADDR" ] && return 0
    kill -0 "$PID" 2>/dev/null || fail "$1 exited before listening"
    sleep 0.1
  done
  fail "$1 did not report its address"
}
stop() {
  kill -TERM "$PID"
  local rc=
  for _ in $(seq 1 150); do
    if ! kill -0 "$PID" 2>/dev/null; then wait "$PID"; rc=$?; break; fi
    sleep 0.1
  done
  [ -n "$rc" ] || fail "server did not stop on SIGTERM"
  PID=
  [ "$rc" -eq 0 ] || fail "server exited with status $rc"
}
run() { echo "\$ $*"; timeout -k 5 120 "$@" || fail "failed: $*"; }

for server in "$CEILING" "$GREETER"; do
  start "$server"
  run "$UNARY" --target "$ADDR" --calls 3000 --inflight 64
  run "$UNARY" --target "$ADDR" --calls 1000 --threads 4
  stop
done

start "$SSERVER"
run "$SCLIENT" --target "$ADDR" --count 2000 --size 16
run "$SCLIENT" --target "$ADDR" --count 200 --size 1024 --streams 4 --rounds 2
run "$SCLIENT" --target "$ADDR" --count 20 --size 1048576 --streams 2
stop
echo "bench_smoke: every benchmark program ran"
