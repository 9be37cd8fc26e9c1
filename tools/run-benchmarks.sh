#!/usr/bin/env bash
# Runs every benchmark program of a build; each prints its figure beside the
# baseline it measures in the same run.
set -euo pipefail
build=$1
found=0
for bench in "$build"/bench/bench_*; do
  [ -x "$bench" ] || continue
  found=1
  echo "== $(basename "$bench")"
  "$bench"
done
root=$(cd "$(dirname "$0")/.." && pwd)
for script in "$root"/bench/*.sh; do
  [ -f "$script" ] || continue
  found=1
  echo "== $(basename "$script")"
  bash "$script" "$build/kirchhoff"
done
[ $found -eq 1 ] || echo "no benchmarks built yet"
