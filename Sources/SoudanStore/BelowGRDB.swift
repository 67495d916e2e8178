import Foundation
public import GRDB
import GRDBSQLite

// Everything of the store that runs below GRDB, in one file: the transaction
// and savepoint helpers of the writer and the readers, statements stepped with
// `sqlite3_step`, rows read by column index, and values bound by position.
//
// Why below GRDB at all: per booking, GRDB's per-call preparation of BEGIN,
// COMMIT and SAVEPOINT, its `Row` dictionaries and its boxed arguments cost
// about as much as the SQL itself (measured in issue 5's profile). What GRDB's
// own blocks guarantee is kept by hand here, and `AbortedBatchTests`,
// `ReadSnapshotTests` and `ColumnReaderTests` prove it: every write stepped
// here needs an open transaction (`checkTransactionIsOpen`), so that after
// SQLite rolls a batch back on its own, nothing later runs alone.

// MARK: - Transactions and savepoints
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

// MARK: - Reading rows by position
/// The current row of a statement being stepped, read by position straight from
/// SQLite: `row[0]` as whatever type the receiving field has.
///
/// Why not GRDB's `Row`: a `Row` over a live statement builds a dictionary of
/// lowercased column names each time a cursor is made, however the row is then
/// read, and that cost as much as the query itself for the one-row lookups of
/// every booking. Valid only inside the closure it is handed to.
struct ColumnReader {
    let statement: SQLiteStatement

    subscript<Value: ColumnValue>(_ index: Int32) -> Value {
        Value.read(statement, index)
    }

    /// A column holding one of an enum's raw values (a status): a value the enum
    /// does not know is an error, never a default, so that bad data is never
    /// served as, say, an active seeker.
    func status<Status: RawRepresentable>(_ index: Int32, as: Status.Type = Status.self) throws -> Status
    where Status.RawValue == String {
        let text: String = self[index]
        guard let status = Status(rawValue: text) else { throw UnknownStoredValue(type: "\(Status.self)", value: text) }
        return status
    }
}

/// A stored value that no case of its type names: the database was changed by
/// hand or by a newer version. The request fails (`internal`) instead of guessing.
public struct UnknownStoredValue: Error, CustomStringConvertible {
    public let type: String
    public let value: String
    public var description: String { "the database holds \(type) '\(value)', which this version does not know" }
}

/// A type a column converts to, as GRDB would convert it; NULL reads as the
/// type's empty value unless the type is optional (the schema's NOT NULL
/// columns are the only ones read into non-optionals).
protocol ColumnValue {
    static func read(_ statement: SQLiteStatement, _ index: Int32) -> Self
}

extension String: ColumnValue {
    static func read(_ statement: SQLiteStatement, _ index: Int32) -> String {
        guard let text = sqlite3_column_text(statement, index) else { return "" }
        let count = Int(sqlite3_column_bytes(statement, index))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }
}

extension Int64: ColumnValue {
    static func read(_ statement: SQLiteStatement, _ index: Int32) -> Int64 {
        sqlite3_column_int64(statement, index)
    }
}

extension Int: ColumnValue {
    static func read(_ statement: SQLiteStatement, _ index: Int32) -> Int {
        Int(sqlite3_column_int64(statement, index))
    }
}

extension Bool: ColumnValue {
    static func read(_ statement: SQLiteStatement, _ index: Int32) -> Bool {
        sqlite3_column_int64(statement, index) != 0
    }
}

extension Data: ColumnValue {
    static func read(_ statement: SQLiteStatement, _ index: Int32) -> Data {
        guard let bytes = sqlite3_column_blob(statement, index) else { return Data() }
        return Data(bytes: bytes, count: Int(sqlite3_column_bytes(statement, index)))
    }
}

extension Optional: ColumnValue where Wrapped: ColumnValue {
    static func read(_ statement: SQLiteStatement, _ index: Int32) -> Wrapped? {
        sqlite3_column_type(statement, index) == SQLITE_NULL ? nil : Wrapped.read(statement, index)
    }
}

