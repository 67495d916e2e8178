public import Dispatch
import GRDB
import Logging
import SoudanDomain
public import SoudanProtocol
import SoudanStore
import Foundation

/// Turns a frame into a reply: decodes the envelope, finds the operation, checks
/// the socket and the arguments, runs the body where it belongs (loop thread,
/// reader, or the single writer), and writes the access record.
///
/// It is the server's `FrameResponder`: the server knows nothing of operations.
public final class Dispatcher: Sendable {
    public let operations: [String: Operation]
    let pool: DatabasePool
    let writer: SingleWriter
    let clock: OfficeClock
    let stats: Stats
    let events: EventSignal
    let logger: Logger
    private let pendingAccess: PendingAccessRecords
    /// At `.default` QoS (nice 0), the priority of the loop thread and the writer:
    /// see `SingleWriter`. With the readers at nice −2 (`.userInitiated`, as root)
    /// and the writer at 0, `mixed` lost 4–7 %.
    private let readQueue = DispatchQueue(label: "soudan.readers", qos: .default, attributes: .concurrent)

    init(
        operations: [Operation], pool: DatabasePool, writer: SingleWriter, pendingAccess: PendingAccessRecords,
        clock: OfficeClock, stats: Stats, events: EventSignal, logger: Logger
    ) {
        var table: [String: Operation] = [:]
        for operation in operations {
            precondition(table[operation.name] == nil, "operation \(operation.name) is listed twice")
            table[operation.name] = operation
        }
        self.operations = table
        self.pool = pool
        self.writer = writer
        self.pendingAccess = pendingAccess
        self.clock = clock
        self.stats = stats
        self.events = events
        self.logger = logger
    }

    /// Who asked, and when the request arrived (monotonic, for latency).
    public struct Caller: Sendable {
        public var socket: SocketRole
        public var uid: UInt32
        public var pid: Int32
        public var receivedAt: UInt64

        public init(socket: SocketRole, uid: UInt32, pid: Int32, receivedAt: UInt64 = DispatchTime.now().uptimeNanoseconds) {
            self.socket = socket
            self.uid = uid
            self.pid = pid
            self.receivedAt = receivedAt
        }
    }

