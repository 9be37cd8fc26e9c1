#!/usr/bin/env bash
# Budgets (docs/whatif.md, docs/store-format.md): a year of the demo house with
# `simulate --data` in under 60 s, beside the same year without writing history
# (the simulation alone) measured in the same run; then `whatif` over that
# recorded year with 1, 4 and 16 variants at 1 and 2 jobs (4 variants in under
# 60 s), with the baseline's reproduction of the recorded import and export
# (within 0.5 %), the history's size and its bytes per point per level.
# Usage: bench/whatif_year.sh path/to/kirchhoff [DAYS]   (DAYS: 365)
set -euo pipefail
bin=${1:?usage: bench/whatif_year.sh path/to/kirchhoff [DAYS]}
days=${2:-365}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ms_now() { date +%s%3N; }
fmt() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

# The default strategy (none) and managed, each without and with --data; the
# managed history is the one whatif replays below.
for strategy in none managed; do
  t0=$(ms_now)
  "$bin" simulate --config "$root/examples/demo.yaml" --days "$days" --strategy "$strategy" \
    >"$work/plain-$strategy.json" 2>/dev/null
  plain_ms=$(($(ms_now) - t0))
  rm -rf "$work/data"
  t0=$(ms_now)
  "$bin" simulate --config "$root/examples/demo.yaml" --days "$days" --strategy "$strategy" \
    --data "$work/data" >"$work/data.json" 2>/dev/null
  data_ms=$(($(ms_now) - t0))
  printf 'the demo house, %s days, strategy %s, 1 s steps\n' "$days" "$strategy"
  printf '  simulate (baseline, no history): %8s s\n' "$(fmt $plain_ms)"
  printf '  simulate --data:                 %8s s  (budget 60 s for 365 days)\n' "$(fmt $data_ms)"
done
printf '  history file: %s MB\n' "$(du -sm "$work/data" | cut -f1)"
"$bin" history stats --data "$work/data" 2>/dev/null | sed 's/^/    /' || true

variants() {  # count: --vary arguments giving that many variants
  case $1 in
    1) echo "--vary battery.capacity_kwh=15" ;;
    4) echo "--vary battery.capacity_kwh=5,15,20,30" ;;
    16) echo "--vary battery.capacity_kwh=5,15,20,30 --vary solar.kwp=6,9.7152,12,15" ;;
  esac
}
for n in 1 4 16; do
  for jobs in 1 2; do
    t0=$(ms_now)
    # shellcheck disable=SC2046
    "$bin" whatif --data "$work/data" --config "$root/examples/demo.yaml" $(variants $n) \
      --jobs "$jobs" >"$work/w-$n-$jobs.json" 2>/dev/null
    ms=$(($(ms_now) - t0))
    printf '  whatif, %2d variant(s) + baseline, %d job(s): %8s s%s\n' "$n" "$jobs" "$(fmt $ms)" \
      "$([ "$n" = 4 ] && echo '  (budget 60 s for 365 days)' || true)"
  done
done
python3 - "$work/w-4-2.json" "$work/data.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
b = d["baseline"]
print(f"  recorded import {d['recorded']['import_kwh']:.1f} kWh, export {d['recorded']['export_kwh']:.1f} kWh"
      f" (simulate's own KPIs: {s['import_kwh']:.1f} / {s['export_kwh']:.1f})")
print(f"  baseline import {b['kpis']['import_kwh']:.1f} kWh ({b['import_error_pct']:+.3f} %),"
      f" export {b['kpis']['export_kwh']:.1f} kWh ({b['export_error_pct']:+.3f} %),"
      f" reproduces: {b['reproduces_recorded']}; replayed raw {d['period']['raw_seconds']} s,"
      f" minute means {d['period']['minute_seconds']} s")
for v in d["variants"]:
    k = v["kpis"]
    print(f"    {json.dumps(v['set'])}: import {k['import_kwh']:.1f} kWh, savings/year {k['savings_per_year']:.2f}")
PY