extension Database {
    /// The first row of a cached statement, decoded in place (see `ColumnReader`).
    func fetchFirst<T>(
        sql: String, arguments: StatementArguments = StatementArguments(), _ decode: (ColumnReader) throws -> T
    ) throws -> T? {
        var first: T?
        try stepRows(sql: sql, arguments: arguments) { row in
            first = try decode(row)
            return false
        }
        return first
    }

    /// Every row of a cached statement, each decoded in place (see `ColumnReader`).
    func fetchEach<T>(
        sql: String, arguments: StatementArguments = StatementArguments(), _ decode: (ColumnReader) throws -> T
    ) throws -> [T] {
        var decoded: [T] = []
        try stepRows(sql: sql, arguments: arguments) { row in
            decoded.append(try decode(row))
            return true
        }
        return decoded
    }

    /// Steps a cached statement with `arguments` (bound and checked by GRDB) while
    /// `row` returns true, then resets it for its next use.
    func stepRows(sql: String, arguments: StatementArguments, _ row: (ColumnReader) throws -> Bool) throws {
        let statement = try cachedStatement(sql: sql)
        try statement.setArguments(arguments)
        let sqlite = statement.sqliteStatement
        // A write stepped here would autocommit if SQLite had aborted the batch.
        if sqlite3_stmt_readonly(sqlite) == 0 { try checkTransactionIsOpen(sql: sql) }
        defer { sqlite3_reset(sqlite) }
        while true {
            let code = sqlite3_step(sqlite)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw lastError(sql: sql) }
            if try !row(ColumnReader(statement: sqlite)) { return }
        }
    }

    /// The error of the statement just stepped, for statements stepped outside
    /// GRDB. With the extended code (`SQLITE_CONSTRAINT_UNIQUE`, …), as GRDB
    /// reports it: slot conflicts are told apart by it.
    func lastError(sql: String) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: sqlite3_extended_errcode(sqliteConnection)),
            message: String(cString: sqlite3_errmsg(sqliteConnection)), sql: sql)
    }
}

// MARK: - Binding values by position
/// Binds one row's values, in order, straight onto a prepared statement, steps
/// it, and leaves it reset for the next row.
///
/// For the few statements that run once per request (the access log): GRDB's
/// `StatementArguments` boxes every value in an existential and builds an array
/// per execution, which is most of the cost of a small insert. Anything else goes
/// through GRDB as usual.
struct RowBinder {
    private let statement: SQLiteStatement
    private var index: Int32 = 1

    /// SQLite copies the bytes before the bind returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ statement: SQLiteStatement) {
        self.statement = statement
        sqlite3_reset(statement)
    }

    mutating func bind(_ value: Int64) {
        sqlite3_bind_int64(statement, index, value)
        index += 1
    }

    mutating func bind(_ value: String?) {
        if var value {
            value.withUTF8 { utf8 in
                // An empty buffer may have no address; SQLite reads no byte of it.
                let empty: StaticString = ""
                let base = UnsafeRawPointer(utf8.baseAddress ?? empty.utf8Start).assumingMemoryBound(to: CChar.self)
                _ = sqlite3_bind_text(statement, index, base, Int32(utf8.count), Self.transient)
            }
        } else {
            sqlite3_bind_null(statement, index)
        }
        index += 1
    }

    mutating func bind(_ value: Data) {
        value.withUnsafeBytes { bytes in
            if let base = bytes.baseAddress, !bytes.isEmpty {
                _ = sqlite3_bind_blob(statement, index, base, Int32(bytes.count), Self.transient)
            } else {
                _ = sqlite3_bind_zeroblob(statement, index, 0)
            }
        }
        index += 1
    }

    /// Runs the statement with the values bound so far, then resets it.
    mutating func step(_ db: Database, sql: String) throws {
        if sqlite3_stmt_readonly(statement) == 0 {
            do {
                try db.checkTransactionIsOpen(sql: sql)
            } catch {
                sqlite3_reset(statement)
                index = 1
                throw error
            }
        }
        let code = sqlite3_step(statement)
        let failure = code == SQLITE_DONE ? nil : db.lastError(sql: sql)
        sqlite3_reset(statement)
        index = 1
        if let failure { throw failure }
    }
}
