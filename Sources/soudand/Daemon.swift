import Foundation
import GRDB
import Logging
import SoudanDomain
import SoudanProtocol
import SoudanServer
import SoudanService
import SoudanStore
import Synchronization

/// The daemon's parts, wired: store, writer, dispatcher, and the server on its
/// own loop thread.
final class Daemon {
    let paths: DaemonPaths
    let settings: DaemonConfig
    let clock: OfficeClock
    let logger: Logger
    let pool: DatabasePool
    let writer: SingleWriter
    let dispatcher: Dispatcher
    let counters = ServerCounters()
    private let lock: DatabaseLock

    init(paths: DaemonPaths, settings: DaemonConfig, clock: OfficeClock, durability: Durability, logger: Logger) throws {
        self.paths = paths
        self.settings = settings
        self.clock = clock
        self.logger = logger
        lock = try DatabaseLock(databasePath: paths.database)
        pool = try Store.open(path: paths.database, durability: durability, now: clock.now())
        let stats = Stats()
        let events = EventSignal()
        let maintenance = Maintenance()
        var hooks = SingleWriter.Hooks()
        let pool = self.pool
        hooks.afterBatch = { report in
            stats.recordBatch(jobs: report.jobs, committed: report.committed)
            if report.committed { events.notify() }
            if maintenance.takeCheckpointRequest() {
                try? pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
            }
        }
        let housekeeping = Housekeeping(clock: clock, office: settings.office)
        hooks.beforeBatch = { db in try housekeeping.run(db) }
        writer = SingleWriter(pool: pool, logger: logger, hooks: hooks)
        try writer.sync { db in
            try db.inTransaction {
                try CounselorStore.seed(configured: settings.counselors, demo: DemoOffice.counselors, in: db)
                return .commit
            }
        }
        let counters = self.counters
        let environment = ServiceEnvironment(
            clock: clock, stats: stats, office: settings.office, events: events, maintenance: maintenance,
            connectionStats: { counters.snapshot })
        dispatcher = Dispatcher(
            operations: Operations.all(environment), pool: pool, writer: writer, clock: clock, stats: stats, events: events,
            logger: logger)
    }

    /// Starts the loop thread, waits until both sockets accept (or binding fails),
    /// then waits for shutdown and for the last commits.
    func run() throws {
        let inherited = try SystemdIntegration.inheritedSockets()
        var configuration = ServerConfiguration(
            servicePath: paths.serviceSocket, adminPath: paths.adminSocket,
            connectionLimits: .init(
                maxFrame: settings.limits.maxFrame, maxInFlight: settings.limits.maxInFlight,
                idleTimeoutMs: UInt64(settings.limits.idleTimeoutMs),
                stalledWriteTimeoutMs: UInt64(settings.limits.stalledWriteTimeoutMs)),
            maxConnections: settings.limits.maxConnections,
            maxConnectionsPerUID: settings.limits.maxConnectionsPerUID)
        configuration.inheritedServiceFD = inherited.service
        configuration.inheritedAdminFD = inherited.admin
        let serverConfiguration = configuration
        let responder = DaemonResponder(dispatcher: dispatcher)
        let startResult = Mutex<(any Error)?>(nil)
        let started = DispatchSemaphore(value: 0)
        let stopped = DispatchSemaphore(value: 0)
        let counters = self.counters
        let logger = self.logger
        let thread = Thread {
            let server = Server(configuration: serverConfiguration, responder: responder, counters: counters, logger: logger)
            do {
                try server.start()
            } catch {
                startResult.withLock { $0 = error }
                started.signal()
                stopped.signal()
                return
            }
            started.signal()
            server.run()
            stopped.signal()
        }
        thread.name = "soudan.loop"
        thread.start()
        started.wait()
        if let error = startResult.withLock({ $0 }) { throw error }
        logger.notice("ready", metadata: [
            "version": "\(SoudanVersion.string)",
            "service_socket": "\(inherited.service.map { "systemd fd \($0)" } ?? paths.serviceSocket)",
            "admin_socket": "\(inherited.admin.map { "systemd fd \($0)" } ?? paths.adminSocket)", "clock": "\(clock.mode)",
        ])
        SystemdIntegration.notify("READY=1\nSTATUS=serving")
        stopped.wait()
        writer.flush()
        try? pool.close()
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
        Dispatcher.Caller(socket: peer.role, uid: peer.uid, pid: peer.pid)
    }
}
