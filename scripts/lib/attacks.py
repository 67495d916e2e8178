#!/usr/bin/env python3
"""The attacks of the edge issue, each against a fresh soudand at its defaults,
with the figure that says whether the daemon held: RSS, CPU, bytes, counts.

    python3 scripts/lib/attacks.py [SOUDAND_BINARY]      (default: .build/release/soudand)

Each attack starts its own daemon in a temporary data dir on a manual clock,
so two binaries (before and after a change) can be compared on one machine.
Requests only ever go to the daemon's own Unix sockets.
"""
import json
import os
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time

import procstat

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "release", "soudand")


def frame(op, args=None, rid=1, key=None):
    envelope = {"id": rid, "op": op, "args": args or {}}
    if key:
        envelope["idempotency_key"] = key
    body = json.dumps(envelope).encode()
    return struct.pack(">I", len(body)) + body


def read_exactly(s, count):
    data = bytearray()
    while len(data) < count:
        chunk = s.recv(min(count - len(data), 1 << 20))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return bytes(data)


def read_reply(s):
    return json.loads(read_exactly(s, struct.unpack(">I", read_exactly(s, 4))[0]))


def connect(path):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(60)
    s.connect(path)
    return s


def call(path, op, args=None, key=None):
    with connect(path) as s:
        s.sendall(frame(op, args, key=key))
        return read_reply(s)


class Daemon:
    def __init__(self, config=""):
        self.dir = tempfile.mkdtemp(prefix="sd-attack-")
        self.data = os.path.join(self.dir, "data")
        args = [BINARY, "--data-dir", self.data, "--clock", "manual:2026-11-30T09:00:00+09:00", "--log-level", "error"]
        if config:
            path = os.path.join(self.dir, "config.toml")
            with open(path, "w") as f:
                f.write(config)
            args += ["--config", path]
        self.process = subprocess.Popen(args, stderr=subprocess.DEVNULL)
        self.service = os.path.join(self.data, "soudan.sock")
        self.admin = os.path.join(self.data, "admin.sock")
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                call(self.admin, "sys.ping")
                return
            except OSError:
                time.sleep(0.02)
        raise SystemExit("soudand did not become ready")

    def rss_mib(self):
        return procstat.rss_mib(self.process.pid)

    def settled_rss_mib(self, timeout=30):
        peak, last_rise, end = self.rss_mib(), time.time(), time.time() + timeout
        while time.time() < end and time.time() - last_rise < 2:
            time.sleep(0.1)
            now = self.rss_mib()
            if now > peak + 0.5:
                last_rise = time.time()
            peak = max(peak, now)
        return peak

    def cpu_seconds(self):
        return procstat.cpu_seconds(self.process.pid)

    def db_bytes(self):
        return sum(os.path.getsize(os.path.join(self.data, name)) for name in os.listdir(self.data)
                   if name.startswith("soudan.sqlite3"))

    def register(self, count):
        with connect(self.service) as s:
            for n in range(1, count + 1):
                s.sendall(frame("seeker.register", {"seeker_no": "13100-%08d" % n, "name": "求職者", "phone": "090-0000-0001",
                                                    "my_page": True, "webcam_device": True}, n))
            for _ in range(count):
                read_reply(s)

    def stop(self, sig=signal.SIGTERM):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=60)

    def close(self):
        self.stop(signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)


def rss_while_held(d, connections, burst):
    """RSS before and once settled, with `connections` clients that each sent
    `burst()` and read nothing."""
    before = d.rss_mib()
    held = []
    for _ in range(connections):
        s = connect(d.service)
        s.sendall(burst())
        held.append(s)
    return "RSS %.0f -> %.0f MiB" % (before, d.settled_rss_mib())


def pipelined_fetch():
    """8 connections pipeline 1,024 events.fetch max=1000 each and never read."""
    d = Daemon()
    try:
        d.register(1100)
        return rss_while_held(d, 8, lambda: b"".join(frame("events.fetch", {"consumer": "x", "max": 1000}, n) for n in range(1024)))
    finally:
        d.close()


def held_for_order():
    """32 connections: a long-poll, then 1,023 sys.describe held behind it."""
    d = Daemon()
    try:
        return rss_while_held(d, 32, lambda: frame("events.fetch", {"consumer": "x", "wait_ms": 30000}, 0)
                              + b"".join(frame("sys.describe", None, n) for n in range(1, 1024)))
    finally:
        d.close()


def half_frames():
    """250 connections each send half of a 1 MiB frame, then nothing."""
    d = Daemon()
    try:
        return rss_while_held(d, 250, lambda: struct.pack(">I", 1 << 20) + b"x" * (512 * 1024))
    finally:
        d.close()


