#!/usr/bin/env bash
# run_interop.sh: runs one gRPC interop test case.
#
# Usage: run_interop.sh CASE SERVER_CMD... -- CLIENT_CMD...
#
# Starts SERVER_CMD --port 0 (it prints "PORT <n>" once it listens), runs
# CLIENT_CMD --server_host 127.0.0.1 --server_port <n> --test_case CASE
# with a time limit, then stops the server with SIGTERM and requires it to
# exit 0 (so sanitizer reports from the server fail the test too).  The
# server is killed on every exit path.
set -u
CASE=$1
shift
SERVER=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do SERVER+=("$1"); shift; done
shift
CLIENT=("$@")
if [ ${#SERVER[@]} -eq 0 ] || [ ${#CLIENT[@]} -eq 0 ]; then
  echo "usage: run_interop.sh CASE SERVER_CMD... -- CLIENT_CMD..." >&2
  exit 2
fi

TMP=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"${SERVER[@]}" --port 0 >"$TMP/out" 2>"$TMP/err" &
SERVER_PID=$!

PORT=
for _ in $(seq 1 200); do            # up to 20 s
  PORT=$(sed -n 's/^PORT \([0-9][0-9]*\)$/\1/p' "$TMP/out" | head -n 1)
  [ -n "$PORT" ] && break
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "run_interop: server exited before listening" >&2
    cat "$TMP/err" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$PORT" ]; then
  echo "run_interop: server did not report its port" >&2
  cat "$TMP/err" >&2
  exit 1
fi

timeout -k 5 60 "${CLIENT[@]}" --server_host 127.0.0.1 --server_port "$PORT" \
  --test_case "$CASE"
RC=$?
[ $RC -eq 124 ] && echo "run_interop: client timed out" >&2

# Stop the server gracefully and require a clean exit.
kill -TERM "$SERVER_PID" 2>/dev/null
SRC=
for _ in $(seq 1 150); do            # up to 15 s
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    wait "$SERVER_PID"
    SRC=$?
    break
  fi
  sleep 0.1
done
if [ -z "$SRC" ]; then
  echo "run_interop: server did not stop after SIGTERM" >&2
  RC=1
elif [ "$SRC" -ne 0 ]; then
  echo "run_interop: server exited with status $SRC" >&2
  RC=1
fi
SERVER_PID=
if [ -s "$TMP/err" ]; then
  echo "--- server stderr ---" >&2
  cat "$TMP/err" >&2
fi
exit $RC
