import CSoudanShim
import Dispatch
import Foundation
import GRDB
import SoudanProtocol
import SoudanSync
import SoudanTestSupport
import Testing

@testable import SoudanService
@testable import SoudanStore

@Suite struct PendingAccessRecordsTests {
    let key = AuditKey.ephemeral()

    func record(_ n: Int) -> AccessRecord {
        AccessRecord(at: Instant(seconds: Int64(n)), socket: .service, uid: 1, pid: 1, op: "sys.ping", code: "ok", latencyMicros: 1)
    }

    func rows(_ store: TemporaryStore) throws -> Int {
        try store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM access_log") ?? 0 }
    }

    /// Polls the file: nothing signals the commit of a background pass.
    func waitForRows(_ count: Int, in store: TemporaryStore) throws {
        let deadline = Date().addingTimeInterval(10)
        while try rows(store) < count, Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
    }

    func writer(_ store: TemporaryStore, _ pending: PendingAccessRecords, background: (@Sendable (StoreTransaction) throws -> Bool)? = nil)
        -> SingleWriter
    {
        var hooks = SingleWriter.Hooks()
        hooks.beforeCommit = { db in try pending.appendAll(in: db.tx) }
        hooks.background = background ?? { db in try pending.appendSome(in: db.tx) }
        return store.writer(hooks: hooks)
    }

    /// The first record asks the background lane for a pass within the delay,
    /// a full buffer for a batch at once; either appends everything waiting.
    @Test func recordsReachTheLogThroughWhatTheyAskFor() throws {
        let store = try TemporaryStore()
        let pending = PendingAccessRecords(key: key)
        let writer = writer(store, pending)
        defer { writer.close() }
        // Hold the writer busy, so that neither lane takes the buffer while it
        // fills (the lane steps aside while a batch is queued).
        let gate = DispatchSemaphore(value: 0)
        writer.submit(
            WriteJob(run: { _ in
                gate.wait()
                return .null
            }))
        var asked: [PendingAccessRecords.Request] = []
        for n in 1...PendingAccessRecords.batchAtOnce {
            switch pending.add(record(n)) {
            case .background(let delay)?:
                asked.append(.background(within: delay))
                writer.requestBackground(within: delay)
            case .batch?:
                asked.append(.batch)
                writer.requestBatch(within: .nanoseconds(0))
            case nil:
                break
            }
        }
        gate.signal()
        #expect(asked == [.background(within: PendingAccessRecords.maximumDelay), .batch])
        try waitForRows(PendingAccessRecords.batchAtOnce, in: store)
        #expect(try rows(store) == PendingAccessRecords.batchAtOnce)
        // After that, a new first record asks the lane again, and is logged by it.
        let again = try #require(pending.add(record(0)))
        #expect(again == .background(within: PendingAccessRecords.maximumDelay))
        writer.requestBackground(within: .nanoseconds(0))
        try waitForRows(PendingAccessRecords.batchAtOnce + 1, in: store)
        #expect(try rows(store) == PendingAccessRecords.batchAtOnce + 1)
        #expect(try store.pool.read { try AccessLog.verify(key: key, in: $0.tx) }.ok)
    }

    /// The lane appends in transactions of `backgroundChunk` records, oldest
    /// first, from a thread running below the daemon's other threads.
    @Test func theBackgroundLaneAppendsInSmallTransactionsAtALowerPriority() throws {
        let store = try TemporaryStore()
        let pending = PendingAccessRecords(key: key)
        let passes = LockedValue<[(nice: Int32, more: Bool)]>([])
        let writer = writer(store, pending) { db in
            let more = try pending.appendSome(in: db.tx)
            passes.withLock { $0.append((soudan_thread_nice(), more)) }
            return more
        }
        defer { writer.close() }
        let count = 2 * PendingAccessRecords.backgroundChunk + 10
        for n in 1...count { _ = pending.add(record(n)) }
        writer.requestBackground(within: .nanoseconds(0))
        try waitForRows(count, in: store)
        let seen = passes.withLock { $0 }
        #expect(seen.map(\.more) == [true, true, false], "two full chunks, then the rest")
        #expect(seen.allSatisfy { $0.nice == SingleWriter.backgroundNice })
        let times = try store.pool.read { try Int64.fetchAll($0, sql: "SELECT at FROM access_log ORDER BY id") }
        #expect(times == (1...count).map(Int64.init), "in the order the records were added")
        #expect(try store.pool.read { try AccessLog.verify(key: key, in: $0.tx) }.ok)
    }

    /// A chunk whose transaction fails goes back to the front of the buffer,
    /// so the next batch still logs every record, in order.
    @Test func aFailedChunkWaitsForTheNextTry() throws {
        let store = try TemporaryStore()
        let pending = PendingAccessRecords(key: key)
        for n in 1...3 { _ = pending.add(record(n)) }
        try store.pool.write { db in
            try db.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON access_log BEGIN SELECT RAISE(ABORT, 'refused'); END")
        }
        #expect(throws: DatabaseError.self) {
            try store.pool.writeWithoutTransaction { db in
                try db.inCachedTransaction(.immediate) { _ = try pending.appendSome(in: db.tx, limit: 2) }
            }
        }
        pending.laneEnded(committed: false)
        _ = pending.add(record(4))
        try store.pool.write { db in
            try db.execute(sql: "DROP TRIGGER refuse")
            try pending.appendAll(in: db.tx)
        }
        let times = try store.pool.read { try Int64.fetchAll($0, sql: "SELECT at FROM access_log ORDER BY id") }
        #expect(times == [1, 2, 3, 4])
        #expect(try store.pool.read { try AccessLog.verify(key: key, in: $0.tx) }.ok)
    }

    /// When the lane steps aside for a batch that is past its `beforeCommit`
    /// already, the records it leaves still reach the log, without waiting for
    /// another record or for the loop's tick.
    @Test func recordsLeftByTheLaneForAFinishingBatchStillReachTheLog() throws {
        let store = try TemporaryStore()
        let pending = PendingAccessRecords(key: key)
        let inAfterBatch = DispatchSemaphore(value: 0)
        let gate = DispatchSemaphore(value: 0)
        let firstBatch = LockedValue(true)
        var hooks = SingleWriter.Hooks()
        hooks.beforeCommit = { db in try pending.appendAll(in: db.tx) }
        hooks.background = { db in try pending.appendSome(in: db.tx) }
        hooks.afterBatch = { _ in
            guard
                firstBatch.withLock({ first in
                    defer { first = false }
                    return first
                })
            else { return }
            inAfterBatch.signal()
            gate.wait()
        }
        let writer = store.writer(hooks: hooks)
        defer { writer.close() }
        writer.submit(WriteJob(run: { _ in .null }))
        #expect(inAfterBatch.wait(timeout: .now() + 10) == .success)
        // The batch has committed and waits in afterBatch: still draining.
        for n in 1...300 { _ = pending.add(record(n)) }
        writer.requestBackground(within: .nanoseconds(0))
        let deadline = Date().addingTimeInterval(10)
        while writer.stepAsides.load(ordering: .relaxed) == 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.002) }
        #expect(writer.stepAsides.load(ordering: .relaxed) == 1)
        gate.signal()
        try waitForRows(300, in: store)
        #expect(try rows(store) == 300)
    }
}
