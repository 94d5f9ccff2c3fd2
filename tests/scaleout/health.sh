#!/usr/bin/env bash
# Client-side health checking (gRPC's A17) with round_robin and pick_first:
#   health.sh GREETER_SERVER FANOUT_CLIENT PROTOC GRPC_PYTHON_PLUGIN HELLOWORLD_DIR HEALTH_PROTO_DIR
#
# Three greeter_server instances (--id a, b, c) on free loopback ports, one
# target "ipv4:A,B,C"; fanout_client --health "" (each thread a channel
# that watches grpc.health.v1.Health/Watch on every connection).
# greeter_server's SIGUSR1 sets its health NOT_SERVING (it still serves
# calls: only the health checks keep them away), SIGUSR2 SERVING again.
#  1. spread: 300 calls from one channel: every instance answers, none
#     failed (how evenly depends on how soon each one's first health answer
#     comes: until then the others take its turns, as in gRPC; the even
#     spread is checked in 3, once all are healthy).
#  2. b NOT_SERVING: 200 calls on new channels: b answers none, a and c all
#     200, none failed.
#  3. live: 4 channels call for 8 s; while all are healthy, each channel
#     goes round robin, so between two snapshots the three instances'
#     counts differ by at most 4 (one per channel); b set NOT_SERVING:
#     after a moment to hear it, b answers nothing more and no call fails;
#     b SERVING again: it answers calls again.
#  4. a service no instance knows (--health nope: SERVICE_UNKNOWN): every
#     call fails UNAVAILABLE saying so (nothing healthy to send it to).
#  5. pick_first: all calls to a; a NOT_SERVING: all to b; a back: to a.
#  6. graceful stop under load with health checking on: c gets SIGTERM
#     (its health turns NOT_SERVING, then GOAWAY): 0 calls fail.
#  7. peers not written here: grpcio servers (tests/scaleout/health_peer.py),
#     p with a health servicer and q without one, beside a: all three
#     answer (q, answering UNIMPLEMENTED to Watch, counts as healthy); p
#     NOT_SERVING: 200 calls, none to p, some to q; p SERVING: p answers
#     again.
# The sleeps only place events inside the load and give a health change
# (a message on an open stream, locally) time to arrive; no timing is
# asserted.
set -euo pipefail
server=$1 fanout=$2 protoc=$3 plugin=$4 hwdir=$5 healthdir=$6

for x in "$protoc" "$plugin" "$healthdir/grpc/health/v1/health.proto"; do
    [ -e "$x" ] || { echo "FAIL: $x missing (protobuf-compiler, protobuf-compiler-grpc," \
        "grpc-proto: scripts/install-deps.sh)" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/typerpc-health-XXXXXX)
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

field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<< " $2"; }
# n ID OUTPUT: ID's count in a tally line, 0 when it answered nothing.
n() { local v; v=$(field "$1" "$2"); echo "${v:-0}"; }

# wait_log FILE LINE: until LINE is the last health line of FILE.
wait_log() {
    for _ in $(seq 100); do
        [ "$(grep -E ': (NOT_)?SERVING$' "$1" | tail -1)" = "$2" ] && return 0
        sleep 0.1
    done
    fail "no \"$2\" in $1"
}
set_health() { # ID SERVING|NOT_SERVING [PREFIX]
    local sig=USR2
    [ "$2" = NOT_SERVING ] && sig=USR1
    kill -"$sig" "${pid[$1]}"
    wait_log "$tmp/server-$1.log" "${3:-greeter_server}: $2"
}

# run NAME ARGS...: fanout_client --health "" to completion; its tally.
run() {
    local name=$1
    shift
    local out rc=0
    out=$("$fanout" --target "$target" --health "" "$@" 2> "$tmp/client.log") || rc=$?
    echo "$name: $out" >&2
    [ "$rc" -eq 0 ] || fail "$name: calls failed ($(head -3 "$tmp/client.log"))"
    echo "$out"
}

for id in a b c; do start_instance "$id"; done
target="ipv4:${addr[a]},${addr[b]},${addr[c]}"
echo "target: $target"

# 1. spread over three
out=$(run "1 spread" --lb round_robin --threads 1 --calls 300)
for id in a b c; do
    [ "$(n "$id" "$out")" -gt 0 ] || fail "spread: $id answered nothing"
done

# 2. b NOT_SERVING: none to b
set_health b NOT_SERVING
out=$(run "2 b NOT_SERVING" --lb round_robin --threads 4 --calls 200)
[ "$(n b "$out")" = 0 ] || fail "b NOT_SERVING answered $(n b "$out") calls"
[ "$(n a "$out")" -gt 0 ] && [ "$(n c "$out")" -gt 0 ] || fail "a and c did not share the calls"
[ $(($(n a "$out") + $(n c "$out"))) = 200 ] || fail "a + c != 200"

# 3. live: NOT_SERVING and back while calls flow
set_health b SERVING
"$fanout" --target "$target" --health "" --lb round_robin --threads 4 --seconds 8 \
    > "$tmp/stream.out" 2> "$tmp/client.log" &
