import Dispatch
import SoudanProtocol

extension Dispatcher {
    /// Reads; if nothing is there yet and the request may wait, waits for the
    /// next committed event (or its deadline) on `events`, holding no thread,
    /// then reads again. At most `events.maxWaitingPerConnection` polls wait per
    /// connection: one more is `overloaded`.
    func longPoll(_ request: Request, _ poll: LongPoll, caller: Caller, reply: @escaping ReplyHandler) {
        let waitMs = poll.waitMilliseconds(request.args)
        var id: UInt64?
        if waitMs > 0 {
            id = events.begin(connection: caller.connection, until: .now() + .milliseconds(waitMs))
            guard id != nil else {
                let error = WireError(
                    .overloaded, "this connection already has \(events.maxWaitingPerConnection) long-polls waiting",
                    details: ["max_waiting_polls": .int(Int64(events.maxWaitingPerConnection))])
                finish(id: request.id, op: request.op, result: .failure(error), caller: caller, record: nil, reply: reply)
                return
            }
        }
        pollOnce(request, poll, waiting: id, caller: caller, reply: reply)
    }

    private func pollOnce(_ request: Request, _ poll: LongPoll, waiting id: UInt64?, caller: Caller, reply: @escaping ReplyHandler) {
        readQueue.async { [self] in
            let seen = events.seq
            var context = makeContext(request, caller: caller, now: clock.now())
            let result: Result<JSONObject, WireError>
            do {
                result = .success(try pool.readSnapshot { db in try poll.read(db, &context) })
            } catch {
                result = .failure(wireError(error, op: request.op))
            }
            if let id, case .success(let value) = result, poll.isEmpty(value) {
                let record = context
                events.wait(id, seen: seen) { [self] final in
                    if final {
                        events.end(id)
                        finish(id: request.id, op: request.op, result: result, caller: caller, record: record, reply: reply)
                    } else {
                        pollOnce(request, poll, waiting: id, caller: caller, reply: reply)
                    }
                }
                return
            }
            if let id { events.end(id) }
            finish(id: request.id, op: request.op, result: result, caller: caller, record: context, reply: reply)
        }
    }
}
