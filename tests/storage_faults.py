#!/usr/bin/env python3
"""Storage faults seen from the running daemon (docs/storage-faults.md).

The real `kirchhoff run` on the demo house:
  1. a damaged history: bytes of a b-tree page header of history.db flipped
     while the daemon is stopped; on restart it runs, the critical alarm
     history-damaged is on /api/v1/alarms and names the moved file,
     /api/v1/health says "damaged-moved", the moved file exists, and the
     energy registers did not go back;
  2. a 0-byte history.db beside its write-ahead log (a killed daemon's log
     kept, the file lost): the same, and the log moved with it;
  3. a full disk (root only: the data directory on a 16 MB tmpfs, filled with
     a file): the disk-full alarm and "disk-full" on /health while it lasts;
     when the file is removed the alarm clears and the points of the seconds
     while the disk was full are in the history.

usage: storage_faults.py KIRCHHOFF_BINARY
"""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from scenario_lib import poll

BIN = sys.argv[1]
failures = []


def check(what, condition, detail=""):
    if condition:
        print("ok:", what)
    else:
        print("FAIL:", what, detail)
        failures.append(what)


class Daemon:
    def __init__(self, data, cycle_ms=100):
        self.log_path = os.path.join(os.path.dirname(data), "log-%d" % time.time_ns())
        self.terminal_path = self.log_path + ".terminal"
        self.proc = subprocess.Popen(
            [BIN, "run", "--data", data, "--listen", "127.0.0.1:0", "--cycle-ms", str(cycle_ms)],
            stdout=open(self.terminal_path, "w"), stderr=open(self.log_path, "w"))
        self.port = poll(self._port)
        if not self.port:
            raise SystemExit("daemon did not start:\n" + self.log())

    def log(self):
        return open(self.log_path).read()

    def terminal(self):
        return open(self.terminal_path).read()

    def _port(self):
        m = re.search(r"msg=started .*listen=127\.0\.0\.1:(\d+)", self.log())
        return int(m.group(1)) if m and 'msg="first snapshot"' in self.log() else None

    def get(self, path, token=None):
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path))
        if token:
            req.add_header("Authorization", "Bearer " + token)
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.loads(r.read())

    def login(self, user, password):
        req = urllib.request.Request(
            "http://127.0.0.1:%d/api/v1/login" % self.port,
            data=json.dumps({"username": user, "password": password}).encode(), method="POST")
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.loads(r.read())["token"]

    def grid_register_wh(self, token):
        live = self.get("/api/v1/live", token)
        return next(l[f"energy_{DIRECTION}_wh"] for l in live["loads"] if l["name"] == "Grid")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def kill(self):
        self.proc.kill()
        self.proc.wait(timeout=10)


# The Grid register the checks follow: the simulated house runs on the wall
# clock, and at some hours of the day it exports for the whole first run, so
# its import register stays at 0 (no test of "did not go back" then).
DIRECTION = "import"


def registers_file(data, direction=None):
    with open(os.path.join(data, "registers.json")) as f:
        return json.load(f)["registers"][f"load/Grid/energy_{direction or DIRECTION}_wh"]


def live_rounded(wh):
    """/api/v1/live shows energy rounded to the mWh: a register restored to
    `wh` shows as this (or more once it counts on), never less."""
    return round(wh * 1000) / 1000


def damaged_files(data):
    return sorted(n for n in os.listdir(data) if ".damaged-" in n)


