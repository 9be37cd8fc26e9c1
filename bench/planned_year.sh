#!/usr/bin/env bash
# Budget: `kirchhoff simulate --strategy planned` runs a year in under 60 s
# (the simulate budget), re-planning every quarter hour; beside it, in the
# same run, the same year with the energy manager's rules alone
# (--strategy managed) as the baseline it adds to. Also prints the planner's
# re-plan times (median and worst; target under 100 ms for 192 slots) and
# the costs of none, managed, planned and optimal at the demo's tariff and at
# a year of day-ahead prices (`--costs`; about ten minutes).
set -euo pipefail
bin=${1:?usage: bench/planned_year.sh path/to/kirchhoff [--costs]}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

seconds() {  # strategy, extra args...: wall seconds of a year, JSON in $work/<strategy>.json
  local strategy=$1
  shift
  local t0
  t0=$(date +%s%3N)
  "$bin" simulate --config "$root/examples/demo.yaml" --days 365 --strategy "$strategy" "$@" \
    >"$work/$strategy.json" 2>/dev/null
  local ms=$(($(date +%s%3N) - t0))
  printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}

managed_s=$(seconds managed)
planned_s=$(seconds planned)
printf 'a year of the demo house, 1 s steps\n'
printf '  managed (baseline, the rules):  %6.1f s\n' "$managed_s"
printf '  planned (re-plan each 15 min):  %6.1f s  (budget 60 s)\n' "$planned_s"
python3 - "$work/planned.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["planner"]
print(f"  re-plans {p['replans']}: median {p['solve_ms_median']} ms, worst {p['solve_ms_worst']} ms"
      f" (target 100 ms); failed {p['failed_solves']}; day-ahead forecast MAE PV"
      f" {p['forecast']['pv_mae_w']} W, load {p['forecast']['load_mae_w']} W")
PY
if [ "${2:-}" = "--costs" ]; then
  for prices in "" "$root/examples/prices-2026-dynamic.csv"; do
    echo "costs over the year${prices:+ at $(basename "$prices")}:"
    for strategy in none managed planned optimal; do
      "$bin" simulate --config "$root/examples/demo.yaml" --days 365 --strategy "$strategy" \
        ${prices:+--prices "$prices"} >"$work/c-$strategy.json" 2>/dev/null
      python3 - "$work/c-$strategy.json" "$strategy" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"  {sys.argv[2]:8} cost {d['cost']:8.2f} {d['currency']}  import {d['import_kwh']:8.1f} kWh"
      f"  export {d['export_kwh']:8.1f} kWh  self-consumption {d['self_consumption_pct']:5.1f} %"
      f"  peak {d['peak_import_kw_15min']:5.2f} kW  EV {d['ev_energy_kwh']:7.1f} kWh,"
      f" unmet {d['ev_unmet_kwh']:6.1f} kWh (feasible sessions {d['ev_unmet_feasible_kwh']:.1f})")
PY
    done
  done
fi
