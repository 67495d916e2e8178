"""The orchestration behind scripts/bench. Run it through scripts/bench."""
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

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "protocol", "clients", "python"))
from soudan_client import SoudanClient  # noqa: E402
BIN = os.path.join(ROOT, ".build", "release")
QUICK = os.environ.get("BENCH_QUICK") == "1"
DURATION = 3 if QUICK else 10
MIXED_SECONDS = int(os.environ.get("BENCH_MIXED_SECONDS", "20" if QUICK else "600"))
MIXED_WARMUP_SECONDS = 10 if QUICK else 60
CLIENTS = 50
# The throughput ratios come from rounds that alternate the anchor and soudan:
# on a shared machine either can have a slow minute, and one round each would
# report that minute rather than the software.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1" if QUICK else "3"))
MONDAY = "manual:2026-11-30T08:00:00+09:00"
# Reads per second while booking runs, and the rate of the bare round trip
# measured beside it.
FLOOR_RATE = 200
# Bare fsyncs per second beside book at half max: few next to the daemon's own
# (a thousand commits a second there), so that measuring the disk barely loads it.
COMMIT_FLOOR_RATE = 100


def log(message):
    print(message, file=sys.stderr, flush=True)


def wait_for(check, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.01)
    raise SystemExit("bench: %s did not happen in %d s" % (what, timeout))


def can_connect(path):
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(path)
        return True
    except OSError:
        return False


class Soudand:
    """soudand on a data dir of its own; ready when both sockets accept."""

    def __init__(self, data_dir, config=None, nofile=None):
        self.data_dir = data_dir
        os.makedirs(data_dir, exist_ok=True)
        self.service = os.path.join(data_dir, "soudan.sock")
        self.admin = os.path.join(data_dir, "admin.sock")
        args = [os.path.join(BIN, "soudand"), "--data-dir", data_dir, "--clock", MONDAY, "--log-level", "warning"]
        if config:
            path = os.path.join(data_dir, "..", os.path.basename(data_dir) + ".toml")
            with open(path, "w") as f:
                f.write(config)
            args += ["--config", path]
        preexec = (lambda: __import__("resource").setrlimit(__import__("resource").RLIMIT_NOFILE, (nofile, nofile))) if nofile else None
        self.started = time.monotonic()
        self.process = subprocess.Popen(args, stderr=subprocess.DEVNULL, preexec_fn=preexec)
        wait_for(lambda: can_connect(self.service) and can_connect(self.admin), "soudand ready")
        self.ready_ms = (time.monotonic() - self.started) * 1000

    def rss_mib(self):
        with open("/proc/%d/status" % self.process.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


def load(daemon, scenario, connections=CLIENTS, duration=DURATION, rate=None, pipeline=1, background=False):
    args = [os.path.join(BIN, "soudan-load"), "--socket", daemon.service, "--admin-socket", daemon.admin,
            "--scenario", scenario, "--connections", str(connections), "--duration", str(duration),
            "--pipeline", str(pipeline), "--json"]
    if rate:
        args += ["--rate", "%.1f" % rate]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    if background:
        return process
    return finish(process)


def admin_call(daemon, op, args=None):
    """One request on the daemon's admin socket, with the project's Python client; its result."""
    with SoudanClient(daemon.admin) as client:
        return client.call(op, args)


def book_with_writer_cost(daemon):
    """`book` closed loop, with what the writer spent on it from sys.stats: CPU
    per write (its thread's, batches and replies) and the mean batch size."""
    before = admin_call(daemon, "sys.stats")["commits"]
    result = load(daemon, "book")
    after = admin_call(daemon, "sys.stats")["commits"]
    writes = max(1, after["commands"] - before["commands"])
    result["writer_cpu_us_per_write"] = round((after["writer_cpu_us"] - before["writer_cpu_us"]) / writes, 1)
    result["mean_batch"] = round(writes / max(1, after["transactions"] - before["transactions"]), 1)
    return result


def sqlite_floor(database, batch):
    """The SQLite floor of a booking's writes (scripts/lib/sqlite_floor.c), in
    transactions of `batch` jobs, on a database soudand made."""
    binary = os.path.join(ROOT, ".build", "sqlite_floor")
    source = os.path.join(ROOT, "scripts", "lib", "sqlite_floor.c")
    if not os.path.exists(binary) or os.path.getmtime(binary) < os.path.getmtime(source):
        subprocess.run(["cc", "-O2", "-o", binary, source, "-lsqlite3"], check=True)
    out = subprocess.run([binary, database, str(DURATION), str(max(1, int(round(batch))))], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)


def floor(script, *args):
    """One of the floors (scripts/lib/round_trip.py, commit_floor.py) in the
    background, its JSON summary read by `finish`: see each script."""
    return subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts", "lib", script)] + [str(a) for a in args],
                            stdout=subprocess.PIPE, text=True)


