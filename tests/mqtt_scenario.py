#!/usr/bin/env python3
"""The daemon on a real mosquitto broker, the way a Home Assistant user and a
fleet backend see it (docs/mqtt.md, docs/uplink-format.md).

One broker (with accounts, persistence for the backend's session) is started
for the whole scenario on a loopback port; the demo house runs on the
simulator at a 100 ms cycle, so 10 cycles stand for 10 s of a real site.
  1. availability: <prefix>/status retained "online";
  2. Home Assistant discovery: every config retained and valid as Home
     Assistant checks it (required keys, unit and class pairs, unique ids),
     with the entities the Energy dashboard needs; re-sent when
     homeassistant/status says "online";
  3. live values arrive and follow the snapshot;
  4. commands: a relay switched and a charger's mode set over MQTT, recorded
     as events of the user "mqtt"; a bad command refused with a log line; a
     charge session declared and cleared over MQTT;
  4b. day-ahead prices: fetched from a loopback HTTP server (python's
     http.server) at start, then newer ones received retained on an MQTT
     topic win for their hours; a bad message is refused with a log line;
  5. a wrong password is a clear error in the log and /health;
  6. TLS with a test CA (made here with openssl), on a read-only site that
     refuses a command with a log line;
  7. no loss: the broker killed for 30 cycles, then for 300 cycles with the
     daemon killed -9 and restarted meanwhile: every second of the grid power
     in the history arrives on <prefix>/uplink, in order, duplicates only
     from resent batches; the last will fires on kill -9.

usage: mqtt_scenario.py KIRCHHOFF_BINARY SOURCE_DIR
"""
import getpass
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import paho.mqtt.client as paho

from scenario_lib import wait_for

