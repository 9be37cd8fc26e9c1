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
# simulate --data: the history it writes agrees with its own KPIs (grid
# import energy and the month's 15-minute peak), two independent paths.
hist=$(mktemp -d)
if "$bin" simulate --config examples/demo.yaml --days 1 --seed 5 --data "$hist/data" >"$hist/kpi.json" 2>/dev/null &&
  energy=$("$bin" history energy --data "$hist/data" --series load/Grid/energy_import_wh --from 2026-01-01 --to 2026-01-02) &&
  "$bin" history stats --data "$hist/data" | grep -q '^1m,forever,' &&
  peak=$("$bin" history peak --data "$hist/data" --series load/Grid/p_w --month 2026-01 | cut -d, -f2) &&
  python3 -c "
import json, sys
k = json.load(open(sys.argv[1]))
assert abs(float(sys.argv[2]) / 1000 - k['import_kwh']) <= 0.001 * k['import_kwh'], (sys.argv[2], k['import_kwh'])
assert abs(float(sys.argv[3]) / 1000 - k['peak_import_kw_15min']) <= 0.002, (sys.argv[3], k['peak_import_kw_15min'])
" "$hist/kpi.json" "$energy" "$peak"; then
  pass=$((pass + 1))
else
  echo "FAIL: simulate --data history disagrees with its KPIs"
  fail=$((fail + 1))
fi
rm -rf "$hist"
# simulate --data over more than the raw retention (35 days): raw is kept for
# the last 35 days only (2026-01-02 to the end of 2026-02-05), as a daemon's
# retention would leave it, while the minute rollups start on 2026-01-01 and
# the whole run's grid import reads back from them.
hist=$(mktemp -d)
if "$bin" simulate --config examples/demo.yaml --days 36 --seed 5 --data "$hist/data" >"$hist/kpi.json" 2>/dev/null &&
  "$bin" history stats --data "$hist/data" >"$hist/stats.csv" &&
  grep -q '^raw,35d,[^,]*,[^,]*,[^,]*,[^,]*,2026-01-02T00:00:00Z,2026-02-05T23:59:59Z,' "$hist/stats.csv" &&
  grep -q '^1m,forever,[^,]*,[^,]*,[^,]*,[^,]*,2026-01-01T00:00:00Z,2026-02-05T23:59:00Z,' "$hist/stats.csv" &&
  energy=$("$bin" history energy --data "$hist/data" --series load/Grid/energy_import_wh --from 2026-01-01 --to 2026-02-06) &&
  python3 -c "
import json, sys
k = json.load(open(sys.argv[1]))
assert abs(float(sys.argv[2]) / 1000 - k['import_kwh']) <= 0.001 * k['import_kwh'], (sys.argv[2], k['import_kwh'])
" "$hist/kpi.json" "$energy"; then
  pass=$((pass + 1))
else
  echo "FAIL: simulate --data over 36 days keeps raw for the last 35"
  cat "$hist/stats.csv"
  fail=$((fail + 1))
fi
rm -rf "$hist"

# whatif: a recorded June day replayed; the baseline gives back the recorded
# grid within 0.5 %, a bigger battery imports less, the report has no link out.
wi=$(mktemp -d)
if "$bin" simulate --config examples/demo.yaml --days 1 --start 2026-06-02 --strategy managed \
    --data "$wi/data" >/dev/null 2>&1 &&
  "$bin" whatif --data "$wi/data" --config examples/demo.yaml --vary battery.capacity_kwh=5,20 \
    --capex battery.capacity_kwh=450 --report "$wi/report.html" >"$wi/out.json" 2>/dev/null &&
  ! grep -q 'src=' "$wi/report.html" &&
  python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
b = d['baseline']
assert b['reproduces_recorded'], b
for k in ('import', 'export'):
    rec = d['recorded'][k + '_kwh']
    assert abs(b['kpis'][k + '_kwh'] - rec) <= 0.005 * max(rec, 1.0), (k, b['kpis'][k + '_kwh'], rec)
