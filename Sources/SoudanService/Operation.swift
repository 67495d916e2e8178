import SoudanDomain
public import SoudanProtocol
public import SoudanStore

/// What a handler knows about the request it serves.
public struct RequestContext: Sendable {
    public var socket: SocketRole
    public var uid: UInt32
    public var pid: Int32
    /// The office clock's reading when the handler runs (inside the writer's batch
    /// for writes, so that time and order agree).
    public var now: Instant
    public var args: JSONObject
    /// Filled by handlers that learn which seeker a request concerns, for the
    /// access log; starts as `args.seeker_no`.
    public var seekerNo: String?
}

/// How an operation runs, which decides the thread it runs on.
public enum OperationBody: Sendable {
    /// No database: answered on the loop thread.
    case local(@Sendable (inout RequestContext) throws(WireError) -> JSONObject)
    /// A snapshot read on one of the pool's readers, concurrent with the writer.
    case read(@Sendable (StoreTransaction, inout RequestContext) throws -> JSONObject)
    /// Inside the single writer's batch, in a savepoint of its own; the reply leaves
    /// after COMMIT.
    case write(@Sendable (StoreTransaction, inout RequestContext) throws -> JSONObject)
    /// A read that, when it finds nothing, waits (without a thread) for a commit
    /// or the deadline, then reads again: `events.fetch`.
    case longPoll(LongPoll)
}

public struct LongPoll: Sendable {
    public var read: @Sendable (StoreTransaction, inout RequestContext) throws -> JSONObject
    public var isEmpty: @Sendable (JSONObject) -> Bool
    public var waitMilliseconds: @Sendable (JSONObject) -> Int
}

/// One row of the operations table: a name, the sockets it serves, its argument
/// schema (from `protocol/ops/NAME.json`) and its body.
public struct Operation: Sendable {
    public let name: String
    public let sockets: Set<SocketRole>
    public let body: OperationBody
    public let schema: ProtocolSchemas.Operation
    /// What the access log promises for this operation (CONTRACT.md, "At the edges").
    public let recording: Recording

    public struct Recording: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The reply carries personal data: it leaves only once its access record
        /// has committed (writes always do; this is for reads).
        public static let replyWaitsForRecord = Recording(rawValue: 1)
        /// Runs only after every request answered before it is in the log
        /// (`audit.*`, `sys.backup`, `privacy.purge`).
        public static let seesEveryAnsweredRequest = Recording(rawValue: 2)
    }

    public init(
        _ name: String, sockets: Set<SocketRole>, recording: Recording = [], schemas: ProtocolSchemas = .embedded,
        _ body: OperationBody
    ) {
        guard let schema = schemas.operations[name] else {
            preconditionFailure("operation \(name) has no schema at protocol/ops/\(name).json")
        }
        self.name = name
        self.sockets = sockets
        self.body = body
        self.schema = schema
        self.recording = recording
    }

    /// Whether it changes state: only a write's reply is remembered under an
    /// idempotency key.
    public var writes: Bool {
        if case .write = body { return true }
        return false
    }
}

/// The serving sockets, spelt the way the contract marks each operation.
public enum Sockets {
    public static let both: Set<SocketRole> = [.service, .admin]
    public static let admin: Set<SocketRole> = [.admin]
    public static let service: Set<SocketRole> = [.service]
}