PREFIX = "kirchhoff/mqtt_test_house"
NODE = "kirchhoff_mqtt_test_house"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Broker:
    """mosquitto on a fixed loopback port; kill() and start() make outages."""

    def __init__(self, work, name, accounts, tls=None):
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir)
        self.port = free_port()
        self.proc = None
        passwords = os.path.join(self.dir, "passwords")
        with open(passwords, "w") as f:
            for user, password in accounts.items():
                f.write(f"{user}:{password}\n")
        subprocess.run(["mosquitto_passwd", "-U", passwords], check=True)
        # Run as root, mosquitto would drop to the user "mosquitto", which
        # cannot read this test's private folder: it stays who we are.
        lines = [f"user {getpass.getuser()}", "per_listener_settings false", "persistence true",
                 f"persistence_location {self.dir}/", "autosave_interval 1",
                 "log_dest none", f"listener {self.port} 127.0.0.1",
                 "allow_anonymous false", f"password_file {passwords}"]
        if tls:
            lines += [f"certfile {tls['cert']}", f"keyfile {tls['key']}"]
        open(os.path.join(self.dir, "mosquitto.conf"), "w").write("\n".join(lines) + "\n")
        self.start()

    def start(self):
        self.proc = subprocess.Popen(["mosquitto", "-c", os.path.join(self.dir, "mosquitto.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def accepts():
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                return False
        wait_for("the broker", accepts)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


class Subscriber:
    """A client that keeps every message: Home Assistant and the backend.
    A persistent session (fixed id, clean_session false), so QoS 1 messages
    published while it reconnects after a broker restart wait for it."""

    def __init__(self, port, client_id, topics, tls_ca=None):
        self.lock = threading.Lock()
        self.messages = []  # (topic, payload text, retained)
        self.client = paho.Client(client_id=client_id, clean_session=False)
        self.client.username_pw_set("ha", "ha password")
        if tls_ca:
            self.client.tls_set(ca_certs=tls_ca)
        self.topics = topics
        self.client.on_connect = lambda c, u, f, rc: [c.subscribe(t, qos=1) for t in topics]
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(min_delay=1, max_delay=1)
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.loop_start()

    def _on_message(self, client, userdata, message):
        with self.lock:
            self.messages.append((message.topic, message.payload.decode("utf-8", "replace"),
                                  bool(message.retain)))

    def all(self):
        with self.lock:
            return list(self.messages)

    def last(self, topic):
        for t, payload, retained in reversed(self.all()):
            if t == topic:
                return payload
        return None

    def publish(self, topic, payload, retain=False):
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish()

    def stop(self):
        self.client.loop_stop()
        self.client.disconnect()


class Daemon:
    def __init__(self, binary, work, config, tag, extra=(), data=None):
        self.err_path = os.path.join(work, f"log-{tag}")
        self.out_path = os.path.join(work, f"terminal-{tag}")
        data = os.path.join(work, f"data-{data or tag}")
        self.proc = subprocess.Popen(
            [binary, "run", "--config", config, "--data", data,
             "--listen", "127.0.0.1:0", "--cycle-ms", "100", *extra],
            stdout=open(self.out_path, "a"), stderr=open(self.err_path, "a"))
        self.port = int(wait_for("the daemon", lambda: (re.findall(
            r"msg=started .*listen=127\.0\.0\.1:(\d+)", self.log()) or [None])[-1]))

    def log(self):
        return open(self.err_path).read()

    def call(self, method, path, body=None, token=None):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        data = (body or "").encode()
        head = [f"{method} {path} HTTP/1.1", "Host: x", "Connection: close"]
        if token:
            head.append(f"Authorization: Bearer {token}")
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
        s.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        chunks = []
        while True:
            c = s.recv(65536)
            if not c:
                break
            chunks.append(c)
        s.close()
        return b"".join(chunks).split(b"\r\n\r\n", 1)[1].decode()

    def setup_installer(self):
        code = wait_for("the setup code", lambda: (re.search(
            r"setup code ([0-9a-f]+)", open(self.out_path).read()) or [None, None])[1])
        body = json.dumps({"code": code, "username": "installer", "password": "installer pw 1"})
        self.call("POST", "/api/v1/setup", body)
        return self.login()

    def login(self):
        body = json.dumps({"username": "installer", "password": "installer pw 1"})
        return json.loads(self.call("POST", "/api/v1/login", body))["token"]

    def health(self):
        return json.loads(self.call("GET", "/api/v1/health"))

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


def installation(source, url, password_file, extra="", tariff=""):
    demo = open(os.path.join(source, "examples/demo.yaml")).read()
    demo = demo.replace("name: Demo house", "name: MQTT test house")
    demo = demo.replace("  tariff:\n", "  tariff:\n" + tariff, 1)
    return demo + f"""
server:
  mqtt:
    url: {url}
    username: kirchhoff
    password_file: {password_file}
    uplink_batches_per_s: 5
{extra}"""


# Home Assistant's unit and class pairs for the sensors Kirchhoff announces
# (homeassistant/components/sensor/const.py DEVICE_CLASS_UNITS).
HA_UNITS = {
    "power": {"W", "kW"},
    "energy": {"Wh", "kWh", "MWh"},
    "gas": {"m³", "ft³", "CCF"},
    "water": {"L", "gal", "m³", "ft³", "CCF"},
    "voltage": {"V", "mV"},
    "current": {"A", "mA"},
    "frequency": {"Hz", "kHz"},
}


def check_discovery(messages):
    configs = {}
    for topic, payload, retained in messages:
        if topic.startswith("homeassistant/") and topic.endswith("/config") and payload:
            assert retained, f"{topic} is not retained"
            configs[topic] = json.loads(payload)
    assert configs, "no discovery configs"
    unique_ids = [c["unique_id"] for c in configs.values()]
    assert len(unique_ids) == len(set(unique_ids)), "unique_id used twice"
    by_component = {}
    for topic, c in configs.items():
        parts = topic.split("/")
        assert len(parts) == 5 and parts[2] == NODE, topic
        component = parts[1]
        by_component.setdefault(component, []).append(c)
        assert c["device"]["identifiers"] == [NODE] or c["device"]["identifiers"] == NODE, c
        assert c["availability_topic"] == f"{PREFIX}/status", c
        if component == "sensor":
            assert "state_topic" in c, c
            dc = c.get("device_class")
            if dc in HA_UNITS:
                assert c["unit_of_measurement"] in HA_UNITS[dc], c
            if dc in ("energy", "gas", "water"):
                assert c["state_class"] == "total_increasing", c
            if dc == "power":
                assert c["state_class"] == "measurement", c
        elif component == "switch":
            assert c["command_topic"].startswith(PREFIX + "/") and "state_topic" in c, c
        elif component == "select":
            assert c["command_topic"].startswith(PREFIX + "/") and c["options"], c
        elif component == "binary_sensor":
            assert "state_topic" in c, c
            if "_alarm" in c["unique_id"]:
                assert c["device_class"] == "problem", c
    energy = [c for c in by_component["sensor"] if c.get("device_class") == "energy"]
    # Grid import and export, solar, battery charge and discharge, every circuit:
    # 8 loads in the demo house, at least one energy sensor each, two for grid and battery.
    assert len(energy) >= 10, [c["name"] for c in energy]
    power = [c for c in by_component["sensor"] if c.get("device_class") == "power"]
    assert len(power) >= 8, [c["name"] for c in power]
    assert any(c.get("device_class") == "gas" and c["unit_of_measurement"] == "m³"
               for c in by_component["sensor"]), "no gas sensor"
    assert any(c.get("device_class") == "water" for c in by_component["sensor"]), "no water sensor"
    assert len(by_component["switch"]) == 2, by_component.get("switch")
    assert len(by_component["select"]) >= 2, by_component.get("select")
    assert any(c.get("device_class") == "problem" for c in by_component["binary_sensor"]), \
        "no alarm sensor"
    return configs


def make_test_ca(work):
    ca_key, ca_cert = os.path.join(work, "ca.key"), os.path.join(work, "ca.pem")
    key, csr, cert = (os.path.join(work, n) for n in ("server.key", "server.csr", "server.pem"))
    ext = os.path.join(work, "ext.cnf")
    open(ext, "w").write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run = lambda *a: subprocess.run(a, check=True, capture_output=True)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out",
        ca_cert, "-days", "2", "-subj", "/CN=Kirchhoff test CA")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj",
        "/CN=127.0.0.1")
    run("openssl", "x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key,
        "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext)
    return {"ca": ca_cert, "cert": cert, "key": key}


def uplink_points(messages, series):
    """(t, batch index) of `series` in arrival order."""
    out = []
    for index, (topic, payload, _) in enumerate(messages):
        if topic == f"{PREFIX}/uplink":
            batch = json.loads(payload)
            assert batch["site"] == "mqtt_test_house", batch["site"]
            for p in batch["points"]:
                assert set(p) == {"series", "t", "v"}, p
                if p["series"] == series:
                    out.append((p["t"], index))
    return out


def utc(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def price_list(first_hour, hours, import_price):
    """Hourly day-ahead prices as the JSON of docs/control.md."""
    return json.dumps({"prices": [
        {"start": utc(first_hour + 3600 * h), "import_eur_per_kwh": import_price,
         "export_eur_per_kwh": -0.01} for h in range(hours)]})


def main():
    binary, source = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="kirchhoff-mqtt-")
    accounts = {"kirchhoff": "kirchhoff password", "ha": "ha password"}
    broker = Broker(work, "broker", accounts)
    password_file = os.path.join(work, "mqtt.secret")
    open(password_file, "w").write("kirchhoff password\n")
    # Day-ahead prices on a loopback HTTP server: 0.21 EUR/kWh from two hours
    # ago for 16 hours (the next 12 hours covered: no prices-missing alarm).
    hour = int(time.time()) // 3600 * 3600
    prices_dir = os.path.join(work, "prices")
    os.makedirs(prices_dir)
    open(os.path.join(prices_dir, "day-ahead.json"), "w").write(price_list(hour - 7200, 16, 0.21))
    http_port = free_port()
    http = subprocess.Popen(["/usr/bin/python3", "-m", "http.server", str(http_port), "--bind",
                             "127.0.0.1", "--directory", prices_dir],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def http_accepts():
        try:
            socket.create_connection(("127.0.0.1", http_port), timeout=1).close()
            return True
        except OSError:
            return False
    wait_for("the price server", http_accepts)  # the daemon fetches once at start
    config = os.path.join(work, "house.yaml")
    open(config, "w").write(installation(
        source, f"mqtt://127.0.0.1:{broker.port}", password_file,
        tariff=f"    prices_url: http://127.0.0.1:{http_port}/day-ahead.json?token=s3cret\n"
               "    prices_topic: energy/day-ahead\n"))
    ha = Subscriber(broker.port, "home-assistant", [f"{PREFIX}/#", "homeassistant/#"])
    daemons = []
    try:
        daemon = Daemon(binary, work, config, "a")
        daemons.append(daemon)
        token = daemon.setup_installer()

        # 1. Availability.
        wait_for("status online", lambda: (f"{PREFIX}/status", "online", True) in ha.all() or
                 ha.last(f"{PREFIX}/status") == "online")
        assert "kirchhoff password" not in daemon.log(), "the password is in the log"
        print("ok: status online, password not logged")

        # 2. Discovery as Home Assistant validates it.
        wait_for("discovery", lambda: len([m for m in ha.all() if m[0].endswith("/config")]) > 20)
        time.sleep(0.5)
        # Retained: a subscriber that comes later gets every config at once
        # (flagged retained; those sent to a subscriber already there are not).
        late = Subscriber(broker.port, "late-subscriber", ["homeassistant/#"])
        wait_for("the retained configs", lambda: len(late.all()) >= len(
            [m for m in ha.all() if m[0].endswith("/config")]))
        late.stop()
        configs = check_discovery(late.all())
        print(f"ok: {len(configs)} discovery configs valid")

        # 3. Live values: the grid power topic of the Grid load follows /live.
        grid_topic = next(c["state_topic"] for c in configs.values()
                          if c.get("device_class") == "power" and c["unique_id"].startswith(
                              f"{NODE}_grid_"))
        value = wait_for("grid power", lambda: ha.last(grid_topic))
        float(value)
        # Lighting's power on MQTT is /live's, rounded to the watt (a cycle
        # apart at most: the lights change slowly). At night the lights may be
        # off: 0 W on both sides matches too.
        def lighting_matches():
            live = json.loads(daemon.call("GET", "/api/v1/live", token=token))
            p = next(l["p_w"] for l in live["loads"] if l["name"] == "Lighting")
            mqtt = ha.last(f"{PREFIX}/load/lighting/power_w")
            return mqtt is not None and abs(float(mqtt) - p) <= 1.0
        wait_for("Lighting's power on MQTT as in /live", lighting_matches)
        print(f"ok: live values: grid power on {grid_topic}, Lighting as in /live")

        # 4. Commands: the garden lights' relay off and on, the car's mode.
        relay = next(c for c in configs.values()
                     if c.get("command_topic", "").endswith("/relay/out1/2/set"))
        ha.publish(relay["command_topic"], "ON")

        def relay_state(on):
            live = json.loads(daemon.call("GET", "/api/v1/live", token=token))
            outs = {(o["module"], o["output"]): o["energised"] for o in live["outputs"]}
            return outs.get(("out1", 2)) == on
        wait_for("the relay on", lambda: relay_state(True))
        ha.publish(relay["command_topic"], "OFF")
        wait_for("the relay off", lambda: relay_state(False))
        wait_for("relay state OFF on MQTT", lambda: ha.last(relay["state_topic"]) == "OFF")
        ev = next(c for c in configs.values() if "options" in c and "pv" in c["options"])
        ha.publish(ev["command_topic"], "now")

        def charger_mode():
            live = json.loads(daemon.call("GET", "/api/v1/live", token=token))
            return live["chargers"] and live["chargers"][0]["mode"] == "now"
        wait_for("the charger in mode now", charger_mode)
        wait_for("the mode on MQTT", lambda: ha.last(ev["state_topic"]) == "now")
        events = daemon.call("GET", "/api/v1/events?from=0", token=token)
        assert events.count('"mqtt"') >= 3, events[:2000]
        ha.publish(relay["command_topic"], "maybe")
        wait_for("the refusal in the log", lambda: "MQTT command refused" in daemon.log())
        print("ok: relay and charger mode over MQTT, events of user mqtt, bad payload refused")

        # A charge session over MQTT: the mode's topic with /session/set.
        session_topic = ev["command_topic"].replace("/mode/set", "/session/set")
        ha.publish(session_topic, json.dumps({"departure": "07:00", "need_kwh": 20}))

        def charger_session():
            live = json.loads(daemon.call("GET", "/api/v1/live", token=token))
            return live["chargers"][0]["session"]
        declared = wait_for("the session in /live", charger_session)
        assert declared["need_kwh"] == 20, declared
        ha.publish(session_topic, "")
        wait_for("the session cleared", lambda: charger_session() is None)
        ha.publish(session_topic, json.dumps({"departure": "07:00", "need_kwh": 500}))
        wait_for("the refused session in the log", lambda: re.search(
            r'msg="MQTT command refused" .*at most 200 kWh', daemon.log()))
        print("ok: a charge session declared and cleared over MQTT, a need of 500 kWh refused")

        # 4b. Day-ahead prices: fetched from the URL at start (the token of
        # its query string never in the log) ...
        def prices():
            return json.loads(daemon.call("GET", "/api/v1/prices", token=token))
        fetched = wait_for("the fetched prices", lambda: prices()["source"] == "url" and prices())
        at = {p["start"]: p["import_eur_per_kwh"] for p in fetched["prices"]}
        assert at.get(utc(hour)) == 0.21, fetched
        assert "s3cret" not in daemon.log(), "the URL's query string is in the log"
        alarms = json.loads(daemon.call("GET", "/api/v1/alarms", token=token))
        assert not any(a["id"] == "prices-missing" for a in alarms), alarms
        # ... then newer prices for two hours, retained on the topic, win there.
        ha.publish("energy/day-ahead", price_list(hour + 3600, 2, -0.05), retain=True)
        received = wait_for("the MQTT prices", lambda: prices()["source"] == "mqtt" and prices())
        at = {p["start"]: p["import_eur_per_kwh"] for p in received["prices"]}
        assert at.get(utc(hour)) == 0.21 and at.get(utc(hour + 3600)) == -0.05 and \
            at.get(utc(hour + 3 * 3600)) == 0.21, received
        ha.publish("energy/day-ahead", '{"prices": [{"start": "noon"}]}')
        wait_for("the refused prices in the log", lambda: re.search(
            r'msg="day-ahead prices not taken" .*prices\[0\]\.start: bad time', daemon.log()))
        ha.publish("energy/day-ahead", "", retain=True)  # the retained message removed
        print("ok: day-ahead prices from the URL, newer ones from MQTT win, bad JSON refused")

        # Home Assistant restarts: discovery again.
        seen = len(ha.all())
        ha.publish("homeassistant/status", "online")
        wait_for("discovery re-sent", lambda: len(
            [m for m in ha.all()[seen:] if m[0].endswith("/config")]) >= len(configs))
        print("ok: discovery re-sent on homeassistant/status online")

        # 5. A wrong password: a clear error, the daemon runs on.
        wrong = os.path.join(work, "wrong.secret")
        open(wrong, "w").write("not the password\n")
        config_b = os.path.join(work, "wrong.yaml")
        # Its price URL has nobody listening: a log line per failed fetch
        # (without the query string) and the prices-missing alarm.
        open(config_b, "w").write(installation(
            source, f"mqtt://127.0.0.1:{broker.port}", wrong,
            tariff=f"    prices_url: http://127.0.0.1:{free_port()}/p.json?key=s3cret\n"))
        b = Daemon(binary, work, config_b, "b")
        daemons.append(b)
        b_token = b.setup_installer()
        wait_for("the failed fetch in the log", lambda: re.search(
            r'msg="day-ahead prices not fetched" url=\S*127\.0\.0\.1:\d+/p\.json\S* reason=', b.log()))
        assert "s3cret" not in b.log(), "the URL's query string is in the log"
        wait_for("the prices-missing alarm", lambda: any(
            a["id"] == "prices-missing" and a["severity"] == "warning"
            for a in json.loads(b.call("GET", "/api/v1/alarms", token=b_token))))
        error = wait_for("the wrong password error", lambda: b.health().get("mqtt", {}).get(
            "last_error"))
        assert "not authorised" in error, error
        assert b.health()["mqtt"]["connected"] is False
        assert "not the password" not in b.log()
        b.stop()
        print("ok: wrong password:", error, "; an unreachable price URL logged and alarmed")

        # 6. TLS with a test CA.
        tls = make_test_ca(work)
        tls_broker = Broker(work, "tls-broker", accounts, tls=tls)
        config_c = os.path.join(work, "tls.yaml")
        open(config_c, "w").write(installation(
            source, f"mqtts://127.0.0.1:{tls_broker.port}", password_file,
            f"    ca_file: {tls['ca']}\n    read_only: true\n"))
        c = Daemon(binary, work, config_c, "c")
        daemons.append(c)
        wait_for("connected over TLS", lambda: c.health().get("mqtt", {}).get("connected"))
        # This site is read-only: a command is refused with a log line.
        assert c.health()["mqtt"]["read_only"] is True
        commander = Subscriber(tls_broker.port, "commander", ["nothing/here"], tls_ca=tls["ca"])
        commander.publish(f"{PREFIX}/relay/out1/2/set", "ON")
        wait_for("the read-only refusal", lambda: re.search(
            r'msg="MQTT command refused" .*read-only', c.log()))
        commander.stop()
        c.stop()
        tls_broker.kill()
        print("ok: mqtts with the test CA; read-only refuses commands with a log line")

        # 7. No loss. Outage A: 30 cycles (3 s) with the daemon running.
        backend = Subscriber(broker.port, "fleet-backend", [f"{PREFIX}/uplink"])
        wait_for("uplink batches", lambda: uplink_points(backend.all(), "Grid/p_w"))
        broker.kill()
        time.sleep(3.0)
        broker.start()
        wait_for("reconnected", lambda: daemon.health()["mqtt"]["connected"], timeout=30)
        # Outage B: 300 cycles (30 s); the daemon killed -9 in the middle and
        # started again. The last will: "offline" when the daemon dies.
        time.sleep(2.0)
        broker.kill()
        time.sleep(10.0)
        daemon.kill9()
        daemon = Daemon(binary, work, config, "a-restarted", data="a")
        daemons.append(daemon)
        token = daemon.login()
        time.sleep(20.0)
        broker.start()
        wait_for("reconnected after the outage", lambda: daemon.health()["mqtt"]["connected"],
                 timeout=30)
        assert daemon.proc.poll() is None
        # Drained: every point delivered.
        wait_for("the outbox drained", lambda: daemon.health()["mqtt"]["outbox_points"] < 200,
                 timeout=120)
        time.sleep(1.0)
        end_ms = int(time.time() * 1000) - 1000
        arrived = uplink_points(backend.all(), "Grid/p_w")
        first_ms = arrived[0][0]
        history = json.loads(daemon.call(
            "GET", f"/api/v1/history?series=load/Grid/p_w&step=raw&from={first_ms // 1000 + 1}"
                   f"&to={end_ms // 1000}", token=token))["rows"]
        assert len(history) > 300, len(history)
        times = {t for t, _ in arrived}
        missing = [t for t, _ in history if t not in times]
        assert not missing, f"{len(missing)} of {len(history)} seconds missing, first {missing[:5]}"
        # In order per series: after dropping repeats of resent batches, the
        # times only go forward.
        firsts, seen_t = [], set()
        for t, _ in arrived:
            if t not in seen_t:
                seen_t.add(t)
                firsts.append(t)
        assert firsts == sorted(firsts), "uplink points out of order"
        duplicates = len(arrived) - len(seen_t)
        print(f"ok: no loss: {len(history)} recorded cycles of Grid/p_w all on the uplink "
              f"({duplicates} duplicates from resent batches)")

        # Last will on kill -9.
        before = len(ha.all())
        daemon.kill9()
        wait_for("the last will", lambda: any(
            t == f"{PREFIX}/status" and p == "offline" for t, p, _ in ha.all()[before:]))
        print("ok: last will 'offline' on kill -9")
        backend.stop()
    finally:
        for d in daemons:
            if d.proc.poll() is None:
                d.proc.kill()
        ha.stop()
        broker.kill()
        http.kill()
        http.wait()
        shutil.rmtree(work, ignore_errors=True)
    print("mqtt scenario passed")


if __name__ == "__main__":
    main()
