#!/usr/bin/env bash
# Scenario: `kirchhoff run` as a user starts it. The demo daemon comes up on a
# free loopback port, answers GET /api/v1/health without login, refuses a
# second daemon on the same data directory, and stops cleanly on SIGTERM.
set -uo pipefail
bin=${KIRCHHOFF:?set KIRCHHOFF to the kirchhoff binary}
work=$(mktemp -d)
# Only this shell's jobs that still run: a pid waited for may already belong to
# another process (pid_max is 32768 on small boxes, and a test run makes many).
trap 'kill $(jobs -pr) 2>/dev/null; rm -rf "$work"' EXIT
pass=0
fail=0
check() {  # description, condition...
  local what=$1
  shift
  if "$@"; then pass=$((pass + 1)); else echo "FAIL: $what"; fail=$((fail + 1)); fi
}
# Polls until the output of a command matches a pattern, for at most 15 s
# (slow builds, such as the sanitizer one, take longer per cycle).
eventually() {  # grep-pattern, command...
  local pattern=$1
  shift
  for _ in $(seq 1 60); do
    "$@" | grep -q -- "$pattern" && return 0
    sleep 0.25
  done
  return 1
}

"$bin" run --data "$work/data" --listen 127.0.0.1:0 >"$work/terminal" 2>"$work/log" &
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

# The demo's first start shows its accounts on the terminal, never in the log.
owner_pw=$(sed -n 's/^  owner \/ \([0-9a-f]*\)$/\1/p' "$work/terminal")
check "demo owner password shown on the terminal" test -n "$owner_pw"
check "no password in the log" bash -c "! grep -q '$owner_pw' '$work/log'"
api() {  # method path [json] [token] -> prints "STATUS BODY"
  python3 - "$port" "$@" <<'PY'
import json, sys, urllib.request, urllib.error
port, method, path = sys.argv[1:4]
body = sys.argv[4].encode() if len(sys.argv) > 4 and sys.argv[4] else None
req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method)
if len(sys.argv) > 5:
    req.add_header("Authorization", "Bearer " + sys.argv[5])
try:
    with urllib.request.urlopen(req, timeout=5) as r:
        print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
PY
}
check "the OpenAPI description is served without login" python3 -c "
import json, sys, urllib.request
d = json.load(urllib.request.urlopen('http://127.0.0.1:$port/api/v1/openapi.json', timeout=5))
assert d['openapi'].startswith('3.') and '/api/v1/live' in d['paths']"
check "live needs a login" grep -q '^401 ' <<<"$(api GET /api/v1/live)"
check "a wrong password is refused" grep -q '^401 ' <<<"$(api POST /api/v1/login '{"username":"owner","password":"nope"}')"
login=$(api POST /api/v1/login "{\"username\":\"owner\",\"password\":\"$owner_pw\"}")
check "the owner logs in ($login)" grep -q '^200 ' <<<"$login"
token=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1].split(" ",1)[1])["token"])' "$login")
live=$(api GET /api/v1/live "" "$token")
check "live shows the demo's loads" grep -q '"name":"Heat pump"' <<<"$live"
check "and the ripple-control contacts" grep -q '"closed":false,"input":3,"kind":"status","module":"in1","name":"Ripple control 60 %"' <<<"$live"

# Relays: owners switch them, viewers may not; the body is checked.
viewer_pw=$(sed -n 's/^  viewer \/ \([0-9a-f]*\)$/\1/p' "$work/terminal")
vlogin=$(api POST /api/v1/login "{\"username\":\"viewer\",\"password\":\"$viewer_pw\"}")
vtoken=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1].split(" ",1)[1])["token"])' "$vlogin")
check "a viewer may not switch a relay" grep -q '^403 ' <<<"$(api POST /api/v1/outputs/out1/2 '{"on":false}' "$vtoken")"
check "an owner may" grep -q '^202 ' <<<"$(api POST /api/v1/outputs/out1/2 '{"on":false}' "$token")"
check "a bad body is refused" grep -q '^400 ' <<<"$(api POST /api/v1/outputs/out1/2 '{"on":"no"}' "$token")"
check "an unknown output is 404" grep -q '^404 ' <<<"$(api POST /api/v1/outputs/out1/7 '{"on":true}' "$token")"
check "the switch shows in live values" eventually '"energised":false,"module":"out1","name":"Garden lights","output":2' api GET /api/v1/live "" "$token"
check "and as an event" grep -q "out1/2 'Garden lights' switched off: owner's choice" <<<"$(api GET /api/v1/events "" "$token")"
# The boiler relay is managed by the energy manager (use: shed, so it runs
# unless the breaker needs it off); a person's switch holds over it.
check "an owner switches the managed boiler off" grep -q '^202 ' <<<"$(api POST /api/v1/outputs/out1/1 '{"on":false}' "$token")"
check "the boiler is off" eventually '"energised":false,"module":"out1","name":"Boiler","output":1' api GET /api/v1/live "" "$token"
sleep 2.5  # two cycles more, in which the energy manager would switch it back on
check "the manager keeps the person's choice" grep -q '"energised":false,"module":"out1","name":"Boiler","output":1' <<<"$(api GET /api/v1/live "" "$token")"

