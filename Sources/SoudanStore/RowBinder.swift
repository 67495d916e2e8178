import Foundation
import GRDB
import GRDBSQLite

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
