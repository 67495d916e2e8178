import Dispatch
import Foundation
import GRDB
import SoudanProtocol
import Testing
@testable import SoudanService
@testable import SoudanStore

@Suite struct PendingAccessRecordsTests {
    func record(_ n: Int) -> AccessRecord {
        AccessRecord(at: Instant(seconds: Int64(n)), socket: .service, uid: 1, pid: 1, op: "sys.ping", code: "ok", latencyMicros: 1)
    }

    /// The first record asks for a batch within the delay, a full buffer for
    /// one at once; each such batch appends everything waiting. No timer or
    /// tick helps here: only the requested batches do.
    @Test func recordsReachTheLogThroughTheBatchesTheyAskFor() throws {
        let store = try TemporaryStore()
        let pending = PendingAccessRecords()
        var hooks = SingleWriter.Hooks()
        hooks.beforeCommit = { db in try pending.appendAll(in: db) }
        let writer = store.writer(hooks: hooks)
        // Hold the writer busy, so that no requested batch takes the buffer while
        // it fills.
        let gate = DispatchSemaphore(value: 0)
        writer.submit(WriteJob(run: { _ in gate.wait(); return .null }))
        var delays: [DispatchTimeInterval] = []
        for n in 1...PendingAccessRecords.batchAtOnce {
            if let delay = pending.add(record(n)) {
                delays.append(delay)
                writer.requestBatch(within: delay)
            }
        }
        gate.signal()
        #expect(delays == [PendingAccessRecords.maximumDelay, .nanoseconds(0)], "the first asks within the delay, a full buffer at once")
        func rows() throws -> Int { try store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM access_log") ?? 0 } }
        let deadline = Date().addingTimeInterval(10)
        // Polling the file: nothing here signals the commit of a requested batch.
        while try rows() < PendingAccessRecords.batchAtOnce, Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        #expect(try rows() == PendingAccessRecords.batchAtOnce)
        // After that batch, a new first record asks again, and is logged too.
        let again = try #require(pending.add(record(0)))
        writer.requestBatch(within: again)
        while try rows() < PendingAccessRecords.batchAtOnce + 1, Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        #expect(try rows() == PendingAccessRecords.batchAtOnce + 1)
        #expect(try store.pool.read(AccessLog.verify).ok)
    }
}
