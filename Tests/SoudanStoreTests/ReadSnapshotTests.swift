import Dispatch
import GRDB
import SoudanTestSupport
import Testing

@testable import SoudanStore

/// Reads run in one snapshot each, as GRDB's `read` gives, and leave their
/// reader connection out of any transaction whatever the body did.
@Suite struct ReadSnapshotTests {
    struct Boom: Error {}

    func count(_ db: Database) throws -> Int { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") ?? -1 }

    @Test func aWriteCommittedMeanwhileIsNotSeenUntilTheNextRead() throws {
        let store = try TemporaryStore()
        try store.pool.write { try $0.execute(sql: "CREATE TABLE t(v INTEGER); INSERT INTO t VALUES (1)") }
        let (before, during) = try store.pool.readSnapshot { db -> (Int, Int) in
            let before = try count(db)
            let written = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                try? store.pool.write { try $0.execute(sql: "INSERT INTO t VALUES (2)") }
                written.signal()
            }
            written.wait()
            return (before, try count(db))
        }
        #expect(before == 1 && during == 1)
        #expect(try store.pool.readSnapshot(count) == 2)
    }

    @Test func aFailingBodyLeavesItsReaderOutOfTheTransaction() throws {
        let store = try TemporaryStore()
        try store.pool.write { try $0.execute(sql: "CREATE TABLE t(v INTEGER)") }
        #expect(throws: Boom.self) {
            try store.pool.readSnapshot { db in
                _ = try count(db)
                throw Boom()
            }
        }
        try store.pool.write { try $0.execute(sql: "INSERT INTO t VALUES (1)") }
        // Every reader, whichever the pool hands out, sees the new row.
        for _ in 0..<8 {
            #expect(try store.pool.readSnapshot { db in (db.isInsideTransaction, try count(db)) } == (true, 1))
            #expect(try store.pool.readSnapshot { db in db.isInsideTransaction } == true)
        }
        try store.pool.unsafeRead { db in #expect(!db.isInsideTransaction) }
    }
}
