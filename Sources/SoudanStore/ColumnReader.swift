import Foundation
import GRDB
import GRDBSQLite

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
        DatabaseError(resultCode: ResultCode(rawValue: sqlite3_extended_errcode(sqliteConnection)),
                      message: String(cString: sqlite3_errmsg(sqliteConnection)), sql: sql)
    }
}
