public import Logging
public import SoudanDomain
public import SoudanProtocol
public import SoudanStore
import SoudanSync

/// The daemon without its sockets: the database, its single writer (the time
/// rules go in before every batch, the access records before every commit), the
/// counselors seeded, and the dispatcher over every operation.
///
/// soudand puts the libuv server in front of it; the fuzz target feeds it frames
/// directly, so both exercise the same wiring.
public struct Service: Sendable {
    public let store: Store
    public let writer: SingleWriter
    public let dispatcher: Dispatcher

    /// - Parameter operations: a last look at the operation table before the
    ///   dispatcher is built (the fuzz target drops the ones that touch files).
    public static func open(
        databasePath: String, durability: Durability, settings: DaemonConfig, clock: OfficeClock,
        auditKey: AuditKey = .ephemeral(), logger: Logger,
        connectionStats: @escaping @Sendable () -> JSONObject = { [:] },
        operations: ([Operation]) -> [Operation] = { $0 }
    ) throws -> Service {
        let store = try Store.open(path: databasePath, durability: durability, now: clock.now())
        let stats = Stats()
        let lastSeq = try store.read { db in try EventLog.lastSeq(in: db) }
        let events = EventSignal(lastSeq: lastSeq, maxWaitingPerConnection: settings.limits.maxWaitingPolls)
        /// The last event `seq` as the batch about to commit leaves it.
        let batchSeq = LockedValue<Int64>(lastSeq)
        let maintenance = Maintenance()
        let housekeeping = Housekeeping(clock: clock, office: settings.office, key: auditKey, maintenance: maintenance)
        let pendingAccess = PendingAccessRecords(key: auditKey)
        var hooks = SingleWriter.Hooks()
        hooks.afterBatch = { report in
            pendingAccess.batchEnded(committed: report.committed)
            stats.recordBatch(jobs: report.jobs, committed: report.committed, cpuNanoseconds: report.cpuNanoseconds)
            if report.committed { events.advanced(to: batchSeq.withLock { $0 }) } else { housekeeping.batchRolledBack() }
            if maintenance.takeCheckpointRequest() { Maintenance.truncateWAL(store, logger: logger) }
        }
        hooks.beforeBatch = { db in try housekeeping.run(db) }
        hooks.beforeCommit = { db in
            try pendingAccess.appendAll(in: db)
            let seq = try EventLog.lastSeq(in: db)
            batchSeq.withLock { $0 = seq }
        }
        hooks.background = { db in try pendingAccess.appendSome(in: db) }
        hooks.afterBackground = { committed in pendingAccess.laneEnded(committed: committed) }
        let writer = store.makeWriter(logger: logger, hooks: hooks)
        stats.completionCPU.withLock { $0 = { writer.completionCPU } }
        try writer.sync { db in
            try AccessLog.adopt(key: auditKey, in: db)
            try CounselorStore.seed(configured: settings.counselors, demo: DemoOffice.counselors, in: db)
        }
        let environment = ServiceEnvironment(
            clock: clock, stats: stats, office: settings.office, events: events, maintenance: maintenance,
            connectionStats: connectionStats, auditKey: auditKey, watchedConsumers: settings.events.consumers)
        let dispatcher = Dispatcher(
            operations: operations(Operations.all(environment)), store: store, writer: writer, pendingAccess: pendingAccess,
            clock: clock, stats: stats, events: events, logger: logger)
        return Service(store: store, writer: writer, dispatcher: dispatcher)
    }
}