# A charger's mode and the heat pump's SG Ready state, held by a person.
check "a viewer may not set the car's mode" grep -q '^403 ' <<<"$(api POST '/api/v1/chargers/EV%20charger/mode' '{"mode":"now"}' "$vtoken")"
check "an owner sets it to pv" grep -q '^202 ' <<<"$(api POST '/api/v1/chargers/EV%20charger/mode' '{"mode":"pv"}' "$token")"
check "the live values show the mode" eventually '"load":"EV charger","mode":"pv"' api GET /api/v1/live "" "$token"
check "and the events the change" grep -q "charger 'EV charger' mode pv" <<<"$(api GET /api/v1/events "" "$token")"
check "an unknown mode is 400" grep -q '^400 ' <<<"$(api POST '/api/v1/chargers/EV%20charger/mode' '{"mode":"fast"}' "$token")"
check "a load that is no charger is 400" grep -q '^400 ' <<<"$(api POST /api/v1/chargers/Kitchen/mode '{"mode":"pv"}' "$token")"
check "an unknown load is 404" grep -q '^404 ' <<<"$(api POST /api/v1/chargers/Garage/mode '{"mode":"pv"}' "$token")"
# A charge session: "ready by 07:00 with 20 kWh", owners only, checked.
check "a viewer may not declare a session" grep -q '^403 ' <<<"$(api POST '/api/v1/chargers/EV%20charger/session' '{"departure":"07:00","need_kwh":20}' "$vtoken")"
check "an owner declares one" grep -q '^202 .*"need_kwh":20' <<<"$(api POST '/api/v1/chargers/EV%20charger/session' '{"departure":"07:00","need_kwh":20}' "$token")"
check "the live values show it" eventually '"session":{"delivered_kwh":[0-9.e-]*,"departure":"[0-9T:Z-]*","need_kwh":20' api GET /api/v1/live "" "$token"
check "and the events the declaration" grep -q "charger 'EV charger' session 20 kWh by" <<<"$(api GET /api/v1/events "" "$token")"
check "a departure in the past is 400" grep -q '^400 .*in the past' <<<"$(api POST '/api/v1/chargers/EV%20charger/session' '{"departure":"2020-01-01T07:00:00+01:00","need_kwh":20}' "$token")"
check "a need over 200 kWh is 400" grep -q '^400 .*at most 200 kWh' <<<"$(api POST '/api/v1/chargers/EV%20charger/session' '{"departure":"07:00","need_kwh":250}' "$token")"
check "a session on a load that is no charger is 400" grep -q '^400 ' <<<"$(api POST /api/v1/chargers/Kitchen/session '{"departure":"07:00","need_kwh":5}' "$token")"
check "a session on an unknown load is 404" grep -q '^404 ' <<<"$(api POST /api/v1/chargers/Garage/session '{"departure":"07:00","need_kwh":5}' "$token")"
check "an owner clears it" grep -q '^202 ' <<<"$(api DELETE '/api/v1/chargers/EV%20charger/session' '' "$token")"
check "the live values no longer show it" eventually '"load":"EV charger","mode":"pv","plugged":[a-z]*,"plugged_since_ms":[0-9a-z]*,"power_w":[0-9.e-]*,"session":null' api GET /api/v1/live "" "$token"
check "the prices: the flat tariff per quarter hour without dynamic prices" grep -q '^200 {"currency":"EUR","prices":\[{"export_eur_per_kwh":' <<<"$(api GET /api/v1/prices "" "$vtoken")"
check "an owner holds the heat pump in SG Ready 3" grep -q '^202 ' <<<"$(api POST /api/v1/heat-pump/sg-ready '{"state":3}' "$token")"
check "the live values show it held" eventually '"load":"Heat pump","manual":true,"p_w":[0-9.e-]*,"sg_ready":3' api GET /api/v1/live "" "$token"
check "SG Ready 5 is 400" grep -q '^400 ' <<<"$(api POST /api/v1/heat-pump/sg-ready '{"state":5}' "$token")"
check "auto hands it back" grep -q '^202 ' <<<"$(api POST /api/v1/heat-pump/sg-ready '{"state":"auto"}' "$token")"
check "no longer held" eventually '"load":"Heat pump","manual":false' api GET /api/v1/live "" "$token"

