#!/usr/bin/env bash
# What MQTT costs the daemon: the demo house run for N seconds (default 30)
# with `--mqtt` to a local mosquitto (live values, discovery, the uplink's
# outbox and sender) beside the same daemon without MQTT as the baseline, in
# the same run. Prints CPU (user + system), resident memory, the messages
# per second on the broker and the outbox's growth per second. No budget is
# enforced here; the brief's budgets for the daemon are in bench/daemon.sh.
set -euo pipefail
bin=${1:?usage: bench/mqtt.sh path/to/kirchhoff [seconds]}
seconds=${2:-30}
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/mosquitto.conf" <<EOF
user $(id -un)
listener $port 127.0.0.1
allow_anonymous true
persistence false
log_dest none
EOF
mosquitto -c "$work/mosquitto.conf" &
pids+=($!)
sleep 0.5

# CPU seconds (utime + stime) of a process, from /proc/PID/stat.
cpu_s() {
  awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"
}

# Runs the demo for $seconds; prints "cpu_s rss_kb".
run_demo() {
  local tag=$1
  shift
  "$bin" run --data "$work/data-$tag" --listen 127.0.0.1:0 "$@" 2>"$work/log-$tag" >/dev/null &
  local pid=$!
  pids+=("$pid")
  sleep 2  # start-up and the first discovery burst are not what is measured
  local c0
  c0=$(cpu_s "$pid")
  sleep "$seconds"
  local c1 rss
  c1=$(cpu_s "$pid")
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  kill -TERM "$pid"
  wait "$pid" || true
  echo "$(awk "BEGIN {print $c1 - $c0}") $rss"
}

read -r base_cpu base_rss < <(run_demo base)
timeout "$((seconds + 2))" mosquitto_sub -p "$port" -t '#' -v >"$work/messages" 2>/dev/null &
sub=$!
read -r mqtt_cpu mqtt_rss < <(run_demo mqtt --mqtt "mqtt://127.0.0.1:$port")
wait "$sub" || true
messages=$(wc -l <"$work/messages")
uplink=$(grep -c '/uplink ' "$work/messages" || true)
outbox_bytes=$(du -cb "$work"/data-mqtt/uplink.db* | tail -1 | cut -f1)

printf 'the demo daemon for %d s, with MQTT (local mosquitto) and without\n' "$seconds"
printf '  CPU:      %6.2f %% with MQTT   baseline without: %6.2f %%\n' \
  "$(awk "BEGIN {print 100 * $mqtt_cpu / $seconds}")" "$(awk "BEGIN {print 100 * $base_cpu / $seconds}")"
printf '  memory:   %6.1f MB with MQTT   baseline without: %6.1f MB\n' \
  "$(awk "BEGIN {print $mqtt_rss / 1024}")" "$(awk "BEGIN {print $base_rss / 1024}")"
printf '  broker:   %6.1f messages/s (%d uplink batches in %d s)\n' \
  "$(awk "BEGIN {print $messages / ($seconds + 2)}")" "$uplink" "$seconds"
printf '  outbox:   %d bytes on disk after the run (points acknowledged are removed)\n' "$outbox_bytes"
