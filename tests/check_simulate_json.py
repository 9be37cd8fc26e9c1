"""Checks the JSON of `kirchhoff simulate`: the brief's KPI keys are there and
the energy balance holds (import - export + production + discharge - charge =
consumption) to 0.1 % of consumption."""
import json
import sys

d = json.load(open(sys.argv[1]))
days = int(sys.argv[2])
for key in ("import_kwh", "export_kwh", "self_consumption_pct", "peak_import_kw_15min", "cost",
            "fuse_overload_s", "ev_energy_kwh", "ev_unmet_kwh", "loads"):
    assert key in d, f"missing {key}"
lhs = (d["import_kwh"] - d["export_kwh"] + d["production_kwh"] + d["battery_discharge_kwh"]
       - d["battery_charge_kwh"])
assert abs(lhs - d["consumption_kwh"]) <= 0.001 * d["consumption_kwh"], (lhs, d["consumption_kwh"])
assert d["seconds"] == days * 86400, d["seconds"]