def flip_page_header(path, table):
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    (page,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    (size,) = db.execute("PRAGMA page_size").fetchone()
    db.close()
    with open(path, "r+b") as f:
        f.seek((page - 1) * size)
        header = f.read(8)
        f.seek((page - 1) * size)
        f.write(bytes(b ^ 0xFF for b in header))


def disk_full(work):
    """Part 3: the data directory on a small tmpfs, filled and freed again."""
    if os.geteuid() != 0:
        print("skip: disk full needs root to mount a tmpfs")
        return
    small = os.path.join(work, "small")
    os.makedirs(small)
    # 16 MB: SQLite's log grows to 4 MB before its automatic checkpoint.
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", small],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        print("skip: disk full: cannot mount a tmpfs here:", mounted.stderr.strip())
        return
    try:
        d = Daemon(small, cycle_ms=200)
        pw = re.search(r"^  viewer / ([0-9a-f]+)$", d.terminal(), re.M).group(1)
        token = d.login("viewer", pw)
        filler = os.path.join(small, "filler")
        # Unbuffered: a write the full disk cuts short leaves nothing for
        # close() to fail on.
        with open(filler, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
            except OSError:
                pass
        full = poll(lambda: d.get("/api/v1/health").get("history") == "disk-full")
        full_from_ms = int(time.time() * 1000)
        check("full: health says disk-full", full)
        # Alarms are judged at the start of the next cycle.
        alarms = poll(lambda: [a for a in d.get("/api/v1/alarms", token)
                                   if a["id"] == "disk-full"], timeout=5)
        check("full: the disk-full alarm is raised",
              alarms and alarms[0]["severity"] == "critical", alarms)
        time.sleep(2)
        full_to_ms = int(time.time() * 1000)
        os.remove(filler)
        ok = poll(lambda: d.get("/api/v1/health").get("history") == "ok")
        check("full: space back, health says ok", ok, d.get("/api/v1/health"))
        cleared = poll(lambda: not any(a["id"] == "disk-full"
                                           for a in d.get("/api/v1/alarms", token)), timeout=5)
        check("full: the alarm clears", cleared)
        time.sleep(0.5)
        d.stop()
        out = subprocess.run([BIN, "history", "read", "--data", small, "--series", "load/Grid/p_w",
                              "--step", "raw", "--from", str(full_from_ms // 1000),
                              "--to", str(full_to_ms // 1000)],
                             capture_output=True, text=True)
        rows = [line for line in out.stdout.splitlines()[1:] if line]
        # 2 s at a 200 ms cycle: about 10 points, written once space returned.
        check("full: the seconds while the disk was full are in the history", len(rows) >= 5,
              out.stdout + out.stderr)
    finally:
        subprocess.run(["umount", small])


work = tempfile.mkdtemp(prefix="kirchhoff_storage_faults_")
try:
    data = os.path.join(work, "data")
    # The first start: demo accounts, a few seconds of history, a clean stop.
    d = Daemon(data)
    viewer_pw = re.search(r"^  viewer / ([0-9a-f]+)$", d.terminal(), re.M).group(1)
    token = d.login("viewer", viewer_pw)
    check("a sound history: health says ok", d.get("/api/v1/health").get("history") == "ok")
    time.sleep(2)
    d.stop()
    if registers_file(data, "import") <= 0:
        DIRECTION = "export"
    before = registers_file(data)
    check("the registers file holds the Grid's import or export at stop", before > 0,
          (registers_file(data, "import"), registers_file(data, "export")))

    # 1. Bytes flipped in a page header of the stopped daemon's history.
    flip_page_header(os.path.join(data, "history.db"), "journal")
    d = Daemon(data)
    token = d.login("viewer", viewer_pw)
    health = d.get("/api/v1/health")
    check("damaged: the daemon runs", health["status"] == "ok", health)
    check("damaged: health says damaged-moved", health.get("history") == "damaged-moved", health)
    moved = damaged_files(data)
    check("damaged: the file is moved aside", any(re.fullmatch(r"history\.db\.damaged-\d{8}T\d{6}Z", n)
                                                   for n in moved), moved)
    alarms = d.get("/api/v1/alarms", token)
    alarm = next((a for a in alarms if a["id"] == "history-damaged"), None)
    check("damaged: the critical alarm is raised", alarm and alarm["severity"] == "critical", alarms)
    check("damaged: it says where the file is",
          alarm and os.path.join(data, moved[0]) in alarm["message"], alarm)
    after = d.grid_register_wh(token)
    check("damaged: the registers did not go back", after >= live_rounded(before), (before, after))
    time.sleep(1)
    d.kill()  # the log stays beside the file

    # 2. A killed daemon's log beside a lost (0-byte) history.
    for name in damaged_files(data):
        os.remove(os.path.join(data, name))
    check("a killed daemon leaves its log", os.path.getsize(os.path.join(data, "history.db-wal")) > 0)
    floor = registers_file(data)
    open(os.path.join(data, "history.db"), "w").close()
    d = Daemon(data)
    token = d.login("viewer", viewer_pw)
    check("0-byte: health says damaged-moved", d.get("/api/v1/health").get("history") == "damaged-moved")
    moved = damaged_files(data)
    check("0-byte: the file and its log are moved aside",
          any(n.endswith("Z-wal") for n in moved) and any(n.endswith("Z") for n in moved), moved)
    alarms = d.get("/api/v1/alarms", token)
    alarm = next((a for a in alarms if a["id"] == "history-damaged"), None)
    check("0-byte: the alarm says the file was empty", alarm and "empty (0 bytes)" in alarm["message"],
          alarms)
    after = d.grid_register_wh(token)
    check("0-byte: the registers did not go back",
          after >= live_rounded(floor) and after >= live_rounded(before),
          (before, floor, after))
    d.stop()

    disk_full(work)
finally:
    shutil.rmtree(work, ignore_errors=True)

if failures:
    print("%d failed" % len(failures))
    sys.exit(1)
print("all passed")