# The installer edits the installation: checked exactly like `kirchhoff
# check`, refused with its messages, else applied without a restart.
root=$(cd "$(dirname "$0")/.." && pwd)
installer_pw=$(sed -n 's/^  installer \/ \([0-9a-f]*\)$/\1/p' "$work/terminal")
ilogin=$(api POST /api/v1/login "{\"username\":\"installer\",\"password\":\"$installer_pw\"}")
itoken=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1].split(" ",1)[1])["token"])' "$ilogin")
sed 's/main_breaker_a: 25/main_breaker_a: -5/' "$root/examples/demo.yaml" >"$work/bad.yaml"
bad_line=$(grep -n 'main_breaker_a: -5' "$work/bad.yaml" | cut -d: -f1)
check_message=$("$bin" check "$work/bad.yaml" | sed -n "s/^.*bad.yaml:$bad_line:[0-9]*: error: //p")
check "check finds the bad breaker on line $bad_line" test -n "$check_message"
check "an owner may not change the installation" grep -q '^403 ' <<<"$(api PUT /api/v1/installation "$(cat "$work/bad.yaml")" "$token")"
refused=$(api PUT /api/v1/installation "$(cat "$work/bad.yaml")" "$itoken")
check "a bad installation is refused (422)" grep -q '^422 ' <<<"$refused"
check "with check's message at its line" python3 -c "
import json, sys
body = json.loads(sys.argv[1].split(' ', 1)[1])
assert any(p['line'] == int(sys.argv[2]) and p['message'] == sys.argv[3] for p in body['problems']), body
" "$refused" "$bad_line" "$check_message"
check "the dry run says the same without applying" grep -q '"valid":false' <<<"$(api POST /api/v1/installation/check "$(cat "$work/bad.yaml")" "$itoken")"
sed 's/{name: Sockets,/{name: Plugs,/' "$root/examples/demo.yaml" >"$work/good.yaml"
check "a good installation is accepted (202)" grep -q '^202 ' <<<"$(api PUT /api/v1/installation "$(cat "$work/good.yaml")" "$itoken")"
check "live values follow it without a restart" eventually '"name":"Plugs"' api GET /api/v1/live "" "$itoken"
check "the change is an event with its user" grep -q 'installation changed' <<<"$(api GET /api/v1/events "" "$itoken")"
check "it is saved in the data directory" test "$(cat "$work/good.yaml")" == "$(cat "$work/data/installation.yaml")"
# Alarms: a 0.1 A main breaker is exceeded by any load at all. (The house runs on
# the wall clock: at 0.2 A, there were minutes when PV and loads balanced the
# grid below it on every phase; in three December days the most loaded phase
# never carried less than 0.13 A.)
sed 's/main_breaker_a: 25/main_breaker_a: 0.1/' "$work/good.yaml" >"$work/tiny.yaml"
check "a tiny breaker is accepted" grep -q '^202 ' <<<"$(api PUT /api/v1/installation "$(cat "$work/tiny.yaml")" "$itoken")"
check "an overcurrent alarm is in force" eventually '"id":"overcurrent-L[123]","message":"L[123] at [0-9.]* A, above the 0.1 A main breaker","severity":"major"' api GET /api/v1/alarms "" "$token"
check "it is in the live values, with its advice" grep -q '"alarms":\[{"advice":"Switch off or delay [^"]*","id":"overcurrent' <<<"$(api GET /api/v1/live "" "$token")"
check "and an alarm event" grep -q 'raised major: L[123] at' <<<"$(api GET '/api/v1/events?kind=alarm' "" "$token")"
check "events filter by kind" python3 -c "
import json, sys
events = json.loads(sys.argv[1].split(' ', 1)[1])
assert events and all(e['kind'] == 'alarm' for e in events), events
" "$(api GET '/api/v1/events?kind=alarm' "" "$token")"
check "a bad kind is refused" grep -q '^400 ' <<<"$(api GET '/api/v1/events?kind=DROP%20TABLE' "" "$token")"
check "the good installation is back" grep -q '^202 ' <<<"$(api PUT /api/v1/installation "$(cat "$work/good.yaml")" "$itoken")"
check "and the alarm cleared" eventually '^200 \[\]' api GET /api/v1/alarms "" "$token"

