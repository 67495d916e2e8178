package import GRDB

/// The database as everything above the Store sees it: one open transaction (a
/// snapshot for a reader, the batch's savepoint for the writer), reached only
/// through the typed methods of the stores (`SeekerStore`, `ConsultationStore`,
/// `EventLog`, …), which take it as `in db:`.
///
/// Why: SQL, and GRDB with it, lives in this module alone. Handlers cannot write
/// a statement, pass a fragment of one, or open a transaction of their own; a
/// change of schema or of a query plan is a change to `Sources/SoudanStore`, and
/// the writer's transaction rules (see `Database+Cached.swift`) cannot be
/// bypassed from above. Not `Sendable`: it is valid only inside the closure
/// that received it, on that thread.
public struct StoreTransaction {
    /// GRDB's connection, inside its transaction; for this module and its tests.
    package let database: Database

    package init(_ database: Database) {
        self.database = database
    }
}

/// The few connection helpers the stores call, forwarded, so that their
/// statements read `db.run(sql:…)` whatever `db` is.
extension StoreTransaction {
    func run(sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try database.run(sql: sql, arguments: arguments)
    }

    func execute(sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try database.execute(sql: sql, arguments: arguments)
    }

    func cachedStatement(sql: String) throws -> Statement {
        try database.cachedStatement(sql: sql)
    }

    func fetchFirst<T>(sql: String, arguments: StatementArguments = StatementArguments(), _ decode: (ColumnReader) throws -> T)
        throws -> T?
    {
        try database.fetchFirst(sql: sql, arguments: arguments, decode)
    }

    func fetchEach<T>(sql: String, arguments: StatementArguments = StatementArguments(), _ decode: (ColumnReader) throws -> T)
        throws -> [T]
    {
        try database.fetchEach(sql: sql, arguments: arguments, decode)
    }

    var changesCount: Int { database.changesCount }
}

/// Transaction control for the layers above: savepoints, and the check that
/// SQLite has not rolled the transaction back on its own.
extension StoreTransaction {
    /// Runs `body` in a savepoint of its own: released if it returns, rolled back
    /// (and the error rethrown) if it throws, so a failed request leaves nothing.
    public func inSavepoint<T>(_ body: () throws -> T) throws -> T {
        try database.inCachedSavepoint(body)
    }

    /// Throws when SQLite has rolled the whole transaction back on its own (disk
    /// full, I/O error, interrupt): nothing more may run in it.
    public func checkOpen() throws {
        try database.checkTransactionIsOpen()
    }
}

extension Store {
    /// When `error` means the database cannot take the request now (full, busy,
    /// locked, I/O, read-only, aborted, out of memory), SQLite's code for the
    /// log; nil for any other error. Such a request is answered `unavailable`.
    public static func unavailableCause(_ error: any Error) -> String? {
        guard let db = error as? DatabaseError else { return nil }
        switch db.resultCode {
        case .SQLITE_FULL, .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN,
            .SQLITE_ABORT, .SQLITE_INTERRUPT, .SQLITE_NOMEM:
            return "\(db.resultCode)"
        default:
            return nil
        }
    }
}
