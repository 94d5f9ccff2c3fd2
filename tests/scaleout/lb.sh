#!/usr/bin/env bash
# Client-side load balancing, no proxy:
#   lb.sh GREETER_SERVER GREETER_CLIENT FANOUT_CLIENT
#
# Starts three greeter_server instances (--id a, b, c) on free loopback
# ports; the clients name them all in one target,
# "ipv4:127.0.0.1:PA,127.0.0.1:PB,127.0.0.1:PC". Then:
#  1. round_robin: greeter_client --lb round_robin --count 300: every call
#     succeeds, each instance answers 100 +/- 10.
#  2. pick_first: greeter_client --count 300 (the default policy): all 300
#     go to a, the first address.
#  3. graceful stop: fanout_client (4 threads, a channel each, round_robin)
#     calls for 4 seconds; meanwhile b gets SIGTERM (GOAWAY, its calls in
#     flight finish, its listener closes). b must exit 0, not one call may
#     fail, and b must answer no call after it stopped.
#  4. SIGKILL and restart: fanout_client calls for 6 seconds with a short
#     backoff (--backoff-ms 100); meanwhile c is killed with SIGKILL: only
#     calls that were on c when it died (in flight, or sent on its
#     connection before the client saw it close) may fail, UNAVAILABLE; how
#     many did is printed; none may fail before the kill or after c is
#     started again on its port, and c must answer calls again once its
#     backoff is over.
#  5. SIGKILL again, with retries (fanout_client --retry 3): no call fails.
# No timing is asserted; the sleeps only place the events inside the load.
set -euo pipefail
server=$1 client=$2 fanout=$3

tmp=$(mktemp -d /tmp/typerpc-lb-XXXXXX)
declare -A pid addr
client_pid=''

# stop_pid, stop_instances, fail, start_instance
. "$(dirname "$0")/instances.sh"
cleanup() {
    stop_pid "$client_pid"
    stop_instances
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for id in a b c; do start_instance "$id"; done
target="ipv4:${addr[a]},${addr[b]},${addr[c]}"
echo "target: $target"

# count ID OUTPUT: what greeter_client --count printed for ID ("a: 100").
count() { sed -n "s/^$1: \([0-9]*\)$/\1/p" <<< "$2"; }
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<< " $2"; }

# 1. round_robin spreads.
out=$("$client" --target "$target" --lb round_robin --count 300 2> "$tmp/client.log") ||
    fail "round_robin: greeter_client failed: $out"
echo "round_robin:" $out
[ "$(count failed "$out")" = 0 ] || fail "round_robin: failures"
for id in a b c; do
    n=$(count "$id" "$out")
    [ "${n:-0}" -ge 90 ] && [ "${n:-0}" -le 110 ] || fail "round_robin: $id answered ${n:-0}"
done

# 2. pick_first: all to the first address.
out=$("$client" --target "$target" --count 300 2> "$tmp/client.log") ||
    fail "pick_first: greeter_client failed: $out"
echo "pick_first:" $out
[ "$(count a "$out")" = 300 ] || fail "pick_first: a did not answer all 300"

# 3. b stopped gracefully under load.
"$fanout" --target "$target" --lb round_robin --threads 4 --seconds 4 \
    > "$tmp/stream.out" 2> "$tmp/client.log" &
client_pid=$!
sleep 1
kill -TERM "${pid[b]}"
rc=0
wait "${pid[b]}" || rc=$?
unset 'pid[b]'
[ "$rc" -eq 0 ] || fail "instance b exited with $rc on SIGTERM"
sleep 0.3 # calls b had in flight were counted
kill -USR1 "$client_pid"
rc=0
wait "$client_pid" || rc=$?
client_pid=''
snap=$(grep '^snapshot' "$tmp/stream.out" | tail -1)
final=$(grep '^total' "$tmp/stream.out")
echo "graceful stop of b: at the stop: $snap"
echo "graceful stop of b: end:         $final"
[ "$rc" -eq 0 ] && [ "$(field failed "$final")" = 0 ] || fail "graceful stop: calls failed"
[ "$(field b "$final")" -gt 0 ] || fail "graceful stop: b answered nothing before it stopped"
[ "$(field b "$final")" = "$(field b "$snap")" ] || fail "graceful stop: b answered after it stopped"
[ "$(field a "$final")" -gt "$(field a "$snap")" ] || fail "graceful stop: a got no calls after"

# 4. c killed with SIGKILL under load, then started again on its port.
start_instance b
target="ipv4:${addr[a]},${addr[b]},${addr[c]}"
threads=4
"$fanout" --target "$target" --lb round_robin --threads $threads --seconds 6 --backoff-ms 100 \
    > "$tmp/stream.out" 2> "$tmp/client.log" &
client_pid=$!
sleep 1
kill -USR1 "$client_pid"
sleep 0.2
kill -KILL "${pid[c]}"
wait "${pid[c]}" 2>/dev/null || true
unset 'pid[c]'
sleep 1
start_instance c "${addr[c]}"
kill -USR1 "$client_pid"
rc=0
wait "$client_pid" || rc=$?
client_pid=''
before=$(grep '^snapshot' "$tmp/stream.out" | head -1)
snap=$(grep '^snapshot' "$tmp/stream.out" | tail -1)
final=$(grep '^total' "$tmp/stream.out")
echo "SIGKILL of c, restarted: before the kill: $before"
echo "SIGKILL of c, restarted: at the restart:  $snap"
echo "SIGKILL of c, restarted: end:             $final"
failed=$(field failed "$final")
echo "SIGKILL of c: $failed call(s) failed, all while c was dead ($threads threads)"
[ "$(field failed "$before")" = 0 ] || fail "SIGKILL: calls failed before the kill"
[ "$failed" = "$(field failed "$snap")" ] || fail "SIGKILL: calls failed after c was back"
if grep 'call failed' "$tmp/client.log" | grep -v 'UNAVAILABLE'; then
    fail "SIGKILL: a call failed otherwise than UNAVAILABLE"
fi
[ "$(field c "$final")" -gt "$(field c "$snap")" ] || fail "restart: c got no calls again"
# 5. The same with retries (--retry 3: UNAVAILABLE before the server
#    answered is tried again, on another instance): no call fails.
"$fanout" --target "$target" --lb round_robin --threads $threads --seconds 4 --backoff-ms 100 \
    --retry 3 > "$tmp/stream.out" 2> "$tmp/client.log" &
client_pid=$!
sleep 1
kill -KILL "${pid[c]}"
wait "${pid[c]}" 2>/dev/null || true
unset 'pid[c]'
sleep 0.5
kill -USR1 "$client_pid"
rc=0
wait "$client_pid" || rc=$?
client_pid=''
snap=$(grep '^snapshot' "$tmp/stream.out" | tail -1)
final=$(grep '^total' "$tmp/stream.out")
echo "SIGKILL of c with retries: after the kill: $snap"
echo "SIGKILL of c with retries: end:            $final"
[ "$rc" -eq 0 ] && [ "$(field failed "$final")" = 0 ] || fail "SIGKILL with retries: calls failed"
[ "$(field c "$final")" = "$(field c "$snap")" ] || fail "SIGKILL with retries: c answered when dead"
echo "PASS"