small, big = d['variants']
assert big['kpis']['import_kwh'] < small['kpis']['import_kwh'], (small['kpis'], big['kpis'])
# 20 kWh against the demo's 10: 10 x 450 EUR.
assert big['kpis']['investment'] == 4500.0, big['kpis']
" "$wi/out.json"; then
  pass=$((pass + 1))
else
  echo "FAIL: whatif on a recorded day"
  cat "$wi/out.json"
  fail=$((fail + 1))
fi
expect "whatif with an unknown key" 2 "$bin" whatif --data "$wi/data" --config examples/demo.yaml \
  --vary battery.capacity=5
grep -q "unknown key 'battery.capacity'.*did you mean" "$out" ||
  { echo "FAIL: whatif unknown key: message"; cat "$out"; fail=$((fail + 1)); }
expect "whatif on a data directory without an installation" 2 "$bin" whatif --data "$wi/data"
expect "whatif without --data or --config" 2 "$bin" whatif --vary solar.kwp=4
rm -rf "$wi"
# simulate --prices: the same two days at the example's day-ahead prices
# report the new keys and cost something else than at the flat tariff.
flat=$(mktemp)
if "$bin" simulate --config examples/demo.yaml --days 2 --seed 7 >"$flat" 2>/dev/null &&
  "$bin" simulate --config examples/demo.yaml --days 2 --seed 7 \
    --prices examples/prices-day-ahead.csv >"$out" 2>/dev/null &&
  python3 tests/check_simulate_json.py "$out" 2 &&
  python3 -c "
import json, sys
flat, dyn = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert dyn['import_kwh'] == flat['import_kwh'], 'same physics, unmanaged'
assert dyn['cost_energy'] != flat['cost_energy'], (dyn['cost_energy'], flat['cost_energy'])
" "$flat" "$out"; then
  pass=$((pass + 1))
else
  echo "FAIL: simulate --prices"
  fail=$((fail + 1))
fi
rm -f "$flat"
# simulate --strategy planned|optimal: re-plans, deadlines, the peak limit
# (tests/check_planner_runs.py), at the tariff's windows and at day-ahead prices.
for prices in - examples/prices-day-ahead.csv; do
  if python3 tests/check_planner_runs.py "$bin" 3 "$prices"; then
    pass=$((pass + 1))
  else
    echo "FAIL: simulate --strategy planned/optimal ($prices)"
    fail=$((fail + 1))
  fi
done
expect "simulate with an unknown strategy" 2 "$bin" simulate --config examples/demo.yaml \
  --days 1 --strategy clairvoyant
expect "simulate with a missing --prices file" 2 "$bin" simulate --config examples/demo.yaml \
  --days 1 --prices examples/no-such-prices.csv
expect "simulate with an invalid --prices file" 1 "$bin" simulate --config examples/demo.yaml \
  --days 1 --prices examples/demo.yaml
if ! grep -qE "examples/demo.yaml:[0-9]+:1: the header must be" "$out"; then
  echo "FAIL: simulate --prices error does not name FILE:LINE:COL"
  cat "$out"
  fail=$((fail + 1))
fi
# check reads the price file the installation names, relative to it.
pc=$(mktemp -d)
sed 's|^  tariff:|  tariff:\n    prices: bad.csv|' examples/demo.yaml >"$pc/site.yaml"
printf 'start,import_eur_per_kwh,export_eur_per_kwh\n2026-01-01T00:00:00Z,0.3,x\n' >"$pc/bad.csv"
expect "check reports a bad price file at its key" 1 "$bin" check "$pc/site.yaml"
if ! grep -qE "site.yaml:[0-9]+:13: error: prices of 'tariff': .*/bad.csv:2:26: bad number 'x'" "$out"; then
  echo "FAIL: check's price file error"; cat "$out"; fail=$((fail + 1))
fi
cp examples/prices-day-ahead.csv "$pc/bad.csv"
expect "check accepts a good price file" 0 "$bin" check "$pc/site.yaml"
# Day-ahead sources: a URL and its refresh are accepted; a topic needs server.mqtt.
sed 's|^  tariff:|  tariff:\n    prices_url: https://prices.example/day-ahead.json\n    prices_refresh_min: 30|' \
  examples/demo.yaml >"$pc/url.yaml"
