public import GRDB
public import SoudanDomain
public import SoudanProtocol

/// What operation handlers share: the clock, the figures, and the hooks that tie
/// them to the rest of the daemon.
public struct ServiceEnvironment: Sendable {
    public var clock: OfficeClock
    public var stats: Stats
    public var schemas: ProtocolSchemas
    /// Connection figures from the server, for `sys.stats`.
    public var connectionStats: @Sendable () -> JSONObject
    /// Applies every time rule due at `now` (no-shows); runs in the writer.
    public var applyTimeRules: @Sendable (Database, Instant) throws -> Void

    public init(
        clock: OfficeClock, stats: Stats, schemas: ProtocolSchemas = .embedded,
        connectionStats: @escaping @Sendable () -> JSONObject = { [:] },
        applyTimeRules: @escaping @Sendable (Database, Instant) throws -> Void = { _, _ in }
    ) {
        self.clock = clock
        self.stats = stats
        self.schemas = schemas
        self.connectionStats = connectionStats
        self.applyTimeRules = applyTimeRules
    }
}

/// Every operation the daemon serves, in one table.
public enum Operations {
    public static func all(_ environment: ServiceEnvironment) -> [Operation] {
        SystemOperations.make(environment) + ClockOperations.make(environment) + TermsOperations.make(environment)
            + AuditOperations.make(environment)
    }
}
