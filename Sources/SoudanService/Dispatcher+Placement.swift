import Dispatch
import SoudanProtocol
import SoudanStore

/// Stage 3 of the request path: where a routed request's body runs.
///
/// - a write: in the single writer's next batch (`runInWriter`);
/// - `local`: on the loop thread, at once (no database);
/// - `read`: on a reader, in one snapshot, concurrently with the writer;
/// - `longPoll`: a read that may wait for the next commit (`Dispatcher+LongPoll`).
///
/// A read with an idempotency key is checked first: a key a write used stays
/// that write's, so the same key on a read is `idempotency_mismatch`.
extension Dispatcher {
    func place(_ request: Request, _ operation: Operation, caller: Caller, reply: @escaping ReplyHandler) {
        if operation.writes {
            runInWriter(request, operation, caller: caller, reply: reply)
            return
        }
        guard let key = request.idempotencyKey else {
            runRead(request, operation, caller: caller, reply: reply)
            return
        }
        readQueue.async { [self] in
            do {
                if case .mismatch = try store.read({ db in
                    try Idempotency.lookup(key: key, op: request.op, args: request.args, in: db)
                }) {
                    finish(
                        id: request.id, op: request.op, result: .failure(Self.mismatch(key)), caller: caller, record: nil,
                        reply: reply)
                    return
                }
            } catch {
                finish(
                    id: request.id, op: request.op, result: .failure(wireError(error, op: request.op)), caller: caller, record: nil,
                    reply: reply)
                return
            }
            runRead(request, operation, caller: caller, reply: reply)
        }
    }

    /// A body that does not write: on the loop thread (`local`) or a reader.
    private func runRead(_ request: Request, _ operation: Operation, caller: Caller, reply: @escaping ReplyHandler) {
        switch operation.body {
        case .local(let body):
            var context = makeContext(request, caller: caller, now: clock.now())
            let result: Result<JSONObject, WireError>
            do throws(WireError) { result = .success(try body(&context)) } catch { result = .failure(error) }
            finish(id: request.id, op: request.op, result: result, caller: caller, record: context, reply: reply)
        case .read(let body):
            readQueue.async { [self] in
                var context = makeContext(request, caller: caller, now: clock.now())
                let result: Result<JSONObject, WireError>
                do {
                    result = .success(try store.read { db in try body(db, &context) })
                } catch {
                    result = .failure(wireError(error, op: request.op))
                }
                if case .success(let value) = result, operation.recording.contains(.replyWaitsForRecord) {
                    replyOnceRecorded(id: request.id, op: request.op, result: value, context: context, caller: caller, reply: reply)
                } else {
                    finish(id: request.id, op: request.op, result: result, caller: caller, record: context, reply: reply)
                }
            }
        case .longPoll(let poll):
            longPoll(request, poll, caller: caller, reply: reply)
        case .write:
            preconditionFailure("writes run in the writer")
        }
    }

    func makeContext(_ request: Request, caller: Caller, now: Instant) -> RequestContext {
        RequestContext(
            socket: caller.socket, uid: caller.uid, pid: caller.pid, now: now, args: request.args,
            seekerNo: request.args["seeker_no"]?.stringValue)
    }
}
