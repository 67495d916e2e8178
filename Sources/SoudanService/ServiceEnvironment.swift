public import SoudanDomain
public import SoudanProtocol
public import SoudanStore

/// What operation handlers share: the clock, the figures, and the hooks that tie
/// them to the rest of the daemon.
public struct ServiceEnvironment: Sendable {
    public var clock: OfficeClock
    public var stats: Stats
    public var office: OfficeSettings
    public var calendar: OfficeCalendar { OfficeCalendar(hours: office.hours) }
    /// Wakes `events.fetch` calls waiting for new events.
    public var events: EventSignal
    /// Work the daemon does after a commit, outside any transaction.
    public var maintenance: Maintenance
    /// Connection figures from the server, for `sys.stats`.
    public var connectionStats: @Sendable () -> JSONObject
    /// The access log's key (kept outside the database).
    public var auditKey: AuditKey
    /// `[events] consumers`: the consumers whose lag `sys.health` judges; nil: all.
    public var watchedConsumers: [String]?

    public init(
        clock: OfficeClock, stats: Stats, office: OfficeSettings = DaemonConfig().office, events: EventSignal = EventSignal(),
        maintenance: Maintenance = Maintenance(),
        connectionStats: @escaping @Sendable () -> JSONObject = { [:] },
        auditKey: AuditKey = .ephemeral(), watchedConsumers: [String]? = nil
    ) {
        self.auditKey = auditKey
        self.watchedConsumers = watchedConsumers
        self.clock = clock
        self.stats = stats
        self.office = office
        self.events = events
        self.maintenance = maintenance
        self.connectionStats = connectionStats
    }
}

/// Every operation the daemon serves, in one table.
public enum Operations {
    public static func all(_ environment: ServiceEnvironment) -> [Operation] {
        SystemOperations.make(environment) + ClockOperations.make(environment) + TermsOperations.make(environment)
            + AuditOperations.make(environment) + SeekerOperations.make(environment) + CounselorOperations.make(environment)
            + AvailabilityOperations.make(environment) + RequestOperations.make(environment)
            + ScheduleOperations.make(environment) + ConsultationOperations.make(environment)
            + EventOperations.make(environment) + RecordOperations.make(environment)
            + BackupOperations.make(environment) + HealthOperations.make(environment)
    }
}