# Accounts changed while the daemon runs take effect at once.
printf 'a new password 1\n' | "$bin" user add vera --role viewer --data "$work/data" 2>/dev/null
check "user add works beside a running daemon" grep -q '^200 ' <<<"$(api POST /api/v1/login '{"username":"vera","password":"a new password 1"}')"
"$bin" user remove owner --data "$work/data" 2>/dev/null
check "a removed user's session ends" grep -q '^401 ' <<<"$(api GET /api/v1/live "" "$token")"
check "user list shows the accounts" grep -q "vera	viewer" <<<"$("$bin" user list --data "$work/data")"
check "a short password is refused" bash -c "printf 'short\n' | '$bin' user add x --role viewer --data '$work/data' 2>&1 | grep -q 'at least 10'"

"$bin" run --data "$work/data" --listen 127.0.0.1:0 2>"$work/second.log"
check "a second daemon on the same data exits 1" test $? -eq 1
check "it says the data directory is in use" grep -q "is in use by another kirchhoff (pid $pid)" "$work/second.log"

kill -TERM "$pid"
wait "$pid"
check "SIGTERM stops it with exit 0" test $? -eq 0
check "it logs a clean stop" grep -q "msg=stopped" "$work/log"

# History: what the first run recorded, then a second run whose energy
# registers continue from it and never go back.
check "history lists the series" grep -q "load/Grid/energy_import_wh,counter" <<<"$("$bin" history list --data "$work/data")"
"$bin" run --data "$work/data" --listen 127.0.0.1:0 --seconds 3 >/dev/null 2>"$work/again.log"
check "a second run exits cleanly" grep -q "msg=stopped" "$work/again.log"
check "it runs the installation saved over the API" grep -q "installation saved over the API" "$work/again.log"
for series in "load/Battery/energy_export_wh" "load/Plugs/energy_import_wh" "load/Grid/energy_import_wh"; do
  values=$("$bin" history read --data "$work/data" --series "$series" | tail -n +2 | cut -d, -f2)
  check "$series never goes back across the restart" python3 -c "
import sys
v = [float(x) for x in sys.argv[1].split()]
assert len(v) >= 4, v
assert all(b >= a for a, b in zip(v, v[1:])), v
" "$values"
done
events=$("$bin" history events --data "$work/data")
check "start and stop of both runs are events" test "$(grep -c ',start,,' <<<"$events")" -eq 2 -a "$(grep -c ',stop,,' <<<"$events")" -eq 2
check "the relay switch is an event with its user" grep -q ",relay,owner,\"out1/2 'Garden lights' switched off: owner's choice, held until switched again\"" <<<"$events"
check "and its restore at the next start" grep -q ",relay,,\"out1/2 'Garden lights' switched off: owner's choice restored at start\"" <<<"$events"
check "the installation change is an event with its user" grep -q ',config,installer,"installation changed' <<<"$events"

# HTTPS with a self-signed certificate, and the local-only setting.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1
"$bin" run --data "$work/tls-data" --listen 127.0.0.1:0 --tls-cert "$work/cert.pem" \
  --tls-key "$work/key.pem" --local-only >/dev/null 2>"$work/tls.log" &
tls_pid=$!
tls_port=""
for _ in $(seq 1 50); do
  tls_port=$(sed -n 's/.*msg=started .*listen=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/tls.log")
  [ -n "$tls_port" ] && break
  sleep 0.1
done
check "the HTTPS daemon logs tls=on local_only=on" grep -q 'tls=on local_only=on' "$work/tls.log"
check "health over HTTPS says so" python3 -c "
import json, ssl, urllib.request
ctx = ssl.create_default_context(cafile='$work/cert.pem')
h = json.load(urllib.request.urlopen('https://127.0.0.1:$tls_port/api/v1/health', context=ctx, timeout=5))
assert h['tls'] is True and h['local_only'] is True, h"
check "plain HTTP gets no answer from it" python3 -c "
import urllib.request
try:
    urllib.request.urlopen('http://127.0.0.1:$tls_port/api/v1/health', timeout=5)
    raise SystemExit(1)
except SystemExit:
    raise
except Exception:
    pass"
kill -TERM "$tls_pid"
wait "$tls_pid"
"$bin" run --data "$work/tls-data" --listen 127.0.0.1:0 --tls-cert "$work/cert.pem" 2>"$work/half.log"
check "a certificate without its key exits 2 with a reason" grep -q 'needs both --tls-cert and --tls-key' "$work/half.log"
"$bin" run --data "$work/tls-data" --listen 127.0.0.1:0 --tls-cert "$work/cert.pem" --tls-key "$work/nokey.pem" 2>"$work/nokey.log"
check "a missing key file is a start error naming it" grep -q "TLS key $work/nokey.pem" "$work/nokey.log"

"$bin" run --config /nonexistent.yaml --data "$work/data" 2>"$work/bad.log"
check "a missing config exits 2" test $? -eq 2

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
