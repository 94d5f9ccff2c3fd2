#!/usr/bin/env bash
# run_node.sh WEB NODE PROTOCOL HTTP typerpc GREETER_SERVER SHOP_SERVER
# run_node.sh WEB NODE PROTOCOL HTTP reference
#
# One ctest of the connect-node client (node_client.mjs: PROTOCOL connect,
# connect-json, grpc-web or grpc; HTTP 1.1 or 2): against typerpc, it starts
# greeter_server and an all-in-one shop_server on free ports and the client
# calls Greeter on the one and Inventory on the other; against the
# reference (connect-node's own server, reference_server.mjs), both on it,
# on its HTTP/1.1 or its HTTP/2 port.  WEB is the folder setup.sh filled.
# Fails if a check fails, a server does not start or reports a sanitizer
# error.
set -euo pipefail
[ $# -ge 5 ] || { echo "usage: run_node.sh WEB NODE PROTOCOL HTTP typerpc|reference [GREETER_SERVER SHOP_SERVER]" >&2; exit 2; }
web=$1 node=$2 protocol=$3 http=$4 server=$5
. "$(dirname "$0")/lib.sh"
web_init

if [ "$server" = typerpc ]; then
    start_greeter "$6"
    greeter=$url
    start_shop "$7"
    shop=$url
else
    start_reference
    read -r h1 h2 <<<"$url"
    greeter=$h1
    [ "$http" = 2 ] && greeter=$h2
    shop=$greeter
fi
echo "greeter at $greeter, shop at $shop"
timeout 60 "$node" "$web/node_client.mjs" --protocol "$protocol" --http "$http" \
    --greeter "$greeter" --shop "$shop" || fail "node_client failed"
check_logs
