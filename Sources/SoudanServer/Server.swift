import CLibUV
import CSoudanShim
import Foundation
public import Logging
public import SoudanProtocol
import SoudanSync

/// The libuv side of soudand: one loop thread owns every handle.
///
/// Other threads reach it only through `LoopInbox` (a queue drained whole when
/// `uv_async_send` wakes the loop). `Server` itself is bound to the loop thread:
/// create it, `start()` it and `run()` it on the same thread.
public final class Server {
    let handler: FrameHandler
    let inbox: LoopInbox
    let loop: UnsafeMutablePointer<uv_loop_t>
    let configuration: ServerConfiguration
    let logger: Logger
    private let counters: ServerCounters
    private let async: UnsafeMutablePointer<uv_async_t>
    private let sweepTimer: UnsafeMutablePointer<uv_timer_t>
    private let beforePoll: UnsafeMutablePointer<uv_prepare_t>
    private var signals: [UnsafeMutablePointer<uv_signal_t>] = []
    private var listeners: [Listener] = []
    var connections: [UInt64: Connection] = [:]
    /// Open connections per socket, and per socket and uid: each socket's caps
    /// count apart, so a service can never use up staff's.
    private var connectionsPerRole: [SocketRole: Int] = [:]
    private var connectionsPerUID: [SocketRole: [UInt32: Int]] = [:]
    private var nextConnectionID: UInt64 = 1
    /// Memory held by every connection's decoder, against `maxInputBuffer`.
    var inputBytes = 0
    /// Connections paused because the input budget is spent.
    var pausedForInput: Set<UInt64> = []
    private var maxConnections: Int
    private var shuttingDown = false
    private var loopClosed = false

