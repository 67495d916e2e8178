import Dispatch
import Foundation
import Logging
import SoudanDomain
public import SoudanProtocol
import SoudanStore

/// The request path, as stages (see `docs/architecture.md`):
///
/// 1. **envelope**: the frame's JSON becomes a `Request` (`Request.decode`);
/// 2. **route**: its operation, socket and arguments are checked (`Router`);
/// 3. **placement**: the body runs where it belongs: the loop thread, a reader,
///    or the single writer (`Dispatcher+Placement.swift`);
/// 4. **handler**: the operation's body (`*Operations.swift`), given a
///    `StoreTransaction` and a `RequestContext`.
///
/// Two wrappers stand around the handler: the idempotency key
/// (`Dispatcher+Writes.swift`, `Dispatcher+Placement.swift`) and the access record
/// (`Dispatcher+Records.swift`); every reply leaves through `finish` or `send`
/// (`Dispatcher+Replies.swift`), which count it.
///
/// `handle` is the server's `FrameHandler`: the server knows nothing of operations.
public final class Dispatcher: Sendable {
    let router: Router
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

    init(
        operations: [Operation], store: Store, writer: SingleWriter, pendingAccess: PendingAccessRecords,
        clock: OfficeClock, stats: Stats, events: EventSignal, logger: Logger
    ) {
        self.router = Router(operations)
        self.store = store
        self.writer = writer
        self.pendingAccess = pendingAccess
        self.clock = clock
        self.stats = stats
        self.events = events
        self.logger = logger
    }

    /// Who asked, and when the request arrived (monotonic, for latency).
    struct Caller: Sendable {
        let peer: PeerInfo
        let receivedAt: UInt64

        var socket: SocketRole { peer.role }
        var uid: UInt32 { peer.uid }
        var pid: Int32 { peer.pid }
    }

    public typealias ReplyHandler = @Sendable ([UInt8]) -> Void

    /// The server's `FrameHandler`: `reply` gets the framed reply exactly once;
    /// for `.unreadable` and `.refused`, before this returns.
    public func handle(_ inbound: Inbound, from peer: PeerInfo, reply: @escaping ReplyHandler) {
        let caller = Caller(peer: peer, receivedAt: DispatchTime.now().uptimeNanoseconds)
        switch inbound {
        case .request(let body):
            handle(body, from: caller, reply: reply)
        case .unreadable(let error):
            finish(id: nil, op: nil, result: .failure(error.wireError), caller: caller, record: nil, reply: reply)
        case .refused(let reason):
            finish(id: nil, op: nil, result: .failure(WireError(.overloaded, reason)), caller: caller, record: nil, reply: reply)
        }
    }

    private func handle(_ body: [UInt8], from caller: Caller, reply: @escaping ReplyHandler) {
        // 1. Envelope.
        let request: Request
        switch Request.decode(body) {
        case .failure(let failure):
            finish(id: failure.id, op: nil, result: .failure(failure.error), caller: caller, record: nil, reply: reply)
            return
        case .success(let decoded):
            request = decoded
        }
        // 2. Route.
        let operation: Operation
        switch router.route(request, socket: caller.socket) {
        case .failure(let error):
            finish(id: request.id, op: request.op, result: .failure(error), caller: caller, record: nil, reply: reply)
            return
        case .success(let routed):
            operation = routed
        }
        // 3. Placement, behind the access log's wrapper for audits.
        if operation.recording.contains(.seesEveryAnsweredRequest) {
            afterEveryAnsweredRequestIsLogged(request, caller: caller, reply: reply) { [self] in
                place(request, operation, caller: caller, reply: reply)
            }
        } else {
            place(request, operation, caller: caller, reply: reply)
        }
    }

    /// Called about once a second: an empty job, so that the writer's
    /// housekeeping applies the time rules (no-shows) even without traffic, and
    /// access records put back by a failed batch are taken again.
    public func tick() {
        writer.submit(WriteJob(run: { _ in .null }))
    }

    /// The server stops: answer every waiting long-poll now.
    public func stopping() {
        events.stop()
    }
}