client_pid=$!
sleep 1.5
kill -USR1 "$client_pid" # s0: all healthy from here
sleep 0.5
kill -USR1 "$client_pid" # s0b
sleep 0.2 # the snapshots are printed before b changes
set_health b NOT_SERVING
sleep 1
kill -USR1 "$client_pid" # s1: b out of rotation from here
sleep 2
kill -USR1 "$client_pid" # s2
set_health b SERVING
rc=0
wait "$client_pid" || rc=$?
client_pid=''
s0=$(grep '^snapshot' "$tmp/stream.out" | sed -n 1p)
s0b=$(grep '^snapshot' "$tmp/stream.out" | sed -n 2p)
s1=$(grep '^snapshot' "$tmp/stream.out" | sed -n 3p)
s2=$(grep '^snapshot' "$tmp/stream.out" | sed -n 4p)
echo "3 live: all healthy:            $s0"
echo "3 live: 0.5 s later:            $s0b"
lo=999999999 hi=0
for id in a b c; do
    d=$(($(n "$id" "$s0b") - $(n "$id" "$s0")))
    [ "$d" -lt "$lo" ] && lo=$d
    [ "$d" -gt "$hi" ] && hi=$d
done
echo "3 live: calls per instance in those 0.5 s: $lo to $hi"
[ "$lo" -gt 0 ] && [ $((hi - lo)) -le 4 ] || fail "live: not round robin over the three ($lo to $hi)"
final=$(grep '^total' "$tmp/stream.out")
echo "3 live: b NOT_SERVING, heard:   $s1"
echo "3 live: 2 s later:              $s2"
echo "3 live: b SERVING again, end:   $final"
[ "$rc" -eq 0 ] && [ "$(n failed "$final")" = 0 ] || fail "live: calls failed"
[ "$(n b "$s1")" -gt 0 ] || fail "live: b answered nothing while SERVING"
[ "$(n b "$s2")" = "$(n b "$s1")" ] || fail "live: b answered calls while NOT_SERVING"
[ "$(n a "$s2")" -gt "$(n a "$s1")" ] || fail "live: a got no calls"
[ "$(n b "$final")" -gt "$(n b "$s2")" ] || fail "live: b got no calls once SERVING again"

# 4. a service nobody serves: nothing is healthy
rc=0
out=$("$fanout" --target "$target" --health nope --lb round_robin --threads 2 --calls 20 \
    2> "$tmp/client.log") || rc=$?
echo "4 unknown service: $out"
[ "$rc" = 1 ] && [ "$(n failed "$out")" = 20 ] || fail "unknown service: calls did not fail"
grep -q 'UNAVAILABLE: no healthy address: .*"nope": SERVICE_UNKNOWN' "$tmp/client.log" ||
    fail "unknown service: not the expected message: $(head -2 "$tmp/client.log")"

# 5. pick_first: the first healthy address
out=$(run "5 pick_first" --lb pick_first --threads 2 --calls 50)
[ "$(n a "$out")" = 50 ] || fail "pick_first: not all to a"
set_health a NOT_SERVING
out=$(run "5 pick_first, a NOT_SERVING" --lb pick_first --threads 2 --calls 50)
[ "$(n b "$out")" = 50 ] || fail "pick_first: not all to b with a NOT_SERVING"
set_health a SERVING
out=$(run "5 pick_first, a SERVING" --lb pick_first --threads 2 --calls 50)
[ "$(n a "$out")" = 50 ] || fail "pick_first: not all to a once it is back"

# 6. graceful stop with health checking
"$fanout" --target "$target" --health "" --lb round_robin --threads 4 --seconds 4 \
    > "$tmp/stream.out" 2> "$tmp/client.log" &
client_pid=$!
sleep 1
kill -TERM "${pid[c]}"
rc=0
wait "${pid[c]}" || rc=$?
unset 'pid[c]'
[ "$rc" -eq 0 ] || fail "c exited with $rc on SIGTERM"
rc=0
wait "$client_pid" || rc=$?
client_pid=''
final=$(grep '^total' "$tmp/stream.out")
echo "6 graceful stop of c: $final"
[ "$rc" -eq 0 ] && [ "$(n failed "$final")" = 0 ] || fail "graceful stop: calls failed"

# 7. grpcio servers, with and without a health service
start_peer() { # ID [--no-health]
    local id=$1 log=$tmp/server-$1.log
    shift
    : > "$log"
    /usr/bin/python3 "$(dirname "$0")/health_peer.py" "$protoc" "$plugin" "$hwdir" "$healthdir" \
        --id "$id" "$@" > "$log" 2>&1 &
    pid[$id]=$!
    for _ in $(seq 300); do
        addr[$id]=$(sed -n 's/^health_peer: listening on //p' "$log")
        [ -n "${addr[$id]}" ] && return 0
        kill -0 "${pid[$id]}" 2>/dev/null || fail "health_peer $id exited early"
        sleep 0.1
    done
    fail "health_peer $id did not start"
}
start_peer p
start_peer q --no-health
target="ipv4:${addr[a]},${addr[p]},${addr[q]}"
out=$(run "7 grpcio peers" --lb round_robin --threads 1 --calls 300)
for id in a p q; do [ "$(n "$id" "$out")" -gt 0 ] || fail "grpcio: $id answered nothing"; done
grep -q "${addr[q]} does not implement grpc.health.v1.Health" "$tmp/client.log" ||
    fail "grpcio: no log line for q's missing health service"
set_health p NOT_SERVING health_peer
out=$(run "7 grpcio p NOT_SERVING" --lb round_robin --threads 4 --calls 200)
[ "$(n p "$out")" = 0 ] || fail "grpcio: p NOT_SERVING answered $(n p "$out") calls"
[ "$(n q "$out")" -gt 0 ] || fail "grpcio: q (no health service) was not used"
set_health p SERVING health_peer
out=$(run "7 grpcio p SERVING" --lb round_robin --threads 1 --calls 300)
[ "$(n p "$out")" -gt 0 ] || fail "grpcio: p got no calls once SERVING again"
echo "PASS"
