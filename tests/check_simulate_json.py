"""Checks the JSON of `kirchhoff simulate`: the brief's KPI keys are there and
the energy balance holds (import - export + production + discharge - charge =
consumption) to 0.1 % of consumption, cost = cost_energy + cost_capacity and the
longest overload is within the overload seconds."""
import json
import sys

d = json.load(open(sys.argv[1]))
days = int(sys.argv[2])
for key in ("import_kwh", "export_kwh", "self_consumption_pct", "peak_import_kw_15min", "cost",
            "fuse_overload_s", "ev_energy_kwh", "ev_unmet_kwh", "loads", "cost_energy",
            "cost_capacity", "capacity_peak_kw", "overload_longest_s"):
    assert key in d, f"missing {key}"
lhs = (d["import_kwh"] - d["export_kwh"] + d["production_kwh"] + d["battery_discharge_kwh"]
       - d["battery_charge_kwh"])
assert abs(lhs - d["consumption_kwh"]) <= 0.001 * d["consumption_kwh"], (lhs, d["consumption_kwh"])
assert d["seconds"] == days * 86400, d["seconds"]
# cost is the energy term plus the capacity term (each rounded to cents).
assert abs(d["cost"] - d["cost_energy"] - d["cost_capacity"]) <= 0.011, d["cost"]
assert 0 <= d["overload_longest_s"] <= d["fuse_overload_s"], d["overload_longest_s"]
