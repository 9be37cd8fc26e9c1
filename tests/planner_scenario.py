"""The planner in the running daemon (docs/planner.md), on the simulated demo
house: GET /api/v1/plan is a viewer's; the plan covers 36 h from the current
quarter hour (the demo's tariff has no day-ahead prices); each slot's prices
are the demo tariff's windows at its local time; each slot balances (grid =
load + cars - PV used - battery); the state of charge moves as the battery's
power says, at 90 % round trip, and stays within the battery's limits."""
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

from scenario_lib import wait_for


def call(base, path, token=None):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, None


def login(base, user, password):
    req = urllib.request.Request(base + "/api/v1/login", method="POST",
                                 headers={"Content-Type": "application/json"},
                                 data=json.dumps({"username": user, "password": password}).encode())
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())["token"]


def unix(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def demo_price(unix_s):
    # examples/demo.yaml: 0.32 flat; 22:00-07:00 0.24 (charge); 17:00-21:00 0.40 (hold).
    t = time.localtime(unix_s)
    minute = t.tm_hour * 60 + t.tm_min
    if minute >= 22 * 60 or minute < 7 * 60:
        return 0.24
    if 17 * 60 <= minute < 21 * 60:
        return 0.40
    return 0.32


def main():
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="kirchhoff-planner-")
    out_path, err_path = os.path.join(work, "terminal"), os.path.join(work, "log")
    with open(out_path, "w") as out, open(err_path, "w") as err:
        daemon = subprocess.Popen([binary, "run", "--data", work + "/data", "--listen", "127.0.0.1:0",
                                   "--cycle-ms", "100"], stdout=out, stderr=err)
    try:
        def started():
            port = re.search(r"msg=started .*listen=127\.0\.0\.1:(\d+)", open(err_path).read())
            passwords = dict(re.findall(r"^  (installer|owner|viewer) / ([0-9a-f]+)$",
                                        open(out_path).read(), re.M))
            return (port.group(1), passwords) if port and len(passwords) == 3 else None
        port, passwords = wait_for("the daemon", started, timeout=10)
        base = f"http://127.0.0.1:{port}"
        assert call(base, "/api/v1/plan")[0] == 401
        viewer = login(base, "viewer", passwords["viewer"])
        plan = wait_for("a plan", lambda: (lambda r: r[1] if r[0] == 200 and r[1]["status"] == "ok"
                                            else None)(call(base, "/api/v1/plan", viewer)))
        now = time.time()
        slots = plan["slots"]
        assert len(slots) == 144, len(slots)  # 36 h of quarter hours
        first = unix(slots[0]["start"])
        assert first == now - now % 900 or first == now - now % 900 - 900, (slots[0]["start"], now)
        for a, b in zip(slots, slots[1:]):
            assert unix(b["start"]) - unix(a["start"]) == 900
        print(f"ok: {len(slots)} quarter hours from {slots[0]['start']}, solved in {plan['solve_ms']} ms")

        for s in slots:
            assert math.isclose(s["import_eur_per_kwh"], demo_price(unix(s["start"]))), s
            assert math.isclose(s["export_eur_per_kwh"], 0.04), s
        print("ok: every slot at the demo tariff's window price in local time")

        eta = math.sqrt(0.90)
        capacity_wh = 10000.0  # the simulator's battery
        soc = None
        for s in slots:
            cars = sum(s["cars_w"])
            balance = s["load_w"] + cars - s["pv_used_w"] - s["battery_w"] - s["grid_w"]
            assert abs(balance) <= 2.0, (s, balance)  # each value rounded to 1 W
            assert s["pv_used_w"] <= s["pv_w"] + 1.0, s
            assert 10.0 - 0.05 <= s["soc_pct"] <= 95.0 + 0.05, s
            if soc is not None:
                b = s["battery_w"]
                stored_wh = -b * 0.25 * eta if b < 0 else -b * 0.25 / eta
                expected = soc + stored_wh / capacity_wh * 100.0
                # soc_pct is rounded to 0.1 %, battery_w to 1 W.
                assert abs(s["soc_pct"] - expected) <= 0.11, (s, expected)
            soc = s["soc_pct"]
        print("ok: every slot balances and the state of charge follows the battery's power")

        assert plan["replans"] >= 1 and plan["failed_solves"] == 0, plan
        assert isinstance(plan["cars"], list) and plan["cars"][0]["load"] == "EV charger", plan["cars"]
        assert isinstance(plan["actual"], list) and isinstance(plan["forecast_error"], list)
        print("ok: the report's figures")
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