def idle_polls():
    """1,000 long-polls waiting (250 connections x 4) on a daemon with no traffic."""
    d = Daemon()
    try:
        held = []
        for _ in range(250):
            s = connect(d.service)
            s.sendall(b"".join(frame("events.fetch", {"consumer": "idle", "wait_ms": 30000}, n) for n in range(4)))
            held.append(s)
        time.sleep(1)
        before = d.cpu_seconds()
        time.sleep(5)
        return "%.2f s of CPU in 5 s" % (d.cpu_seconds() - before)
    finally:
        d.close()


def unknown_ops():
    """2,000 distinct unknown op names of 512 bytes."""
    d = Daemon()
    try:
        before = d.db_bytes()
        with connect(d.service) as s:
            for window in range(40):
                s.sendall(b"".join(frame("x%d-%d-" % (window, n) + "z" * 500, None, n) for n in range(50)))
                for _ in range(50):
                    read_reply(s)
        keys = len(call(d.admin, "sys.stats")["result"]["requests"]["by_op"])
        metrics = len(call(d.admin, "sys.metrics")["result"].get("text", ""))
        call(d.admin, "sys.ping")
        return "%d stats keys, sys.metrics %d KiB, database +%d KiB" % (keys, metrics // 1024, (d.db_bytes() - before) // 1024)
    finally:
        d.close()


def keyed_reads():
    """2,000 sys.describe, each with its own idempotency key."""
    d = Daemon()
    try:
        before = d.db_bytes()
        with connect(d.admin) as s:
            for window in range(40):
                s.sendall(b"".join(frame("sys.describe", None, n, key="k-%d-%d" % (window, n)) for n in range(50)))
                for _ in range(50):
                    read_reply(s)
        stored = sqlite3.connect(os.path.join(d.data, "soudan.sqlite3")).execute("SELECT COUNT(*) FROM idempotency_key").fetchone()[0]
        return "%d replies stored, database +%d KiB" % (stored, (d.db_bytes() - before) // 1024)
    finally:
        d.close()


def staff_locked_out():
    """Services hold every connection (max_connections = 20); can staff still get in?"""
    d = Daemon("[limits]\nmax_connections = 20\n")
    try:
        held = []
        for _ in range(24):
            try:
                s = connect(d.service)
                s.sendall(frame("sys.ping"))
                if read_reply(s).get("ok"):
                    held.append(s)
            except (OSError, ConnectionError):
                pass
        try:
            ok = call(d.admin, "sys.ping").get("ok", False)
        except (OSError, ConnectionError):
            ok = False
        return "%d service connections held; staff ping %s" % (len(held), "answered" if ok else "REFUSED")
    finally:
        d.close()


def sigkill_after_reads():
    """300 pipelined seeker.get and a disclosure, all answered, then SIGKILL."""
    d = Daemon()
    try:
        d.register(1)
        with connect(d.service) as s, connect(d.admin) as a:
            s.sendall(b"".join(frame("seeker.get", {"seeker_no": "13100-00000001"}, n) for n in range(300)))
            a.sendall(frame("audit.disclose", {"from": "2026-11-30", "to": "2026-11-30", "legal_basis": "x", "requested_by": "attack"}))
            answered = sum(read_reply(s).get("ok", False) for _ in range(300))
            disclosed = read_reply(a).get("ok", False)
            d.stop(signal.SIGKILL)
        db = sqlite3.connect(os.path.join(d.data, "soudan.sqlite3"))
        reads = db.execute("SELECT COUNT(*) FROM access_log WHERE op = 'seeker.get' AND code = 'ok'").fetchone()[0]
        disclosures = db.execute("SELECT COUNT(*) FROM access_log WHERE op = 'audit.disclose'").fetchone()[0]
        return "%d reads answered, %d recorded; disclosure answered %s, recorded %d" % (answered, reads, disclosed, disclosures)
    finally:
        d.close()


def main():
    print("soudand: %s" % BINARY)
    for attack in [pipelined_fetch, held_for_order, half_frames, idle_polls, unknown_ops, keyed_reads, staff_locked_out,
                   sigkill_after_reads]:
        started = time.time()
        try:
            outcome = attack()
        except Exception as error:  # a daemon that dies or hangs is itself the finding
            outcome = "FAILED: %r" % error
        print("%-20s %-70s (%.0f s)" % (attack.__name__, outcome, time.time() - started), flush=True)


if __name__ == "__main__":
    main()
