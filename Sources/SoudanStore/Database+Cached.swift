public import GRDB
import GRDBSQLite

extension Database {
    /// Throws `SQLITE_ABORT` when SQLite has rolled the transaction back on its own.
    ///
    /// Why: after SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM or an interrupt, SQLite
    /// may roll back the whole transaction and return to autocommit mode. GRDB's
    /// own transaction blocks then refuse every later statement
    /// (`checkForAbortedTransaction`), but the cached helpers below run outside
    /// those blocks: without this check, the next job's `SAVEPOINT` would open a
    /// fresh transaction and its `RELEASE` would commit that job alone, while the
    /// batch it belonged to is answered `unavailable`.
    /// What to do: call it before any statement that must not run on its own.
    public func checkTransactionIsOpen(sql: String? = nil) throws {
        if sqlite3_get_autocommit(sqliteConnection) != 0 {
            throw DatabaseError(resultCode: .SQLITE_ABORT, message: "Transaction was aborted", sql: sql)
        }
    }
}

extension Database {
    /// Runs one statement through GRDB's statement cache: on the writer's hot
    /// path every SQL text is parsed once per connection, not once per request.
    ///
    /// GRDB binds and checks the arguments; the statement is then stepped
    /// directly (see `stepRows`), without GRDB's per-execution bookkeeping for
    /// transaction observers, which soudan does not use. Transaction control
    /// (BEGIN, COMMIT, SAVEPOINT) goes through GRDB's `execute`, which tracks it.
    public func run(sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try stepRows(sql: sql, arguments: arguments) { _ in true }
    }
}

extension Database {
    /// Runs `body` in a savepoint and releases it, or rolls it back and rethrows.
    ///
    /// GRDB's `inSavepoint` prepares its SAVEPOINT and RELEASE statements anew on
    /// every call; the writer opens one or two savepoints per request, so these
    /// go through the statement cache too. Savepoints nest: each RELEASE or
    /// ROLLBACK TO names the innermost one of that name.
    ///
    /// Only inside a transaction: outside one, SAVEPOINT would begin a
    /// transaction and RELEASE would commit it alone.
    public func inCachedSavepoint<T>(_ body: () throws -> T) throws -> T {
        try checkTransactionIsOpen(sql: "SAVEPOINT soudan")
        try cachedStatement(sql: "SAVEPOINT soudan").execute()
        let value: T
        do {
            value = try body()
        } catch {
            // Rolling back alone would leave the savepoint on SQLite's stack. If
            // SQLite already rolled the whole transaction back (some I/O errors
            // do), these fail too: the body's error is the one to report.
            if isInsideTransaction {
                try? cachedStatement(sql: "ROLLBACK TO SAVEPOINT soudan").execute()
                try? cachedStatement(sql: "RELEASE SAVEPOINT soudan").execute()
            }
            throw error
        }
        // The body may have swallowed an error after which SQLite rolled back.
        try checkTransactionIsOpen(sql: "RELEASE SAVEPOINT soudan")
        try cachedStatement(sql: "RELEASE SAVEPOINT soudan").execute()
        return value
    }
}

/// How a transaction begins: `deferred` takes its snapshot at the first read,
/// `immediate` takes the write lock at once.
public enum TransactionStart: String, Sendable {
    case deferred = "BEGIN DEFERRED"
    case immediate = "BEGIN IMMEDIATE"
}

extension Database {
    /// Runs `body` in a transaction and commits it, or rolls it back and rethrows.
    ///
    /// GRDB's `inTransaction` prepares its BEGIN and COMMIT anew each time; the
    /// writer opens one transaction per batch, and at light load batches hold
    /// one or two jobs, so those two parses were a twentieth of its time.
    public func inCachedTransaction<T>(_ start: TransactionStart, _ body: () throws -> T) throws -> T {
        try cachedStatement(sql: start.rawValue).execute()
        let value: T
        do {
            value = try body()
            // "cannot commit - no transaction is active" would hide the cause.
            try checkTransactionIsOpen(sql: "COMMIT")
            try cachedStatement(sql: "COMMIT").execute()
        } catch {
            // SQLite may have rolled back already (some I/O errors do): then
            // there is nothing left to roll back, and the error to report is the first.
            if isInsideTransaction { try? cachedStatement(sql: "ROLLBACK").execute() }
            throw error
        }
        return value
    }
}

extension DatabasePool {
    /// Runs `body` on a reader in one read transaction: one snapshot for all its
    /// queries, as `read` gives, through cached BEGIN and COMMIT.
    ///
    /// GRDB's `read` wraps the body in a savepoint-aware transaction whose
    /// statements are prepared on every call: around a `slots.available`, GRDB
    /// took 35 % of the reader's time with them and 25 % without. Readers are
    /// opened read-only, so the snapshot cannot write either way.
    public func readSnapshot<T>(_ body: (Database) throws -> T) throws -> T {
        try unsafeRead { db in try db.inCachedTransaction(.deferred) { try body(db) } }
    }
}
