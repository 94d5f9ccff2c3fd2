#!/usr/bin/env bash
# run_browser.sh WEB NODE CASE typerpc GREETER_SERVER SHOP_SERVER
# run_browser.sh WEB NODE CASE reference
#
# The Greeter page (page/index.html, page/app.mjs bundled into WEB/www) in
# headless Chromium (browser.mjs), cross-origin: the page comes from a static
# file server (python3 -m http.server) on one port, the server it calls is
# greeter_server (or the reference server's HTTP/1.1 port: a browser speaks
# cleartext HTTP/1.1 only) on another, started with --cors for the page's
# origin.  CASE:
#   connect, connect-proto, grpc-web: the page calls SayHello over that
#     protocol and must show "Hello browser";
#   other-origin: the same page from a second static server, an origin the
#     server does not allow, must fail, and Chromium must say why (CORS),
#     over Connect and over gRPC-Web;
#   stream-connect, stream-grpc-web: page/watch.html watches a stock level
#     (Inventory.WatchStock, a server stream) from shop_server (all four
#     services, --cors for the page; or the reference) while it reserves,
#     and must show "pear: 3 -> 2 -> 1".
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: run_browser.sh WEB NODE CASE typerpc|reference [GREETER_SERVER SHOP_SERVER]" >&2; exit 2; }
web=$1 node=$2 case=$3 server=$4
. "$(dirname "$0")/lib.sh"
web_init

start_static static "$web/www"
origin=$url
if [ "$server" = typerpc ] && [[ $case = stream-* ]]; then
    start_shop "$6" --cors "$origin"
    target=$url
elif [ "$server" = typerpc ]; then
    start_greeter "$5" --cors "$origin"
    target=$url
else
    start_reference --cors "$origin"
    read -r target _ <<<"$url"
fi
echo "page at $origin, server at $target (CORS allows $origin)"

# browse URL ARGS...: browser.mjs on URL, with a time limit.
browse() {
    local page=$1
    shift
    timeout 120 "$node" "$web/browser.mjs" --url "$page" "$@"
}

case $case in
connect | connect-proto | grpc-web)
    browse "$origin/index.html?server=$target&protocol=$case" --want ok --text '^Hello browser$' ||
        fail "the page's $case call did not show the reply"
    ;;
other-origin)
    start_static other "$web/www"
    other=$url
    for protocol in connect grpc-web; do
        browse "$other/index.html?server=$target&protocol=$protocol" --want error \
            --text . --console 'blocked by CORS policy' ||
            fail "the page from $other (not allowed) was not refused by CORS over $protocol"
    done
    ;;
stream-connect | stream-grpc-web)
    browse "$origin/watch.html?shop=$target&protocol=${case#stream-}" --selector '#levels' \
        --want ok --text '^pear: 3 -> 2 -> 1$' ||
        fail "the page's stock watch ($case) did not show the changes"
    ;;
*)
    echo "run_browser: unknown case '$case'" >&2
    exit 2
    ;;
esac
check_logs
