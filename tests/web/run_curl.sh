#!/usr/bin/env bash
# run_curl.sh WEB NODE typerpc GREETER_SERVER
# run_curl.sh WEB NODE reference
#
# The README's curl line against greeter_server (or the reference server),
# over HTTP/1.1 and over cleartext HTTP/2 (--http2-prior-knowledge):
#   curl -d '{"name":"world"}' -H 'content-type: application/json' \
#        http://127.0.0.1:PORT/helloworld.Greeter/SayHello
# must answer 200, content-type application/json, over the HTTP version
# asked for, with a body that is the JSON {"message":"Hello world"} (compared
# as JSON, by Python's json).  Then Connect's errors as curl sees them: a
# method nobody serves is 404 (a path nobody routes: connect-node, the
# reference, answers so, with no body) or 501, Connect's status for the
# code unimplemented (typerpc), and a JSON body, if any, must say
# "unimplemented"; a body that is not JSON is 400 {"code":"invalid_argument",...}.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: run_curl.sh WEB NODE typerpc|reference [GREETER_SERVER]" >&2; exit 2; }
web=$1 node=$2 server=$3
. "$(dirname "$0")/lib.sh"
web_init

if [ "$server" = typerpc ]; then
    start_greeter "$4"
    h1=$url h2=$url
else
    start_reference
    read -r h1 h2 <<<"$url"
fi

# call NAME HTTP_FLAG URL BODY: curl's reply into $tmp/NAME.body, and
# "STATUS CONTENT_TYPE HTTP_VERSION" into $meta.
call() {
    local name=$1 flag=$2 target=$3 body=$4
    meta=$(curl -sS --max-time 20 $flag -o "$tmp/$name.body" \
        -w '%{http_code} %{content_type} %{http_version}' \
        -d "$body" -H 'content-type: application/json' "$target") ||
        fail "$name: curl failed"
    echo "$name: $meta: $(cat "$tmp/$name.body")"
}
# json_is FILE PYTHON_EXPR: the JSON in FILE, as j, makes the expression true.
json_is() {
    /usr/bin/python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}

for v in 1.1 2; do
    if [ "$v" = 2 ]; then flag=--http2-prior-knowledge base=$h2; else flag=--http1.1 base=$h1; fi
    call "sayhello-$v" "$flag" "$base/helloworld.Greeter/SayHello" '{"name":"world"}'
    [[ $meta =~ ^200\ application/json(;.*)?\ $v$ ]] || fail "SayHello over HTTP/$v: want 200 application/json over HTTP/$v, got $meta"
    json_is "$tmp/sayhello-$v.body" 'j == {"message": "Hello world"}' ||
        fail "SayHello over HTTP/$v: want {\"message\":\"Hello world\"}"

    call "unknown-$v" "$flag" "$base/helloworld.Greeter/SayGoodbye" '{"name":"world"}'
    [[ $meta =~ ^(404|501)\  ]] || fail "unknown method over HTTP/$v: want 404 or 501, got $meta"
    if [[ $meta =~ ^[0-9]+\ application/json ]]; then
        json_is "$tmp/unknown-$v.body" 'j["code"] == "unimplemented"' ||
            fail "unknown method over HTTP/$v: want code unimplemented"
    fi

    call "badjson-$v" "$flag" "$base/helloworld.Greeter/SayHello" '{"name":'
    [[ $meta =~ ^400\ application/json ]] || fail "malformed JSON over HTTP/$v: want 400 application/json, got $meta"
    json_is "$tmp/badjson-$v.body" 'j["code"] == "invalid_argument"' ||
        fail "malformed JSON over HTTP/$v: want code invalid_argument"
done
check_logs
echo "run_curl: all passed"
