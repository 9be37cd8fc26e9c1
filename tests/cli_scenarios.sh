#!/usr/bin/env bash
# Scenario: the kirchhoff binary the way an installer runs it. Checks exit
# codes and the FILE:LINE:COL contract on the examples and on broken files in
# tests/data/ whose expected first line is written in the file itself
# ("# expect: LINE:COL: error: text").
set -uo pipefail
bin=${KIRCHHOFF:?set KIRCHHOFF to the kirchhoff binary}
fail=0
pass=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

expect() {  # description, expected exit code, command...
  local what=$1 code=$2
  shift 2
  "$@" >"$out" 2>&1
  local got=$?
  if [ "$got" -ne "$code" ]; then
    echo "FAIL: $what: exit $got, expected $code"
    cat "$out"
    fail=$((fail + 1))
  else
    pass=$((pass + 1))
  fi
}

for f in examples/*.yaml; do
  expect "check $f" 0 "$bin" check "$f"
  expect "describe $f" 0 "$bin" describe "$f"
done

for f in tests/data/invalid/*.yaml; do
  expect "check $f" 1 "$bin" check "$f"
  while IFS= read -r want; do
    if ! grep -qF -- "$f:$want" "$out"; then
      echo "FAIL: $f: missing '$f:$want' in:"
      cat "$out"
      fail=$((fail + 1))
    else
      pass=$((pass + 1))
    fi
  done < <(sed -n 's/^# expect: //p' "$f")
done

# simulate: two days of the demo house, checked by tests/check_simulate_json.py.
# (JSON on stdout only: slow builds also print progress lines on stderr.)
if "$bin" simulate --config examples/demo.yaml --days 2 --seed 7 >"$out" 2>/dev/null &&
  python3 tests/check_simulate_json.py "$out" 2; then
  pass=$((pass + 1))
else
  echo "FAIL: simulate JSON"
  fail=$((fail + 1))
fi
expect "simulate with a bad --days" 2 "$bin" simulate --config examples/demo.yaml --days zero
expect "simulate with an unknown option" 2 "$bin" simulate --config examples/demo.yaml --dayz 3

expect "check of a missing file" 2 "$bin" check /nonexistent.yaml
expect "no command" 2 "$bin"
expect "help" 0 "$bin" help

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
