#!/usr/bin/env python3
"""Exercises soudan_client.py against a running soudand: `check_client.py SERVICE_SOCKET`.
Run by the Swift integration tests; exits non-zero with the first failed check."""
import socket
import sys

from soudan_client import ConnectionLost, InvalidArgs, SoudanClient, SoudanError, UnknownOp

path = sys.argv[1]
with SoudanClient(path, timeout=5) as client:
    assert client.call("sys.ping")["pong"] is True
    try:
        client.call("no.such.op")
        raise AssertionError("unknown_op did not raise")
    except UnknownOp as e:
        assert e.code == "unknown_op" and isinstance(e, SoudanError)
    try:
        client.call("sys.ping", {"typo": 1})
        raise AssertionError("invalid_args did not raise")
    except InvalidArgs as e:
        assert e.field == "typo", e.details
    # The connection is reused and pipelining keeps order.
    results = client.pipeline([("sys.ping", None)] * 200 + [("terms.current", {"x": 1})])
    assert len(results) == 201 and all(r["pong"] for r in results[:200]), results[:3]
    assert isinstance(results[-1], InvalidArgs)
    # A reply slower than the timeout raises, and the next call reconnects.
    try:
        client.call("events.fetch", {"consumer": "check-client", "wait_ms": 3000}, timeout=0.2)
        raise AssertionError("no timeout")
    except socket.timeout:
        pass
    assert client.call("sys.ping")["pong"] is True
try:
    SoudanClient(path + ".missing").call("sys.ping")
    raise AssertionError("connected to nothing")
except ConnectionLost:
    pass
print("client ok")
