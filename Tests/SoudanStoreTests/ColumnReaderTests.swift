import Foundation
import GRDB
import SoudanTestSupport
import Testing

@testable import SoudanStore

/// Rows read by position straight from SQLite decode as GRDB decoded them.
@Suite struct ColumnReaderTests {
    func withTable(_ body: (Database) throws -> Void) throws {
        let store = try TemporaryStore()
        try store.pool.write { db in
            try db.execute(sql: "CREATE TABLE t(id INTEGER PRIMARY KEY, text TEXT, number INTEGER, flag INTEGER, bytes BLOB)")
            try db.execute(sql: "INSERT INTO t VALUES (1, 'ソウダン相談', 9007199254740993, 1, x'00ff10')")
            try db.execute(sql: "INSERT INTO t VALUES (2, '', -5, 0, x'')")
            try db.execute(sql: "INSERT INTO t VALUES (3, NULL, NULL, NULL, NULL)")
            try body(db)
        }
    }

    @Test func valuesComeBackAsStored() throws {
        try withTable { db in
            typealias Values = (text: String?, number: Int64?, flag: Bool?, bytes: Data?)
            let rows = try db.fetchEach(sql: "SELECT text, number, flag, bytes FROM t ORDER BY id") { row -> Values in
                (row[0], row[1], row[2], row[3])
            }
            let grdb = try Row.fetchAll(db, sql: "SELECT text, number, flag, bytes FROM t ORDER BY id").map { row -> Values in
                (row[0], row[1], row[2], row[3])
            }
            #expect(rows.count == 3)
            for (mine, theirs) in zip(rows, grdb) {
                #expect(mine.text == theirs.text)
                #expect(mine.number == theirs.number)
                #expect(mine.flag == theirs.flag)
                #expect(mine.bytes == theirs.bytes)
            }
            #expect(rows[0].text == "ソウダン相談" && rows[0].number == 9_007_199_254_740_993 && rows[0].bytes == Data([0, 255, 16]))
            #expect(rows[2].text == nil && rows[2].number == nil && rows[2].flag == nil && rows[2].bytes == nil)
        }
    }

    @Test func nullReadsAsTheEmptyValueOfANonOptional() throws {
        try withTable { db in
            let row = try db.fetchFirst(sql: "SELECT text, number, flag FROM t WHERE id = 3") { row -> (String, Int, Bool) in
                (row[0], row[1], row[2])
            }
            #expect(row?.0 == "" && row?.1 == 0 && row?.2 == false)
        }
    }

    @Test func theStatementIsReadyForItsNextUseWhateverHappened() throws {
        try withTable { db in
            let sql = "SELECT id FROM t WHERE id >= ? ORDER BY id"
            func first(from id: Int) throws -> Int? { try db.fetchFirst(sql: sql, arguments: [id]) { row -> Int in row[0] } }
            #expect(try first(from: 1) == 1)
            #expect(try first(from: 2) == 2)
            #expect(try first(from: 9) == nil)
            struct Stop: Error {}
            #expect(throws: Stop.self) { try db.fetchEach(sql: sql, arguments: [1]) { _ -> Int in throw Stop() } }
            let all = try db.fetchEach(sql: sql, arguments: [1]) { row -> Int in row[0] }
            #expect(all == [1, 2, 3])
        }
    }

    @Test func anErrorWhileSteppingIsADatabaseError() throws {
        try withTable { db in
            let sql = "SELECT json_extract(?, '$.a')"
            #expect(throws: DatabaseError.self) { try db.fetchFirst(sql: sql, arguments: ["not json"]) { row -> String? in row[0] } }
            let value = try db.fetchFirst(sql: sql, arguments: [#"{"a":"ok"}"#]) { row -> String? in row[0] }
            #expect(value == "ok")
        }
    }
}