expect "check accepts prices_url" 0 "$bin" check "$pc/url.yaml"
sed 's|^  tariff:|  tariff:\n    prices_url: ftp://x/p.json\n    prices_topic: energy/day-ahead|' \
  examples/demo.yaml >"$pc/bad-url.yaml"
expect "check refuses a bad prices_url and a topic without a broker" 1 "$bin" check "$pc/bad-url.yaml"
if ! grep -qE "bad-url.yaml:[0-9]+:17: error: prices_url of 'tariff' must start with http:// or https://" "$out" ||
  ! grep -qE "bad-url.yaml:[0-9]+:19: error: prices_topic of 'tariff' needs an MQTT broker" "$out"; then
  echo "FAIL: check's day-ahead source errors"; cat "$out"; fail=$((fail + 1))
fi
rm -rf "$pc"
expect "simulate with a bad --days" 2 "$bin" simulate --config examples/demo.yaml --days zero
expect "simulate with an unknown option" 2 "$bin" simulate --config examples/demo.yaml --dayz 3

# meter: a simulated recording of the demo house metered back; every load's P
# and Q within 0.2 % (or 1 W / 1 var) of the simulator's own values.
rec=$(mktemp -d)
if "$bin" record --config examples/demo.yaml --seconds 2 --start 2026-06-21T12:30:00Z \
    --out "$rec/s.csv" --truth "$rec/truth.json" &&
  "$bin" meter --config examples/demo.yaml --samples "$rec/s.csv" >"$rec/m.json" &&
  python3 - "$rec/m.json" "$rec/truth.json" <<'PY'
import json, sys
m, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert abs(m["frequency_hz"] - 50) < 0.1, m["frequency_hz"]
for lm, lt in zip(m["loads"], t["loads"]):
    for key in ("p_w", "q_var"):
        assert abs(lm[key] - lt[key]) <= max(1.0, 0.002 * abs(lt[key])), (lm["name"], key, lm[key], lt[key])
    # Energy counts every sample, not only the 98 whole cycles between the
    # first and last crossing: 2 s of 50 Hz from phase 0 hold 100 periods,
    # so the net energy is P * 2 s exactly.
    net_w = (lm["energy_import_wh"] - lm["energy_export_wh"]) * 3600 / t["seconds"]
    assert abs(net_w - lt["p_w"]) <= max(1.0, 0.002 * abs(lt["p_w"])), (lm["name"], net_w, lt["p_w"])
PY
then pass=$((pass + 1)); else echo "FAIL: record then meter"; fail=$((fail + 1)); fi
head -c 100 "$rec/s.csv" >"$rec/short.csv"
expect "meter refuses a recording under two cycles" 1 "$bin" meter --config examples/demo.yaml --samples "$rec/short.csv"
expect "meter names a missing column (3P-230 needs v13)" 1 "$bin" meter --config examples/3p-230.yaml --samples "$rec/s.csv"
rm -rf "$rec"

# record --miswire: the Sockets CT physically mounted backwards. Metered with
# the file as written it reads the negated power; with the file corrected
# (`reversed: [true]`) the true power again (the --truth file is physics).
rec=$(mktemp -d)
sed 's|inputs: \[sc1/2\], breaker_a: 16}|inputs: [sc1/2], reversed: [true], breaker_a: 16}|' \
  examples/demo.yaml >"$rec/corrected.yaml"
if "$bin" record --config examples/demo.yaml --seconds 1 --start 2026-06-21T12:30:00Z \
    --miswire sc1/2=reversed --out "$rec/s.csv" --truth "$rec/truth.json" &&
  "$bin" meter --config examples/demo.yaml --samples "$rec/s.csv" >"$rec/as_wired.json" &&
  "$bin" meter --config "$rec/corrected.yaml" --samples "$rec/s.csv" >"$rec/corrected.json" &&
  python3 - "$rec/as_wired.json" "$rec/corrected.json" "$rec/truth.json" <<'PY'
