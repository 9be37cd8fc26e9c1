#!/usr/bin/env bash
# Adds up the ctest results of the builds given (their Testing/Temporary logs)
# and prints one closing line: "test: N passed, N failed".
set -euo pipefail
passed=0
failed=0
for build in "$@"; do
  log="$build/Testing/Temporary/LastTest.log"
  [ -f "$log" ] || continue
  p=$(grep -c '^Test Passed\.' "$log" || true)
  f=$(grep -c '^Test Failed\.' "$log" || true)
  passed=$((passed + p))
  failed=$((failed + f))
done
# The dashboard's browser tests (node --test) print "# pass N" and "# fail N".
for build in "$@"; do
  log="$build/web-test.log"
  [ -f "$log" ] || continue
  passed=$((passed + $(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log" | tail -n 1)))
  failed=$((failed + $(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -n 1)))
done
echo "test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
