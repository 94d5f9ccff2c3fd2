# lib.sh — sourced by tests/web's run_*.sh: starting and stopping the
# servers the clients call, each on a free port, logs in $tmp.
#
# The caller sets: web (the folder setup.sh filled: node_modules, gen/,
# the scripts, www/), node, and calls web_init first.  Every server started
# here is stopped by its pid on exit, and a server that printed a sanitizer
# report fails the test.

web_init() {
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/typerpc-web-XXXXXX")
    pids=()
    trap web_cleanup EXIT
}

web_cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}

fail() {
    echo "FAIL: $*" >&2
    local log
    for log in "$tmp"/*.log; do
        [ -f "$log" ] && sed "s|^|  $(basename "$log" .log): |" "$log" >&2
    done
    exit 1
}

# start NAME SED_EXPR CMD...: runs CMD in the background, logging to
# $tmp/NAME.log, until SED_EXPR (a sed -n script) prints something from the
# log: that goes into $url (the address the server bound), the pid into
# $pids.  (Not echoed: a $(...) would run it in a subshell.)
start() {
    local name=$1 expr=$2 out=""
    shift 2
    : >"$tmp/$name.log"
    "$@" >"$tmp/$name.log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    for _ in $(seq 200); do
        out=$(sed -n "$expr" "$tmp/$name.log")
        if [ -n "$out" ]; then
            url=$out
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || fail "$name exited early"
        sleep 0.1
    done
    fail "$name did not start within 20 s"
}

# The servers; each sets $url to its base URL(s).
#   start_greeter GREETER_SERVER [ARGS...]  -> http://127.0.0.1:PORT
#   start_shop SHOP_SERVER [ARGS...]        -> http://127.0.0.1:PORT (all four services)
#   start_reference [--cors ORIGIN]...      -> http://H1 http://H2 (two ports)
#   start_static NAME DIR                   -> http://127.0.0.1:PORT (python3 -m http.server)
start_greeter() {
    local bin=$1
    shift
    start greeter 's|^greeter_server: listening on \(.*\)$|http://\1|p' \
        "$bin" --listen 127.0.0.1:0 --workers 2 "$@"
}
start_shop() {
    local bin=$1
    shift
    start shop 's|^shop_server: serving [a-z,]* on \(.*\)$|http://\1|p' \
        "$bin" --services users,inventory,payments,checkout --listen 127.0.0.1:0 --workers 2 "$@"
}
start_reference() {
    start reference 's|^reference_server: listening http1 \([^ ]*\) http2 \(.*\)$|http://\1 http://\2|p' \
        "$node" "$web/reference_server.mjs" "$@"
}
start_static() {
    local name=$1 dir=$2
    # -u: unbuffered, so its "Serving HTTP on ... port P" line reaches the log.
    start "$name" 's|^Serving HTTP on 127.0.0.1 port \([0-9]*\).*|http://127.0.0.1:\1|p' \
        /usr/bin/python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$dir"
}

# No sanitizer report in any log (ASan/UBSan builds of the servers).
check_logs() {
    ! grep -l "Sanitizer\|runtime error" "$tmp"/*.log >/dev/null 2>&1 ||
        fail "sanitizer report in $(grep -l "Sanitizer\|runtime error" "$tmp"/*.log | xargs -n1 basename)"
}
