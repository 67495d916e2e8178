import Dispatch
import SoudanProtocol
import SoudanStore

/// The access log's promises (CONTRACT.md, "At the edges"), kept by the way a
/// reply is sent:
/// - a reply carrying personal data leaves only once its record has committed
///   (`replyOnceRecorded`), in the writer's next batch, sharing its fsync;
/// - any other reply's record is in the waiting buffer before the reply leaves
///   (`recordLater`), and reaches the log within milliseconds;
/// - an audit runs only once every record waiting has committed
///   (`afterEveryAnsweredRequestIsLogged`).
extension Dispatcher {
    /// Commits the access record of a successful personal-data read, then sends
    /// the reply; if the record cannot be written, the reply is `unavailable`
    /// and nothing read is returned.
    func replyOnceRecorded(
        id: RequestID?, op: String, result: JSONObject, context: RequestContext, caller: Caller, reply: @escaping ReplyHandler
    ) {
        let record = accessRecord(context, op: op, code: "ok", caller: caller)
        writer.submit(
            WriteJob(
                run: { [self] _ in
                    pendingAccess.addFromWriter(record)
                    return .null
                },
                completion: { [self] outcome in
                    switch outcome {
                    case .success:
                        send(id: id, body: ["ok": true, "result": .object(result)], op: op, caller: caller, reply: reply)
                    case .failure(let error):
                        let failure = wireError(WriteBatchFailed(underlying: error), op: op)
                        var refused = record
                        refused.code = failure.code.rawValue
                        recordLater(refused)
                        send(id: id, body: Self.errorBody(failure), op: op, caller: caller, reply: reply)
                    }
                }))
    }

    /// Runs `next` once every access record waiting has committed: the records
    /// of every request answered before this one was received are then in the
    /// log. If they cannot be written, the request is answered `unavailable`.
    func afterEveryAnsweredRequestIsLogged(
        _ request: Request, caller: Caller, reply: @escaping ReplyHandler, _ next: @escaping @Sendable () -> Void
    ) {
        writer.submit(
            WriteJob(
                run: { [self] db in
                    try pendingAccess.appendAll(in: db)
                    return .null
                },
                completion: { [self] outcome in
                    switch outcome {
                    case .success:
                        next()
                    case .failure(let error):
                        let failure = wireError(WriteBatchFailed(underlying: error), op: request.op)
                        finish(
                            id: request.id, op: request.op, result: .failure(failure), caller: caller,
                            record: makeContext(request, caller: caller, now: clock.now()), reply: reply)
                    }
                }))
    }

    /// Puts a record in the waiting buffer and asks the writer to take it.
    func recordLater(_ record: AccessRecord) {
        switch pendingAccess.add(record) {
        case .background(let delay)?: writer.requestBackground(within: delay)
        case .batch?: writer.requestBatch(within: .nanoseconds(0))
        case nil: break
        }
    }

    func accessRecord(_ context: RequestContext, op: String?, code: String, caller: Caller) -> AccessRecord {
        let latency = Int64((DispatchTime.now().uptimeNanoseconds &- caller.receivedAt) / 1000)
        var device: AccessRecord.Device?
        if case .object(let d)? = context.args["device"], let id = d["id"]?.stringValue {
            device = AccessRecord.Device(id: id, os: d["os"]?.stringValue, app: d["app"]?.stringValue)
        }
        return AccessRecord(
            at: context.now, socket: caller.socket, uid: caller.uid, pid: caller.pid, op: op.map(Router.clipped), code: code,
            latencyMicros: latency, seekerNo: context.seekerNo, device: device,
            legalBasis: context.args["legal_basis"]?.stringValue, requestedBy: context.args["requested_by"]?.stringValue)
    }
}
