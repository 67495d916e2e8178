"""The disk's own floor for a durable commit, for scripts/bench.

At a fixed rate, open loop, writes 16 KiB at the next place in a 4 MiB file,
cycling as SQLite's WAL does after each restart, and waits for fdatasync:
what one group commit at synchronous=FULL waits for at the least, without
SQLite, JSON or sockets. Latency is counted from each write's intended instant.
It runs beside `book` at half its maximum, on the file system of the daemon's
database, so it sees the same disk at the same moment; a request whose reply
waits for one commit, and often for the one before it, cannot beat its tail.

Usage: commit_floor.py RATE SECONDS DIRECTORY  ->  one JSON object on stdout:
{"rate", "samples", "latency_ms": {"p50", "p90", "p99", "p999", "max"}}
"""
import os
import sys

import open_loop

FILE_BYTES = 4 << 20
WRITE = b"x" * (16 << 10)


def main():
    rate = float(sys.argv[1])
    seconds = float(sys.argv[2])
    path = os.path.join(sys.argv[3], "commit-floor.tmp")
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    offset = 0

    def commit():
        nonlocal offset
        os.pwrite(fd, WRITE, offset)
        os.fdatasync(fd)
        offset = (offset + len(WRITE)) % FILE_BYTES

    try:
        # Allocated and synced up front, as a WAL is after its first lap: the
        # timed writes then overwrite blocks in place, changing no metadata.
        os.pwrite(fd, b"\0" * FILE_BYTES, 0)
        os.fsync(fd)
        latencies = open_loop.run(rate, seconds, commit)
    finally:
        os.close(fd)
        os.unlink(path)
    open_loop.print_summary(rate, latencies)


if __name__ == "__main__":
    main()
