#!/usr/bin/env python3
"""Writes the fuzz seed corpus: Tests/FuzzCorpus/seeds/*.bin.

Each seed is a byte stream as one connection would send it (4-byte big-endian
length, then the JSON body). The harness reads frames alternately as the admin
and the service socket, admin first. Seeds cover every operation with valid
arguments, a whole booking flow, idempotency keys, and each kind of malformed
input the contract names, so that the fuzzer starts from every branch.
Deterministic: running it again rewrites the same files.
"""
import json
import pathlib
import struct

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "FuzzCorpus" / "seeds"

SEEKER = "12345-67890123"
DEVICE = {"id": "dev-fuzz-1", "os": "ios", "app": "17.0"}
MEETING = {"join_url": "https://zoom.example/j/1", "meeting_id": "111 222 333", "passcode": "abc"}
START = "2026-12-01T10:00:00+09:00"


def frame(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


def request(op, args=None, rid=1, **extra) -> bytes:
    envelope = {"id": rid, "op": op}
    if args is not None:
        envelope["args"] = args
    envelope.update(extra)
    return frame(json.dumps(envelope, ensure_ascii=False).encode())


OPS = {
    "sys.ping": {},
    "sys.describe": {},
    "sys.stats": {},
    "sys.health": {"max_consumer_lag": 10},
    "sys.metrics": {},
    "clock.advance": {"minutes": 30},
    "clock.set": {"now": "2026-11-30T09:30:00+09:00"},
    "clock.accept": {},
    "terms.current": {},
    "terms.publish": {"version": "2", "effective_at": "2026-12-01T00:00:00+09:00", "summary": "改定"},
    "audit.verify": {"anchor": {"rows": 3, "head": "00" * 32}},
    "audit.disclose": {"from": "2026-11-01", "to": "2026-12-31", "seeker_no": SEEKER,
                       "legal_basis": "court order 1", "requested_by": "staff-1"},
    "seeker.register": {"seeker_no": SEEKER, "name": "山田太郎", "phone": "03-1234-5678",
                        "my_page": True, "webcam_device": True},
    "seeker.consent": {"seeker_no": SEEKER, "terms_version": "1", "zoom_terms": True,
                       "acknowledge": {"no_recording": True, "private_room": True, "device_ready": True}},
    "seeker.get": {"seeker_no": SEEKER},
    "seeker.suspend": {"seeker_no": SEEKER, "reason": "abuse", "note": "n"},
    "seeker.reinstate": {"seeker_no": SEEKER, "note": "n"},
    "counselor.list": {},
    "counselor.add": {"counselor_id": "fz1", "name": "相談員", "meeting": MEETING},
    "counselor.set_hours": {"counselor_id": "c01", "weekly": {"mon": [["10:00", "12:00"], ["13:00", "17:00"]]}},
    "counselor.add_absence": {"counselor_id": "c01", "from": "2026-12-02", "to": "2026-12-03"},
    "slots.available": {"from": "2026-12-01", "to": "2026-12-07"},
    "booking.request": {"seeker_no": SEEKER, "name": "山田太郎", "phone": "03-1234-5678",
                        "preferences": [START, "2026-12-01T10:30:00+09:00"], "channel": "web",
                        "companions": [], "note": "n", "device": DEVICE},
    "booking.withdraw": {"request_id": "req-000001"},
    "booking.reject": {"request_id": "req-000001", "reason": "full"},
    "booking.schedule": {"request_id": "req-000001", "start": START, "counselor_id": "c01"},
    "booking.auto_schedule": {"request_id": "req-000001"},
    "booking.reschedule": {"consultation_id": "con-000001", "start": "2026-12-01T11:00:00+09:00",
                           "override_cutoff": {"reason": "staff"}},
    "booking.cancel": {"consultation_id": "con-000001", "channel": "phone", "reason": "r"},
    "booking.contact": {"consultation_id": "con-000001", "note": "called"},
    "consultation.start": {"consultation_id": "con-000001"},
    "consultation.complete": {"consultation_id": "con-000001", "note": "done"},
    "consultation.stop": {"consultation_id": "con-000001", "reason": "abuse", "note": "n"},
    "consultation.get": {"consultation_id": "con-000001"},
    "consultation.list": {"date": "2026-12-01", "status": "scheduled"},
    "events.fetch": {"consumer": "notifier", "max": 10, "wait_ms": 0},
    "events.ack": {"consumer": "notifier", "seq": 1},
    "events.forget": {"consumer": "gone"},
    "report.usage": {"from": "2026-11-01", "to": "2026-12-31"},
    "privacy.purge": {"before": "2020-01-01"},
}

MALFORMED = {
    "empty-frame": frame(b""),
    "short-header": b"\x00\x00",
    "length-max": b"\xff\xff\xff\xff" + b"{}",
    "length-over-limit": struct.pack(">I", 64 * 1024 + 1) + b"{",
    "truncated-body": struct.pack(">I", 20) + b'{"id":1',
    "not-json": frame(b"hello"),
    "not-object": frame(b"[1,2,3]"),
    "nested": frame(b"[" * 200 + b"]" * 200),
    "duplicate-keys": frame(b'{"id":1,"id":2,"op":"sys.ping"}'),
    "invalid-utf8": frame(b'{"id":1,"op":"sys.\xff\xfe"}'),
    "lone-surrogate": frame(b'{"id":1,"op":"sys.ping","args":{"x":"\\ud800"}}'),
    "huge-number": frame(b'{"id":1e400,"op":"sys.ping"}'),
    "big-integer": frame(b'{"id":123456789012345678901234567890,"op":"sys.ping"}'),
    "id-string": request("sys.ping", rid="abc"),
    "id-null": request("sys.ping", rid=None),
    "missing-op": frame(b'{"id":7}'),
    "unknown-op": request("no.such.op"),
    "unknown-field": frame(b'{"id":1,"op":"sys.ping","extra":1}'),
    "unknown-arg": request("sys.ping", {"x": 1}),
    "args-not-object": frame(b'{"id":1,"op":"sys.ping","args":[]}'),
    "wrong-type": request("clock.advance", {"minutes": "ten"}),
    "out-of-range": request("events.fetch", {"consumer": "n", "max": 100000}),
    "bad-date": request("slots.available", {"from": "2026-02-30", "to": "2026-13-01"}),
    "bad-time": request("booking.request", dict(OPS["booking.request"], preferences=["2026-12-01T25:00:00+09:00"])),
    "idempotent-write": request("seeker.register", OPS["seeker.register"], idempotency_key="k-1"),
    "idempotent-replay-mismatch": request("seeker.register", OPS["seeker.register"], idempotency_key="k-1")
    + request("seeker.register", dict(OPS["seeker.register"], name="別人"), rid=2, idempotency_key="k-1"),
    "forbidden-on-service": request("sys.ping") + request("clock.advance", {"minutes": 1}, rid=2),
}

FLOW = b"".join([
    request("seeker.register", OPS["seeker.register"], rid=1),
    request("seeker.consent", OPS["seeker.consent"], rid=2),
    request("booking.request", OPS["booking.request"], rid=3),
    request("slots.available", OPS["slots.available"], rid=4),
    request("booking.auto_schedule", OPS["booking.auto_schedule"], rid=5),
    request("seeker.get", OPS["seeker.get"], rid=6),
    request("booking.cancel", OPS["booking.cancel"], rid=7),
    request("events.fetch", OPS["events.fetch"], rid=8),
])


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.bin"):
        old.unlink()
    seeds = {f"op-{name}": request(name, args) for name, args in OPS.items()}
    seeds.update({f"bad-{name}": data for name, data in MALFORMED.items()})
    seeds["flow-book-and-cancel"] = FLOW
    for name, data in sorted(seeds.items()):
        (OUT / f"{name}.bin").write_bytes(data)
    print(f"wrote {len(seeds)} seeds to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
