"""The crash test behind scripts/crash-test: SIGKILL under write load, restart, verify.

Each cycle: start soudand, run soudan-load booking (it logs every acknowledged
write) and, beside it, pipelined reads of personal data (seeker.get) and
disclosures (audit.disclose, each marked with its own requested_by); kill
soudand with SIGKILL at a random moment, restart it and check that every
acknowledged write is present, every answered disclosure and at least as many
seeker.get as were answered are in the access log (a reply with personal data
leaves only once its record is on disk), PRAGMA integrity_check is ok,
audit.verify is ok, no counselor is double booked and the event seq has no gap.
"""
import json
import os
import random
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, ".build", os.environ.get("SOUDAN_BUILD", "release"))
CLOCK = "manual:2026-11-30T08:00:00+09:00"


def call(path, op, args=None):
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(30)
        s.connect(path)
        body = json.dumps({"id": 1, "op": op, "args": args or {}}).encode()
        s.sendall(struct.pack(">I", len(body)) + body)
        length = struct.unpack(">I", s.recv(4, socket.MSG_WAITALL))[0]
        return json.loads(s.recv(length, socket.MSG_WAITALL))


def frame(op, args, rid):
    body = json.dumps({"id": rid, "op": op, "args": args}).encode()
    return struct.pack(">I", len(body)) + body


def read_reply(s):
    header = s.recv(4, socket.MSG_WAITALL)
    if len(header) < 4:
        raise ConnectionError("closed")
    length = struct.unpack(">I", header)[0]
    body = s.recv(length, socket.MSG_WAITALL)
    if len(body) < length:
        raise ConnectionError("closed")
    return json.loads(body)


class Reader(threading.Thread):
    """Reads a seeker's record 20 at a time and discloses between batches, until
    the daemon dies; counts what was answered."""

    def __init__(self, data, seeker, cycle):
        super().__init__(daemon=True)
        self.data, self.seeker, self.cycle = data, seeker, cycle
        self.reads = 0
        self.disclosures = []

    def run(self):
        try:
            with socket.socket(socket.AF_UNIX) as service, socket.socket(socket.AF_UNIX) as admin:
                service.connect(os.path.join(self.data, "soudan.sock"))
                admin.connect(os.path.join(self.data, "admin.sock"))
                for batch in range(1_000_000):
                    service.sendall(b"".join(frame("seeker.get", {"seeker_no": self.seeker}, n) for n in range(20)))
                    marker = "crash-%d-%d" % (self.cycle, batch)
                    admin.sendall(frame("audit.disclose", {"from": "2026-11-30", "to": "2026-11-30",
                                                           "seeker_no": "00000-00000000", "legal_basis": "crash test",
                                                           "requested_by": marker}, batch))
                    for _ in range(20):
                        self.reads += read_reply(service).get("ok", False)
                    if read_reply(admin).get("ok"):
                        self.disclosures.append(marker)
        except (OSError, ConnectionError, ValueError):
            return


