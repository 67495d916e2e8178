public import GRDB
public import SoudanProtocol

/// The versions of the terms of use (DOMAIN.md Art. 11).
public enum TermsStore {
    public struct Version: Sendable, Equatable {
        public var version: String
        public var effectiveAt: Instant
    }

    /// The version in force at `now`: the latest whose effective time has come.
    public static func current(at now: Instant, in db: Database) throws -> Version {
        let row = try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT version, effective_at FROM terms WHERE effective_at <= ?
                ORDER BY effective_at DESC, published_at DESC, rowid DESC LIMIT 1
                """), arguments: [now.seconds])
        // Before the first version's effective time (a manual clock set before the
        // database was made) the first version is the one in force.
        guard let row = try row ?? Row.fetchOne(db.cachedStatement(sql: "SELECT version, effective_at FROM terms ORDER BY effective_at LIMIT 1"))
        else { return Version(version: "1", effectiveAt: Instant(seconds: 0)) }
        return Version(version: row[0], effectiveAt: Instant(seconds: row[1]))
    }
}