import json, sys
wired, fixed, truth = (json.load(open(p)) for p in sys.argv[1:4])
def p(doc, name):
    return next(l["p_w"] for l in doc["loads"] if l["name"] == name)
t = p(truth, "Sockets")
assert t > 10, t  # the sockets draw something at this hour
assert abs(p(wired, "Sockets") + t) <= max(1.0, 0.002 * t), (p(wired, "Sockets"), t)
assert abs(p(fixed, "Sockets") - t) <= max(1.0, 0.002 * t), (p(fixed, "Sockets"), t)
PY
then pass=$((pass + 1)); else echo "FAIL: record --miswire then meter"; fail=$((fail + 1)); fi
rm -rf "$rec"
expect "record refuses a bad --miswire" 2 "$bin" record --config examples/demo.yaml --miswire sc1/9=L3
if grep -qF "kirchhoff record: --miswire: entry 'sc1/9=L3': no CT input sc1/9 on the bus (did you mean 'sc1/1'?)" "$out"; then
  pass=$((pass + 1))
else
  echo "FAIL: record --miswire error message:"; cat "$out"; fail=$((fail + 1))
fi
expect "run refuses --miswire with real devices" 2 "$bin" run --config examples/real-house.yaml --miswire hub1/1=L2

# diagnose: the demo recorded on a winter evening (lights, kitchen, sockets and
# the battery running) with three CTs mis-wired on purpose: Lighting clamped on
# L3, Kitchen on L2 and backwards, the grid's L2 CT backwards. Every mis-wired CT is found; no CT wired right is "fixed";
# the corrected file passes `check` and meters each load as the physics had it.
rec=$(mktemp -d)
if "$bin" record --config examples/demo.yaml --seconds 2 --start 2026-01-15T17:30:00Z \
    --miswire sc1/1=L3,sc1/3=L2:reversed,hub1/2=reversed --out "$rec/s.csv" \
    --truth "$rec/truth.json" &&
  "$bin" diagnose --config examples/demo.yaml --samples "$rec/s.csv" >"$rec/d.json" &&
  python3 -c "import json,sys; open(sys.argv[2],'w').write(json.load(open(sys.argv[1]))['installation'])" \
    "$rec/d.json" "$rec/fixed.yaml" &&
  "$bin" check "$rec/fixed.yaml" >/dev/null &&
  "$bin" meter --config "$rec/fixed.yaml" --samples "$rec/s.csv" >"$rec/fixed.json" &&
  python3 - "$rec/d.json" "$rec/fixed.json" "$rec/truth.json" "$rec/fixed.yaml" <<'PY'
import json, sys
d, fixed, truth = (json.load(open(p)) for p in sys.argv[1:4])
text = open(sys.argv[4]).read()
v = {i["input"]: i for i in d["inputs"]}
def says(inp, verdict, phase, reversed_):
    got = (v[inp]["verdict"], v[inp]["detected_phase"], v[inp]["reversed"])
    assert got == (verdict, phase, reversed_), (inp, got, v[inp].get("why"))
says("sc1/1", "wrong_phase", "L3", False)
says("sc1/3", "wrong_phase_reversed", "L2", True)
says("hub1/2", "reversed", "L2", True)
for inp, i in v.items():  # nothing wired right is changed
    if inp not in ("sc1/1", "sc1/3", "hub1/2"):
        assert i["verdict"] in ("ok", "no_current", "undecided"), (inp, i)
assert d["fixes"] == 3, d["fixes"]
assert "# The demo house" in text and "# grid L1" in text  # comments kept
def p(doc, name):
    return next(l["p_w"] for l in doc["loads"] if l["name"] == name)
for load in ("Lighting", "Kitchen", "Sockets", "Battery"):
    t = p(truth, load)
    assert t != 0, load  # each draws or feeds at this hour
    assert abs(p(fixed, load) - t) <= max(2.0, 0.005 * abs(t)), (load, p(fixed, load), t)
