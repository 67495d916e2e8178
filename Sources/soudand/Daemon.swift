import Foundation
import Logging
import SoudanDomain
import SoudanProtocol
import SoudanServer
import SoudanService
import SoudanStore
import SoudanSync

/// The daemon's parts, wired: store, writer, dispatcher, and the server on its
/// own loop thread.
final class Daemon {
    let paths: DaemonPaths
    let settings: DaemonConfig
    let clock: OfficeClock
    let logger: Logger
    let store: Store
    let writer: SingleWriter
    let dispatcher: Dispatcher
    let counters = ServerCounters()
    private let lock: DatabaseLock

    let staffGroup: UInt32?

    init(
        paths: DaemonPaths, settings: DaemonConfig, clock: OfficeClock, durability: Durability, staffGroup: UInt32?,
        auditKey: AuditKey, logger: Logger
    ) throws {
        self.paths = paths
        self.staffGroup = staffGroup
        self.settings = settings
        self.clock = clock
        self.logger = logger
        lock = try DatabaseLock(databasePath: paths.database)
        clock.observeHolds { change in
            switch change {
            case .held(let jump):
                logger.warning(
                    "wall clock jump held: the time rules wait for clock.accept",
                    metadata: [
                        "system_now": "\(WireTime.format(jump.systemNow))", "held_now": "\(WireTime.format(jump.heldNow))",
                        "jump_s": "\(jump.seconds)",
                    ])
            case .resumed(let accepted, let now):
                logger.notice(
                    accepted ? "wall clock accepted: the time rules resume" : "wall clock back in agreement: the time rules resume",
                    metadata: ["now": "\(WireTime.format(now))"])
            }
        }
        let counters = self.counters
        let service = try Service.open(
            databasePath: paths.database, durability: durability, settings: settings, clock: clock, auditKey: auditKey,
            logger: logger,
            connectionStats: { counters.snapshot })
        store = service.store
        writer = service.writer
        dispatcher = service.dispatcher
    }

    /// Starts the loop thread, waits until both sockets accept (or binding fails),
    /// then waits for shutdown and for the last commits.
    func run() throws {
        let inherited = try SystemdIntegration.inheritedSockets()
        var configuration = settings.limits.server(servicePath: paths.serviceSocket, adminPath: paths.adminSocket)
        configuration.adminGroup = staffGroup
        configuration.inheritedServiceFD = inherited.service
        configuration.inheritedAdminFD = inherited.admin
        let serverConfiguration = configuration
        let responder = DaemonResponder(dispatcher: dispatcher)
        let startResult = LockedValue<(any Error)?>(nil)
        let started = DispatchSemaphore(value: 0)
        let stopped = DispatchSemaphore(value: 0)
        let counters = self.counters
        let logger = self.logger
        let thread = Thread {
            do {
                let server = try Server(configuration: serverConfiguration, responder: responder, counters: counters, logger: logger)
                try server.start()
                started.signal()
                server.run()
                stopped.signal()
            } catch {
                startResult.withLock { $0 = error }
                started.signal()
                stopped.signal()
            }
        }
        thread.name = "soudan.loop"
        thread.start()
        started.wait()
        if let error = startResult.withLock({ $0 }) { throw error }
        logger.notice(
            "ready",
            metadata: [
                "version": "\(SoudanVersion.string)",
                "service_socket": "\(inherited.service.map { "systemd fd \($0)" } ?? paths.serviceSocket)",
                "admin_socket": "\(inherited.admin.map { "systemd fd \($0)" } ?? paths.adminSocket)", "clock": "\(clock.mode)",
            ])
        SystemdIntegration.notify("READY=1\nSTATUS=serving")
        let anchors = AuditAnchors(store: store, logger: logger)
        anchors.schedule()
        stopped.wait()
        writer.close()
        anchors.log()
        try? store.close()
        logger.notice("stopped")
    }

}

/// Adapts the dispatcher to the server's one function.
struct DaemonResponder: FrameResponder {
    let dispatcher: Dispatcher

    func respond(to body: [UInt8], from peer: PeerInfo, sink: ReplySink) {
        dispatcher.handle(body, from: caller(peer)) { sink.send($0) }
    }

    func frameErrorReply(_ error: FrameError, from peer: PeerInfo) -> [UInt8] {
        dispatcher.frameErrorReply(error, from: caller(peer))
    }

    func refusedReply(reason: String, from peer: PeerInfo) -> [UInt8] {
        dispatcher.refusedReply(reason: reason, from: caller(peer))
    }

    func tick() { dispatcher.tick() }

    func stopping() {
        SystemdIntegration.notify("STOPPING=1")
        dispatcher.stopping()
    }

    private func caller(_ peer: PeerInfo) -> Dispatcher.Caller {
        Dispatcher.Caller(socket: peer.role, uid: peer.uid, pid: peer.pid, connection: peer.connectionID)
    }
}
