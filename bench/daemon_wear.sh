#!/usr/bin/env bash
# Flash wear: what the demo daemon writes to its disk. Budget: under 1 GB a
# day (an SD card in a meter cupboard lasts years). Measured from the
# kernel's own count (`write_bytes` of /proc/PID/io: bytes the process
# sent to the storage layer) over WEAR_SECONDS after a warm-up. Baseline in
# the same run: how much the history database itself grew meanwhile (the
# data that had to be written at least once); their ratio is the write
# amplification.
#
# The data directory is created under WEAR_DIR (default /var/tmp): a tmpfs
# has no storage layer and would count nothing.
set -euo pipefail
bin=${1:?usage: bench/daemon_wear.sh path/to/kirchhoff}
seconds=${WEAR_SECONDS:-120}
warmup=${WEAR_WARMUP:-20}
work=$(mktemp -d "${WEAR_DIR:-/var/tmp}/kirchhoff-wear.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

if ! grep -q '^write_bytes' /proc/self/io 2>/dev/null; then
  echo "daemon flash wear: skipped (this kernel has no per-process I/O accounting)"
  exit 0
fi

"$bin" run --data "$work/data" --listen 127.0.0.1:0 2>"$work/log" &
pid=$!
sleep "$warmup"
io_bytes() { awk '/^write_bytes/ {print $2}' "/proc/$pid/io"; }
store_bytes() { du -cb "$work"/data/history.db* 2>/dev/null | awk 'END {print $1}'; }
w0=$(io_bytes)
s0=$(store_bytes)
sleep "$seconds"
w1=$(io_bytes)
s1=$(store_bytes)
kill -TERM "$pid"
wait "$pid" || true
pid=

awk -v w="$((w1 - w0))" -v s="$((s1 - s0))" -v t="$seconds" 'BEGIN {
  printf "daemon flash wear (demo site, 1 s cycle, %d s after %s s warm-up)\n", t, "'"$warmup"'"
  printf "  written to disk: %8.1f kB/s = %6.2f GB/day   budget 1 GB/day\n", w / t / 1000, w / t * 86400 / 1e9
  printf "  baseline (history files grew): %8.2f kB/s = %6.3f GB/day   write amplification %.1fx\n",
         s / t / 1000, s / t * 86400 / 1e9, (s > 0 ? w / s : 0)
}'
