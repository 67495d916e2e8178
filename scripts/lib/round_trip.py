"""The machine's own floor for a local request and its reply, for scripts/bench.

Two processes bounce 64 bytes over a Unix socket pair at a fixed rate, open
loop, latency counted from each send's intended instant (as soudan-load counts
it). No daemon, no database, no JSON: only the wake-ups and context switches
any local request needs. On a shared virtual machine these alone can take
milliseconds at the tail, so a latency target is read beside this figure,
measured under the same load at the same time.

Usage: round_trip.py RATE SECONDS  ->  one JSON object on stdout:
{"rate", "samples", "latency_ms": {"p50", "p90", "p99", "p999", "max"}}
Python's own overhead is included, so the true floor is a little lower.
"""
import os
import socket
import sys

import open_loop

MESSAGE = b"x" * 64


def echo(sock):
    while True:
        data = sock.recv(len(MESSAGE))
        if not data:
            os._exit(0)
        sock.sendall(data)


def receive_exactly(sock, count):
    received = 0
    while received < count:
        chunk = sock.recv(count - received)
        if not chunk:
            raise SystemExit("round_trip: the echo process went away")
        received += len(chunk)


def main():
    rate = float(sys.argv[1])
    seconds = float(sys.argv[2])
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    child = os.fork()
    if child == 0:
        ours.close()
        echo(theirs)
    theirs.close()

    def bounce():
        ours.sendall(MESSAGE)
        receive_exactly(ours, len(MESSAGE))

    latencies = open_loop.run(rate, seconds, bounce)
    ours.close()
    os.waitpid(child, 0)
    open_loop.print_summary(rate, latencies)


if __name__ == "__main__":
    main()
