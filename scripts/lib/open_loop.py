"""Open-loop timing shared by the floors of scripts/bench (round_trip.py,
commit_floor.py): an action at a fixed rate, each timed from its intended
instant, as soudan-load times requests (a late start counts as latency, so a
stall is not hidden by the sends it delayed)."""
import json
import time


def run(rate, seconds, action):
    """Calls `action` `rate` times a second for `seconds`; returns the latencies in ms."""
    interval = 1 / rate
    intended = time.monotonic() + 0.05
    latencies = []
    for _ in range(int(rate * seconds)):
        intended += interval
        delay = intended - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        action()
        latencies.append((time.monotonic() - intended) * 1000)
    return latencies


def percentile(sorted_values, fraction):
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * fraction))]


def print_summary(rate, latencies):
    """One JSON object on stdout: {"rate", "samples", "latency_ms": {"p50", "p90", "p99", "p999", "max"}}."""
    latencies = sorted(latencies)
    print(json.dumps({"rate": rate, "samples": len(latencies), "latency_ms": {
        "p50": round(percentile(latencies, 0.50), 3), "p90": round(percentile(latencies, 0.90), 3),
        "p99": round(percentile(latencies, 0.99), 3), "p999": round(percentile(latencies, 0.999), 3),
        "max": round(latencies[-1], 3)}}))
