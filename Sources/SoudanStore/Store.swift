import Foundation
package import GRDB
public import Logging
public import SoudanProtocol

/// How hard a commit waits for the disk.
public enum Durability: String, Sendable, CaseIterable {
    /// `synchronous=FULL`: an acknowledged write survives a crash of the process and
    /// of the machine (one fsync of the WAL per commit; group commit shares it).
    case full
    /// `synchronous=NORMAL`: survives a crash of the process; a power loss may take
    /// the last commits back (the WAL is synced only at checkpoints).
    case normal
}

/// The database file: WAL, a pool of readers, the schema migrated.
///
/// The pool's writer connection is the only one that writes, and `SingleWriter`
/// is its only user; readers take snapshots concurrently with it (`read`). Nothing
/// above this module sees GRDB: it gets a `StoreTransaction` inside one of those.
public final class Store: Sendable {
    /// GRDB's pool; for this module and its tests.
    package let pool: DatabasePool

    package init(pool: DatabasePool) {
        self.pool = pool
    }

    /// Runs `body` on a reader, in one snapshot, concurrently with the writer.
    public func read<T>(_ body: (StoreTransaction) throws -> T) throws -> T {
        try pool.readSnapshot { db in try body(StoreTransaction(db)) }
    }

    /// The single writer over this database (one per store).
    public func makeWriter(logger: Logger, hooks: SingleWriter.Hooks = SingleWriter.Hooks()) -> SingleWriter {
        SingleWriter(pool: pool, logger: logger, hooks: hooks)
    }

    /// Closes every connection; after the writer has closed.
    public func close() throws {
        try pool.close()
    }

    public struct OpenError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reader connections: one per core, at least 2, at most 4. Each keeps its own
    /// page cache, which fills as the database grows; readers past the cores
    /// cannot run at once anyway, so they only added memory (4 readers on 2 cores:
    /// RSS +6 % over 10 minutes of mixed load, 2 readers: about +1 %).
    public static let defaultReaders = min(4, max(2, ProcessInfo.processInfo.activeProcessorCount))

    public static func open(path: String, durability: Durability = .full, readers: Int = defaultReaders, now: Instant) throws -> Store {
        var config = Configuration()
        config.label = "soudan"
        config.maximumReaderCount = readers
        // A second process holding the write lock (a backup, an operator's sqlite3
        // shell) is waited for, boundedly, rather than failing the batch at once.
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            try db.run(sql: "PRAGMA synchronous = \(synchronousLevel(durability))")
            // Erased personal data (privacy.purge) must not linger in free pages.
            try db.run(sql: "PRAGMA secure_delete = ON")
            // Each job of a batch runs in a savepoint, whose statement journal holds
            // a copy of every page the job touches. Past 64 KiB SQLite spills it to
            // an unlinked file in the temp directory: personal data on disk outside
            // the database, and a file made, written and closed per batch.
            try db.run(sql: "PRAGMA temp_store = MEMORY")
            #if DEBUG
                traceStatements(db)
            #endif
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw OpenError(description: "cannot open database \(path): \(error)")
        }
        // GRDB's pool sets `synchronous = NORMAL` on its writer when it turns WAL
        // on, after `prepareDatabase` has run: say it again, last, or FULL is lost
        // and commits are acknowledged before the WAL reaches the disk.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(synchronousLevel(durability))") }
        try Migrations.migrator(createdAt: now.seconds).migrate(pool)
        restrictFileModes(databasePath: path)
        return Store(pool: pool)
    }

    static func synchronousLevel(_ durability: Durability) -> String {
        durability == .full ? "FULL" : "NORMAL"
    }

    /// The database and its WAL hold personal data: readable by the service account
    /// alone, whatever the umask was when they were made.
    static func restrictFileModes(databasePath: String) {
        for suffix in ["", "-wal", "-shm"] {
            let path = databasePath + suffix
            if FileManager.default.fileExists(atPath: path) { chmod(path, 0o600) }
        }
    }
}

#if DEBUG
    /// Debug builds only: with `SOUDAN_TRACE_SQL=FILE`, every statement any
    /// connection runs (SQLite's own trace, so the ones stepped below GRDB too) is
    /// appended to FILE, one per line, unexpanded (`?` for values: no personal
    /// data). `scripts/lib/sqlite_floor` takes a booking's statements from it.
    private func traceStatements(_ db: Database) {
        guard let path = ProcessInfo.processInfo.environment["SOUDAN_TRACE_SQL"],
            let handle = FileHandle(forWritingAtPath: path)
                ?? (FileManager.default.createFile(atPath: path, contents: nil)
                    ? FileHandle(forWritingAtPath: path) : nil)
        else { return }
        handle.seekToEndOfFile()
        let lock = NSLock()
        db.trace(options: .statement) { event in
            guard case .statement(let statement) = event else { return }
            let line = statement.sql.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(
                separator: " ")
            lock.withLock { handle.write(Data((line + "\n").utf8)) }
        }
    }
#endif
