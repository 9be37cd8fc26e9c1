"""State that outlives restarts and edits, with the real daemon (docs/daemon.md).

1. Relay choices: an owner switches the garden lights (a plain relay) and the
   boiler (a relay the energy manager manages: a shed relay, which it would
   switch back on) off. An installer saves the installation unchanged, then
   with the garden lights renamed "Patio lights": both stay off. The daemon
   restarts on the same data directory: both are still off, cycles later
   too. GET /api/v1/events?kind=relay shows each change: the owner's two
   switches and the restores, with the user and the reason. A saved
   installation that cannot run does not lose the choices.
   The energy summary (GET /api/v1/summary) answers on both runs, its energy
   balance holds, and the month's import after the restart is at least what
   it was before (it is read from the history); the battery's state of
   charge is a history series.
2. Other choices (docs/daemon.md, "Other choices that last"): an owner sets
   the battery's reserve, the charger's mode and an SG Ready hold through the
   API; /live shows them with the new keys; the daemon restarts on the same
   data directory and shows all three from its first snapshot, each restore
   an event. A damaged choices.json is moved aside and the installation's
   values apply. Accounts over the API: an installer adds an owner, who
   changes their password (the old token ends); the last installer cannot
   be removed; each change an event with its user.
3. The dashboard's files: the binary placed in <tmp>/bin without a
   <tmp>/share serves none, says so in its log (naming where it looked) and
   on /api/v1/health ("dashboard": "none"); with
   <tmp>/share/kirchhoff/web/index.html it serves that file at /.

usage: state_scenario.py KIRCHHOFF_BINARY SOURCE_DIR
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from scenario_lib import wait_for


class Daemon:
    """`kirchhoff run` on a data directory and a free loopback port."""

    def __init__(self, binary, work, name, data, extra=(), wait_snapshot=True):
        self.out_path = os.path.join(work, name + ".terminal")
        self.err_path = os.path.join(work, name + ".log")
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.process = subprocess.Popen(
                [binary, "run", "--data", data, "--listen", "127.0.0.1:0", "--cycle-ms", "100", *extra],
                stdout=out, stderr=err)
        port = wait_for("the daemon to start", lambda: re.search(
            r"msg=started .*listen=127\.0\.0\.1:(\d+)", self.log()), timeout=15)
        self.base = f"http://127.0.0.1:{port.group(1)}"
        if wait_snapshot:
            wait_for("the first snapshot", lambda: 'msg="first snapshot"' in self.log(), timeout=15)

    def log(self):
        return open(self.err_path).read()

    def terminal(self):
        return open(self.out_path).read()

    def call(self, method, path, body=None, token=None, content_type="application/json"):
        headers = {"Content-Type": content_type}
        if token:
            headers["Authorization"] = "Bearer " + token
        req = urllib.request.Request(self.base + path, method=method, headers=headers,
                                     data=body.encode() if body is not None else None)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def login(self, user, password):
        status, body = self.call("POST", "/api/v1/login",
                                 json.dumps({"username": user, "password": password}))
        assert status == 200, (status, body)
        return json.loads(body)["token"]

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)
        assert self.process.returncode == 0, f"exit {self.process.returncode}: {self.log()[-2000:]}"


def outputs(daemon, token):
    status, body = daemon.call("GET", "/api/v1/live", token=token)
    if status != 200:
        return {}
    return {(o["module"], o["output"]): (o["name"], o["energised"]) for o in json.loads(body)["outputs"]}


def relays_off(daemon, token, garden_name):
    out = outputs(daemon, token)
    return out.get(("out1", 1)) == ("Boiler", False) and out.get(("out1", 2)) == (garden_name, False)


def stays_off(daemon, token, garden_name, what):
    wait_for(what, lambda: relays_off(daemon, token, garden_name), timeout=10)
    # Ten cycles more, in which the energy manager would switch the shed
    # boiler back on and a fresh source would have both relays energised.
    time.sleep(1.0)
    assert relays_off(daemon, token, garden_name), f"{what}, later: {outputs(daemon, token)}"
    print("ok:", what)


def summary(daemon, token):
    """GET /api/v1/summary, checked: both periods present, the energy balance
    consumption = import - export + solar + discharge - charge within
    rounding (each figure to 1 Wh), percentages within 0..100."""
    status, body = daemon.call("GET", "/api/v1/summary", token=token)
    assert status == 200, (status, body)
    answer = json.loads(body)
    assert answer["currency"] == "EUR" and answer["timezone"], answer
    for name in ("today", "month"):
        p = answer[name]
        assert p["solar_kwh"] is not None and p["solar_kwh"] >= 0, (name, p)
        balance = (p["import_kwh"] - p["export_kwh"] + p["solar_kwh"] + p["battery_discharge_kwh"]
                   - p["battery_charge_kwh"])
        assert abs(p["consumption_kwh"] - balance) <= 0.003, (name, p, balance)
        for pct in ("self_sufficiency_pct", "self_consumption_pct"):
            assert p[pct] is None or 0 <= p[pct] <= 100, (name, pct, p)
        assert abs(p["net_cost"] - (p["import_cost"] - p["export_earnings"])) <= 0.0002, (name, p)
        assert p["capacity"]["limit_kw"] == 7.5, (name, p)  # examples/demo.yaml
    assert answer["month"]["import_kwh"] >= answer["today"]["import_kwh"], answer
    return answer


def relay_memory(binary, source, work):
    data = os.path.join(work, "data")
    demo = open(os.path.join(source, "examples/demo.yaml")).read()
    renamed = demo.replace("2: {name: Garden lights", "2: {name: Patio lights")
    assert renamed != demo
    first = Daemon(binary, work, "first", data)
    try:
        passwords = dict(re.findall(r"^  (installer|owner|viewer) / ([0-9a-f]+)$", first.terminal(), re.M))
        owner = first.login("owner", passwords["owner"])
        installer = first.login("installer", passwords["installer"])
        assert outputs(first, owner)[("out1", 2)] == ("Garden lights", True), outputs(first, owner)
        for output in (2, 1):
            status, body = first.call("POST", f"/api/v1/outputs/out1/{output}", '{"on":false}', owner)
            assert status == 202, (status, body)
        stays_off(first, owner, "Garden lights", "both relays off as the owner chose")
        assert os.path.exists(os.path.join(data, "relays.json"))

        status, body = first.call("PUT", "/api/v1/installation", demo, installer, "application/yaml")
        assert status == 202, (status, body)
        wait_for("the installation applied", lambda: 'msg="installation applied"' in first.log())
        stays_off(first, owner, "Garden lights", "off after the installation was saved again")

        status, body = first.call("PUT", "/api/v1/installation", renamed, installer, "application/yaml")
        assert status == 202, (status, body)
        wait_for("the renamed installation applied",
                 lambda: first.log().count('msg="installation applied"') == 2)
        stays_off(first, owner, "Patio lights", "off after the garden lights were renamed")
        viewer = first.login("viewer", passwords["viewer"])
        before = summary(first, viewer)
        print("summary before the restart:", json.dumps(before["month"]))
    finally:
        first.stop()
    saved = json.load(open(os.path.join(data, "relays.json")))
    assert {(r["module"], r["output"], r["name"], r["on"], r["user"]) for r in saved["relays"]} == {
        ("out1", 1, "Boiler", False, "owner"), ("out1", 2, "Patio lights", False, "owner")}, saved

    second = Daemon(binary, work, "second", data)
    try:
        owner = second.login("owner", passwords["owner"])
        stays_off(second, owner, "Patio lights", "off after a restart")
        after = summary(second, owner)
        if after["month"]["from"] == before["month"]["from"]:
            assert after["month"]["import_kwh"] >= before["month"]["import_kwh"], (before, after)
        status, body = second.call("GET", "/api/v1/history/series", token=owner)
        assert status == 200 and "battery/Battery/soc_pct" in body, (status, body[:500])
        print("ok: the energy summary comes from the history; the battery's charge is a series")
        status, body = second.call("GET", "/api/v1/events?kind=relay&limit=100", token=owner)
        assert status == 200, (status, body)
        events = [(e["user"], e["message"]) for e in reversed(json.loads(body))]  # oldest first
        print("relay events:", *events, sep="\n  ")
        expected = [
            ("owner", "out1/2 'Garden lights' switched off: owner's choice, held until switched again"),
            ("owner", "out1/1 'Boiler' switched off: owner's choice, held until switched again"),
            # Each new source starts with its relays energised; the choices are put back.
            ("", "out1/2 'Garden lights' switched off: owner's choice restored after the installation changed"),
            ("", "out1/1 'Boiler' switched off: owner's choice restored after the installation changed"),
            ("", "out1/2 'Patio lights' switched off: owner's choice restored after the installation changed"),
            ("", "out1/1 'Boiler' switched off: owner's choice restored after the installation changed"),
            ("", "out1/2 'Patio lights' switched off: owner's choice restored at start"),
            ("", "out1/1 'Boiler' switched off: owner's choice restored at start"),
        ]
        # The first start's restore found no choices; nothing else switched
        # these relays (the manager holds the boiler at the owner's choice).
        assert events == expected, events
        print("ok: every relay change is an event with its user and reason")
    finally:
        second.stop()
    # A saved installation that cannot run starts the daemon with nothing to
    # switch; people's choices wait in the file for a valid one.
    with open(os.path.join(data, "installation.yaml"), "a") as f:
        f.write("\nsite: [this is not an installation\n")
    third = Daemon(binary, work, "third", data, wait_snapshot=False)
    wait_for("the installation alarm", lambda: "the saved installation cannot run" in third.log())
    third.stop()
    assert json.load(open(os.path.join(data, "relays.json"))) == saved, "choices lost"
    print("ok: a broken installation keeps the choices for later")


def live(daemon, token):
    status, body = daemon.call("GET", "/api/v1/live", token=token)
    return json.loads(body) if status == 200 else {}


def kept_choices(snap):
    """(reserve, charger mode, SG Ready, manual) as /live shows them, or None."""
    if not snap.get("batteries") or not snap.get("chargers") or not snap.get("heat_pumps"):
        return None
    return (snap["batteries"][0]["reserve_pct"], snap["chargers"][0]["mode"],
            snap["heat_pumps"][0]["sg_ready"], snap["heat_pumps"][0]["manual"])


def people_choices(binary, work):
    data = os.path.join(work, "choices-data")
    first = Daemon(binary, work, "choices-first", data)
    try:
        passwords = dict(re.findall(r"^  (installer|owner|viewer) / ([0-9a-f]+)$", first.terminal(), re.M))
        owner = first.login("owner", passwords["owner"])
        viewer = first.login("viewer", passwords["viewer"])
        installer = first.login("installer", passwords["installer"])
        # The demo's installation: reserve 20 %, chargers min+pv, SG Ready by the manager.
        snap = wait_for("the demo's devices on /live", lambda: kept_choices(live(first, owner)) and live(first, owner))
        assert snap["batteries"][0]["reserve_pct"] == 20 and snap["chargers"][0]["mode"] == "min+pv", snap
        # The simulator's battery: 10 kWh (sim::BatteryParams).
        assert snap["batteries"][0]["capacity_kwh"] == 10, snap["batteries"]
        charger = snap["chargers"][0]
        assert isinstance(charger["charging"], bool) and charger["session_energy_wh"] >= 0, charger
        assert (charger["plugged_since_ms"] is None) == (not charger["plugged"]), charger
        names = {1: "blocked", 2: "normal", 3: "recommended", 4: "forced"}
        hp = snap["heat_pumps"][0]
        assert hp["state_name"] == names[hp["sg_ready"]] and "p_w" in hp, hp

        for body, want in (('{"reserve_pct": 101}', 400), ('{"reserve_pct": -1}', 400),
                           ('{"reserve_pct": "40"}', 400), ('{"reserve": 40}', 400), ("[]", 400)):
            status, answer = first.call("POST", "/api/v1/battery/reserve", body, owner)
            assert status == want, (body, status, answer)
        assert first.call("POST", "/api/v1/battery/reserve", '{"reserve_pct": 40}', viewer)[0] == 403
        for path, body in (("/api/v1/battery/reserve", '{"reserve_pct": 42.5}'),
                           ("/api/v1/chargers/EV%20charger/mode", '{"mode": "pv"}'),
                           ("/api/v1/heat-pump/sg-ready", '{"state": 1}')):
            status, answer = first.call("POST", path, body, owner)
            assert status == 202, (path, status, answer)
        wait_for("the choices in force", lambda: kept_choices(live(first, owner)) == (42.5, "pv", 1, True))
        print("ok: reserve, charger mode and SG Ready hold set through the API")

        # Accounts: an installer adds an owner; she changes her password.
        status, answer = first.call("POST", "/api/v1/users", json.dumps(
            {"username": "alice", "password": "alice password 1", "role": "owner"}), installer)
        assert status == 201 and json.loads(answer) == {"user": "alice", "role": "owner"}, (status, answer)
        assert first.call("POST", "/api/v1/users", json.dumps(
            {"username": "alice", "password": "another password", "role": "viewer"}), installer)[0] == 409
        assert first.call("POST", "/api/v1/users", json.dumps(
            {"username": "bob", "password": "short", "role": "viewer"}), installer)[0] == 400
        assert first.call("GET", "/api/v1/users", token=owner)[0] == 403
        status, answer = first.call("GET", "/api/v1/users", token=installer)
        assert status == 200 and "argon2" not in answer, answer
        assert sorted(json.loads(answer), key=lambda u: u["user"]) == [
            {"user": "alice", "role": "owner"}, {"user": "installer", "role": "installer"},
            {"user": "owner", "role": "owner"}, {"user": "viewer", "role": "viewer"}], answer
        alice = first.login("alice", "alice password 1")
        status, answer = first.call("POST", "/api/v1/me/password", json.dumps(
            {"old_password": "not hers at all", "new_password": "alice password 2"}), alice)
        assert status == 403, (status, answer)
        status, answer = first.call("POST", "/api/v1/me/password", json.dumps(
            {"old_password": "alice password 1", "new_password": "alice password 2"}), alice)
        assert status == 200, (status, answer)
        fresh = json.loads(answer)["token"]
        assert first.call("GET", "/api/v1/me", token=alice)[0] == 401, "the old session lives on"
        assert first.call("GET", "/api/v1/me", token=fresh)[0] == 200
        first.login("alice", "alice password 2")
        status, answer = first.call("DELETE", "/api/v1/users/installer", token=installer)
        assert status == 409, (status, answer)
        assert first.call("DELETE", "/api/v1/users/alice", token=installer)[0] == 204
        assert first.call("GET", "/api/v1/me", token=fresh)[0] == 401
        events = lambda: [(e["user"], e["message"]) for e in reversed(json.loads(
            first.call("GET", "/api/v1/events?kind=account&limit=10", token=owner)[1]))]
        wait_for("the account events", lambda: len(events()) == 3)
        assert events() == [("installer", "account 'alice' added as owner"),
                            ("alice", "account 'alice' changed its password"),
                            ("installer", "account 'alice' removed")], events()
        print("ok: accounts added, changed and removed over the API, each an event with its user")
    finally:
        first.stop()
    saved = json.load(open(os.path.join(data, "choices.json")))
    assert {name: {k: v for k, v in c.items() if k != "time_ms"} for name, c in saved["loads"].items()} == {
        "Battery": {"reserve_pct": 42.5, "user": "owner"},
        "EV charger": {"ev_mode": "pv", "user": "owner"},
        "Heat pump": {"sg_ready": 1, "user": "owner"}}, saved

    second = Daemon(binary, work, "choices-second", data)
    try:
        owner = second.login("owner", passwords["owner"])
        # The first snapshot with the devices already carries the choices.
        snap = wait_for("the devices on /live", lambda: kept_choices(live(second, owner)) and live(second, owner))
        assert kept_choices(snap) == (42.5, "pv", 1, True), kept_choices(snap)
        status, body = second.call("GET", "/api/v1/events?kind=command&limit=20", token=owner)
        restored = sorted(e["message"] for e in json.loads(body) if "restored" in e["message"])
        assert restored == ["battery 'Battery' reserve 42.5 %: owner's choice restored at start",
                            "charger 'EV charger' mode pv: owner's choice restored at start",
                            "heat pump 'Heat pump' SG Ready 1: owner's choice restored at start"], restored
        print("ok: the choices hold through a restart, each restore an event")
    finally:
        second.stop()

    with open(os.path.join(data, "choices.json"), "w") as f:
        f.write('{"version": 1, "loads": {"Battery": {"reserve_pct": 4')
    third = Daemon(binary, work, "choices-third", data)
    try:
        owner = third.login("owner", passwords["owner"])
        snap = wait_for("the devices on /live", lambda: kept_choices(live(third, owner)) and live(third, owner))
        assert kept_choices(snap)[:2] == (20, "min+pv"), kept_choices(snap)
        warning = next(line for line in third.log().splitlines() if "choices not restored" in line)
        assert "level=warning" in warning and "moved aside" in warning, warning
        assert os.path.exists(os.path.join(data, "choices.json.damaged"))
    finally:
        third.stop()
    print("ok: a damaged choices file is moved aside; the installation's values apply")


def dashboard(binary, work):
    # Beside the build's binary, so a hard link works (same file system); a
    # copy where it does not.
    place = tempfile.mkdtemp(prefix="kirchhoff-installed-", dir=os.path.dirname(os.path.abspath(binary)))
    try:
        os.makedirs(os.path.join(place, "bin"))
        installed = os.path.join(place, "bin", "kirchhoff")
        try:
            os.link(binary, installed)
        except OSError:
            shutil.copy2(binary, installed)
        bare = Daemon(installed, work, "bare", os.path.join(work, "bare-data"))
        try:
            status, body = bare.call("GET", "/api/v1/health")
            assert status == 200 and json.loads(body)["dashboard"] == "none", (status, body)
            warning = next(line for line in bare.log().splitlines() if "no dashboard" in line)
            assert "level=warning" in warning and os.path.join(place, "share/kirchhoff/web") in warning, warning
            assert bare.call("GET", "/")[0] == 404
        finally:
            bare.stop()
        print("ok: no dashboard: said at start and on /health")

        web = os.path.join(place, "share", "kirchhoff", "web")
        os.makedirs(web)
        with open(os.path.join(web, "index.html"), "w") as f:
            f.write("<!doctype html><title>Kirchhoff</title><p>installed dashboard</p>\n")
        served = Daemon(installed, work, "served", os.path.join(work, "served-data"))
        try:
            status, body = served.call("GET", "/api/v1/health")
            assert status == 200 and json.loads(body)["dashboard"] == web, (status, body)
            status, body = served.call("GET", "/")
            assert status == 200 and "installed dashboard" in body, (status, body)
            assert "no dashboard" not in served.log()
        finally:
            served.stop()
        print("ok: the dashboard beside an installed binary is served")
    finally:
        shutil.rmtree(place, ignore_errors=True)


def main():
    binary, source = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="kirchhoff-state-")
    try:
        relay_memory(binary, source, work)
        people_choices(binary, work)
        dashboard(binary, work)
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
