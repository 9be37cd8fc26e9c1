"""Checks `kirchhoff simulate --strategy planned|optimal` against the demo
house over a few days (argv: binary, days, price file or "-"):
- every run balances (tests/check_simulate_json.py's checks);
- planned re-plans once per quarter hour (plus the first plan, made at once),
  never fails, never falls back to the rules, and meets every feasible
  deadline (unmet energy of feasible sessions < 0.5 kWh: the plan follower
  rounds to the car's minimum current in a session's last seconds);
- optimal's own plan leaves no car short (every demo session is feasible)
  and its run meets the deadlines as well;
- the plan leaves cars no shorter than the managed rules do."""
import json
import subprocess
import sys

binary, days = sys.argv[1], int(sys.argv[2])
prices = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] != "-" else None


def run(strategy):
    cmd = [binary, "simulate", "--config", "examples/demo.yaml", "--days", str(days), "--seed", "7",
           "--strategy", strategy]
    if prices:
        cmd += ["--prices", prices]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    path = f"/tmp/kirchhoff-planner-{strategy}.json"
    open(path, "w").write(out)
    subprocess.run([sys.executable, "tests/check_simulate_json.py", path, str(days)], check=True)
    return json.loads(out)


managed, planned, optimal = run("managed"), run("planned"), run("optimal")
p = planned["planner"]
assert p["replans"] == days * 96 + 1, p
assert p["failed_solves"] == 0 and p["rules_fallback_s"] == 0, p
assert p["solve_ms_median"] > 0 and p["solve_ms_worst"] >= p["solve_ms_median"], p
assert p["forecast"]["days"] >= days, p
assert planned["ev_sessions_infeasible"] == 0, planned
assert planned["ev_unmet_feasible_kwh"] < 0.5, planned["ev_unmet_feasible_kwh"]
o = optimal["planner"]
assert o["slots"] == days * 96, o
assert o["ev_unmet_kwh"] == 0, o
assert optimal["ev_unmet_feasible_kwh"] < 0.5, optimal["ev_unmet_feasible_kwh"]
assert planned["ev_unmet_kwh"] <= managed["ev_unmet_kwh"] + 0.5, (managed["ev_unmet_kwh"],
                                                                  planned["ev_unmet_kwh"])
for d in (planned, optimal):
    assert d["peak_import_kw_15min"] <= 7.5 + 0.01, d["peak_import_kw_15min"]  # demo peak limit
print(f"ok: {days} days{' at ' + prices if prices else ''}: cost managed {managed['cost']}, "
      f"planned {planned['cost']}, optimal {optimal['cost']}; EV unmet managed "
      f"{managed['ev_unmet_kwh']} kWh, planned {planned['ev_unmet_kwh']}, optimal "
      f"{optimal['ev_unmet_kwh']}; re-plan median {p['solve_ms_median']} ms")
