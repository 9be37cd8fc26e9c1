#!/usr/bin/env python3
"""Live installation diagnostics (docs/daemon.md, docs/diagnostics.md).

The demo house on the simulator in waveform mode at a 100 ms cycle (each
cycle measures one simulated second, so 10 cycles stand for 10 s of a real
site), with the sockets' CT (sc1/2, configured on L2) clamped on L3 by the
simulator's --miswire:
  1. GET /api/v1/diagnostics: 401 without login, 403 for a viewer;
  2. the installer's diagnosis says sc1/2 is wrong_phase, detected L3, with
     the validation table's live values and the corrected file, in which only
     the sockets' phase changed;
  3. once the window holds 60 s, the alarm wiring-sc1/2 (major) names the
     load, the input, the verdict and the detected phase;
  4. the installer PUTs the corrected file: the verdict becomes ok at once
     (the channel layout did not change, so the window's evidence stays), the
     alarm clears, and the change is a config event with the installer.

usage: diagnostics_scenario.py KIRCHHOFF_BINARY SOURCE_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from scenario_lib import wait_for

MISWIRED = "sc1/2"


class Api:
    def __init__(self, base):
        self.base = base

    def call(self, method, path, token=None, body=None):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = "Bearer " + token
        req = urllib.request.Request(self.base + path, method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def login(self, user, password):
        status, body = self.call("POST", "/api/v1/login", body={"username": user, "password": password})
        assert status == 200, (status, body)
        return body["token"]


def row_of(diagnosis, input_ref):
    return next((i for i in diagnosis.get("inputs", []) if i["input"] == input_ref), None)


def main():
    binary, source = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="kirchhoff-diagnostics-")
    out_path, err_path = os.path.join(work, "terminal"), os.path.join(work, "log")
    with open(out_path, "w") as out, open(err_path, "w") as err:
        daemon = subprocess.Popen([binary, "run", "--data", work + "/data", "--listen", "127.0.0.1:0",
                                   "--cycle-ms", "100", "--miswire", f"{MISWIRED}=L3"],
                                  stdout=out, stderr=err)
    try:
        def started():
            port = re.search(r"msg=started .*listen=127\.0\.0\.1:(\d+)", open(err_path).read())
            passwords = dict(re.findall(r"^  (installer|owner|viewer) / ([0-9a-f]+)$",
                                        open(out_path).read(), re.M))
            return (port.group(1), passwords) if port and len(passwords) == 3 else None
        port, passwords = wait_for("the daemon", started, timeout=10)
        api = Api(f"http://127.0.0.1:{port}")
        installer = api.login("installer", passwords["installer"])
        viewer = api.login("viewer", passwords["viewer"])

        # 1. Installers only.
        assert api.call("GET", "/api/v1/diagnostics")[0] == 401
        assert api.call("GET", "/api/v1/diagnostics", viewer)[0] == 403
        print("ok: diagnostics are the installer's (401 without login, 403 for a viewer)")

        # 2. The verdict, from whatever the window holds.
        def miswire_found():
            status, d = api.call("GET", "/api/v1/diagnostics", installer)
            assert status == 200, (status, d)
            row = row_of(d, MISWIRED) if d["available"] else None
            return d if row and row["verdict"] == "wrong_phase" else None
        d = wait_for("the wrong_phase verdict", miswire_found)
        row = row_of(d, MISWIRED)
        assert row["load"] == "Sockets" and row["configured_phase"] == "L2", row
        assert row["detected_phase"] == "L3" and row["reversed"] is False, row
        assert d["window_s"] > 0 and d["fixes"] >= 1, d
        live = row["live"]
        assert set(live) == {"i_a", "p_w", "q_var", "pf", "angle_deg", "v_ln", "v_ll"}, live
        assert live["i_a"] > 0 and live["v_ln"] > 200 and live["v_ll"] > 350, live
        # The live P is measured against the configured (wrong) voltage, 120°
        # away from the current: a consumer then seems to draw little or feed.
        assert live["pf"] < 0.5, live
        assert set(d["voltages"]) == {"L1", "L2", "L3"}, d["voltages"]
        others = [i["input"] for i in d["inputs"] if i["input"] != MISWIRED
                  and i["verdict"] in ("wrong_phase", "reversed", "wrong_phase_reversed")]
        assert not others, f"correctly wired inputs said to be wrong: {others}"
        # The corrected file: the demo's text with only the sockets' phase changed.
        demo = open(os.path.join(source, "examples/demo.yaml")).read()
        status, current = api.call("GET", "/api/v1/installation", installer)
        assert status == 200
        expected = current["yaml"].replace("{name: Sockets, kind: consumer, phases: [L2]",
                                           "{name: Sockets, kind: consumer, phases: [L3]")
        assert expected != current["yaml"] and current["yaml"] == demo
        assert d["installation"] == expected, d["installation"]
        print(f"ok: {MISWIRED} wrong_phase, detected L3, after {d['window_s']} s; the corrected "
              "file changes only its phase")

        # 3. The alarm, once the window holds 60 s (6 s at 100 ms cycles).
        def alarms():
            return {a["id"]: a for a in api.call("GET", "/api/v1/alarms", viewer)[1]}
        alarm = wait_for("the wiring alarm", lambda: alarms().get(f"wiring-{MISWIRED}"))
        assert alarm["severity"] == "major", alarm
        assert alarm["message"] == ("CT sc1/2 of load 'Sockets' measures L3, configured L2 "
                                    "(wrong_phase)"), alarm
        assert not [a for a in alarms() if a.startswith("wiring-") and a != f"wiring-{MISWIRED}"]
        print("ok: alarm:", alarm["message"])

        # 4. The fix, through the installation's own PUT.
        status, body = api.call("PUT", "/api/v1/installation", installer, {"yaml": d["installation"]})
        assert status == 202, (status, body)

        def fixed():
            status, d = api.call("GET", "/api/v1/diagnostics", installer)
            row = row_of(d, MISWIRED) if status == 200 and d["available"] else None
            return d if row and row["configured_phase"] == "L3" and row["verdict"] == "ok" else None
        d = wait_for("the ok verdict", fixed, timeout=10)
        assert d["installation"] is None and d["fixes"] == 0, d
        wait_for("the alarm to clear", lambda: f"wiring-{MISWIRED}" not in alarms(), timeout=10)
        status, events = api.call("GET", "/api/v1/events?limit=50", installer)
        assert any(e["kind"] == "config" and e["user"] == "installer" for e in events), events
        assert any(e["kind"] == "alarm" and e["message"].startswith("cleared: CT sc1/2")
                   for e in events), events
        print("ok: the corrected installation applied: verdict ok, alarm cleared")
        daemon.terminate()
        assert daemon.wait(timeout=10) == 0, "the daemon did not stop cleanly"
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=10)
        except subprocess.TimeoutExpired:
            daemon.kill()
        if sys.exc_info()[0] is not None:
            sys.stderr.write(open(err_path).read()[-4000:])
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
