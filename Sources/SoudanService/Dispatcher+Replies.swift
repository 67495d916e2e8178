import Dispatch
import SoudanProtocol
import SoudanStore

/// The last stage of the request path: every reply is made here, counted once,
/// and framed.
extension Dispatcher {
    /// Maps any error to what the wire can say: domain errors carry their code;
    /// a batch that did not commit, a full or locked database is `unavailable`;
    /// anything else is `internal`, logged with the op (never with arguments,
    /// which may hold personal data).
    func wireError(_ error: any Error, op: String?) -> WireError {
        if let wire = error as? WireError { return wire }
        let logged = router.countedName(op) ?? "-"
        if error is WriteBatchFailed {
            return WireError(.unavailable, "the database cannot take writes right now; nothing was done; try again")
        }
        if let cause = Store.unavailableCause(error) {
            logger.warning("database unavailable", metadata: ["op": "\(logged)", "sqlite": "\(cause)"])
            return WireError(.unavailable, "the database cannot take writes right now; try again")
        }
        logger.error("internal error", metadata: ["op": "\(logged)", "error": "\(type(of: error))"])
        return WireError(.internal, "internal error")
    }

    static func mismatch(_ key: String) -> WireError {
        WireError(.idempotencyMismatch, "idempotency key \"\(key)\" was used with another op or other args")
    }

    static func errorBody(_ error: WireError) -> JSONObject { ["ok": false, "error": error.json] }

    static func code(of body: JSONObject) -> String {
        body["ok"] == .bool(true) ? "ok" : (body["error"]?["code"]?.stringValue ?? "internal")
    }

    /// Sends a reply that does not wait for its access record: the record goes
    /// into the waiting buffer first, so anything that runs after this reply
    /// left (a disclosure) finds it.
    func finish(
        id: RequestID?, op: String?, result: Result<JSONObject, WireError>, caller: Caller, record: RequestContext?,
        reply: @escaping ReplyHandler
    ) {
        let body: JSONObject
        switch result {
        case .success(let value): body = ["ok": true, "result": .object(value)]
        case .failure(let error): body = Self.errorBody(error)
        }
        let context =
            record ?? RequestContext(socket: caller.socket, uid: caller.uid, pid: caller.pid, now: clock.now(), args: [:], seekerNo: nil)
        recordLater(accessRecord(context, op: op, code: Self.code(of: body), caller: caller))
        send(id: id, body: body, op: op, caller: caller, reply: reply)
    }

    /// Counts the reply (once: `Stats` feeds `sys.stats` and the metrics) and
    /// frames it.
    func send(id: RequestID?, body: JSONObject, op: String?, caller: Caller, reply: @escaping ReplyHandler) {
        let latency = (DispatchTime.now().uptimeNanoseconds &- caller.receivedAt) / 1000
        stats.recordReply(op: router.countedName(op), code: Self.code(of: body), latencyMicros: latency)
        reply(Reply.frame(id: id, body: body))
    }
}
