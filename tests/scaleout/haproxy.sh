#!/usr/bin/env bash
# Scale-out behind HAProxy:  haproxy.sh GREETER_SERVER FANOUT_CLIENT [HAPROXY]
#
# The same three greeter_server instances as run.sh (nginx), behind HAProxy
# (Debian's haproxy 2.6): an HTTP/2 frontend (`proto h2`, cleartext) and a
# round-robin backend speaking HTTP/2 to each instance (`proto h2`), its own
# configuration and admin socket in a temporary directory. Then:
#  1. spread: fanout_client makes 300 calls through HAProxy from 8 threads;
#     every call must succeed and every instance must have answered some.
#  2. graceful stop: fanout_client calls for 7 seconds; meanwhile instance b
#     is put in maintenance through HAProxy's admin socket ("disable server",
#     the operator's way: no new calls go to it, those in flight finish),
#     then gets SIGTERM. b must exit 0, no call may fail, and b answers
#     nothing after it exited.
#  3. plain SIGTERM: fanout_client calls for 5 seconds; meanwhile instance c
#     gets SIGTERM while HAProxy still routes calls to it. c must exit 0 and
#     no call may fail: c's two-step GOAWAY (a notice, then the final one)
#     stops HAProxy using its connection before the last stream id is
#     fixed, and a call HAProxy then cannot connect to c for is retried on
#     another instance (retry-on conn-failure, option redispatch: nothing
#     was sent, so it is safe).
# Everything started here is stopped by the EXIT trap.
set -euo pipefail
server=$1 client=$2 haproxy=${3:-}
[ -n "$haproxy" ] && [ -x "$haproxy" ] || haproxy=$(command -v haproxy || true)
[ -n "$haproxy" ] || [ ! -x /usr/sbin/haproxy ] || haproxy=/usr/sbin/haproxy
if [ -z "$haproxy" ]; then
    echo "FAIL: haproxy not found: apt-get install haproxy (scripts/install-deps.sh)" >&2
    exit 1
fi

tmp=$(mktemp -d /tmp/typerpc-haproxy-XXXXXX)
declare -A pid addr
hap_pid='' client_pid=''
# stop_pid, stop_instances, fail, start_instance
. "$(dirname "$0")/instances.sh"
cleanup() {
    stop_pid "$client_pid"
    stop_pid "$hap_pid"
    stop_instances
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for id in a b c; do start_instance "$id"; done
echo "instances: a=${addr[a]} b=${addr[b]} c=${addr[c]}"

# HAProxy's admin socket, spoken to with Python (no socat needed).
admin() {
    /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode()); print(s.recv(65536).decode().strip())' "$tmp/admin.sock" "$1"
}
start_haproxy() {
    local port=$1
    cat > "$tmp/haproxy.cfg" <<EOF
global
    stats socket $tmp/admin.sock mode 600 level admin
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch
    retry-on conn-failure empty-response
frontend grpc
    bind 127.0.0.1:$port proto h2
    default_backend greeters
backend greeters
    balance roundrobin
    server a ${addr[a]} proto h2
    server b ${addr[b]} proto h2
    server c ${addr[c]} proto h2
EOF
    "$haproxy" -f "$tmp/haproxy.cfg" -db > "$tmp/haproxy.log" 2>&1 &
    hap_pid=$!
    for _ in $(seq 50); do
        kill -0 "$hap_pid" 2>/dev/null || { wait "$hap_pid" 2>/dev/null || true; hap_pid=; return 1; }
        if [ -S "$tmp/admin.sock" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    fail "haproxy did not start"
}
hap_addr=
for _ in $(seq 20); do
    port=$((20000 + RANDOM % 40000))
    if start_haproxy "$port"; then hap_addr=127.0.0.1:$port; break; fi
    grep -q "cannot bind\|Address already in use" "$tmp/haproxy.log" || fail "haproxy did not start"
done
[ -n "$hap_addr" ] || fail "no free port for haproxy"
echo "$("$haproxy" -v | head -1 | cut -d' ' -f1-3) on $hap_addr"

field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<< " $2"; }
snap() { sed -n 's/^snapshot //p' "$tmp/stream.out" | sed -n "$1p"; }

