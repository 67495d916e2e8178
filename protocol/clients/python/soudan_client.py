"""A small, dependency-free client for soudand (Python 3.8+).

    from soudan_client import SoudanClient, SoudanError, SlotTaken
    with SoudanClient("var/soudan.sock") as soudan:
        print(soudan.call("sys.ping"))
        try:
            soudan.call("booking.schedule", {"request_id": "req-000001", "start": "2026-12-01T10:00:00+09:00"})
        except SlotTaken as e:
            print("taken:", e.message)

One connection, reused; request ids are generated; `pipeline` sends many
requests before reading their replies (they come back in order); every error
reply raises a subclass of SoudanError named after its code.
"""
import itertools
import json
import socket
import struct

__all__ = ["SoudanClient", "SoudanError", "ConnectionLost"]

CODES = [
    "bad_frame", "frame_too_large", "bad_json", "bad_request", "unknown_op", "invalid_args", "forbidden",
    "not_found", "conflict", "invalid_state", "not_eligible", "consent_required", "seeker_restricted",
    "seeker_suspended", "past_cutoff", "outside_hours", "in_past", "slot_taken", "seeker_busy",
    "no_availability", "limit_reached", "idempotency_mismatch", "clock_not_manual", "overloaded",
    "unavailable", "internal",
]


class SoudanError(Exception):
    """An error reply: `code`, `message` for people, `details` for programs."""

    code = None

    def __init__(self, code, message, details=None, request_id=None):
        super().__init__("%s: %s" % (code, message))
        self.code = code
        self.message = message
        self.details = details or {}
        self.request_id = request_id

    @property
    def field(self):
        return self.details.get("field")


class ConnectionLost(Exception):
    """The daemon closed the connection (or never accepted it)."""


ERRORS = {}
for _code in CODES:
    _name = "".join(part.capitalize() for part in _code.split("_"))
    ERRORS[_code] = type(_name, (SoudanError,), {"code": _code})
    globals()[_name] = ERRORS[_code]
    __all__.append(_name)


def error_from_reply(reply):
    error = reply.get("error") or {}
    code = error.get("code", "internal")
    return ERRORS.get(code, SoudanError)(code, error.get("message", ""), error.get("details"), reply.get("id"))


class SoudanClient:
    """A connection to one of soudand's sockets, reconnected when lost."""

    def __init__(self, path, timeout=30.0, max_frame=1 << 24):
        self.path = path
        self.timeout = timeout
        self.max_frame = max_frame
        self._sock = None
        self._ids = itertools.count(1)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _connect(self):
        if self._sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                sock.connect(self.path)
            except OSError as e:
                sock.close()
                raise ConnectionLost("cannot connect to %s: %s" % (self.path, e)) from e
            self._sock = sock
        return self._sock

    def _request(self, op, args=None, idempotency_key=None):
        request = {"id": next(self._ids), "op": op}
        if args is not None:
            request["args"] = args
        if idempotency_key is not None:
            request["idempotency_key"] = idempotency_key
        body = json.dumps(request, ensure_ascii=False).encode("utf-8")
        return request["id"], struct.pack(">I", len(body)) + body

    def _recv_exactly(self, n):
        chunks = []
        while n:
            chunk = self._sock.recv(min(n, 1 << 16))
            if not chunk:
                self.close()
                raise ConnectionLost("the daemon closed the connection")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _read_reply(self):
        (length,) = struct.unpack(">I", self._recv_exactly(4))
        if length > self.max_frame:
            self.close()
            raise ConnectionLost("reply of %d bytes is over the client's limit" % length)
        return json.loads(self._recv_exactly(length))

    def call(self, op, args=None, idempotency_key=None, timeout=None):
        """Sends one request; returns its result, or raises its SoudanError.

        A timeout (socket.timeout) closes the connection: its reply would arrive
        out of step with later requests.
        """
        return self.pipeline([(op, args, idempotency_key)], timeout=timeout, raise_errors=True)[0]

    def pipeline(self, requests, timeout=None, raise_errors=False):
        """Sends every (op, args[, idempotency_key]) before reading; returns the
        results in order, with a SoudanError in place of each failed one (raised
        instead if raise_errors)."""
        sock = self._connect()
        sock.settimeout(self.timeout if timeout is None else timeout)
        ids, frames = [], []
        for entry in requests:
            op, args = entry[0], entry[1] if len(entry) > 1 else None
            key = entry[2] if len(entry) > 2 else None
            request_id, frame = self._request(op, args, key)
            ids.append(request_id)
            frames.append(frame)
        try:
            sock.sendall(b"".join(frames))
            results = []
            for request_id in ids:
                reply = self._read_reply()
                if reply.get("id") != request_id:
                    self.close()
                    raise ConnectionLost("reply id %r where %r was expected" % (reply.get("id"), request_id))
                if reply.get("ok"):
                    results.append(reply.get("result", {}))
                else:
                    error = error_from_reply(reply)
                    if raise_errors:
                        raise error
                    results.append(error)
            return results
        except (socket.timeout, OSError) as e:
            self.close()
            if isinstance(e, socket.timeout):
                raise
            raise ConnectionLost(str(e)) from e
