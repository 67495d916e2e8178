import SoudanProtocol
import SoudanStore

extension Dispatcher {
    /// Runs a write inside the writer's batch: the idempotency check, the body in
    /// its own savepoint, the remembered reply and the access record all commit
    /// together (the record at the batch's end), and the reply leaves only after
    /// they have.
    ///
    /// Whatever the job throws, it first leaves its access record with the code it
    /// is answered with; the record commits with the batch even though the job's
    /// savepoint rolls back. If the batch itself does not commit, no job in it
    /// happened: each is answered `unavailable`, and that answer is recorded by
    /// its completion (the job's own record went with the batch).
    func runInWriter(_ request: Request, _ operation: Operation, caller: Caller, reply: @escaping ReplyHandler) {
        let left = LeftRecord()
        let job = WriteJob(
            run: { [self] db in
                var context = makeContext(request, caller: caller, now: clock.now())
                do {
                    let outcome: (reply: JSONObject, code: String)
                    if let key = request.idempotencyKey {
                        outcome = try execute(request, key: key, operation, in: db, context: &context)
                    } else {
                        let result = try runBody(operation, in: db, context: &context)
                        outcome = (["ok": true, "result": .object(result)], "ok")
                    }
                    leave(accessRecord(context, op: request.op, code: outcome.code, caller: caller), in: left)
                    return .object(outcome.reply)
                } catch {
                    let code = wireError(error, op: request.op).code.rawValue
                    leave(accessRecord(context, op: request.op, code: code, caller: caller), in: left)
                    throw error
                }
            },
            completion: { [self] result in
                let bodyReply: JSONObject
                switch result {
                case .success(.object(let object)): bodyReply = object
                case .success: bodyReply = Self.errorBody(WireError(.internal, "the writer returned no reply"))
                case .failure(let error as WriteBatchFailed):
                    // The job's record went with the batch; this one says what the
                    // client was answered, with what the job had learned (its seeker),
                    // or only the arguments if the job never ran.
                    let failure = wireError(error, op: request.op)
                    var record =
                        left.record
                        ?? accessRecord(makeContext(request, caller: caller, now: clock.now()), op: request.op, code: "", caller: caller)
                    record.code = failure.code.rawValue
                    recordLater(record)
                    bodyReply = Self.errorBody(failure)
                case .failure(let error): bodyReply = Self.errorBody(wireError(error, op: request.op))
                }
                send(id: request.id, body: bodyReply, op: request.op, caller: caller, reply: reply)
            })
        writer.submit(job)
    }

    /// The job's record goes into its batch, and is kept for its completion.
    private func leave(_ record: AccessRecord, in left: LeftRecord) {
        left.record = record
        pendingAccess.addFromWriter(record)
    }

    /// The reply body (`{"ok", "result"|"error"}`, no id) of a write with an
    /// idempotency key, run in the writer: a key seen before replays its reply.
    private func execute(
        _ request: Request, key: String, _ operation: Operation, in db: StoreTransaction, context: inout RequestContext
    ) throws -> (reply: JSONObject, code: String) {
        switch try Idempotency.lookup(key: key, op: request.op, args: request.args, in: db) {
        case .replay(let stored):
            return (stored, Self.code(of: stored))
        case .mismatch:
            let error = Self.mismatch(key)
            return (Self.errorBody(error), error.code.rawValue)
        case .new:
            break
        }
        var body: JSONObject
        do {
            let result = try db.inSavepoint { try runBody(operation, in: db, context: &context) }
            body = ["ok": true, "result": .object(result)]
        } catch {
            // SQLite may have rolled the batch back under the body: nothing more
            // may run in it (the writer fails the batch).
            try db.checkOpen()
            body = Self.errorBody(wireError(error, op: request.op))
        }
        let code = Self.code(of: body)
        if ErrorCode(rawValue: code)?.isTransient != true {
            try Idempotency.remember(key: key, op: request.op, args: request.args, reply: body, at: context.now, in: db)
        }
        return (body, code)
    }

    private func runBody(_ operation: Operation, in db: StoreTransaction, context: inout RequestContext) throws -> JSONObject {
        switch operation.body {
        case .write(let body): return try body(db, &context)
        case .read(let body): return try body(db, &context)
        case .longPoll(let poll): return try poll.read(db, &context)
        case .local(let body): return try body(&context)
        }
    }
}

/// The access record a write job leaves, handed from its `run` to its
/// completion.
///
/// `run` puts it in the batch as well; if the batch does not commit, the
/// completion records the `unavailable` answer with the same fields (the
/// seeker a consultation op looked up, say).
final class LeftRecord: @unchecked Sendable {
    // @unchecked: written by `run` on the writer's queue, read by `completion`,
    // which the writer hands to its completion queue with `async` after the
    // batch has ended: the dispatch orders the write before the read.
    var record: AccessRecord?
}