# 1. Spread.
out=$("$client" --target "$hap_addr" --threads 8 --calls 300 2> "$tmp/client.log") ||
    fail "spread: fanout_client failed: $out"
echo "spread: $out"
[ "$(field ok "$out")" = 300 ] || fail "spread: not 300 ok: $out"
[ "$(field failed "$out")" = 0 ] || fail "spread: failures: $out"
for id in a b c; do
    n=$(field "$id" "$out")
    [ "${n:-0}" -gt 0 ] || fail "spread: instance $id answered no call: $out"
done

# 2. b into maintenance, then SIGTERM, while calls stream through.
"$client" --target "$hap_addr" --threads 8 --seconds 7 > "$tmp/stream.out" 2> "$tmp/client.log" &
client_pid=$!
sleep 2
kill -USR1 "$client_pid"
admin "disable server greeters/b" > "$tmp/admin.out"
sleep 0.5
kill -TERM "${pid[b]}"
rc=0
wait "${pid[b]}" || rc=$?
unset 'pid[b]'
kill -USR1 "$client_pid"
[ "$rc" -eq 0 ] || fail "instance b exited with $rc on SIGTERM"
rc=0
wait "$client_pid" || rc=$?
client_pid=
sleep 0.2
s_down=$(snap 1) s_exit=$(snap 2)
final=$(grep -v '^snapshot' "$tmp/stream.out" | tail -1)
echo "graceful stop: b disabled:  $s_down"
echo "graceful stop: b exited:    $s_exit"
echo "graceful stop: end:         $final"
[ "$rc" -eq 0 ] || fail "graceful stop: fanout_client failed: $final"
[ "$(field failed "$final")" = 0 ] || fail "graceful stop: calls failed: $final"
[ -n "$s_down" ] && [ -n "$s_exit" ] || fail "graceful stop: missing snapshots"
[ "$(field b "$s_down")" -gt 0 ] || fail "graceful stop: b served nothing before"
[ "$(field b "$final")" = "$(field b "$s_exit")" ] || fail "graceful stop: b answered after it exited"

# 3. Plain SIGTERM to c while HAProxy still routes to it.
: > "$tmp/stream.out"
"$client" --target "$hap_addr" --threads 8 --seconds 5 > "$tmp/stream.out" 2> "$tmp/client.log" &
client_pid=$!
sleep 1.5
kill -USR1 "$client_pid"
kill -TERM "${pid[c]}"
rc=0
wait "${pid[c]}" || rc=$?
unset 'pid[c]'
sleep 0.3
kill -USR1 "$client_pid"
[ "$rc" -eq 0 ] || fail "instance c exited with $rc on SIGTERM"
rc=0
wait "$client_pid" || rc=$?
client_pid=
sleep 0.2
s_term=$(snap 1) s_settled=$(snap 2)
final=$(grep -v '^snapshot' "$tmp/stream.out" | tail -1)
echo "plain SIGTERM: SIGTERM to c: $s_term"
echo "plain SIGTERM: end:          $final"
[ "$rc" -eq 0 ] || fail "plain SIGTERM: fanout_client failed: $final"
[ "$(field failed "$final")" = 0 ] || fail "plain SIGTERM: calls failed: $final"
[ -n "$s_term" ] && [ -n "$s_settled" ] || fail "plain SIGTERM: missing snapshots"
[ "$(field c "$s_term")" -gt 0 ] || fail "plain SIGTERM: c served nothing before SIGTERM"
[ "$(field c "$final")" = "$(field c "$s_settled")" ] || fail "plain SIGTERM: c answered after it exited"
[ "$(field a "$final")" -gt "$(field a "$s_settled")" ] || fail "plain SIGTERM: no calls after c stopped"
echo "scaleout haproxy: all passed"
