# instances.sh: what run.sh, lb.sh and haproxy.sh share, sourced by each:
# starting greeter_server instances and stopping what a test started.
# The caller sets $server (greeter_server) and $tmp (its directory) and
# declares the arrays pid and addr (declare -A pid addr).

# Stops a process we started: SIGTERM, up to 10 s, then SIGKILL.
stop_pid() {
    local p=$1
    [ -n "$p" ] || return 0
    kill -TERM "$p" 2>/dev/null || return 0
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
}

# Stops every instance still running.
stop_instances() {
    local id
    for id in "${!pid[@]}"; do stop_pid "${pid[$id]}"; done
}

# Says why the test failed, with the tail of every log, and exits 1.
fail() {
    echo "FAIL: $*" >&2
    for f in "$tmp"/*.log; do
        [ -s "$f" ] && sed "s|^|  $(basename "$f" .log): |" "$f" | tail -20 >&2
    done
    exit 1
}

# start_instance ID [ADDR]: greeter_server --id ID on ADDR (default a free
# loopback port); sets pid[ID] and addr[ID] (the address it bound).
start_instance() {
    local id=$1 listen=${2:-127.0.0.1:0} log=$tmp/server-$1.log
    : > "$log"
    "$server" --listen "$listen" --workers 2 --id "$id" > "$log" 2>&1 &
    pid[$id]=$!
    for _ in $(seq 100); do
        addr[$id]=$(sed -n 's/^greeter_server: listening on //p' "$log")
        [ -n "${addr[$id]}" ] && return 0
        kill -0 "${pid[$id]}" 2>/dev/null || fail "greeter_server $id exited early"
        sleep 0.1
    done
    fail "greeter_server $id did not start"
}
