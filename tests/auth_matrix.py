#!/usr/bin/env python3
"""Every endpoint x every role x no login, against the real daemon over loopback.

The expected table below is written by hand from the access rules in
docs/api.md (viewer reads, owner switches relays, installer changes the
installation); it must name every method and path of src/api/openapi.json,
which daemon_test checks against the routes the daemon serves. For each cell:
  "public"  any caller gets a non-auth answer (never 401/403);
  ROLE      callers below ROLE get 403, no login gets 401, ROLE and above a
            non-auth answer.
No cell may answer 500. State-changing requests with a cookie session but no
CSRF header are refused with 403 whatever the role.

usage: auth_matrix.py KIRCHHOFF_BINARY SOURCE_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

EXPECTED = {
    ("GET", "/api/v1/health"): "public",
    ("GET", "/api/v1/openapi.json"): "public",
    ("POST", "/api/v1/login"): "public",
    ("POST", "/api/v1/logout"): "viewer",  # needs a session to end
    ("POST", "/api/v1/setup"): "public",
    ("GET", "/api/v1/me"): "viewer",
    ("POST", "/api/v1/me/password"): "viewer",  # one's own, any role
    ("GET", "/api/v1/users"): "installer",
    ("POST", "/api/v1/users"): "installer",
    ("DELETE", "/api/v1/users/{name}"): "installer",
    ("GET", "/api/v1/live"): "viewer",
    ("GET", "/api/v1/stream"): "viewer",
    ("GET", "/api/v1/history"): "viewer",
    ("GET", "/api/v1/history/series"): "viewer",
    ("GET", "/api/v1/history/usage"): "viewer",
    ("GET", "/api/v1/events"): "viewer",
    ("GET", "/api/v1/alarms"): "viewer",
    ("GET", "/api/v1/plan"): "viewer",
    ("GET", "/api/v1/devices"): "viewer",
    ("GET", "/api/v1/installation"): "viewer",
    ("GET", "/api/v1/diagnostics"): "installer",
    ("PUT", "/api/v1/installation"): "installer",
    ("POST", "/api/v1/installation/check"): "installer",
    ("POST", "/api/v1/outputs/{module}/{output}"): "owner",
    ("POST", "/api/v1/chargers/{load}/mode"): "owner",
    ("POST", "/api/v1/chargers/{load}/session"): "owner",
    ("DELETE", "/api/v1/chargers/{load}/session"): "owner",
    ("POST", "/api/v1/battery/reserve"): "owner",
    ("POST", "/api/v1/heat-pump/sg-ready"): "owner",
    ("GET", "/api/v1/prices"): "viewer",
    ("GET", "/api/v1/summary"): "viewer",
    ("GET", "/api/v1/whatif"): "installer",
    ("POST", "/api/v1/whatif"): "installer",
    ("DELETE", "/api/v1/whatif"): "installer",
    ("GET", "/api/v1/whatif/report"): "installer",
}
RANK = {"none": 0, "viewer": 1, "owner": 2, "installer": 3}
CHANGES_STATE = {("PUT", "/api/v1/installation"), ("POST", "/api/v1/outputs/{module}/{output}"),
                 ("POST", "/api/v1/chargers/{load}/mode"), ("POST", "/api/v1/heat-pump/sg-ready"),
                 ("POST", "/api/v1/chargers/{load}/session"), ("DELETE", "/api/v1/chargers/{load}/session")}
CHANGES_STATE |= {("POST", "/api/v1/battery/reserve"), ("POST", "/api/v1/me/password"),
                  ("POST", "/api/v1/users"), ("DELETE", "/api/v1/users/{name}")}
CHANGES_STATE |= {("POST", "/api/v1/whatif"), ("DELETE", "/api/v1/whatif")}


def main():
    binary, source = sys.argv[1], sys.argv[2]
    spec = json.load(open(os.path.join(source, "src/api/openapi.json")))
    described = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    missing = described - set(EXPECTED)
    extra = set(EXPECTED) - described
    assert not missing, f"routes without an expected access rule here: {sorted(missing)}"
    assert not extra, f"rules for routes the API does not describe: {sorted(extra)}"
    demo_yaml = open(os.path.join(source, "examples/demo.yaml")).read()
    bodies = {
        ("POST", "/api/v1/login"): json.dumps({"username": "nobody", "password": "wrong password"}),
        ("POST", "/api/v1/setup"): json.dumps({"code": "0000", "username": "x", "password": "0123456789"}),
        ("PUT", "/api/v1/installation"): demo_yaml,
        ("POST", "/api/v1/installation/check"): demo_yaml,
        ("POST", "/api/v1/outputs/{module}/{output}"): json.dumps({"on": True}),
        ("POST", "/api/v1/chargers/{load}/mode"): json.dumps({"mode": "pv"}),
        ("POST", "/api/v1/chargers/{load}/session"): json.dumps({"departure": "07:00", "need_kwh": 20}),
        ("POST", "/api/v1/heat-pump/sg-ready"): json.dumps({"state": 3}),
        ("POST", "/api/v1/battery/reserve"): json.dumps({"reserve_pct": 30}),
        # A new password too short: 400 for whoever may ask, before any hashing.
        ("POST", "/api/v1/me/password"): json.dumps({"old_password": "wrong", "new_password": "short"}),
        ("POST", "/api/v1/users"): json.dumps({"username": "matrix-user", "password": "matrix password",
                                               "role": "viewer"}),
        # A key the engine does not know: 400 for an installer, nothing runs.
        ("POST", "/api/v1/whatif"): json.dumps({"vary": {"battery.colour": ["red"]}}),
    }
    work = tempfile.mkdtemp()
    out_path, err_path = os.path.join(work, "terminal"), os.path.join(work, "log")
    with open(out_path, "w") as out_file, open(err_path, "w") as err_file:
        daemon = subprocess.Popen([binary, "run", "--data", work + "/data", "--listen", "127.0.0.1:0"],
                                  stdout=out_file, stderr=err_file)
    try:
        port, passwords, err = None, {}, ""
        deadline = time.time() + 15
        while time.time() < deadline and (port is None or len(passwords) < 3):
            err, out_text = open(err_path).read(), open(out_path).read()
            m = re.search(r"msg=started .*listen=127\.0\.0\.1:(\d+)", err)
            port = m.group(1) if m else None
            passwords = dict(re.findall(r"^  (installer|owner|viewer) / ([0-9a-f]+)$", out_text, re.M))
            time.sleep(0.05)
        assert port and len(passwords) == 3, f"daemon did not start: {err}"
        base = f"http://127.0.0.1:{port}"

        def call(method, path, body=None, headers=None):
            req = urllib.request.Request(base + path, data=body.encode() if body else None,
                                         method=method, headers=headers or {})
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    return r.status, r.headers
            except urllib.error.HTTPError as e:
                return e.code, e.headers

        tokens, cookies = {}, {}
        for role, password in passwords.items():
            req = urllib.request.Request(base + "/api/v1/login", method="POST",
                                         data=json.dumps({"username": role, "password": password}).encode())
            with urllib.request.urlopen(req, timeout=10) as r:
                tokens[role] = json.loads(r.read())["token"]
                cookies[role] = r.headers["Set-Cookie"].split(";")[0]
        failures, cells = [], 0
        for (method, path), rule in sorted(EXPECTED.items()):
            concrete = (path.replace("{module}", "out1").replace("{output}", "2")
                        .replace("{load}", "EV%20charger").replace("{name}", "nobody"))
            if path == "/api/v1/history":
                concrete += "?series=load/Grid/p_w&from=0&to=1"
            for who in ["none", "viewer", "owner", "installer"]:
                if (method, path) == ("POST", "/api/v1/logout") and who != "none":
                    continue  # logging out would end the session the other cells use
                headers = {} if who == "none" else {"Authorization": "Bearer " + tokens[who]}
                status, _ = call(method, concrete, bodies.get((method, path)), headers)
                cells += 1
                if rule == "public":
                    ok = status not in (401, 403) or path in ("/api/v1/login", "/api/v1/setup")
                    want = "not 401/403"
                elif who == "none":
                    ok, want = status == 401, "401"
                elif RANK[who] < RANK[rule]:
                    ok, want = status == 403, "403"
                else:
                    ok, want = status not in (401, 403), "allowed"
                if status >= 500:
                    ok, want = False, "never 5xx"
                if not ok:
                    failures.append(f"{method} {concrete} as {who}: {status}, expected {want}")
            if (method, path) in CHANGES_STATE:
                # A browser session without the CSRF header: refused for every role.
                for who in ["owner", "installer"]:
                    status, _ = call(method, concrete, bodies.get((method, path)), {"Cookie": cookies[who]})
                    cells += 1
                    if status != 403:
                        failures.append(f"{method} {concrete} with {who}'s cookie and no CSRF: {status}, expected 403")
        # Logging out ends a bearer session.
        call("POST", "/api/v1/logout", None, {"Authorization": "Bearer " + tokens["viewer"]})
        status, _ = call("GET", "/api/v1/live", None, {"Authorization": "Bearer " + tokens["viewer"]})
        cells += 1
        if status != 401:
            failures.append(f"GET /api/v1/live after logout: {status}, expected 401")
        for f in failures:
            print("FAIL:", f)
        print(f"auth matrix: {cells - len(failures)} of {cells} cells as expected")
        return 1 if failures else 0
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    sys.exit(main())
