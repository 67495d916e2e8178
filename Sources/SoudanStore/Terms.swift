import GRDB
public import SoudanProtocol

/// The versions of the terms of use (DOMAIN.md Art. 11).
public enum TermsStore {
    public struct Version: Sendable, Equatable {
        public var version: String
        public var effectiveAt: Instant
    }

    /// The version in force at `now`: the latest whose effective time has come
    /// (ties: the later published, then the later inserted).
    ///
    /// Read on every request, consent and waitlist fill. The table holds a handful
    /// of versions, so they are all read and compared here: SQLite's ORDER BY
    /// over them built a sorter each time, a twentieth of a booking's writes.
    public static func current(at now: Instant, in db: StoreTransaction) throws -> Version {
        typealias Candidate = (version: String, effectiveAt: Int64, publishedAt: Int64, order: Int64)
        let all = try db.fetchEach(sql: "SELECT version, effective_at, published_at, rowid FROM terms") { row -> Candidate in
            (row[0], row[1], row[2], row[3])
        }
        func later(_ a: Candidate, _ b: Candidate) -> Bool {
            (a.effectiveAt, a.publishedAt, a.order) > (b.effectiveAt, b.publishedAt, b.order)
        }
        var inForce: Candidate?
        var first: Candidate?
        for candidate in all {
            if candidate.effectiveAt <= now.seconds, inForce.map({ later(candidate, $0) }) ?? true { inForce = candidate }
            // Before the first version's effective time (a manual clock set before
            // the database was made) the first version is the one in force.
            if first.map({ candidate.effectiveAt < $0.effectiveAt }) ?? true { first = candidate }
        }
        guard let chosen = inForce ?? first else { return Version(version: "1", effectiveAt: Instant(seconds: 0)) }
        return Version(version: chosen.version, effectiveAt: Instant(seconds: chosen.effectiveAt))
    }

    public static func exists(_ version: String, in db: StoreTransaction) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM terms WHERE version = ?)"), arguments: [version]) == true
    }

    /// A new version, in force from `effectiveAt` (Art. 11).
    public static func publish(_ version: String, effectiveAt: Instant, summary: String, at now: Instant, in db: StoreTransaction) throws {
        try db.run(
            sql: "INSERT INTO terms(version, effective_at, summary, published_at) VALUES (?, ?, ?, ?)",
            arguments: [version, effectiveAt.seconds, summary, now.seconds])
    }
}
