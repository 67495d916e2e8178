#!/usr/bin/env python3
"""Two builds of soudand side by side: the same soudan-load scenarios against
each, in interleaved rounds, on one machine in one run (absolute figures drift
on a shared machine; the ratio of neighbours does not).

    python3 scripts/lib/ab.py BEFORE_SOUDAND AFTER_SOUDAND [ROUNDS] [SCENARIOS]

ROUNDS defaults to 3, SCENARIOS to lookup,book,read (comma-separated). Each
round starts a fresh daemon of each build on a manual clock and runs every
scenario for 10 s with 50 connections, with the soudan-load that sits beside
AFTER_SOUDAND. Prints each round and the median throughput of each side with
the ratio after / before.
"""
import json
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

BEFORE, AFTER = sys.argv[1], sys.argv[2]
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 3
SCENARIOS = (sys.argv[4] if len(sys.argv) > 4 else "lookup,book,read").split(",")
LOAD = os.path.join(os.path.dirname(AFTER), "soudan-load")
CLOCK = "manual:2026-11-30T08:00:00+09:00"


def ping(path):
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(path)
        body = json.dumps({"id": 1, "op": "sys.ping"}).encode()
        s.sendall(struct.pack(">I", len(body)) + body)
        return s.recv(4)


def run(binary, scenario):
    work = tempfile.mkdtemp(prefix="sd-ab-")
    data = os.path.join(work, "data")
    daemon = subprocess.Popen([binary, "--data-dir", data, "--clock", CLOCK, "--log-level", "error"], stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while True:
            try:
                ping(os.path.join(data, "admin.sock"))
                break
            except OSError:
                if time.time() > deadline:
                    raise SystemExit("soudand did not become ready")
                time.sleep(0.02)
        out = subprocess.run([LOAD, "--socket", os.path.join(data, "soudan.sock"), "--admin-socket", os.path.join(data, "admin.sock"),
                              "--scenario", scenario, "--connections", "50", "--duration", "10", "--json"],
                             capture_output=True, text=True, timeout=120)
        report = json.loads(out.stdout.strip().splitlines()[-1])
        return report["throughput"]
    finally:
        daemon.terminate()
        daemon.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)


def main():
    figures = {(side, scenario): [] for side in ("before", "after") for scenario in SCENARIOS}
    for round_number in range(1, ROUNDS + 1):
        for scenario in SCENARIOS:
            for side, binary in (("before", BEFORE), ("after", AFTER)):
                figures[(side, scenario)].append(run(binary, scenario))
            print("round %d %-7s before %8.0f  after %8.0f req/s" % (
                round_number, scenario, figures[("before", scenario)][-1], figures[("after", scenario)][-1]), flush=True)
    print("%-7s %14s %14s %7s" % ("", "before (req/s)", "after (req/s)", "ratio"))
    for scenario in SCENARIOS:
        before = statistics.median(figures[("before", scenario)])
        after = statistics.median(figures[("after", scenario)])
        print("%-7s %14.0f %14.0f %7.2f" % (scenario, before, after, after / before))


if __name__ == "__main__":
    main()