PY
then pass=$((pass + 1)); else echo "FAIL: record --miswire then diagnose, check and meter"; cat "$rec/d.json"; fail=$((fail + 1)); fi
rm -rf "$rec"
expect "diagnose needs --samples" 2 "$bin" diagnose --config examples/demo.yaml

# p1: published telegrams (tests/data/p1/README.md) to JSON; values read off
# the telegram text.
if "$bin" p1 tests/data/p1/emucs_fluvius.txt >"$out" 2>/dev/null &&
  python3 - "$out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
o = d["objects"]
assert d["crc_ok"] is True, d["crc_ok"]
assert o["1-0:1.8.1"] == {"value": 0.034, "unit": "kWh"}, o["1-0:1.8.1"]
assert o["1-0:1.4.0"] == {"value": 2.351, "unit": "kW"}, o["1-0:1.4.0"]
assert o["1-0:1.6.0"]["value"] == 2.589 and o["1-0:1.6.0"]["timestamp"] == "2020-05-09T13:45:58+02:00"
assert [m["value"] for m in o["0-0:98.1.0"]["entries"]] == [3.695, 5.98, 4.318]
assert o["0-2:24.2.1"]["value"] == 872.234 and o["0-2:24.2.1"]["unit"] == "m3"
assert o["0-0:96.1.1"]["value"] == "3153414733313031303231363035"
PY
then pass=$((pass + 1)); else echo "FAIL: p1 e-MUCS telegram"; cat "$out"; fail=$((fail + 1)); fi
if "$bin" p1 - <tests/data/p1/dsmr22.txt >"$out" 2>/dev/null &&
  python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d['crc_ok'] is None, d['crc_ok']
assert d['objects']['0-1:24.3.0']['value'] == 1.001, d['objects']['0-1:24.3.0']
assert d['objects']['1-0:1.7.0'] == {'value': 1.01, 'unit': 'kW'}, d['objects']['1-0:1.7.0']
" "$out"; then pass=$((pass + 1)); else echo "FAIL: p1 DSMR 2.2 telegram from stdin"; cat "$out"; fail=$((fail + 1)); fi
for f in dsmr50 dsmr50_two_mbus dsmr42 dsmr30 emucs_fluvius_no_history heat_unpadded_crc; do
  expect "p1 $f" 0 "$bin" p1 "tests/data/p1/$f.txt"
done
expect "p1 with a damaged CRC" 1 "$bin" p1 tests/data/p1/bad_crc.txt
if ! grep -q "CRC mismatch: the telegram says 6EEE, its bytes give 72F0" "$out"; then
  echo "FAIL: p1 CRC message"; cat "$out"; fail=$((fail + 1)); fi
expect "p1 of a text that is no telegram" 1 "$bin" p1 tests/data/p1/not_a_telegram.txt
if ! grep -q "not a P1 telegram" "$out"; then echo "FAIL: p1 message"; cat "$out"; fail=$((fail + 1)); fi
expect "p1 of a truncated telegram" 1 "$bin" p1 tests/data/p1/truncated.txt
expect "p1 of a missing file" 2 "$bin" p1 /nonexistent.txt
expect "p1 with two files" 2 "$bin" p1 tests/data/p1/dsmr50.txt tests/data/p1/dsmr42.txt
# sunspec: against the Modbus test peer (tests/peers/modbus_peer.cpp, whose
# header lists the values it serves: W 4200 with W_SF 0, Hz 5001 with Hz_SF -2).
if [ -n "${MODBUS_PEER:-}" ]; then
  peer_dir=$(mktemp -d)
  mkfifo "$peer_dir/in"
  "$MODBUS_PEER" <"$peer_dir/in" >"$peer_dir/port" &
  peer_pid=$!
  exec 9>"$peer_dir/in"  # the peer runs until this closes
  for _ in $(seq 50); do [ -s "$peer_dir/port" ] && break; sleep 0.1; done
  port=$(cat "$peer_dir/port")
  if "$bin" sunspec "127.0.0.1:$port" --unit 1 >"$out" 2>&1 && python3 - "$out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["base"] == 40000 and d["unit"] == 1, d
