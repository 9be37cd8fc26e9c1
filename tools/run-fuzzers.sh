#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build for a fixed time, starting from
# its committed seed corpus, as many at once as there are cores (each target
# is single-threaded). Fails when a target crashes.
set -euo pipefail
build=$1
seconds=${2:-20}
jobs=${FUZZ_JOBS:-$(nproc)}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/fuzz/artifacts"
results=$(mktemp -d)

run_one() {  # target corpus
  local target=$1 corpus=$2 scratch
  scratch=$(mktemp -d)
  if "$build/fuzz/$target" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
      -artifact_prefix="$root/fuzz/artifacts/" -print_final_stats=0 \
      "$scratch" "$corpus" >"$results/$target.log" 2>&1; then
    echo "fuzz: $target ran ${seconds}s"
  else
    tail -n 40 "$results/$target.log"
    echo "fuzz: $target FAILED (input saved in fuzz/artifacts/)"
    touch "$results/$target.failed"
  fi
  rm -rf "$scratch"
}

for corpus in "$root"/fuzz/corpus/*/; do
  while (($(jobs -rp | wc -l) >= jobs)); do
    wait -n || true
  done
  run_one "$(basename "$corpus")" "$corpus" &
done
wait
status=0
if compgen -G "$results/*.failed" >/dev/null; then
  status=1
fi
rm -rf "$results"
exit $status
