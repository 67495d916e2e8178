#!/usr/bin/env python3
"""An office's year, driven through a real soudand on a manual clock.

    python3 scripts/lib/simulate_year.py [--days N] [--build debug|release] [--retention DAYS] [--seed S]

Business day after business day (the daemon's own calendar, read from
slots.available), as an office lives it: seekers register and consent, ask by
web and phone with one to three preferences, withdraw; staff schedule by hand
and automatically, reject, cancel by phone, record late contacts, start and
complete consultations, stop a few, book second consultations during one in
session, move bookings off absent counselors, publish new terms mid-year,
suspend and reinstate; about 5 % do not come. The clock passes 03:00 every
night, so retention runs by itself. The simulation keeps its own account of
everything it did and of what the rules must make of it, and at the end checks
the daemon against it and prints a table; exit 1 if a check fails.
"""
import argparse
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, timedelta

import procstat

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
START = date(2027, 1, 4)  # a Monday after the year-end closure


class Daemon:
    def __init__(self, binary, retention):
        self.work = tempfile.mkdtemp(prefix="sd-year-")
        self.data = os.path.join(self.work, "data")
        config = os.path.join(self.work, "year.toml")
        with open(config, "w") as f:
            f.write("[rules]\nno_show_threshold = 3\nopen_request_limit = 2\n[retention]\ndays = %d\n" % retention)
        self.process = subprocess.Popen([binary, "--data-dir", self.data, "--config", config, "--clock",
                                         "manual:%sT08:00:00+09:00" % START.isoformat(), "--log-level", "warning"],
                                        stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while True:
            try:
                self.admin = self.connect("admin.sock")
                self.service = self.connect("soudan.sock")
                break
            except OSError:
                if time.time() > deadline:
                    raise SystemExit("simulate-year: soudand did not become ready")
                time.sleep(0.02)
        self.next_id = 0

    def connect(self, name):
        s = socket.socket(socket.AF_UNIX)
        s.connect(os.path.join(self.data, name))
        return s

    def call(self, op, args=None, admin=True):
        s = self.admin if admin else self.service
        self.next_id += 1
        body = json.dumps({"id": self.next_id, "op": op, "args": args or {}}).encode()
        s.sendall(struct.pack(">I", len(body)) + body)
        header = recv(s, 4)
        return json.loads(recv(s, struct.unpack(">I", header)[0]))

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=120)

    def rss_mib(self):
        return procstat.rss_mib(self.process.pid)


def recv(s, n):
    data = bytearray()
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise SystemExit("simulate-year: the daemon closed the connection")
        data += chunk
    return bytes(data)


def at(day, hh, mm=0):
    return "%sT%02d:%02d:00+09:00" % (day.isoformat(), hh, mm)


