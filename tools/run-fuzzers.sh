#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build for a fixed time, starting from
# its committed seed corpus. Fails when a target crashes.
set -euo pipefail
build=$1
seconds=${2:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
for corpus in "$root"/fuzz/corpus/*/; do
  target=$(basename "$corpus")
  scratch=$(mktemp -d)
  mkdir -p "$root/fuzz/artifacts"
  echo "fuzz: $target for ${seconds}s"
  if ! "$build/fuzz/$target" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
      -artifact_prefix="$root/fuzz/artifacts/" -print_final_stats=0 \
      "$scratch" "$corpus" >"$scratch.log" 2>&1; then
    tail -n 40 "$scratch.log"
    echo "fuzz: $target FAILED (input saved in fuzz/artifacts/)"
    status=1
  fi
  rm -rf "$scratch" "$scratch.log"
done
exit $status
