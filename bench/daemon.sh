#!/usr/bin/env bash
# Budgets: the demo daemon's resident memory under 25 MB and under 0.5 s from
# start to the first snapshot. Baseline in the same run: the same binary
# started for `kirchhoff --version` (loader, libraries, no work), measured
# with the same tools.
set -euo pipefail
bin=${1:?usage: bench/daemon.sh path/to/kirchhoff}
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

now_ms() { date +%s%3N; }

# Baseline: process start to exit, and its peak RSS (GNU time is not always
# there; /usr/bin/time -f may be missing, so take VmHWM from a traced run).
t0=$(now_ms)
for _ in $(seq 1 20); do "$bin" --version >/dev/null; done
baseline_ms=$(( ($(now_ms) - t0) / 20 ))

t0=$(now_ms)
"$bin" run --data "$work/data" --listen 127.0.0.1:0 2>"$work/log" &
pid=$!
for _ in $(seq 1 100); do
  grep -q 'msg="first snapshot"' "$work/log" && break
  sleep 0.01
done
wall_ms=$(( $(now_ms) - t0 ))
own_ms=$(sed -n 's/.*msg="first snapshot" after_ms=\([0-9]*\).*/\1/p' "$work/log")
sleep 5  # let it settle: HTTP thread, snapshots, allocator
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
kill -TERM "$pid"
wait "$pid" || true

# Baseline memory: the same binary loaded with nothing running, caught while
# `check` waits for its input on a pipe.
sleep 1 | "$bin" check /dev/stdin >/dev/null 2>&1 &
sleep 0.3
base_pid=$(pgrep -n -f "$bin check /dev/stdin" || true)
base_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$base_pid/status" 2>/dev/null || echo 0)
wait

printf 'daemon with the demo site\n'
printf '  start to first snapshot: %5d ms wall (%s ms in-process)   budget 500 ms   baseline (kirchhoff --version): %d ms\n' \
  "$wall_ms" "${own_ms:-?}" "$baseline_ms"
printf '  resident memory after 5 s: %5.1f MB (peak %.1f MB)   budget 25 MB   baseline (idle binary): %.1f MB\n' \
  "$(awk "BEGIN {print $rss_kb / 1024}")" "$(awk "BEGIN {print $hwm_kb / 1024}")" \
  "$(awk "BEGIN {print ${base_rss_kb:-0} / 1024}")"
