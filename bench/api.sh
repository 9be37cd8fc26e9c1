#!/usr/bin/env bash
# Budget (API): GET /api/v1/live requests per second on loopback with the
# daemon on one core (aim: 10k/s), beside the same server's /api/v1/health
# (no authentication, a tiny body) as the baseline; and the delay from a
# snapshot to its WebSocket message (bench/stream_latency.cpp, run by this script).
set -euo pipefail
bin=${1:?usage: bench/api.sh path/to/kirchhoff}
build=$(dirname "$bin")
command -v wrk >/dev/null || { echo "bench/api.sh needs wrk (apt-get install wrk)"; exit 1; }
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

taskset -c 0 "$bin" run --data "$work/data" --listen 127.0.0.1:0 >"$work/terminal" 2>"$work/log" &
pid=$!
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*msg=started .*listen=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/log")
  [ -n "$port" ] && break
  sleep 0.05
done
password=$(sed -n 's/^  owner \/ \([0-9a-f]*\)$/\1/p' "$work/terminal")
token=$(python3 -c "
import json, sys, urllib.request
req = urllib.request.Request('http://127.0.0.1:$port/api/v1/login', method='POST',
    data=json.dumps({'username': 'owner', 'password': '$password'}).encode())
print(json.load(urllib.request.urlopen(req))['token'])")
sleep 1.5  # a first snapshot exists

rate() {  # path [header]
  taskset -c 1 wrk -t1 -c16 -d5s ${2:+-H "$2"} "http://127.0.0.1:$port$1" |
    awk '/Requests\/sec/ {print $2}'
}
health=$(rate /api/v1/health)
live=$(rate /api/v1/live "Authorization: Bearer $token")
echo "HTTP on loopback, daemon pinned to one core, wrk 16 connections for 5 s"
printf '  GET /api/v1/live   %10.0f req/s   (aim 10000)\n' "$live"
printf '  baseline: GET /api/v1/health %10.0f req/s\n' "$health"
"$build/bench/stream_latency_probe" "$port" "$token" 5 | sed 's/^/  /'