def start(data):
    process = subprocess.Popen([os.path.join(BIN, "soudand"), "--data-dir", data, "--clock", CLOCK, "--log-level", "error"],
                               stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            call(os.path.join(data, "admin.sock"), "sys.ping")
            return process
        except OSError:
            time.sleep(0.01)
    raise SystemExit("crash-test: soudand did not become ready")


def check(data, acked, readers):
    problems = []
    daemon = start(data)
    verify = call(os.path.join(data, "admin.sock"), "audit.verify")["result"]
    if not verify["ok"]:
        problems.append("audit.verify broken at row %s" % verify["first_broken"])
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=60)
    db = sqlite3.connect(os.path.join(data, "soudan.sqlite3"))
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    if integrity != "ok":
        problems.append("integrity_check: %s" % integrity)
    tables = {"seeker": ("seeker", "seeker_no"), "request": ("booking_request", "request_id"),
              "consultation": ("consultation", "consultation_id")}
    lost = 0
    for kind, ids in acked.items():
        table, column = tables[kind]
        present = {row[0] for row in db.execute("SELECT %s FROM %s" % (column, table))}
        missing = ids - present
        lost += len(missing)
        if missing:
            problems.append("%d acknowledged %s writes lost, e.g. %s" % (len(missing), kind, sorted(missing)[:3]))
    double = db.execute("""SELECT COUNT(*) FROM (SELECT 1 FROM consultation WHERE status IN ('scheduled', 'in_progress')
                           GROUP BY counselor_id, start HAVING COUNT(*) > 1)""").fetchone()[0]
    if double:
        problems.append("%d counselor slots double booked" % double)
    disclosed = {row[0] for row in db.execute("SELECT requested_by FROM access_log WHERE op = 'audit.disclose' AND code = 'ok'")}
    for reader in readers:
        recorded = db.execute("SELECT COUNT(*) FROM access_log WHERE op = 'seeker.get' AND code = 'ok' AND seeker_no = ?",
                              (reader.seeker,)).fetchone()[0]
        if recorded < reader.reads:
            problems.append("%d seeker.get answered, %d recorded" % (reader.reads, recorded))
        missing = set(reader.disclosures) - disclosed
        if missing:
            problems.append("%d answered disclosures not recorded, e.g. %s" % (len(missing), sorted(missing)[:3]))
    count, top = db.execute("SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM event").fetchone()
    if count != top:
        problems.append("event seq has gaps: %d events, max seq %d" % (count, top))
    db.close()
    return problems, lost


def main():
    cycles = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    work = tempfile.mkdtemp(prefix="soudan-crash-")
    data = os.path.join(work, "data")
    ack_log = os.path.join(work, "acks")
    acked = {"seeker": set(), "request": set(), "consultation": set()}
    total_lost = 0
    failures = 0
    readers = []
    for cycle in range(1, cycles + 1):
        daemon = start(data)
        seeker = "13999-%08d" % cycle
        registered = call(os.path.join(data, "soudan.sock"), "seeker.register", {
            "seeker_no": seeker, "name": "crash test", "phone": "090-0000-0000", "my_page": True, "webcam_device": True})
        if not registered.get("ok"):
            raise SystemExit("crash-test: cannot register %s: %s" % (seeker, registered))
        reader = Reader(data, seeker, cycle)
        reader.start()
        readers.append(reader)
        load = subprocess.Popen([os.path.join(BIN, "soudan-load"), "--socket", os.path.join(data, "soudan.sock"),
                                 "--admin-socket", os.path.join(data, "admin.sock"), "--scenario", "book",
                                 "--connections", "16", "--duration", "10", "--json", "--ack-log", ack_log],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(random.uniform(0.5, 2.0))
        daemon.send_signal(signal.SIGKILL)
        daemon.wait()
        load.wait(timeout=60)
        reader.join(timeout=60)
        with open(ack_log) as f:
            for line in f:
                fields = line.split()  # kind, id, milliseconds
                kind, ident = (fields[0], fields[1]) if len(fields) >= 2 else ("", "")
                if kind in acked and ident:
                    acked[kind].add(ident)
        problems, lost = check(data, acked, readers)
        total_lost += lost
        status = "ok" if not problems else "FAILED: " + "; ".join(problems)
        print("cycle %d/%d: %d acknowledged writes, %d answered personal-data reads, %d answered disclosures so far, %s" % (
            cycle, cycles, sum(map(len, acked.values())), sum(r.reads for r in readers),
            sum(len(r.disclosures) for r in readers), status), flush=True)
        failures += bool(problems)
    print("%d cycles, %d acknowledged writes, %d lost; %d personal-data reads and %d disclosures answered, all recorded"
          % (cycles, sum(map(len, acked.values())), total_lost, sum(r.reads for r in readers),
             sum(len(r.disclosures) for r in readers)) if not failures else
          "%d cycles, %d acknowledged writes, %d lost" % (cycles, sum(map(len, acked.values())), total_lost))
    print("crash cycles passed: %d of %d" % (cycles - failures, cycles))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
