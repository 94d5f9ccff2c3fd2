#!/usr/bin/env bash
# lb.sh: client-side round_robin over three instances against the same
# three instances behind nginx (grpc_pass, upstream keepalive), same run.
#
# Builds greeter_server and tests/scaleout's fanout_client (Release) from
# this tree, starts three greeter_server instances (--id a, b, c) and nginx
# in front of them, then runs ROUNDS rounds, each both ways back to back in
# alternating order: fanout_client (T threads, a channel each, unary
# SayHello back to back) for S seconds against
#   rr     "ipv4:A,B,C" with --lb round_robin (no proxy)
#   nginx  nginx's port (one address; nginx balances)
# and reports for each the calls per second, the client's CPU per call and,
# for nginx, nginx's CPU per call too (user + system from /proc, read around
# the load), as "median min max" over the rounds.
#
# Usage: bench/lb.sh   (env: ROUNDS=5 S=5 T=8, KEEP=1 keeps the work dir)
# Needs: cmake, cc, nginx.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-5}
S=${S:-5}
T=${T:-8}
WORK=$(mktemp -d /tmp/typerpc-lb-bench.XXXXXX)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
BENCH_TICK=$(getconf CLK_TCK)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || bench_die "nginx not found (apt-get install nginx)"

declare -a PIDS=()
NGINX_PID=
cleanup() {
  for p in "${PIDS[@]}" $NGINX_PID; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

bench_say "building (Release) in $WORK/build"
cmake -S "$ROOT" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release -DTYPERPC_ASAN=OFF \
  -DTYPERPC_UBSAN=OFF -DTYPERPC_TSAN=OFF >"$WORK/cmake.log" 2>&1 ||
  { cat "$WORK/cmake.log" >&2; bench_die "cmake failed"; }
cmake --build "$WORK/build" -j2 --target greeter_server fanout_client >"$WORK/build.log" 2>&1 ||
  { tail -30 "$WORK/build.log" >&2; bench_die "build failed"; }
SERVER=$WORK/build/examples/helloworld/greeter_server
FANOUT=$WORK/build/tests/scaleout/fanout_client

addrs=()
for id in a b c; do
  bench_start "$WORK/server-$id.log" "$SERVER" --listen 127.0.0.1:0 --workers 2 --id "$id"
  PIDS+=("$BENCH_PID")
  addrs+=("127.0.0.1:$BENCH_PORT")
done
BENCH_PID=

port=$((20000 + RANDOM % 40000))
mkdir -p "$WORK/nginx-temp"
cat >"$WORK/nginx.conf" <<EOF
$([ "$(id -u)" -eq 0 ] && echo "user root;")
worker_processes 1;
error_log $WORK/nginx-error.log warn;
pid $WORK/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx-temp/body;
    proxy_temp_path $WORK/nginx-temp/proxy;
    fastcgi_temp_path $WORK/nginx-temp/fastcgi;
    uwsgi_temp_path $WORK/nginx-temp/uwsgi;
    scgi_temp_path $WORK/nginx-temp/scgi;
    upstream greeters {
        server ${addrs[0]};
        server ${addrs[1]};
        server ${addrs[2]};
        keepalive 32;
    }
    server {
        listen 127.0.0.1:$port http2;
        location / { grpc_pass grpc://greeters; }
    }
}
EOF
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log" -g 'daemon off;' \
  >"$WORK/nginx-stdio.log" 2>&1 &
NGINX_PID=$!
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
WORKER=$(pgrep -P "$NGINX_PID" | head -1)
[ -n "$WORKER" ] || bench_die "nginx did not start ($(cat "$WORK/nginx-error.log"))"

rr_target="ipv4:${addrs[0]},${addrs[1]},${addrs[2]}"

# run NAME TARGET [ARGS...]: one fanout run; appends "calls/s cpu-us/call
# nginx-cpu-us/call" to $WORK/NAME.
run() {
  local name=$1 target=$2 out n0 n1 c
  shift 2
  n0=$(bench_cpu "$WORKER")
  out=$(/usr/bin/time -f 'CPU %U %S' "$FANOUT" --target "$target" --threads "$T" \
        --seconds "$S" "$@" 2>&1) || bench_die "$name: calls failed: $out"
  n1=$(bench_cpu "$WORKER")
  c=$(sed -n 's/^total=\([0-9]*\) .*/\1/p' <<<"$out")
  awk -v c="$c" -v s="$S" -v n0="$n0" -v n1="$n1" \
      -v cpu="$(sed -n 's/^CPU \([0-9.]*\) \([0-9.]*\)$/\1 \2/p' <<<"$out")" \
      'BEGIN { split(cpu, u, " "); printf "%.0f %.2f %.2f\n", c / s,
               (u[1] + u[2]) * 1e6 / c, (n1 - n0) * 1e6 / c }' >>"$WORK/$name"
}

bench_say "three instances ${addrs[*]}, nginx on $port; $ROUNDS rounds of ${S}s, $T threads"
bench_say "load before: $(bench_load)"
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then
    run rr "$rr_target" --lb round_robin
    run nginx "127.0.0.1:$port"
  else
    run nginx "127.0.0.1:$port"
    run rr "$rr_target" --lb round_robin
  fi
done
bench_say "load after: $(bench_load)"
printf '%-8s %-26s %-26s %s\n' way "calls/s (med min max)" "client CPU us/call" \
  "nginx CPU us/call"
for name in rr nginx; do
  printf '%-8s %-26s %-26s %s\n' "$name" "$(cut -d' ' -f1 "$WORK/$name" | bench_stats)" \
    "$(cut -d' ' -f2 "$WORK/$name" | bench_stats)" "$(cut -d' ' -f3 "$WORK/$name" | bench_stats)"
done
