#!/usr/bin/env bash
# Scenario: `kirchhoff run` as a user starts it. The demo daemon comes up on a
# free loopback port, answers GET /api/v1/health without login, refuses a
# second daemon on the same data directory, and stops cleanly on SIGTERM.
set -uo pipefail
bin=${KIRCHHOFF:?set KIRCHHOFF to the kirchhoff binary}
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
pass=0
fail=0
check() {  # description, condition...
  local what=$1
  shift
  if "$@"; then pass=$((pass + 1)); else echo "FAIL: $what"; fail=$((fail + 1)); fi
}

"$bin" run --data "$work/data" --listen 127.0.0.1:0 2>"$work/log" &
pid=$!
port=""
for _ in $(seq 1 50); do
  port=$(sed -n 's/.*msg=started .*listen=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/log")
  [ -n "$port" ] && grep -q 'msg="first snapshot"' "$work/log" && break
  sleep 0.1
done
check "daemon logs its port and a first snapshot" test -n "$port"
health=$(python3 -c "import urllib.request,sys; print(urllib.request.urlopen('http://127.0.0.1:$port/api/v1/health', timeout=5).read().decode())" 2>&1)
check "health answers ok without login ($health)" grep -q '"status":"ok"' <<<"$health"

"$bin" run --data "$work/data" --listen 127.0.0.1:0 2>"$work/second.log"
check "a second daemon on the same data exits 1" test $? -eq 1
check "it says the data directory is in use" grep -q "is in use by another kirchhoff (pid $pid)" "$work/second.log"

kill -TERM "$pid"
wait "$pid"
check "SIGTERM stops it with exit 0" test $? -eq 0
check "it logs a clean stop" grep -q "msg=stopped" "$work/log"

"$bin" run --config /nonexistent.yaml --data "$work/data" 2>"$work/bad.log"
check "a missing config exits 2" test $? -eq 2

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