    /// Handles one frame body; `reply` gets the framed reply bytes exactly once.
    public func handle(_ body: [UInt8], from caller: Caller, reply: @escaping @Sendable ([UInt8]) -> Void) {
        let request: Request
        switch Request.decode(body) {
        case .failure(let failure):
            finish(id: failure.id, op: nil, result: .failure(failure.error), caller: caller, record: nil, reply: reply)
            return
        case .success(let decoded):
            request = decoded
        }
        guard let operation = operations[request.op] else {
            let error = WireError(.unknownOp, "unknown operation \"\(request.op)\"", details: ["op": .string(request.op)])
            finish(id: request.id, op: request.op, result: .failure(error), caller: caller, record: nil, reply: reply)
            return
        }
        guard operation.sockets.contains(caller.socket) else {
            let allowed = operation.sockets.map(\.rawValue).sorted().joined(separator: ", ")
            let error = WireError(.forbidden, "\(request.op) is not served on the \(caller.socket) socket (only: \(allowed))",
                                  details: ["op": .string(request.op), "socket": .string(caller.socket.rawValue)])
            finish(id: request.id, op: request.op, result: .failure(error), caller: caller, record: nil, reply: reply)
            return
        }
        do {
            try operation.schema.schema.validate(.object(request.args))
        } catch {
            finish(id: request.id, op: request.op, result: .failure(error), caller: caller, record: nil, reply: reply)
            return
        }
        if request.idempotencyKey != nil {
            runInWriter(request, operation, caller: caller, reply: reply)
            return
        }
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
                    result = .success(try pool.readSnapshot { db in try body(db, &context) })
                } catch {
                    result = .failure(wireError(error, op: request.op))
                }
                finish(id: request.id, op: request.op, result: result, caller: caller, record: context, reply: reply)
            }
        case .write:
            runInWriter(request, operation, caller: caller, reply: reply)
        case .longPoll(let poll):
            let waitMs = poll.waitMilliseconds(request.args)
            longPoll(request, poll, deadline: .now() + .milliseconds(waitMs), caller: caller, reply: reply)
        }
    }

    /// Reads; if nothing is there yet and time remains, waits for the next commit
    /// (or the deadline) on `events`, holding no thread, then reads again.
    private func longPoll(_ request: Request, _ poll: LongPoll, deadline: DispatchTime, caller: Caller, reply: @escaping @Sendable ([UInt8]) -> Void) {
        readQueue.async { [self] in
            let generation = events.generation
            var context = makeContext(request, caller: caller, now: clock.now())
            let result: Result<JSONObject, WireError>
            do {
                result = .success(try pool.readSnapshot { db in try poll.read(db, &context) })
            } catch {
                result = .failure(wireError(error, op: request.op))
            }
            if case .success(let value) = result, poll.isEmpty(value), DispatchTime.now() < deadline {
                let record = context
                events.wait(seen: generation, until: deadline) { [self] final in
                    if final {
                        finish(id: request.id, op: request.op, result: result, caller: caller, record: record, reply: reply)
                    } else {
                        longPoll(request, poll, deadline: deadline, caller: caller, reply: reply)
                    }
                }
                return
            }
            finish(id: request.id, op: request.op, result: result, caller: caller, record: context, reply: reply)
        }
    }

    /// Runs a request inside the writer's batch: the idempotency check, the body in
    /// its own savepoint, the remembered reply and the access record all commit
    /// together (the record at the batch's end), and the reply leaves only after
    /// they have.
    ///
    /// Without an idempotency key, nothing is written after the body, so the
    /// writer's savepoint around the job is the body's: a failing body throws its
    /// error out of the job, which rolls it back and answers it.
    private func runInWriter(_ request: Request, _ operation: Operation, caller: Caller, reply: @escaping @Sendable ([UInt8]) -> Void) {
        let job = WriteJob(
            run: { [self] db in
                var context = makeContext(request, caller: caller, now: clock.now())
                // Records are appended with the batch's others just before its COMMIT:
                // in the same transaction as the write, one chain-head read for all.
                guard let key = request.idempotencyKey else {
                    do {
                        let result = try runBody(operation, in: db, context: &context)
                        pendingAccess.addFromWriter(accessRecord(context, op: request.op, code: "ok", caller: caller))
                        return .object(["ok": true, "result": .object(result)])
                    } catch {
                        let failure = wireError(error, op: request.op)
                        pendingAccess.addFromWriter(accessRecord(context, op: request.op, code: failure.code.rawValue, caller: caller))
                        throw failure
                    }
                }
                let outcome = try execute(request, key: key, operation, in: db, context: &context)
                pendingAccess.addFromWriter(accessRecord(context, op: request.op, code: outcome.code, caller: caller))
                return .object(outcome.reply)
            },
            completion: { [self] result in
                let bodyReply: JSONObject
                switch result {
                case .success(.object(let object)): bodyReply = object
                case .success: bodyReply = Self.errorBody(WireError(.internal, "the writer returned no reply"))
                case .failure(let error): bodyReply = Self.errorBody(wireError(error, op: request.op))
                }
                send(id: request.id, body: bodyReply, op: request.op, caller: caller, reply: reply)
            })
        writer.submit(job)
    }

    /// The reply body (`{"ok", "result"|"error"}`, no id) of a request with an
    /// idempotency key, run in the writer: a key seen before replays its reply.
    private func execute(
        _ request: Request, key: String, _ operation: Operation, in db: Database, context: inout RequestContext
    ) throws -> (reply: JSONObject, code: String) {
        switch try Idempotency.lookup(key: key, op: request.op, args: request.args, in: db) {
        case .replay(let stored):
            return (stored, Self.code(of: stored))
        case .mismatch:
            let error = WireError(.idempotencyMismatch, "idempotency key \"\(key)\" was used with another op or other args")
            return (Self.errorBody(error), error.code.rawValue)
        case .new:
            break
        }
        var body: JSONObject
        do {
            let result = try db.inCachedSavepoint { try runBody(operation, in: db, context: &context) }
            body = ["ok": true, "result": .object(result)]
        } catch {
            body = Self.errorBody(wireError(error, op: request.op))
        }
        let code = Self.code(of: body)
        if ErrorCode(rawValue: code)?.isTransient != true {
            try Idempotency.remember(key: key, op: request.op, args: request.args, reply: body, at: context.now, in: db)
        }
        return (body, code)
    }

    private func runBody(_ operation: Operation, in db: Database, context: inout RequestContext) throws -> JSONObject {
        switch operation.body {
        case .local(let body): return try body(&context)
        case .read(let body): return try body(db, &context)
        case .write(let body): return try body(db, &context)
        case .longPoll(let poll): return try poll.read(db, &context)
        }
    }

    private func makeContext(_ request: Request, caller: Caller, now: Instant) -> RequestContext {
        RequestContext(socket: caller.socket, uid: caller.uid, pid: caller.pid, now: now, args: request.args,
                       seekerNo: request.args["seeker_no"]?.stringValue)
    }

    /// Maps any error to what the wire can say: domain errors carry their code;
    /// a full or locked database is `unavailable`; anything else is `internal`,
    /// logged with the op (never with arguments, which may hold personal data).
    func wireError(_ error: any Error, op: String?) -> WireError {
        if let wire = error as? WireError { return wire }
        if let db = error as? DatabaseError {
            switch db.resultCode {
            case .SQLITE_FULL, .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN:
                logger.warning("database unavailable", metadata: ["op": "\(op ?? "-")", "sqlite": "\(db.resultCode)"])
                return WireError(.unavailable, "the database cannot take writes right now; try again")
            default: break
            }
        }
        logger.error("internal error", metadata: ["op": "\(op ?? "-")", "error": "\(type(of: error))"])
        return WireError(.internal, "internal error")
    }

    static func errorBody(_ error: WireError) -> JSONObject { ["ok": false, "error": error.json] }

    static func code(of body: JSONObject) -> String {
        body["ok"] == .bool(true) ? "ok" : (body["error"]?["code"]?.stringValue ?? "internal")
    }

    /// Called about once a second from the loop's timer: an empty job, so that the
    /// writer's housekeeping applies the time rules (no-shows) even without traffic.
    public func tick() {
        writer.submit(WriteJob(run: { _ in .null }))
    }

    /// The server stops: answer every waiting long-poll now.
    public func stopping() {
        events.stop()
    }

    /// The reply to a framing error (`bad_frame`, `frame_too_large`), logged like
    /// any other request.
    public func frameErrorReply(_ error: FrameError, from caller: Caller) -> [UInt8] {
        replyBytes(id: nil, op: nil, error: error.wireError, caller: caller)
    }

    /// The reply to a connection refused over a limit (`overloaded`).
    public func refusedReply(reason: String, from caller: Caller) -> [UInt8] {
        replyBytes(id: nil, op: nil, error: WireError(.overloaded, reason), caller: caller)
    }

    private func replyBytes(id: RequestID?, op: String?, error: WireError, caller: Caller) -> [UInt8] {
        let box = ReplyBox()
        finish(id: id, op: op, result: .failure(error), caller: caller, record: nil) { box.bytes = $0 }
        return box.bytes
    }

    private func finish(id: RequestID?, op: String?, result: Result<JSONObject, WireError>, caller: Caller, record: RequestContext?, reply: @escaping @Sendable ([UInt8]) -> Void) {
        let body: JSONObject
        switch result {
        case .success(let value): body = ["ok": true, "result": .object(value)]
        case .failure(let error): body = Self.errorBody(error)
        }
        let context = record ?? RequestContext(socket: caller.socket, uid: caller.uid, pid: caller.pid, now: clock.now(), args: [:], seekerNo: nil)
        let access = accessRecord(context, op: op, code: Self.code(of: body), caller: caller)
        // Reads and refusals do not wait for their access record to commit: the
        // writer's background lane or its next batch appends it within milliseconds.
        switch pendingAccess.add(access) {
        case .background(let delay)?: writer.requestBackground(within: delay)
        case .batch?: writer.requestBatch(within: .nanoseconds(0))
        case nil: break
        }
        send(id: id, body: body, op: op, caller: caller, reply: reply)
    }

    private func send(id: RequestID?, body: JSONObject, op: String?, caller: Caller, reply: @escaping @Sendable ([UInt8]) -> Void) {
        let latency = (DispatchTime.now().uptimeNanoseconds &- caller.receivedAt) / 1000
        stats.recordReply(op: op, code: Self.code(of: body), latencyMicros: latency)
        reply(Reply.frame(id: id, body: body))
    }

    private func accessRecord(_ context: RequestContext, op: String?, code: String, caller: Caller) -> AccessRecord {
        let latency = Int64((DispatchTime.now().uptimeNanoseconds &- caller.receivedAt) / 1000)
        var device: AccessRecord.Device?
        if case .object(let d)? = context.args["device"], let id = d["id"]?.stringValue {
            device = AccessRecord.Device(id: id, os: d["os"]?.stringValue, app: d["app"]?.stringValue)
        }
        return AccessRecord(
            at: context.now, socket: caller.socket, uid: caller.uid, pid: caller.pid, op: op, code: code,
            latencyMicros: latency, seekerNo: context.seekerNo, device: device,
            legalBasis: context.args["legal_basis"]?.stringValue, requestedBy: context.args["requested_by"]?.stringValue)
    }
}

/// Holds bytes produced synchronously by `finish` for a caller that needs them
/// returned rather than sent.
private final class ReplyBox: @unchecked Sendable {
    // @unchecked: written once, synchronously, on the calling thread before it is read.
    var bytes: [UInt8] = []
}
