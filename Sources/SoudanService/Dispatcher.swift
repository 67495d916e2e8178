public import Dispatch
import Foundation
import Logging
import SoudanDomain
public import SoudanProtocol
import SoudanStore

/// Turns a frame into a reply: decodes the envelope, finds the operation, checks
/// the socket and the arguments, runs the body where it belongs (loop thread,
/// reader, or the single writer), and sees to its access record
/// (`Dispatcher+Records.swift`) and idempotency key (`Dispatcher+Writes.swift`).
///
/// It is the server's `FrameResponder`: the server knows nothing of operations.
public final class Dispatcher: Sendable {
    public let operations: [String: Operation]
    let store: Store
    let writer: SingleWriter
    let clock: OfficeClock
    let stats: Stats
    let events: EventSignal
    let logger: Logger
    let pendingAccess: PendingAccessRecords
    /// At `.default` QoS (nice 0), the priority of the loop thread and the writer:
    /// see `SingleWriter`. With the readers at nice −2 (`.userInitiated`, as root)
    /// and the writer at 0, `mixed` lost 4–7 %.
    let readQueue = DispatchQueue(label: "soudan.readers", qos: .default, attributes: .concurrent)

    /// How much of an unknown op name the access log keeps (CONTRACT.md, "At the edges").
    static let loggedOpBytes = 64
    /// The one name under which statistics count every unknown op: a client must
    /// not grow a map, a metric label or a log line with names of its choosing.
    static let unknownOpName = "(unknown)"

    init(
        operations: [Operation], store: Store, writer: SingleWriter, pendingAccess: PendingAccessRecords,
        clock: OfficeClock, stats: Stats, events: EventSignal, logger: Logger
    ) {
        var table: [String: Operation] = [:]
        for operation in operations {
            precondition(table[operation.name] == nil, "operation \(operation.name) is listed twice")
            table[operation.name] = operation
        }
        self.operations = table
        self.store = store
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
        /// The connection, for limits kept per connection (waiting long-polls).
        public var connection: UInt64

        public init(
            socket: SocketRole, uid: UInt32, pid: Int32, connection: UInt64 = 0,
            receivedAt: UInt64 = DispatchTime.now().uptimeNanoseconds
        ) {
            self.socket = socket
            self.uid = uid
            self.pid = pid
            self.connection = connection
            self.receivedAt = receivedAt
        }
    }

    public typealias ReplyHandler = @Sendable ([UInt8]) -> Void

    /// Handles one frame body; `reply` gets the framed reply bytes exactly once.
    public func handle(_ body: [UInt8], from caller: Caller, reply: @escaping ReplyHandler) {
        let request: Request
        switch Request.decode(body) {
        case .failure(let failure):
            finish(id: failure.id, op: nil, result: .failure(failure.error), caller: caller, record: nil, reply: reply)
            return
        case .success(let decoded):
            request = decoded
        }
        guard let operation = operations[request.op] else {
            let name = Self.clipped(request.op)
            let error = WireError(.unknownOp, "unknown operation \"\(name)\"", details: ["op": .string(name)])
            finish(id: request.id, op: request.op, result: .failure(error), caller: caller, record: nil, reply: reply)
            return
        }
        guard operation.sockets.contains(caller.socket) else {
            let allowed = operation.sockets.map(\.rawValue).sorted().joined(separator: ", ")
            let error = WireError(
                .forbidden, "\(request.op) is not served on the \(caller.socket) socket (only: \(allowed))",
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
        if operation.recording.contains(.seesEveryAnsweredRequest) {
            afterEveryAnsweredRequestIsLogged(request, caller: caller, reply: reply) { [self] in
                run(request, operation, caller: caller, reply: reply)
            }
        } else {
            run(request, operation, caller: caller, reply: reply)
        }
    }

    /// Runs a request that passed the checks, where its body belongs.
    private func run(_ request: Request, _ operation: Operation, caller: Caller, reply: @escaping ReplyHandler) {
        if operation.writes {
            runInWriter(request, operation, caller: caller, reply: reply)
            return
        }
        if let key = request.idempotencyKey {
            // A read never stores its reply, but a key a write used is still that
            // write's: the same key here is a mismatch.
            readQueue.async { [self] in
                do {
                    if case .mismatch = try store.read({ db in
                        try Idempotency.lookup(key: key, op: request.op, args: request.args, in: db)
                    }) {
                        finish(
                            id: request.id, op: request.op, result: .failure(Self.mismatch(key)), caller: caller,
                            record: nil, reply: reply)
                        return
                    }
                } catch {
                    finish(
                        id: request.id, op: request.op, result: .failure(wireError(error, op: request.op)), caller: caller,
                        record: nil, reply: reply)
                    return
                }
                runRead(request, operation, caller: caller, reply: reply)
            }
            return
        }
        runRead(request, operation, caller: caller, reply: reply)
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

    /// Maps any error to what the wire can say: domain errors carry their code;
    /// a batch that did not commit, a full or locked database is `unavailable`;
    /// anything else is `internal`, logged with the op (never with arguments,
    /// which may hold personal data).
    func wireError(_ error: any Error, op: String?) -> WireError {
        if let wire = error as? WireError { return wire }
        let logged = op.map { operations[$0] == nil ? Self.unknownOpName : $0 } ?? "-"
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

    /// At most `loggedOpBytes` of a client's op name, cut on a character boundary.
    static func clipped(_ op: String) -> String {
        guard op.utf8.count > loggedOpBytes else { return op }
        var end = op.utf8.index(op.utf8.startIndex, offsetBy: loggedOpBytes)
        while end > op.startIndex, !op.unicodeScalars.indices.contains(end) { end = op.utf8.index(before: end) }
        return String(op[..<end])
    }

    /// Called about once a second from the loop's timer: an empty job, so that the
    /// writer's housekeeping applies the time rules (no-shows) even without traffic,
    /// and access records put back by a failed batch are taken again.
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

    func send(id: RequestID?, body: JSONObject, op: String?, caller: Caller, reply: @escaping ReplyHandler) {
        let latency = (DispatchTime.now().uptimeNanoseconds &- caller.receivedAt) / 1000
        let counted = op.map { operations[$0] == nil ? Self.unknownOpName : $0 }
        stats.recordReply(op: counted, code: Self.code(of: body), latencyMicros: latency)
        reply(Reply.frame(id: id, body: body))
    }
}

/// Holds bytes produced synchronously by `finish` for a caller that needs them
/// returned rather than sent.
private final class ReplyBox: @unchecked Sendable {
    // @unchecked: written once, synchronously, on the calling thread before it is read.
    var bytes: [UInt8] = []
}
