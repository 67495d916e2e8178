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
        let dispatcher = self.dispatcher
        configuration.onShutdown = {
            SystemdIntegration.notify("STOPPING=1")
            dispatcher.stopping()
        }
        let serverConfiguration = configuration
        let startResult = LockedValue<(any Error)?>(nil)
        let started = DispatchSemaphore(value: 0)
        let stopped = DispatchSemaphore(value: 0)
        let counters = self.counters
        let logger = self.logger
        let thread = Thread {
            do {
                let server = try Server(configuration: serverConfiguration, counters: counters, logger: logger, handler: dispatcher.handle)
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
        // The time rules run in the writer's batches; without traffic, this empty
        // job once a second makes one.
        let ticker = Ticker(every: .seconds(1)) { dispatcher.tick() }
        stopped.wait()
        ticker.stop()
        writer.close()
        anchors.log()
        try? store.close()
        logger.notice("stopped")
    }

}
