import GRDB
import SoudanProtocol
import SoudanTestSupport
import Testing

@testable import SoudanStore

/// Which version of the terms is in force (Art. 11), chosen in Swift from all
/// versions rather than by SQLite's ORDER BY: the same rules, tested here.
@Suite struct TermsStoreTests {
    static let created = Instant(seconds: 1_796_086_800)

    func publish(_ version: String, effective: Int64, published: Int64, in store: TemporaryStore) throws {
        try store.pool.write { db in
            try db.execute(
                sql: "INSERT INTO terms(version, effective_at, summary, published_at) VALUES (?, ?, 'test', ?)",
                arguments: [version, Self.created.seconds + effective, Self.created.seconds + published])
        }
    }

    func current(at offset: Int64, in store: TemporaryStore) throws -> String {
        try store.pool.read { try TermsStore.current(at: Self.created.adding(seconds: offset), in: $0.tx).version }
    }

    @Test func theFirstVersionIsInForceFromTheStart() throws {
        let store = try TemporaryStore(now: Self.created)
        #expect(try current(at: 0, in: store) == "1")
        #expect(try current(at: 86_400, in: store) == "1")
    }

    @Test func aLaterVersionTakesOverAtItsEffectiveTimeNotBefore() throws {
        let store = try TemporaryStore(now: Self.created)
        try publish("2", effective: 1_000, published: 10, in: store)
        #expect(try current(at: 999, in: store) == "1")
        #expect(try current(at: 1_000, in: store) == "2")
    }

    @Test func aVersionPublishedLaterButEffectiveEarlierDoesNotOverrideOneAlreadyLater() throws {
        let store = try TemporaryStore(now: Self.created)
        try publish("3", effective: 2_000, published: 10, in: store)
        try publish("2", effective: 1_000, published: 20, in: store)
        #expect(try current(at: 1_500, in: store) == "2")
        #expect(try current(at: 2_500, in: store) == "3")
    }

    @Test func onTheSameEffectiveTimeTheLaterPublishedWinsThenTheLaterInserted() throws {
        let store = try TemporaryStore(now: Self.created)
        try publish("2b", effective: 1_000, published: 30, in: store)
        try publish("2a", effective: 1_000, published: 20, in: store)
        #expect(try current(at: 1_000, in: store) == "2b")
        try publish("2c", effective: 1_000, published: 30, in: store)
        #expect(try current(at: 1_000, in: store) == "2c")
    }

    @Test func beforeTheFirstEffectiveTimeTheEarliestVersionIsInForce() throws {
        let store = try TemporaryStore(now: Self.created)
        #expect(try current(at: -3_600, in: store) == "1")
        try publish("0", effective: -7_200, published: 0, in: store)
        #expect(try current(at: -3_600, in: store) == "0")
        #expect(try current(at: -9_000, in: store) == "0")
    }
}