ids = [(m["id"], m["address"], m["length"]) for m in d["models"]]
assert ids == [(1, 40002, 66), (103, 40070, 50), (120, 40122, 26), (123, 40150, 24), (160, 40176, 48)], ids
inv = d["models"][1]["points"]
assert inv["W"] == 4200.0 and inv["Hz"] == 50.01 and inv["VA"] is None, inv
assert d["models"][0]["points"]["Mn"] == "Kirchhoff"
assert [m["DCW"] for m in d["models"][4]["points"]["module"]] == [2975.0, 1225.0]
PY
  then pass=$((pass + 1)); else echo "FAIL: sunspec against the peer"; cat "$out"; fail=$((fail + 1)); fi
  expect "sunspec of a unit without SunSpec" 1 "$bin" sunspec "127.0.0.1:$port" --unit 9
  if ! grep -q "127.0.0.1:$port" "$out" || ! grep -q 'no "SunS" marker' "$out"; then
    echo "FAIL: sunspec without marker: message"; cat "$out"; fail=$((fail + 1))
  fi
  exec 9>&-
  wait "$peer_pid" 2>/dev/null
  rm -rf "$peer_dir"
  # Nothing listens on the port the peer had any more.
  expect "sunspec refused" 1 "$bin" sunspec "127.0.0.1:$port"
  grep -q "127.0.0.1:$port.*connection refused" "$out" || { echo "FAIL: sunspec refused: message"; cat "$out"; fail=$((fail + 1)); }
fi
expect "sunspec without an address" 2 "$bin" sunspec
expect "sunspec with a bad address" 2 "$bin" sunspec nowhere

expect "check of a missing file" 2 "$bin" check /nonexistent.yaml
# MQTT devices: one of each family is valid (its password file beside it).
expect "check of MQTT plugs" 0 "$bin" check tests/data/mqtt/plugs.yaml
expect "describe of MQTT plugs" 0 "$bin" describe tests/data/mqtt/plugs.yaml
grep -q "washer-plug \[mqtt\] shellies/shellyplug-s-1/relay/0/power on mqtt://192.168.1.5:1883" "$out" ||
  { echo "FAIL: describe of MQTT plugs"; cat "$out"; fail=$((fail + 1)); }
# The site on a broker: a password file that is not there is named with its line.
tmp_mqtt=$(mktemp -d)
sed 's/^gateway: genius$/gateway: genius\nserver:\n  mqtt: {url: "mqtt:\/\/127.0.0.1:1883", username: k, password_file: missing.secret}/' \
  examples/demo.yaml >"$tmp_mqtt/site.yaml"
expect "check of a site whose MQTT password file is missing" 1 "$bin" check "$tmp_mqtt/site.yaml"
grep -q "site.yaml:[0-9]*:[0-9]*: error: password_file of 'mqtt' of 'server': cannot read $tmp_mqtt/missing.secret" "$out" ||
  { echo "FAIL: missing MQTT password file: message"; cat "$out"; fail=$((fail + 1)); }
echo secret >"$tmp_mqtt/missing.secret"
expect "check of the same site with its password file" 0 "$bin" check "$tmp_mqtt/site.yaml"
expect "run with a --mqtt that is not a broker URL" 2 "$bin" run --mqtt http://broker --data "$tmp_mqtt/data"
grep -q "\-\-mqtt must be mqtt://HOST\[:PORT\] or mqtts://HOST\[:PORT\], not 'http://broker'" "$out" ||
  { echo "FAIL: run --mqtt http: message"; cat "$out"; fail=$((fail + 1)); }
