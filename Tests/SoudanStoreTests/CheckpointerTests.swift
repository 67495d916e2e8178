import Foundation
import GRDB
import Logging
import Testing
@testable import SoudanStore

@Suite struct CheckpointerTests {
    func databaseFileSize(_ store: TemporaryStore) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: store.path)[.size] as? Int) ?? 0
    }

    /// The writer's commits leave the database file alone (no automatic
    /// checkpoint); the Checkpointer's own connection copies the WAL back.
    @Test func theWalIsCopiedBackByTheCheckpointerNotByTheWriter() throws {
        let store = try TemporaryStore()
        try store.pool.write { try $0.execute(sql: "CREATE TABLE t(v BLOB)") }
        let before = try databaseFileSize(store)
        // ~6 MB through the WAL: past SQLite's automatic threshold of 1,000 pages.
        for _ in 0..<30 {
            try store.pool.write { db in
                for _ in 0..<50 { try db.execute(sql: "INSERT INTO t VALUES (randomblob(4096))") }
            }
        }
        #expect(try databaseFileSize(store) == before, "the writer checkpointed on its own")
        let checkpointer = try Checkpointer(path: store.path, durability: .full, logger: Logger(label: "test"), interval: .milliseconds(10))
        defer { checkpointer.stop() }
        let deadline = Date().addingTimeInterval(10)
        // Polling the file: the checkpointer has nothing to signal a test with.
        while try databaseFileSize(store) < before + 5_000_000, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(try databaseFileSize(store) >= before + 5_000_000)
        #expect(try store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM t") } == 1500)
    }
}
