import Dispatch
import SoudanProtocol

extension Dispatcher {
    /// Reads; if nothing is there yet and the request may wait, waits for the
    /// next committed event (or its deadline, counted from the request's
    /// arrival) on `events`, holding no thread, then reads again.
    ///
    /// A poll takes a waiting place, and its one deadline timer, only once it
    /// has to wait: one that finds events at once costs neither. At most
    /// `events.maxWaitingPerConnection` polls wait per connection; one more is
    /// `overloaded`.
    func longPoll(_ request: Request, _ poll: LongPoll, caller: Caller, reply: @escaping ReplyHandler) {
        let waitMs = poll.waitMilliseconds(request.args)
        let deadline = waitMs > 0 ? DispatchTime(uptimeNanoseconds: caller.receivedAt) + .milliseconds(waitMs) : nil
        pollOnce(request, poll, until: deadline, waiting: nil, caller: caller, reply: reply)
    }

    private func pollOnce(
        _ request: Request, _ poll: LongPoll, until deadline: DispatchTime?, waiting: UInt64?, caller: Caller,
        reply: @escaping ReplyHandler
    ) {
        readQueue.async { [self] in
            let seen = events.seq
            var context = makeContext(request, caller: caller, now: clock.now())
            let result: Result<JSONObject, WireError>
            do {
                result = .success(try store.read { db in try poll.read(db, &context) })
            } catch {
                result = .failure(wireError(error, op: request.op))
            }
            if let deadline, case .success(let value) = result, poll.isEmpty(value), waiting != nil || DispatchTime.now() < deadline {
                guard let id = waiting ?? events.begin(connection: caller.peer.connectionID, until: deadline) else {
                    let error = WireError(
                        .overloaded, "this connection already has \(events.maxWaitingPerConnection) long-polls waiting",
                        details: ["max_waiting_polls": .int(Int64(events.maxWaitingPerConnection))])
                    finish(id: request.id, op: request.op, result: .failure(error), caller: caller, record: context, reply: reply)
                    return
                }
                let record = context
                events.wait(id, seen: seen) { [self] final in
                    if final {
                        events.end(id)
                        finish(id: request.id, op: request.op, result: result, caller: caller, record: record, reply: reply)
                    } else {
                        pollOnce(request, poll, until: deadline, waiting: id, caller: caller, reply: reply)
                    }
                }
                return
            }
            if let waiting { events.end(waiting) }
            finish(id: request.id, op: request.op, result: result, caller: caller, record: context, reply: reply)
        }
    }
}
