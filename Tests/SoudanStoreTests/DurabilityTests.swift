import Foundation
import GRDB
import SoudanProtocol
import SoudanTestSupport
import Testing

@testable import SoudanStore

/// `synchronous` as the writer connection really has it: FULL syncs the WAL at
/// every commit, so a reply sent after COMMIT survives a power loss.
@Suite struct DurabilityTests {
    /// SQLite's numbering: 1 is NORMAL, 2 is FULL.
    static let levels: [Durability: Int] = [.normal: 1, .full: 2]

    @Test(arguments: Durability.allCases)
    func theWriterSyncsAsAsked(_ durability: Durability) throws {
        let directory = NSTemporaryDirectory() + "soudan-durability-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store.open(path: directory + "/soudan.sqlite3", durability: durability, now: Instant(seconds: 1_796_086_800))
        defer { try? store.close() }
        let level = try store.pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
        #expect(level == Self.levels[durability])
    }

    /// Each job's savepoint journals the pages it touches; past 64 KiB SQLite
    /// would spill that journal, personal data included, to a file in the temp
    /// directory. Every connection keeps it in memory (2 is MEMORY).
    @Test func temporaryDataStaysInMemoryOnEveryConnection() throws {
        let store = try TemporaryStore()
        let writer = try store.pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA temp_store") }
        let reader = try store.pool.read { try Int.fetchOne($0, sql: "PRAGMA temp_store") }
        #expect(writer == 2)
        #expect(reader == 2)
    }
}