    /// One read buffer for this loop: reads are handled one at a time on its thread
    /// and copied into each connection's decoder before the next.
    private let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)

    /// - Throws: `UVError` when libuv cannot make the loop (out of file descriptors
    ///   for its epoll and eventfd).
    public init(configuration: ServerConfiguration, counters: ServerCounters, logger: Logger, handler: @escaping FrameHandler) throws {
        self.configuration = configuration
        self.handler = handler
        self.counters = counters
        self.logger = logger
        self.maxConnections = configuration.maxConnections
        loop = .allocate(capacity: 1)
        do {
            try uvCheck(uv_loop_init(loop), "uv_loop_init")
        } catch {
            loop.deallocate()
            readBuffer.deallocate()
            throw error
        }
        async = allocateHandle(uv_async_t.self)
        inbox = LoopInbox(async: async)
        sweepTimer = allocateHandle(uv_timer_t.self)
        beforePoll = allocateHandle(uv_prepare_t.self)
    }

    deinit {
        if loopClosed {
            uv_loop_close(loop)
            loop.deallocate()
            readBuffer.deallocate()
        }
    }

    var nowMs: UInt64 { monotonicMs(loop) }

    /// Binds both sockets and arms the loop. When it returns, both sockets accept.
    public func start() throws {
        capConnectionsBelowFileLimit()
        let owner = Unmanaged.passRetained(self).toOpaque()
        // Each init can fail only for want of memory or descriptors; the daemon
        // then refuses to start, saying which.
        try uvCheck(
            uv_async_init(loop, async) { handle in
                guard let data = handle?.pointee.data else { return }
                Unmanaged<Server>.fromOpaque(data).takeUnretainedValue().drainInbox()
            }, "uv_async_init")
        async.pointee.data = owner
        // Replies made on the loop thread post to the inbox without waking the
        // loop (see LoopInbox.post); this drains them before the loop waits for I/O,
        // whichever callback made them.
        try uvCheck(uv_prepare_init(loop, beforePoll), "uv_prepare_init")
        beforePoll.pointee.data = Unmanaged.passRetained(self).toOpaque()
        try uvCheck(
            uv_prepare_start(beforePoll) { handle in
                guard let data = handle?.pointee.data else { return }
                Unmanaged<Server>.fromOpaque(data).takeUnretainedValue().drainInbox()
            }, "uv_prepare_start")
        try uvCheck(uv_timer_init(loop, sweepTimer), "uv_timer_init")
        sweepTimer.pointee.data = Unmanaged.passRetained(self).toOpaque()
        let limits = configuration.connectionLimits
        let interval = max(20, min(1000, min(limits.idleTimeoutMs, limits.stalledWriteTimeoutMs) / 4))
        try uvCheck(
            uv_timer_start(
                sweepTimer,
                { timer in
                    guard let data = timer?.pointee.data else { return }
                    Unmanaged<Server>.fromOpaque(data).takeUnretainedValue().sweep()
                }, interval, interval), "uv_timer_start")
        for signal in [SIGTERM, SIGINT] {
            let handle = allocateHandle(uv_signal_t.self)
            try uvCheck(uv_signal_init(loop, handle), "uv_signal_init")
            handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
            try uvCheck(
                uv_signal_start(
                    handle,
                    { handle, signal in
                        guard let data = handle?.pointee.data else { return }
                        Unmanaged<Server>.fromOpaque(data).takeUnretainedValue().beginShutdown(signal: signal)
                    }, signal), "uv_signal_start")
            signals.append(handle)
        }
        do {
            if let fd = configuration.inheritedServiceFD {
                listeners.append(try Listener(role: .service, adopting: fd, loop: loop))
            } else {
                listeners.append(try Listener(role: .service, path: configuration.servicePath, mode: 0o660, loop: loop))
            }
            if let fd = configuration.inheritedAdminFD {
                listeners.append(try Listener(role: .admin, adopting: fd, loop: loop))
            } else {
                let mode: mode_t = configuration.adminGroup == nil ? 0o600 : 0o660
                listeners.append(
                    try Listener(role: .admin, path: configuration.adminPath, mode: mode, group: configuration.adminGroup, loop: loop))
            }
            for listener in listeners {
                listener.handle.pointee.data = Unmanaged.passRetained(ListenerBox(server: self, role: listener.role)).toOpaque()
                try listener.listen { stream, status in
                    guard let stream, let data = stream.pointee.data else { return }
                    let box = Unmanaged<ListenerBox>.fromOpaque(data).takeUnretainedValue()
                    box.server.accept(from: stream, role: box.role, status: status)
                }
            }
        } catch {
            closeEverything()
            uv_run(loop, UV_RUN_DEFAULT)
            throw error
        }
    }

    /// Runs the loop until shutdown has answered every request and closed every
    /// handle.
    public func run() {
        uv_run(loop, UV_RUN_DEFAULT)
        loopClosed = true
    }

    /// Keeps our cap below the process's file limit: past it libuv would accept and
    /// at once close connections behind our back (its EMFILE trick).
    private func capConnectionsBelowFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        let reserve = 64  // database, WAL, listeners, logs, the loop's own
        let usable = Int(clamping: limit.rlim_cur) - reserve
        if usable < maxConnections {
            maxConnections = max(1, usable)
            logger.warning("connection limit lowered to fit RLIMIT_NOFILE", metadata: ["max_connections": "\(maxConnections)"])
        }
    }

    /// While the input budget is spent, a read takes at most this much: each
    /// connection then adds a little before it is paused, not a whole buffer.
    static let spentBudgetReadSize = 4096

    static let allocateReadBuffer: uv_alloc_cb = { handle, _, buffer in
        guard let data = handle?.pointee.data else {
            buffer?.pointee = uv_buf_init(nil, 0)  // libuv then reports UV_ENOBUFS
            return
        }
        let server = Unmanaged<Connection>.fromOpaque(data).takeUnretainedValue().server
        let size = server.inputBudgetSpent ? spentBudgetReadSize : server.readBuffer.count
        buffer?.pointee = uv_buf_init(server.readBuffer.baseAddress?.assumingMemoryBound(to: CChar.self), UInt32(size))
    }

    private func accept(from listenerStream: UnsafeMutablePointer<uv_stream_t>, role: SocketRole, status: Int32) {
        guard status >= 0, !shuttingDown else { return }
        let client = allocateHandle(uv_pipe_t.self)
        let initialised = uv_pipe_init(loop, client, 0)
        guard initialised == 0 else {
            client.deallocate()  // never known to libuv: nothing to close
            logger.warning("cannot accept a connection", metadata: ["error": "\(UVError(code: initialised, operation: "uv_pipe_init"))"])
            return
        }
        guard uv_accept(listenerStream, asStream(client)) == 0 else {
            closeAndFree(asHandle(client))
            return
        }
        var fd: uv_os_fd_t = -1
        uv_fileno(asHandle(client), &fd)
        var uid: UInt32 = UInt32.max
        var pid: Int32 = 0
        _ = soudan_peer_credentials(fd, &uid, &pid)
        let id = nextConnectionID
        nextConnectionID += 1
        let peer = PeerInfo(role: role, uid: uid, pid: pid, connectionID: id)

        if let reason = refusal(role: role, uid: uid) {
            counters.refused.add(1, ordering: .relaxed)
            refuse(client, reply: immediateReply(to: .refused(reason: reason), from: peer))
            return
        }
        counters.accepted.add(1, ordering: .relaxed)
        counters.open.add(1, ordering: .relaxed)
        connectionsPerRole[role, default: 0] += 1
        connectionsPerUID[role, default: [:]][uid, default: 0] += 1
        let connection = Connection(id: id, peer: peer, handle: client, server: self, limits: configuration.connectionLimits)
        connections[id] = connection
        logger.debug("connection opened", metadata: ["conn": "\(id)", "socket": "\(role)", "uid": "\(uid)", "pid": "\(pid)"])
        connection.start()
    }

    /// Why a new connection on `role` from `uid` is refused, or nil. The service
    /// socket may hold at most `maxConnections − adminReserved`; the admin
    /// socket may use every connection left.
    private func refusal(role: SocketRole, uid: UInt32) -> String? {
        let reserved = role == .admin ? 0 : min(configuration.adminReserved, maxConnections - 1)
        if connections.count >= maxConnections || connectionsPerRole[role, default: 0] >= maxConnections - reserved {
            return "the server has too many connections"
        }
        if connectionsPerUID[role]?[uid] ?? 0 >= configuration.maxConnectionsPerUID {
            return "too many connections from this user on the \(role) socket"
        }
        return nil
    }

    /// Tells an over-limit client why, with a best-effort non-blocking write of one
    /// small reply, and closes it; it never becomes a connection.
    private func refuse(_ client: UnsafeMutablePointer<uv_pipe_t>, reply: [UInt8]) {
        reply.withUnsafeBytes { raw in
            var buffer = uv_buf_init(
                UnsafeMutablePointer(mutating: raw.baseAddress?.assumingMemoryBound(to: CChar.self)), UInt32(raw.count))
            _ = uv_try_write(asStream(client), &buffer, 1)
        }
        closeAndFree(asHandle(client))
    }

    func connectionClosed(_ connection: Connection, reason: ConnectionStateMachine.CloseReason) {
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        counters.open.subtract(1, ordering: .relaxed)
        pausedForInput.remove(connection.id)
        if connection.reportedInput != 0 { inputChanged(connection, by: -connection.reportedInput) }
        let (role, uid) = (connection.peer.role, connection.peer.uid)
        connectionsPerRole[role, default: 1] -= 1
        if let count = connectionsPerUID[role]?[uid], count > 1 {
            connectionsPerUID[role]?[uid] = count - 1
        } else {
            connectionsPerUID[role]?[uid] = nil
        }
        switch reason {
        case .idleInsideFrame: counters.closedIdle.add(1, ordering: .relaxed)
        case .stalledWrites: counters.closedStalled.add(1, ordering: .relaxed)
        case .frameError: counters.closedFrameError.add(1, ordering: .relaxed)
        case .finished: break
        }
        if reason != .finished {
            logger.info("connection closed", metadata: ["conn": "\(connection.id)", "reason": "\(reason)"])
        }
        finishShutdownIfDone()
    }

    /// Delivers every reply in the inbox, until it stays empty: delivering one can
    /// let a connection take its next buffered frames, whose replies (made here,
    /// on the loop thread) post without a wake-up. Called when woken, at the end
    /// of each read, and before each wait for I/O.
    func drainInbox() {
        while true {
            let messages = inbox.takeAll()
            if messages.isEmpty { return }
            for message in messages {
                switch message {
                case .reply(let connectionID, let seq, let bytes):
                    connections[connectionID]?.deliver(seq: seq, bytes: bytes)
                }
            }
        }
    }

    private func sweep() {
        let now = nowMs
        for connection in Array(connections.values) { connection.tick(now: now) }
    }

    /// The reply to something answered at once (a frame that cannot be read, a
    /// connection refused): the handler replies before it returns.
    func immediateReply(to inbound: Inbound, from peer: PeerInfo) -> [UInt8] {
        let reply = LockedValue<[UInt8]>([])
        handler(inbound, peer) { bytes in reply.withLock { $0 = bytes } }
        return reply.withLock { $0 }
    }

    /// SIGTERM/SIGINT: stop accepting, answer every request already read (their
    /// writes commit before their replies, as always), close, and let `run` return.
    private func beginShutdown(signal: Int32) {
        guard !shuttingDown else { return }
        shuttingDown = true
        logger.notice("shutting down", metadata: ["signal": "\(signal)", "connections": "\(connections.count)"])
        for listener in listeners { listener.close() }
        listeners = []
        configuration.onShutdown()
        for connection in Array(connections.values) { connection.shutdown() }
        finishShutdownIfDone()
    }

    private func finishShutdownIfDone() {
        guard shuttingDown, connections.isEmpty else { return }
        closeEverything()
    }

    private func closeEverything() {
        inbox.seal()
        for listener in listeners { listener.close() }
        listeners = []
        for handle in signals { closeAndFree(asHandle(handle)) }
        signals = []
        closeAndFree(asHandle(sweepTimer))
        closeAndFree(asHandle(beforePoll))
        closeAndFree(asHandle(async))
    }
}

@available(*, unavailable)
extension Server: Sendable {}

/// What a listening handle's `data` points to: the server and the socket's role.
private final class ListenerBox {
    unowned let server: Server
    let role: SocketRole
    init(server: Server, role: SocketRole) {
        self.server = server
        self.role = role
    }
}