def finish(process, what="soudan-load"):
    out, _ = process.communicate()
    if process.returncode != 0:
        raise SystemExit("bench: %s failed" % what)
    return json.loads(out)


def redis_benchmark(sock, tests, requests):
    out = subprocess.run(["redis-benchmark", "-s", sock, "-c", str(CLIENTS), "-n", str(requests), "-t", tests, "--csv"],
                         check=True, capture_output=True, text=True).stdout
    results = {}
    for line in out.splitlines()[1:]:
        cells = [c.strip('"') for c in line.split('","')]
        results[cells[0].strip('"')] = {"rps": float(cells[1]), "p50": float(cells[4]), "p99": float(cells[6])}
    return results


def idle_connections(path, count):
    sockets = []
    for _ in range(count):
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        sockets.append(s)
    # One ping through the last: the daemon has accepted them all.
    body = json.dumps({"id": 1, "op": "sys.ping"}).encode()
    sockets[-1].sendall(struct.pack(">I", len(body)) + body)
    sockets[-1].recv(4096)
    return sockets


def fill_history(db_path, seekers, consultations):
    """200,000 seekers and 1,000,000 past consultations, written straight into the schema."""
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("BEGIN")
    db.executemany("INSERT INTO seeker(seeker_no, name, phone, my_page, webcam_device, status, no_show_count, consented_version, consent_kind, created_at, updated_at) VALUES (?, 'x', '0300000000', 1, 1, 'active', 0, '1', 'explicit', 0, 0)",
                   (("%05d-%08d" % (50000 + n // 100000000, n % 100000000),) for n in range(seekers)))
    past = 1_700_000_000  # 2023
    rows = ((n + 1, "req-h%07d" % n, "%05d-%08d" % (50000, n % seekers), "[]", "web", "[]", "scheduled", past, past) for n in range(consultations))
    db.executemany("INSERT INTO booking_request(n, request_id, seeker_no, preferences, channel, companions, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    rows = ((n + 1, "con-h%07d" % n, "req-h%07d" % n, "%05d-%08d" % (50000, n % seekers), "c0%d" % (n % 3 + 1), past + n * 1800,
             ("completed", "cancelled", "no_show")[n % 3], past, past) for n in range(consultations))
    db.executemany("INSERT INTO consultation(n, consultation_id, request_id, seeker_no, counselor_id, start, status, companions, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, '[]', ?, ?)", rows)
    db.execute("COMMIT")
    db.close()


SCALE_SEEKERS = 1_000_000
SCALE_CONSULTATIONS = 5_000_000


def scale(main_daemon, results, daemons):
    """book on a database of 1M seekers and 5M past consultations (an office's
    decades, or a region's years), beside the empty one in alternating rounds;
    its start-up time and bytes per consultation. Generated once and kept under
    var/bench-scale (minutes to write); later runs book into it further."""
    directory = os.path.join(ROOT, "var", "bench-scale")
    database = os.path.join(directory, "soudan.sqlite3")
    if not os.path.exists(database):
        log("soudan: writing the 5M-consultation database once, into var/bench-scale")
        Soudand(directory).stop()
        fill_history(database, SCALE_SEEKERS, SCALE_CONSULTATIONS)
    os.sync()
    with sqlite3.connect("file:%s?mode=ro" % database, uri=True) as db:
        consultations = db.execute("SELECT COUNT(*) FROM consultation").fetchone()[0]
    size = os.path.getsize(database) + (os.path.getsize(database + "-wal") if os.path.exists(database + "-wal") else 0)
    scaled = Soudand(directory)
    daemons.append(scaled)
    results["scale"] = {"consultations": consultations, "bytes": size, "bytes_per_consultation": round(size / consultations),
                        "ready_ms": round(scaled.ready_ms, 1)}
    results["scale_rounds"], chosen = alternating("book on the empty database, then on the 5M one", ("empty", main_daemon),
                                                  ("scaled", scaled))
    results["book_scaled"] = chosen["scaled"]
    results["book_beside_scaled"] = chosen["empty"]
    scaled.stop()
    daemons.remove(scaled)


def alternating(log_line, first, second):
    """book on two daemons, each (name, daemon), in alternating rounds: a shared
    machine drifts between minutes, not between neighbours. Returns every round,
    as {name: result}, and the one whose second/first ratio is the median."""
    (first_name, first_daemon), (second_name, second_daemon) = first, second
    rounds = []
    for number in range(1, ROUNDS + 1):
        log("round %d of %d: %s" % (number, ROUNDS, log_line))
        rounds.append({first_name: load(first_daemon, "book"), second_name: load(second_daemon, "book")})
    return rounds, median_round(rounds, lambda r: r[second_name]["throughput"] / r[first_name]["throughput"])


def median_round(rounds, ratio):
    """The round whose ratio is the median (the upper middle one for an even
    count): its soudan figure and its anchor are printed side by side, so the
    ratio shown is one that was measured."""
    return sorted(rounds, key=ratio)[len(rounds) // 2]


def main():
    budgets = json.load(open(os.path.join(ROOT, "scripts", "bench-budgets.json")))
    work = tempfile.mkdtemp(prefix="soudan-bench-")
    results = {"quick": QUICK, "clients": CLIENTS, "duration_s": DURATION, "mixed_s": MIXED_SECONDS}
    redis = None
    daemons = []
    try:
        redis_dir = os.path.join(work, "redis")
        os.makedirs(redis_dir)
        redis_sock = os.path.join(work, "redis.sock")
        redis = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", redis_sock, "--unixsocketperm", "700",
                                  "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--dir", redis_dir],
                                 stdout=subprocess.DEVNULL)
        wait_for(lambda: can_connect(redis_sock), "redis ready")

        main_daemon = Soudand(os.path.join(work, "empty"))
        daemons.append(main_daemon)
        # The floor's own database: soudand's schema, made by soudand, then left alone.
        floor_dir = os.path.join(work, "floor")
        Soudand(floor_dir).stop()
        rounds = []
        for number in range(1, ROUNDS + 1):
            log("round %d of %d: redis-benchmark PING and SET (appendfsync always), then soudan ping, book and lookup, then the"
                " SQLite floor of book's writes; %d clients, closed loop" % (number, ROUNDS, CLIENTS))
            anchor = redis_benchmark(redis_sock, "ping_mbulk,set", 100_000 if QUICK else 300_000)
            book = book_with_writer_cost(main_daemon)
            rounds.append({"redis": anchor, "ping": load(main_daemon, "ping"), "book": book, "lookup": load(main_daemon, "lookup"),
                           "sqlite_floor": sqlite_floor(os.path.join(floor_dir, "soudan.sqlite3"), book["mean_batch"])})
        results["rounds"] = rounds
        ping_round = median_round(rounds, lambda r: r["ping"]["throughput"] / r["redis"]["PING_MBULK"]["rps"])
        book_round = median_round(rounds, lambda r: r["book"]["throughput"] / r["redis"]["SET"]["rps"])
        results["redis"] = {"PING_MBULK": ping_round["redis"]["PING_MBULK"], "SET": book_round["redis"]["SET"]}
        results["ping"] = ping_round["ping"]
        results["book"] = book_round["book"]
        floor_round = median_round(rounds, lambda r: r["book"]["throughput"] / r["sqlite_floor"]["writes_per_s"])
        results["book_beside_floor"] = floor_round["book"]
        results["sqlite_floor"] = floor_round["sqlite_floor"]
        lookup_round = median_round(rounds, lambda r: r["lookup"]["throughput"] / r["book"]["throughput"])
        results["lookup"] = lookup_round["lookup"]
        results["book_beside_lookup"] = lookup_round["book"]
        half_flows = results["book"]["flows"] / results["book"]["duration_s"] / 2
        log("soudan: book, open loop at half its maximum (%.0f flows/s)" % half_flows)
        # Beside each latency run, the machine's own floor at the same moment: a
        # bare round trip between two processes, which no daemon can beat, and
        # beside booking the disk's: a bare write and fdatasync, as a commit does.
        round_trip = floor("round_trip.py", FLOOR_RATE, DURATION)
        disk = floor("commit_floor.py", COMMIT_FLOOR_RATE, DURATION, main_daemon.data_dir)
        results["book_half"] = load(main_daemon, "book", rate=half_flows)
        results["floor_during_book_half"] = finish(round_trip, "round_trip.py")
        results["commit_floor_during_book_half"] = finish(disk, "commit_floor.py")
        log("soudan: read while book runs at half its maximum")
        booking = load(main_daemon, "book", rate=half_flows, background=True)
        round_trip = floor("round_trip.py", FLOOR_RATE, DURATION)
        results["read_while_booking"] = load(main_daemon, "read", connections=4, rate=FLOOR_RATE)
        results["floor_during_read"] = finish(round_trip, "round_trip.py")
        results["book_during_read"] = finish(booking)

        litestream = os.environ.get("SOUDAN_LITESTREAM", "")
        if litestream and os.path.exists(litestream):
            # The cost of replication: book on a daemon with Litestream shipping its WAL
            # to a file replica every second, beside book on the plain daemon, in
            # alternating rounds.
            replicated = Soudand(os.path.join(work, "replicated"))
            daemons.append(replicated)
            config = os.path.join(work, "litestream.yml")
            with open(config, "w") as f:
                f.write("dbs:\n  - path: %s\n    replicas:\n      - type: file\n        path: %s\n        sync-interval: 1s\n"
                        % (os.path.join(replicated.data_dir, "soudan.sqlite3"), os.path.join(work, "replica")))
            shipper = subprocess.Popen([litestream, "replicate", "-config", config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                results["replication_rounds"], chosen = alternating(
                    "book on the plain daemon, then on one Litestream replicates", ("plain", main_daemon), ("replicated", replicated))
                results["book_replicated"] = chosen["replicated"]
                results["book_beside_replicated"] = chosen["plain"]
            finally:
                shipper.terminate()
                shipper.wait()
                replicated.stop()
                daemons.remove(replicated)
        else:
            log("no litestream (SOUDAN_LITESTREAM): the replication figure is left out")

        log("soudan: memory with 1,000 idle connections")
        idle_daemon = Soudand(os.path.join(work, "idle"), config="[limits]\nmax_connections = 2000\nmax_connections_per_uid = 2000\n", nofile=4096)
        daemons.append(idle_daemon)
        before = idle_daemon.rss_mib()
        held = idle_connections(idle_daemon.service, 1000)
        results["idle"] = {"rss_mib_before": round(before, 1), "rss_mib": round(idle_daemon.rss_mib(), 1)}
        for s in held:
            s.close()
        idle_daemon.stop()
        daemons.remove(idle_daemon)

        log("soudan: 200,000 seekers and 1,000,000 past consultations")
        loaded_dir = os.path.join(work, "loaded")
        first = Soudand(loaded_dir)
        first.stop()
        fill_history(os.path.join(loaded_dir, "soudan.sqlite3"), 200_000, 1_000_000)
        # The bulk load leaves ~300 MB of dirty pages; let the kernel write them
        # now, or the measured run's fsyncs queue behind that writeback and the
        # figure measures the loader, not soudan.
        os.sync()
        loaded = Soudand(loaded_dir)
        daemons.append(loaded)
        results["loaded_ready_ms"] = round(loaded.ready_ms, 1)
        # Beside the empty database in alternating rounds, like the anchors above:
        # one loaded run against a figure from minutes earlier measured the drift
        # of this shared machine (book moved between 10.9k and 15.8k in one run).
        results["loaded_rounds"], loaded_round = alternating(
            "book on the empty database, then on the loaded one", ("empty", main_daemon), ("loaded", loaded))
        results["book_loaded"] = loaded_round["loaded"]
        results["book_empty_beside_loaded"] = loaded_round["empty"]
        loaded.stop()
        daemons.remove(loaded)

        if not QUICK or os.environ.get("BENCH_SCALE") == "1":
            scale(main_daemon, results, daemons)
        else:
            log("BENCH_QUICK=1: the 5M-consultation database is left out (BENCH_SCALE=1 adds it)")

        log("soudan: mixed for %d s" % MIXED_SECONDS)
        mixed_daemon = Soudand(os.path.join(work, "mixed"))
        daemons.append(mixed_daemon)
        # The figure is about leaks, so it starts once SQLite's page caches (2 MB
        # per connection) and malloc's arenas have filled: RSS sampled through a
        # 200 s mixed run rose 0.7 MB in the 15 s after a 10 s warm-up, then
        # 0.1 MB in the next three minutes.
        warm = load(mixed_daemon, "mixed", duration=min(MIXED_WARMUP_SECONDS, MIXED_SECONDS))
        rss_start = mixed_daemon.rss_mib()
        running = load(mixed_daemon, "mixed", duration=MIXED_SECONDS, background=True)
        samples = []
        while running.poll() is None:
            samples.append(round(mixed_daemon.rss_mib(), 2))
            time.sleep(min(30, max(1, MIXED_SECONDS / 20)))
        results["mixed"] = finish(running)
        rss_end = mixed_daemon.rss_mib()
        results["mixed_rss"] = {"warmup_s": min(MIXED_WARMUP_SECONDS, MIXED_SECONDS), "start_mib": round(rss_start, 1),
                                "end_mib": round(rss_end, 1), "growth_percent": round((rss_end - rss_start) / rss_start * 100, 2),
                                "samples_mib": samples}
        results["mixed_warmup_errors"] = warm["errors"]
    finally:
        for daemon in daemons:
            try:
                daemon.stop()
            except Exception:
                daemon.process.kill()
        if redis:
            redis.terminate()
            redis.wait()
        shutil.rmtree(work, ignore_errors=True)

    report(results, budgets)


def report(results, budgets):
    redis_ping = results["redis"]["PING_MBULK"]["rps"]
    redis_set = results["redis"]["SET"]["rps"]
    book_empty = results["book"]["throughput"]
    book_beside_loaded = results.get("book_empty_beside_loaded", results["book"])["throughput"]
    other_errors = sum(v for k, v in results["mixed"]["errors"].items() if k != "slot_taken")
    rows = [
        ("ping, 50 connections, closed loop (req/s)", results["ping"]["throughput"], redis_ping, "redis PING",
         results["ping"]["throughput"] / redis_ping, ">= %.1f x" % budgets["ping_vs_redis_ping"]["min_ratio"],
         results["ping"]["throughput"] / redis_ping >= budgets["ping_vs_redis_ping"]["min_ratio"]),
        ("book, 50 connections, closed loop (req/s)", book_empty, redis_set, "redis SET, fsync always",
         book_empty / redis_set, ">= %.1f x" % budgets["book_vs_redis_set_fsync_always"]["min_ratio"],
         book_empty / redis_set >= budgets["book_vs_redis_set_fsync_always"]["min_ratio"]),
        ("book / the SQLite floor of its writes (req/s)", results["book_beside_floor"]["throughput"],
         results["sqlite_floor"]["writes_per_s"], "sqlite_floor.c, batch %.0f" % results["book_beside_floor"]["mean_batch"],
         results["book_beside_floor"]["throughput"] / results["sqlite_floor"]["writes_per_s"], ">= 0.6 x",
         results["book_beside_floor"]["throughput"] / results["sqlite_floor"]["writes_per_s"] >= 0.6),
        ("writer CPU per write (us)", results["book"]["writer_cpu_us_per_write"], results["sqlite_floor"]["cpu_us_per_write"],
         "SQLite's own, same writes", results["book"]["writer_cpu_us_per_write"] / max(0.1, results["sqlite_floor"]["cpu_us_per_write"]),
         "<= 50 us", results["book"]["writer_cpu_us_per_write"] <= 50),
        ("seeker.get, durably logged, closed loop (req/s)", results["lookup"]["throughput"], results["book_beside_lookup"]["throughput"],
         "book, same round", results["lookup"]["throughput"] / results["book_beside_lookup"]["throughput"], ">= 1.5 x",
         results["lookup"]["throughput"] / results["book_beside_lookup"]["throughput"] >= 1.5),
        ("book at half its maximum: p99 / p99.9 (ms)", "%.2f / %.2f" % (results["book_half"]["latency_ms"]["p99"], results["book_half"]["latency_ms"]["p999"]),
         "%.2f" % results["commit_floor_during_book_half"]["latency_ms"]["p99"], "bare fdatasync p99, same time",
         results["book_half"]["latency_ms"]["p99"] / max(0.001, results["commit_floor_during_book_half"]["latency_ms"]["p99"]), "<= 2 / 5 ms",
         results["book_half"]["latency_ms"]["p99"] <= 2 and results["book_half"]["latency_ms"]["p999"] <= 5),
        ("read while book at half max: p99 (ms)", "%.2f" % results["read_while_booking"]["latency_ms"]["p99"],
         "%.2f" % results["floor_during_read"]["latency_ms"]["p99"], "bare round trip, same time",
         results["read_while_booking"]["latency_ms"]["p99"] / max(0.001, results["floor_during_read"]["latency_ms"]["p99"]), "<= 1 ms",
         results["read_while_booking"]["latency_ms"]["p99"] <= 1),
    ]
    if "book_replicated" in results:
        replicated, plain = results["book_replicated"]["throughput"], results["book_beside_replicated"]["throughput"]
        rows.append(("book with Litestream replicating (req/s)", replicated, plain, "book, no replication", replicated / plain,
                     "(the cost)", True))
    rows += [
        ("RSS with 1,000 idle connections (MiB)", results["idle"]["rss_mib"], "", "", None, "<= 64 MiB", results["idle"]["rss_mib"] <= 64),
        ("book, 200k seekers + 1M past consultations (req/s)", results["book_loaded"]["throughput"], book_beside_loaded,
         "book, empty database", results["book_loaded"]["throughput"] / book_beside_loaded, ">= 0.8 x",
         results["book_loaded"]["throughput"] / book_beside_loaded >= 0.8),
    ]
    if "book_scaled" in results:
        scaled, empty = results["book_scaled"]["throughput"], results["book_beside_scaled"]["throughput"]
        scale_figures = results["scale"]
        rows += [
            ("book, 1M seekers + %.0fM consultations (req/s)" % (scale_figures["consultations"] / 1e6), scaled, empty,
             "book, empty database", scaled / empty, ">= 0.8 x", scaled / empty >= 0.8),
            ("start-up to ready, 5M database (ms)", scale_figures["ready_ms"], "", "", None, "<= 200 ms", scale_figures["ready_ms"] <= 200),
            ("bytes on disk per consultation, 5M database", scale_figures["bytes_per_consultation"], "", "", None, "(seekers,"
             " requests and indexes included)", True),
        ]
    rows += [
        ("start-up to ready, loaded database (ms)", results["loaded_ready_ms"], "", "", None, "<= 200 ms", results["loaded_ready_ms"] <= 200),
        ("mixed %d s after %d s: RSS growth (%%)" % (results["mixed_s"], results["mixed_rss"]["warmup_s"]), results["mixed_rss"]["growth_percent"],
         "", "", None, "<= 5 %",
         results["mixed_rss"]["growth_percent"] <= 5),
        ("mixed %d s: errors other than slot_taken" % results["mixed_s"], other_errors, "", "", None, "0", other_errors == 0),
    ]
    header = ("figure", "soudan", "anchor", "anchor is", "ratio", "target", "holds")
    table = [header] + [(r[0], fmt(r[1]), fmt(r[2]), r[3], "" if r[4] is None else "%.2f" % r[4], r[5], "yes" if r[6] else "NO") for r in rows]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    for index, row in enumerate(table):
        print("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            print("  ".join("-" * w for w in widths))
    if len(results["rounds"]) > 1:
        print("(ping and book: the median of %d rounds, each the anchor then soudan; the loaded database: the median of %d rounds,"
              " each the empty database then the loaded one; every round is in bench.json)"
              % (len(results["rounds"]), len(results.get("loaded_rounds", []))))
    floor_half, floor_read = results["floor_during_book_half"]["latency_ms"], results["floor_during_read"]["latency_ms"]
    print("(the machine's floor: a bare Unix-socket round trip between two processes at %d/s, in Python, measured at the same"
          " time; while book ran at half max: p99 %.2f / p99.9 %.2f ms; while the reads ran: p99 %.2f ms)"
          % (FLOOR_RATE, floor_half["p99"], floor_half["p999"], floor_read["p99"]))
    disk = results["commit_floor_during_book_half"]["latency_ms"]
    print("(the disk's floor: 16 KiB written and fdatasync'd at %d/s beside the database while book ran at half max, as a"
          " commit at synchronous=FULL does at the least: p50 %.2f / p99 %.2f / p99.9 %.2f ms)"
          % (COMMIT_FLOOR_RATE, disk["p50"], disk["p99"], disk["p999"]))
    if results["quick"]:
        print("(BENCH_QUICK=1: short runs; the mixed figure covers %d s, not 10 minutes)" % results["mixed_s"])
    os.makedirs(os.path.join(ROOT, "bench-results"), exist_ok=True)
    results["table"] = [dict(zip(header, row)) for row in table[1:]]
    with open(os.path.join(ROOT, "bench-results", "bench.json"), "w") as f:
        json.dump(results, f, indent=2, ensure_ascii=False)
    with open(os.path.join(ROOT, "bench-results", "latency.svg"), "w") as f:
        f.write(latency_svg(results))
    print("results: bench-results/bench.json, bench-results/latency.svg")


def fmt(value):
    if isinstance(value, float):
        return "%.0f" % value if value >= 100 else "%.2f" % value
    return str(value)


def latency_svg(results):
    series = [("ping", results["ping"]), ("book", results["book"]), ("book at half max", results["book_half"]),
              ("read while booking", results["read_while_booking"]), ("book, loaded DB", results["book_loaded"]),
              ("floor: bare fdatasync, beside book at half max", results["commit_floor_during_book_half"]),
              ("floor: bare round trip, beside the reads", results["floor_during_read"])]
    points = ["p50", "p90", "p99", "p999"]
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#2ca02c", "#d62728"]
    # The floors are dashed, in the colour of the run they were measured beside.
    dashes = [""] * 5 + [' stroke-dasharray="6,4"'] * 2
    top = max(s["latency_ms"][p] for _, s in series for p in points) or 1
    width, height, left, bottom = 640, 360, 60, 320
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">' % (width, height),
           '<text x="%d" y="16" font-size="13">soudan latency percentiles (ms)</text>' % left]
    for i, p in enumerate(points):
        x = left + 40 + i * 140
        out.append('<text x="%d" y="%d">%s</text>' % (x - 8, bottom + 16, p))
    for index, (name, s) in enumerate(series):
        coords = ["%d,%d" % (left + 40 + i * 140, bottom - int(s["latency_ms"][p] / top * (bottom - 40))) for i, p in enumerate(points)]
        out.append('<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>' % (colours[index], dashes[index], " ".join(coords)))
        out.append('<text x="%d" y="%d" fill="%s">%s</text>' % (left + 10, 34 + index * 14, colours[index], name))
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#000"/>' % (left, bottom, width - 20, bottom))
    out.append('<text x="8" y="44">%.1f</text><text x="8" y="%d">0</text>' % (top, bottom))
    out.append("</svg>\n")
    return "\n".join(out)


if __name__ == "__main__":
    main()
