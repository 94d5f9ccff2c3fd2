#!/usr/bin/env bash
# Starts the whole shop, runs the scripted customer through it, stops it:
#   run-shop.sh [--separate | --one-process | --replicas N] SHOP_SERVER SHOP_CUSTOMER
# --separate (the default): users, inventory, payments and checkout each in
#   their own process, on free TCP ports and unix sockets in a temp folder;
#   afterwards payments and then users are stopped and an order must fail
#   with UNAVAILABLE, naming the service that is down.
#   Before that, inventory is frozen (SIGSTOP) and an order with a 1 s
#   deadline must fail with DEADLINE_EXCEEDED.
# --one-process: one shop_server serving all four services; it is stopped
#   while a stock watch is still open (the watch is cancelled after the
#   five-second grace period and the server still exits 0).
# --replicas N: as --separate, but N inventory instances (N >= 2) sharing
#   one store file (--inventory-store), and checkout balancing over them
#   (--inventory-target ipv4:A,B,C: round robin, health checks, inventory
#   calls retried on UNAVAILABLE).  The customer's stock watch is on the
#   first instance, so the changes it must see are made by the others.
#   Then: every instance served a share (their counters, SIGUSR1); orders
#   of figs from 4 threads while the second instance is stopped
#   gracefully, then while the third is killed with SIGKILL: no order may
#   fail (the numbers are printed); the fig stock left is exactly the
#   initial stock less one per order placed (no reservation lost or made
#   twice across the instances, retries included).
# Every mode also watches the pear stock until a 300 ms deadline ends it, and
# the customer's script pays with a slow card under a 1 s deadline: checkout
# passes the deadline on to payments, whose timer never fires, so the order
# fails with DEADLINE_EXCEEDED and the retry makes a new charge (not a replay);
# then a slow card's order the customer cancels (a cancel token) must end
# CANCELLED and, placed again later, make a new charge: checkout cancelled
# its payments call with its own token.
# Prints everything; fails if a server does not start or stop cleanly (exit
# 0 on SIGTERM/SIGINT with its stop line), or the customer's output lacks
# the expected outcomes.
set -euo pipefail
mode=separate
case ${1:-} in
--separate) shift ;;
--one-process) mode=one-process; shift ;;
--replicas) mode=replicas; replicas=${2:-}; shift 2 || true ;;
esac
[ $# -eq 2 ] && { [ "$mode" != replicas ] || [ "${replicas:-0}" -ge 2 ] 2>/dev/null; } ||
    { echo "usage: run-shop.sh [--separate | --one-process | --replicas N] SHOP_SERVER SHOP_CUSTOMER" >&2; exit 2; }
server=$1 customer=$2

tmp=$(mktemp -d /tmp/typerpc-shop-XXXXXX)
declare -A pids=() addrs=()
cleanup() {
    for name in "${!pids[@]}"; do kill -TERM "${pids[$name]}" 2>/dev/null || true; done
    for name in "${!pids[@]}"; do wait "${pids[$name]}" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    for log in "$tmp"/*.log; do [ -f "$log" ] && sed "s|^|  $(basename "$log" .log): |" "$log" >&2; done
    exit 1
}

# start NAME LISTEN ARGS...: starts shop_server as NAME; sets addrs[NAME].
start() {
    local name=$1 listen=$2; shift 2
    : > "$tmp/$name.log" # before the server's shell opens it, for the sed below
    "$server" --listen "$listen" --workers 2 "$@" > "$tmp/$name.log" 2>&1 &
    pids[$name]=$!
    for _ in $(seq 100); do
        local addr
        addr=$(sed -n 's/^shop_server: serving [a-z,]* on //p' "$tmp/$name.log")
        if [ -n "$addr" ]; then
            addrs[$name]=$addr
            echo "$name: $(head -1 "$tmp/$name.log")"
            return 0
        fi
        kill -0 "${pids[$name]}" 2>/dev/null || fail "$name exited early"
        sleep 0.1
    done
    fail "$name did not start"
}

# stop NAME SIG: the server must exit 0 and log its stop line.
# Shutdown gives calls five seconds, then cancels the rest; a server still
# running after 20 s waits for a call nobody will finish (a held call whose
# done notification did not release it).
stop() {
    local name=$1 sig=$2 rc=0
    kill -"$sig" "${pids[$name]}"
    for _ in $(seq 200); do kill -0 "${pids[$name]}" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "${pids[$name]}" 2>/dev/null; then
        kill -KILL "${pids[$name]}"
        wait "${pids[$name]}" 2>/dev/null || true
        unset "pids[$name]"
        fail "$name did not stop within 20 s of SIG$sig"
    fi
    wait "${pids[$name]}" || rc=$?
    unset "pids[$name]"
    [ "$rc" -eq 0 ] || fail "$name exited with $rc on SIG$sig"
    grep -q "SIG$sig, stopped" "$tmp/$name.log" || fail "$name logged no stop line after SIG$sig"
    ! grep -q "Sanitizer\|runtime error" "$tmp/$name.log" || fail "$name: sanitizer report"
    echo "$name: $(tail -1 "$tmp/$name.log")"
}

# expect_line TEXT: the customer's output must contain TEXT.
expect_line() {
    grep -qF -- "$1" "$tmp/customer.out" || fail "customer output lacks: $1"
}

if [ "$mode" = separate ]; then
    start users "unix:$tmp/users.sock" --services users
    start inventory 127.0.0.1:0 --services inventory
    start payments "unix:$tmp/payments.sock" --services payments
    start checkout 127.0.0.1:0 --services checkout --users-target "${addrs[users]}" \
        --inventory-target "${addrs[inventory]}" --payments-target "${addrs[payments]}"
    run=("$customer" --target "${addrs[checkout]}" --users-target "${addrs[users]}"
         --inventory-target "${addrs[inventory]}")
elif [ "$mode" = replicas ]; then
    start users "unix:$tmp/users.sock" --services users
    inv_list=''
    for i in $(seq "$replicas"); do
        start "inventory$i" 127.0.0.1:0 --services inventory --inventory-store "$tmp/inventory.store"
        inv_list+="${inv_list:+,}${addrs[inventory$i]}"
    done
    start payments "unix:$tmp/payments.sock" --services payments
    start checkout 127.0.0.1:0 --services checkout --users-target "${addrs[users]}" \
        --inventory-target "ipv4:$inv_list" --payments-target "${addrs[payments]}"
    addrs[inventory]=${addrs[inventory1]}
    run=("$customer" --target "${addrs[checkout]}" --users-target "${addrs[users]}"
         --inventory-target "${addrs[inventory1]}")
else
    start shop 127.0.0.1:0 --services users,inventory,payments,checkout \
        --max-message-size 65536 --max-streams 64
    run=("$customer" --target "${addrs[shop]}")
fi

rc=0
"${run[@]}" > "$tmp/customer.out" 2>&1 || rc=$?
cat "$tmp/customer.out"
[ "$rc" -eq 0 ] || fail "shop_customer exited with $rc"
expect_line "customer: signed up u-1 Ada Lovelace <ada@example.com>"
expect_line "customer: signing up again -> ALREADY_EXISTS"
expect_line "customer: buy: order ada-1 for Ada Lovelace: 2 x apple = 240 cents, reservation r-1, charge ch-1"
expect_line "customer: retry: order ada-1 for Ada Lovelace: 2 x apple = 240 cents, reservation r-1, charge ch-1 (replayed)"
expect_line "customer: retry returned the same charge: yes (ch-1, ch-1)"
expect_line "customer: too many pears: order ada-2 -> FAILED_PRECONDITION: inventory: FAILED_PRECONDITION: out of stock: 5 pear wanted, 3 left"
expect_line "customer: unknown user: order ada-3 -> NOT_FOUND"
expect_line "customer: declined card: order ada-4 -> ABORTED: payments: FAILED_PRECONDITION: card declined"
expect_line "customer: stock watch ended: OK after 4 updates"
expect_line "customer: slow card: order ada-5 -> DEADLINE_EXCEEDED"
grep -qE "^customer: slow card, more time: order ada-5 for Ada Lovelace: 1 x apple = 120 cents, reservation r-[0-9]+, charge ch-2$" \
    "$tmp/customer.out" || fail "want the slow card's retry to make charge ch-2, not a replay"
expect_line "customer: slow card, cancelled: order ada-6 -> CANCELLED"
grep -qE "^customer: slow card, after the cancel: order ada-6 for Ada Lovelace: 1 x apple = 120 cents, reservation r-[0-9]+, charge ch-3$" \
    "$tmp/customer.out" || fail "want the cancelled order placed again to make charge ch-3, not a replay"
[ "$(grep -c '^watch: apple available=' "$tmp/customer.out")" -eq 4 ] || fail "want 4 stock updates"
expect_line "customer: all steps went as expected"

# Watching for a while: the deadline ends the stream.
inv=${addrs[inventory]:-${addrs[shop]:-}}
out=$("$customer" --target "$inv" --watch pear 300 2>&1) || fail "watch: $out"
echo "$out"
grep -q "watch of pear ended: DEADLINE_EXCEEDED after 1 updates" <<< "$out" || fail "want the watch to end by its deadline"

if [ "$mode" = replicas ]; then
    # served: the reserve count of instance NAME so far (its SIGUSR1 line).
    served() {
        local before
        before=$(grep -c '^inventory: served' "$tmp/$1.log" || true)
        kill -USR1 "${pids[$1]}"
        for _ in $(seq 50); do
            [ "$(grep -c '^inventory: served' "$tmp/$1.log" || true)" -gt "$before" ] && break
            sleep 0.1
        done
        grep '^inventory: served' "$tmp/$1.log" | tail -1 | sed -n 's/.* reserve=\([0-9]*\).*/\1/p'
    }
    for i in $(seq "$replicas"); do
        n=$(served "inventory$i")
        echo "inventory$i: served ${n:-?} reservations"
        [ "${n:-0}" -gt 0 ] || fail "inventory$i served no reservation: not balanced"
    done
    # load LABEL: figs from 4 threads for $1 seconds, in the background.
    load_start() {
        : > "$tmp/load.out"
        "$customer" --target "${addrs[checkout]}" --load u-1 fig "$1" --threads 4 \
            > "$tmp/load.out" 2>&1 &
        load_pid=$!
    }
    load_end() { # LABEL: waits, prints, checks no order failed; sets load_ok
        local rc=0
        wait "$load_pid" || rc=$?
        cat "$tmp/load.out"
        grep -q '^customer: load: orders=[0-9]* ok=[0-9]* failed=0$' "$tmp/load.out" &&
            [ "$rc" -eq 0 ] || fail "$1: orders failed"
        load_ok=$(sed -n 's/^customer: load: orders=[0-9]* ok=\([0-9]*\).*/\1/p' "$tmp/load.out")
    }
    load_start 5
    sleep 2
    stop inventory2 TERM
    load_end "inventory2 stopped gracefully"
    ok1=$load_ok
    echo "shop (replicas): $ok1 orders, 0 failed, inventory2 stopped gracefully under them"
    load_start 5
    sleep 2
    kill -KILL "${pids[inventory3]}"
    wait "${pids[inventory3]}" 2>/dev/null || true
    unset "pids[inventory3]"
    load_end "inventory3 killed"
    ok2=$load_ok
    echo "shop (replicas): $ok2 orders, 0 failed, inventory3 killed (SIGKILL) under them"
    # Every order placed exactly one reservation, across the instances and
    # the retries: the figs left tell.
    out=$("$customer" --target "${addrs[inventory1]}" --watch fig 300 2>&1) || true
    left=$(sed -n 's/^watch: fig available=\([0-9]*\)$/\1/p' <<< "$out" | head -1)
    echo "shop (replicas): figs left $left = 1000000 - $ok1 - $ok2?"
    [ "$left" = $((1000000 - ok1 - ok2)) ] || fail "fig stock $left, want $((1000000 - ok1 - ok2))"
    for i in $(seq 4 "$replicas"); do stop "inventory$i" TERM; done
    stop checkout TERM
    stop payments TERM
    stop users INT
    stop inventory1 INT
elif [ "$mode" = separate ]; then
    # A service that is too slow (inventory frozen with SIGSTOP): checkout
    # gives it what is left of the client's deadline, then fails with
    # DEADLINE_EXCEEDED.
    kill -STOP "${pids[inventory]}"
    out=$("$customer" --target "${addrs[checkout]}" --timeout 1000 --order u-1 apple 1 2>&1) && fail "order succeeded with inventory frozen"
    kill -CONT "${pids[inventory]}"
    echo "$out"
    grep -q "DEADLINE_EXCEEDED" <<< "$out" || fail "inventory frozen: want DEADLINE_EXCEEDED"

    # A service that is down: checkout must say UNAVAILABLE and name it.
    stop payments TERM
    out=$("$customer" --target "${addrs[checkout]}" --order u-1 apple 1 2>&1) && fail "order succeeded without payments"
    echo "$out"
    grep -q "UNAVAILABLE: payments: UNAVAILABLE" <<< "$out" || fail "payments down: want UNAVAILABLE"
    stop users INT
    out=$("$customer" --target "${addrs[checkout]}" --order u-1 apple 1 2>&1) && fail "order succeeded without users"
    echo "$out"
    grep -q "UNAVAILABLE: users: UNAVAILABLE" <<< "$out" || fail "users down: want UNAVAILABLE"
    stop checkout TERM
    stop inventory INT
else
    # Stopping with a watch still open: shutdown ends it and exits cleanly.
    : > "$tmp/watch.out"
    "$customer" --target "$inv" --watch apple 60000 > "$tmp/watch.out" 2>&1 &
    watch_pid=$!
    for _ in $(seq 50); do grep -q '^watch: apple' "$tmp/watch.out" && break; sleep 0.1; done
    grep -q '^watch: apple' "$tmp/watch.out" || fail "the long watch did not start"
    stop shop INT
    wait "$watch_pid" || true
    cat "$tmp/watch.out"
fi
echo "shop ($mode): all passed"