class Year:
    def __init__(self, daemon, days, retention, rng):
        self.d, self.days, self.retention, self.rng = daemon, days, retention, rng
        self.seekers = []            # registered seeker numbers
        self.consented = {}          # seeker -> terms version consented (explicit or deemed)
        self.status = {}             # seeker -> active | suspended | restricted
        self.terms = "1"
        self.requests = {}           # id -> {"day", "prefs", "seeker", "marker", "consultation"}
        self.consultations = {}      # id -> {"start", "seeker", "expect", "request"}
        self.requests_per_day = defaultdict(int)
        self.counts = defaultdict(int)
        self.stale_refusals = 0
        self.suspended_at = {}

    # -- the office's calendar, from the daemon --------------------------------------------
    def business_days(self):
        found, first = [], START
        while len(found) < self.days:
            last = first + timedelta(days=30)
            slots = self.d.call("slots.available", {"from": first.isoformat(), "to": last.isoformat()})["result"]["slots"]
            for day in sorted({s["start"][:10] for s in slots}):
                found.append(date.fromisoformat(day))
            first = last + timedelta(days=1)
        self.slot_times = sorted({s["start"][11:16] for s in slots})
        return found[:self.days]

    def set_clock(self, now):
        reply = self.d.call("clock.set", {"now": now})
        if not reply["ok"] and reply["error"]["code"] != "invalid_args":
            raise SystemExit("simulate-year: clock.set %s: %s" % (now, reply))

    # -- seekers ----------------------------------------------------------------------------
    def new_seeker(self, day):
        number = "13%03d-%08d" % (day.toordinal() % 1000, len(self.seekers) + 1)
        reply = self.d.call("seeker.register", {"seeker_no": number, "name": "利用者%d" % len(self.seekers), "phone": "03-0000-0000",
                                                "my_page": True, "webcam_device": True}, admin=False)
        assert reply["ok"], reply
        self.seekers.append(number)
        self.status[number] = "active"
        self.consent(number)

    def consent(self, seeker):
        reply = self.d.call("seeker.consent", {"seeker_no": seeker, "terms_version": self.terms, "zoom_terms": True,
                                               "acknowledge": {"no_recording": True, "private_room": True, "device_ready": True}},
                            admin=False)
        if reply["ok"]:
            self.consented[seeker] = self.terms

    # -- requests ---------------------------------------------------------------------------
    def request(self, day, seeker, prefs, channel="web", during=None):
        n = self.counts["request_attempts"] = self.counts["request_attempts"] + 1
        marker = "RQ%06dX" % n
        args = {"seeker_no": seeker, "name": marker + "name", "phone": "080-%04d-%04d" % (n // 10000, n % 10000),
                "preferences": prefs, "channel": channel}
        if self.rng.random() < 0.3:
            args["note"] = marker + "note"
        if channel == "web":
            args["device"] = {"id": marker + "device", "os": "ios", "app": "6.1"}
        if self.rng.random() < 0.05:
            args["companions"] = [{"role": "interpreter", "name": marker + "companion"}]
        if during:
            args["during_consultation"] = during
        reply = self.d.call("booking.request", args, admin=channel in ("phone", "in_session"))
        if not reply["ok"] and reply["error"]["code"] == "consent_required":
            self.consent(seeker)
            reply = self.d.call("booking.request", args, admin=channel in ("phone", "in_session"))
        if reply["ok"]:
            rid = reply["result"]["request"]["request_id"]
            self.requests[rid] = {"day": day, "prefs": prefs, "seeker": seeker, "marker": marker, "consultation": None}
            self.requests_per_day[day] += 1
            return rid
        code = reply["error"]["code"]
        self.counts["refused " + code] += 1
        if code == "limit_reached":
            self.check_not_stale(seeker, at(day, 9))
        return None

    def check_not_stale(self, seeker, now):
        """A seeker refused limit_reached holds only open requests with a
        preference still to come and consultations still to happen."""
        got = self.d.call("seeker.get", {"seeker_no": seeker})["result"]
        stale = [r for r in got["requests"] if max(r["preferences"]) <= now]
        stale += [c for c in got["consultations"] if c["status"] == "scheduled" and c["end"] <= now]
        self.stale_refusals += bool(stale)

    def schedule(self, rid, day):
        r = self.requests[rid]
        roll = self.rng.random()
        if roll < 0.70:
            reply = self.d.call("booking.auto_schedule", {"request_id": rid})
        elif roll < 0.85:
            reply = self.d.call("booking.schedule", {"request_id": rid, "start": self.rng.choice(r["prefs"])})
        elif roll < 0.90:
            self.d.call("booking.reject", {"request_id": rid, "reason": "相談内容が対象外"})
            return
        elif roll < 0.95:
            self.d.call("booking.withdraw", {"request_id": rid}, admin=False)
            return
        else:
            return  # left open: it expires at its latest preference
        if reply["ok"]:
            self.add_consultation(reply["result"]["consultation"], rid)

    def add_consultation(self, c, rid):
        self.consultations[c["consultation_id"]] = {"start": c["start"], "seeker": c["seeker_no"], "expect": "scheduled",
                                                     "request": rid}
        if rid in self.requests:
            self.requests[rid]["consultation"] = c["consultation_id"]

    # -- the notifier: learns of what the daemon did on its own ---------------------------
    def read_events(self):
        while True:
            events = self.d.call("events.fetch", {"consumer": "notifier", "max": 1000}, admin=False)["result"]["events"]
            if not events:
                return
            for e in events:
                data = e["data"]
                if e["type"] == "consultation.scheduled" and data["consultation_id"] not in self.consultations:
                    self.add_consultation(data, data["request_id"])  # the waitlist
                    self.counts["waitlist"] += 1
                if e["type"] == "consultation.rescheduled" and data["consultation_id"] in self.consultations:
                    self.consultations[data["consultation_id"]]["start"] = data["start"]
            self.d.call("events.ack", {"consumer": "notifier", "seq": events[-1]["seq"]}, admin=False)

    # -- a business day ------------------------------------------------------------------
    def live_on(self, day):
        prefix = day.isoformat()
        return [cid for cid, c in self.consultations.items() if c["start"].startswith(prefix) and c["expect"] == "scheduled"]

    def day(self, index, day, ahead):
        self.set_clock(at(day, 9))
        for _ in range(2 if index % 2 else 3):
            self.new_seeker(day)
        if index == len(self.calendar) // 2:
            self.terms = "2"
            self.d.call("terms.publish", {"version": "2", "effective_at": at(day, 9), "summary": "年央の改定"})
        # Requests for the coming business days.
        slots = [at(d, int(t[:2]), int(t[3:])) for d in ahead for t in self.slot_times]
        todays = []
        for _ in range(24 if slots else 0):
            seeker = self.rng.choice(self.seekers)
            if self.status[seeker] != "active":
                continue
            prefs = sorted(self.rng.sample(slots, self.rng.randint(1, 3)))
            rid = self.request(day, seeker, prefs, channel="web" if self.rng.random() < 0.7 else "phone")
            if rid:
                todays.append(rid)
        self.set_clock(at(day, 9, 30))
        for rid in todays:
            self.schedule(rid, day)
        self.read_events()
        # Phone cancellations, reschedules, late contacts.
        future = [cid for cid, c in self.consultations.items() if c["expect"] == "scheduled" and c["start"] > at(day, 10)]
        for cid in future:
            roll = self.rng.random()
            if roll < 0.03:
                if self.d.call("booking.cancel", {"consultation_id": cid, "channel": "phone", "reason": "都合"})["ok"]:
                    self.consultations[cid]["expect"] = "cancelled"
            elif roll < 0.035 and slots:
                reply = self.d.call("booking.reschedule", {"consultation_id": cid, "start": self.rng.choice(slots)})
                if reply["ok"]:
                    self.consultations[cid]["start"] = reply["result"]["consultation"]["start"]
                    self.consultations[cid].pop("contacted", None)
        for cid in self.live_on(day):
            if self.rng.random() < 0.03 and self.d.call("booking.contact", {"consultation_id": cid, "note": "遅れる"})["ok"]:
                self.consultations[cid]["contacted"] = True
        # A counselor away now and then: their bookings move.
        if index % 25 == 10 and len(ahead) > 2:
            away = ahead[2].isoformat()
            reply = self.d.call("counselor.add_absence", {"counselor_id": self.rng.choice(["c01", "c02", "c03"]), "from": away,
                                                          "to": away, "reassign": True})
            self.counts["absences" if reply["ok"] else "absences refused (" + reply["error"]["code"] + ")"] += 1
            self.counts["moved by absences"] += len(reply.get("result", {}).get("reassigned", []))
        # Suspensions and reinstatements.
        if index % 40 == 20:
            seeker = self.rng.choice([s for s in self.seekers if self.status[s] == "active"])
            reply = self.d.call("seeker.suspend", {"seeker_no": seeker, "reason": "abuse", "note": "窓口で暴言"})
            if reply["ok"]:
                self.status[seeker] = "suspended"
                self.suspended_at[seeker] = index
                for cid in reply["result"]["cancelled"]:
                    self.consultations[cid]["expect"] = "cancelled"
                for cid in reply["result"]["stopped"]:
                    self.consultations[cid]["expect"] = "stopped"
        for seeker, when in list(self.suspended_at.items()):
            if index - when >= 10 and self.d.call("seeker.reinstate", {"seeker_no": seeker, "note": "面談の上解除"})["ok"]:
                self.status[seeker] = "active"
                del self.suspended_at[seeker]
        self.read_events()
        self.run_consultations(day, ahead)
        self.read_events()

    def run_consultations(self, day, ahead):
        running = {}  # consultation id -> what happens at its end
        for t in self.slot_times + ["17:00"]:
            hh, mm = int(t[:2]), int(t[3:])
            self.set_clock(at(day, hh, mm))
            now = at(day, hh, mm)
            for cid, fate in list(running.items()):
                if self.consultations[cid]["start"] < now:
                    del running[cid]
                    if fate == "complete":
                        self.d.call("consultation.complete", {"consultation_id": cid, "note": "就職活動の相談"})
                        self.consultations[cid]["expect"] = "completed"
                    elif fate == "stop":
                        self.d.call("consultation.stop", {"consultation_id": cid, "reason": "non_job_purpose"})
                        self.consultations[cid]["expect"] = "stopped"
                    else:
                        self.consultations[cid]["expect"] = "completed"  # left open: completed at midnight
            for cid in self.live_on(day):
                c = self.consultations[cid]
                if c["start"] != now:
                    continue
                roll = self.rng.random()
                if c.get("contacted") and roll < 0.5:
                    c["expect"] = "cancelled"  # never started: not held
                    continue
                if not c.get("contacted") and roll < 0.05:
                    c["expect"] = "no_show"
                    continue
                reply = self.d.call("consultation.start", {"consultation_id": cid})
                if not reply["ok"]:
                    continue
                c["expect"] = "in_progress"
                if self.rng.random() < 0.05 and len(ahead) > 1:
                    slots = [at(d, int(t2[:2]), int(t2[3:])) for d in ahead[1:4] for t2 in self.slot_times]
                    rid = self.request(day, c["seeker"], [self.rng.choice(slots)], channel="in_session", during=cid)
                    if rid:
                        self.counts["in-session requests"] += 1
                        self.schedule(rid, day)
                fate = self.rng.random()
                running[cid] = "leave" if fate < 0.01 else "stop" if fate < 0.02 else "complete"

    # -- the year ---------------------------------------------------------------------------
    def run(self):
        started = time.time()
        self.calendar = self.business_days()
        for index, day in enumerate(self.calendar):
            self.day(index, day, self.calendar[index + 1:index + 9])
        end = self.calendar[-1] + timedelta(days=1)
        self.set_clock(at(end, 9))
        self.d.call("clock.advance", {"minutes": 0})
        self.read_events()
        self.seconds = time.time() - started
        self.now = at(end, 9)
        self.end = end


def checks(year, daemon):
    rows = []
    now = year.now
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(daemon.data, "soudan.sqlite3"), uri=True)
    open_requests = db.execute("SELECT COUNT(*) FROM booking_request WHERE status = 'requested' AND expires_at <= ?",
                               (unix(now),)).fetchone()[0]
    live = [c for c in year.consultations.values() if c["expect"] in ("scheduled", "in_progress") and c["start"] < now]
    stale_live = db.execute("SELECT COUNT(*) FROM consultation WHERE status IN ('scheduled', 'in_progress') AND start < ?",
                            (unix(now) - 1800,)).fetchone()[0]
    rows.append(("every request final or still to come", "%d stale open" % open_requests, open_requests == 0))
    rows.append(("every consultation final or still to come", "%d stale live" % stale_live, stale_live == 0 and not live))
    rows.append(("limit_reached refused nothing stale", "%d of %d refusals" % (year.stale_refusals, year.counts["refused limit_reached"]),
                 year.stale_refusals == 0))
    # The simulation's own account against report.usage.
    first, last = year.calendar[0], year.calendar[-1]
    usage = []
    cursor = first
    while cursor <= last:
        upto = min(last, cursor + timedelta(days=365))
        usage += daemon.call("report.usage", {"from": cursor.isoformat(), "to": upto.isoformat()})["result"]["days"]
        cursor = upto + timedelta(days=1)
    expected = defaultdict(lambda: defaultdict(int))
    for day, n in year.requests_per_day.items():
        expected[day.isoformat()]["requests"] += n
    for c in year.consultations.values():
        key = c["start"][:10]
        expected[key]["consultations"] += 1
        if c["expect"] in ("completed", "cancelled", "no_show"):
            expected[key][c["expect"]] += 1
    mismatched = [d["date"] for d in usage if any(d[k] != expected[d["date"]][k]
                                                  for k in ("requests", "consultations", "completed", "cancelled", "no_show"))]
    totals = {k: sum(d[k] for d in usage) for k in ("requests", "consultations", "completed", "cancelled", "no_show")}
    own = {k: sum(v[k] for v in expected.values()) for k in totals}
    rows.append(("report.usage totals = the simulation's", " ".join("%s %d" % (k, totals[k]) for k in totals),
                 totals == own and not mismatched))
    if totals != own or mismatched:
        rows.append(("  the simulation counted", " ".join("%s %d" % (k, own[k]) for k in own) + "; days differing: %s" % mismatched[:5], False))
    verify = daemon.call("audit.verify")["result"]
    rows.append(("audit.verify", "%d rows, ok" % verify["rows"] if verify["ok"] else "broken at %s" % verify["first_broken"], verify["ok"]))
    rss = daemon.rss_mib()
    db.close()
    daemon.stop()
    # No personal data older than retention in any byte of the database files.
    cutoff = (year.end - timedelta(days=year.retention)).isoformat()
    old = [r["marker"] for r in year.requests.values()
           if r["day"].isoformat() < cutoff
           and (r["consultation"] is None or year.consultations.get(r["consultation"], {}).get("start", "9999") < cutoff)]
    blobs = b""
    for name in os.listdir(daemon.data):
        if name.startswith("soudan.sqlite3"):
            with open(os.path.join(daemon.data, name), "rb") as f:
                blobs += f.read()
    left = [m for m in old if m.encode() in blobs]
    if old:
        rows.append(("no personal data older than retention", "%d of %d old requests' markers found" % (len(left), len(old)),
                     not left))
    else:
        rows.append(("no personal data older than retention", "n/a: the run is shorter than the retention", True))
    # The scan finds what is there: the last day's requests are still whole.
    recent = [r["marker"] for r in year.requests.values() if r["day"] == year.calendar[-2]]
    found = [m for m in recent if m.encode() in blobs]
    rows.append(("  (the scan finds recent requests' markers)", "%d of %d" % (len(found), len(recent)), found == recent and len(recent) > 0))
    size = sum(os.path.getsize(os.path.join(daemon.data, n)) for n in os.listdir(daemon.data) if n.startswith("soudan.sqlite3"))
    rows.append(("database files at the end", "%.1f MiB" % (size / 1048576), True))
    rows.append(("daemon RSS at the end", "%.1f MiB" % rss, True))
    rows.append(("the simulation took", "%.0f s for %d business days" % (year.seconds, len(year.calendar)), True))
    return rows


def unix(text):
    d = date.fromisoformat(text[:10])
    hh, mm = int(text[11:13]), int(text[14:16])
    return (d - date(1970, 1, 1)).days * 86400 + hh * 3600 + mm * 60 - 9 * 3600


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=245, help="business days (245: a year)")
    parser.add_argument("--build", default="release")
    parser.add_argument("--retention", type=int, default=90)
    parser.add_argument("--seed", type=int, default=2027)
    options = parser.parse_args()
    daemon = Daemon(os.path.join(ROOT, ".build", options.build, "soudand"), options.retention)
    try:
        year = Year(daemon, options.days, options.retention, random.Random(options.seed))
        year.run()
        rows = checks(year, daemon)
    finally:
        if daemon.process.poll() is None:
            daemon.process.kill()
    print("%-44s %-60s %s" % ("check", "figure", "holds"))
    for name, figure, ok in rows:
        print("%-44s %-60s %s" % (name, figure, "yes" if ok else "NO"))
    print("activity: " + ", ".join("%s %d" % (k, v) for k, v in sorted(year.counts.items())))
    shutil.rmtree(daemon.work, ignore_errors=True)
    sys.exit(0 if all(ok for _, _, ok in rows) else 1)


if __name__ == "__main__":
    main()
