#!/usr/bin/env bash
# The daemon with 40 Modbus devices polled every second: poll latency, CPU and
# resident memory. The devices are SunSpec devices of the Modbus test peer
# (tests/peers/modbus_peer, one process on loopback serving them all: 40
# connections), the first one the grid meter. Baseline in the same run: the
# demo daemon on the simulator, measured the same way over the same time.
set -euo pipefail
bin=${1:?usage: bench/devices.sh path/to/kirchhoff}
peer=$(dirname "$bin")/tests/modbus_peer
seconds=${DEVICES_SECONDS:-20}
[ -x "$peer" ] || { echo "devices: no $peer (build the tests first)"; exit 0; }
work=$(mktemp -d)
trap 'kill $(jobs -pr) 2>/dev/null || true; rm -rf "$work"' EXIT

mkfifo "$work/in"
"$peer" --port 0 <"$work/in" >"$work/port" &
exec 9>"$work/in"
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")

{
  echo "site: {name: Forty devices, topology: 3P+N-400, main_breaker_a: 63}"
  echo "gateway: connect"
  echo "loads:"
  echo "  - {name: Grid, kind: grid, phases: [L1, L2, L3]}"
  echo "devices:"
  echo "  - {name: Meter, driver: sunspec, modbus: {tcp: \"127.0.0.1:$port\", unit: 3}, load: Grid}"
  for i in $(seq 2 40); do
    unit=$(( (i % 3) + 1 ))
    echo "  - {name: Device $i, driver: sunspec, modbus: {tcp: \"127.0.0.1:$port\", unit: $unit}}"
  done
} >"$work/site.yaml"

# CPU seconds (user + system) and RSS of a process over the measuring window.
measure() {  # pid
  local pid=$1 ticks0 ticks1 hz
  hz=$(getconf CLK_TCK)
  sleep 3  # connected, first polls done
  ticks0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  sleep "$seconds"
  ticks1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  cpu_pct=$(awk -v a="$ticks0" -v b="$ticks1" -v hz="$hz" -v s="$seconds" \
    'BEGIN {printf "%.2f", (b - a) / hz / s * 100}')
  rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
}

"$bin" run --data "$work/base" --listen 127.0.0.1:0 --cycle-ms 1000 2>"$work/base.log" >/dev/null &
base_pid=$!
measure "$base_pid"
base_cpu=$cpu_pct
base_rss=$rss_kb
kill "$base_pid"
wait "$base_pid" || true

"$bin" run --config "$work/site.yaml" --data "$work/data" --listen 127.0.0.1:0 \
  2>"$work/log" >"$work/terminal" &
pid=$!
measure "$pid"
api=$(sed -n 's/.*msg=started .*listen=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/log")
# The poll latencies: from the live values (an installer account via the setup code).
code=$(sed -n 's/.*setup code \([0-9a-f]*\).*/\1/p' "$work/terminal")
python3 - "$api" "$code" "$cpu_pct" "$rss_kb" "$base_cpu" "$base_rss" <<'PY'
import json, sys, urllib.request
api, code, cpu, rss, base_cpu, base_rss = sys.argv[1:]
def call(path, body=None, token=None):
    req = urllib.request.Request(f"http://127.0.0.1:{api}{path}", method="POST" if body else "GET",
                                 data=json.dumps(body).encode() if body else None,
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": f"Bearer {token}"} if token else {})})
    return json.load(urllib.request.urlopen(req, timeout=10))
call("/api/v1/setup", {"code": code, "username": "bench", "password": "bench password"})
token = call("/api/v1/login", {"username": "bench", "password": "bench password"})["token"]
devices = call("/api/v1/live", token=token)["devices"]
lat = sorted(d["last_poll_ms"] for d in devices)
polls = sum(d["polls"] for d in devices)
failures = sum(d["failures"] for d in devices)
print(f"40 Modbus devices at 1 s: {len(devices)} devices, {polls} polls, {failures} failures")
print(f"  poll latency (last poll per device): median {lat[len(lat) // 2]:.2f} ms, "
      f"max {lat[-1]:.2f} ms")
print(f"  daemon CPU {cpu} % of one core, RSS {int(rss) / 1024:.1f} MiB")
print(f"  baseline (demo on the simulator, same window): CPU {base_cpu} %, "
      f"RSS {int(base_rss) / 1024:.1f} MiB")
PY