rm -rf "$tmp_mqtt"
# Backup while the daemon runs, then restore into a new directory: the
# history read there is the backup's, and restore refuses a directory in use.
bk=$(mktemp -d)
"$bin" run --data "$bk/data" --listen 127.0.0.1:0 >"$bk/stdout" 2>"$bk/stderr" &
bk_daemon=$!
for _ in $(seq 100); do grep -q 'msg="first snapshot"' "$bk/stderr" && break; sleep 0.1; done
sleep 1.5  # a few more seconds recorded
expect "backup while the daemon runs" 0 "$bin" backup --data "$bk/data" "$bk/backup"
grep -q "^  history.db (sqlite, " "$out" && ! grep -q "kirchhoff.lock" "$out" ||
  { echo "FAIL: backup: files"; cat "$out"; fail=$((fail + 1)); }
expect "backup into a directory that is not empty" 2 "$bin" backup --data "$bk/data" "$bk/backup"
expect "restore into the running daemon's directory" 2 "$bin" restore --data "$bk/data" "$bk/backup"
grep -q "in use by another kirchhoff (pid $bk_daemon)" "$out" ||
  { echo "FAIL: restore while running: message"; cat "$out"; fail=$((fail + 1)); }
kill -TERM "$bk_daemon"
wait "$bk_daemon"
expect "restore into a new directory" 0 "$bin" restore --data "$bk/new" "$bk/backup"
cp -r "$bk/backup" "$bk/copy"
# (The free space of the disk they share is not theirs: it may change between the two reads.)
if restored=$("$bin" history stats --data "$bk/new" | grep -v '^free space:') &&
  copied=$("$bin" history stats --data "$bk/copy" | grep -v '^free space:') &&
  [ "$restored" = "$copied" ] && grep -q "^raw points: [1-9]" <<<"$restored"; then
  pass=$((pass + 1))
else
  echo "FAIL: history stats of the restored directory differ from the backup's:"
  echo "$restored"
  echo "$copied"
  fail=$((fail + 1))
fi
expect "restore over a directory keeps its files aside" 0 "$bin" restore --data "$bk/new" "$bk/backup"
ls -d "$bk"/new/replaced-*/history.db >/dev/null 2>&1 ||
  { echo "FAIL: restore: replaced files not kept"; ls -R "$bk/new"; fail=$((fail + 1)); }
expect "restore of something that is not a backup" 2 "$bin" restore --data "$bk/other" "$bk/data"
expect "backup without a directory" 2 "$bin" backup --data "$bk/data"
expect "run with an unknown --log-level" 2 "$bin" run --log-level verbose --data "$bk/data"
grep -q "\-\-log-level must be debug, info, warning or error, not 'verbose'" "$out" ||
  { echo "FAIL: run --log-level verbose: message"; cat "$out"; fail=$((fail + 1)); }
expect "run with --log-level warning" 0 "$bin" run --log-level warning --seconds 1 --data "$bk/quiet" \
  --listen 127.0.0.1:0
! grep -q "level=info" "$out" ||
  { echo "FAIL: run --log-level warning wrote info lines"; cat "$out"; fail=$((fail + 1)); }
# --initial-config: runs until an installation is saved in the data directory,
# which then wins (the packaged service's "Save and apply" outlives restarts).
expect "run with --initial-config" 0 "$bin" run --initial-config examples/1p-230.yaml --seconds 1 \
  --data "$bk/initial" --listen 127.0.0.1:0
grep -q 'msg="running the initial installation until one is saved over the API" file=examples/1p-230.yaml' "$out" ||
  { echo "FAIL: run --initial-config: not the initial file"; cat "$out"; fail=$((fail + 1)); }
cp examples/3pn-400.yaml "$bk/initial/installation.yaml"
expect "run with --initial-config and a saved installation" 0 "$bin" run \
  --initial-config examples/1p-230.yaml --seconds 1 --data "$bk/initial" --listen 127.0.0.1:0
grep -q 'msg="running the installation saved over the API"' "$out" ||
  { echo "FAIL: run --initial-config: the saved installation did not win"; cat "$out"; fail=$((fail + 1)); }
expect "run with --config and --initial-config" 2 "$bin" run --config examples/1p-230.yaml \
  --initial-config examples/1p-230.yaml --data "$bk/initial"
rm -rf "$bk"
expect "no command" 2 "$bin"
expect "help" 0 "$bin" help

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
