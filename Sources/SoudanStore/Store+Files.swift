import Foundation
import GRDB

/// The database as files: checkpoints, online copies, and the check a backup
/// passes before it may replace the database.
extension Store {
    /// One try at a TRUNCATE checkpoint, with no busy wait: it fails at once while
    /// a reader holds a snapshot from before the last commit, and the caller
    /// decides when to try again (see `Maintenance.truncateWAL`).
    public func truncateWAL() throws {
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA busy_timeout = 0")
            defer { try? db.execute(sql: "PRAGMA busy_timeout = 5000") }
            _ = try db.checkpoint(.truncate)
        }
    }

    /// Copies the snapshot `db` reads into a new database file at `path`, with
    /// SQLite's backup API: the writer goes on committing meanwhile, and the copy
    /// holds exactly what had committed when the snapshot began. The file is
    /// readable by the service account alone.
    public static func copy(_ db: StoreTransaction, to path: String) throws {
        let destination = try DatabaseQueue(path: path)
        try destination.writeWithoutTransaction { copy in try db.database.backup(to: copy) }
        try destination.close()
        chmod(path, 0o600)
    }

    /// Rows in the access log of the snapshot `db` reads.
    public static func accessRows(in db: StoreTransaction) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM access_log")) ?? 0
    }

    /// What a file would be as the daemon's database: `"ok"`, or why not (not a
    /// soudan database, or SQLite's `integrity_check` finding). Opens it read-only.
    public static func soundness(ofFile path: String) throws -> String {
        var configuration = Configuration()
        configuration.readonly = true
        let source = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? source.close() }
        return try source.read { db -> String in
            guard try db.tableExists("access_log"), try db.tableExists("consultation") else { return "not a soudan database" }
            return try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer"
        }
    }
}

/// Small values the daemon keeps beside the data (`meta`): the time rules' last
/// run, the health probe, the audit key's fingerprint.
public enum MetaStore {
    public static func value(_ key: String, in db: StoreTransaction) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE key = ?"), arguments: [key])
    }

    public static func set(_ key: String, to value: String, in db: StoreTransaction) throws {
        try db.run(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", arguments: [key, value])
    }
}
