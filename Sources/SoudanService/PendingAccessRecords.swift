import Dispatch
import GRDB
import SoudanSync
import SoudanStore

/// Access records on their way into the log.
///
/// Records of writes are added by their job during the batch (`addFromWriter`),
/// so they commit with the write, before its reply: the batch's `beforeCommit`
/// takes them (`appendAll`), with one chain-head read for all. Records of
/// requests that do not write (pings, reads, refusals) are added from any
/// thread (`add`) after their reply has left, so nobody waits for them: the
/// first record into an empty buffer asks the writer's background lane for a
/// pass within `maximumDelay`, which appends them in small transactions at a
/// lower priority (`appendSome`); with writes flowing, the next batch takes
/// them first. A buffer that reaches `batchAtOnce` (the lane cannot keep up)
/// asks for a batch at once instead, so memory stays bounded.
///
/// A crash can lose the records of reads from the last `maximumDelay`: a read's
/// reply never waited for its access record.
final class PendingAccessRecords: Sendable {
    static let maximumDelay = DispatchTimeInterval.milliseconds(10)
    static let batchAtOnce = 4096
    /// Records per background transaction: about a millisecond of the writer's
    /// time, the longest a batch queued meanwhile waits for the lane.
    static let backgroundChunk = 256

    private let records = LockedValue<[AccessRecord]>([])

    /// What the caller of `add` must ask the writer for.
    enum Request: Equatable {
        /// `SingleWriter.requestBackground(within:)`.
        case background(within: DispatchTimeInterval)
        /// A batch at once (`SingleWriter.requestBatch`).
        case batch
    }

    /// Adds a record; returns what to ask the writer for, or nil if a pass or a
    /// batch is asked for already.
    func add(_ record: AccessRecord) -> Request? {
        records.withLock { records -> Request? in
            records.append(record)
            switch records.count {
            case 1: return .background(within: Self.maximumDelay)
            case Self.batchAtOnce: return .batch
            default: return nil
            }
        }
    }

    /// From a job inside the writer's batch: the batch's own `beforeCommit` takes it.
    func addFromWriter(_ record: AccessRecord) {
        records.withLock { $0.append(record) }
    }

    /// Appends everything waiting, in the writer's batch.
    func appendAll(in db: Database) throws {
        let taken = records.withLock { records in
            let taken = records
            records = []
            return taken
        }
        try AccessLog.append(contentsOf: taken, in: db)
    }

    /// Appends the oldest `limit` records waiting, on the background lane;
    /// returns whether more wait. Taken inside the transaction, so the log keeps
    /// the order in which records were added whichever lane appends them.
    func appendSome(in db: Database, limit: Int = backgroundChunk) throws -> Bool {
        let (taken, more) = records.withLock { records in
            let count = min(limit, records.count)
            let taken = Array(records.prefix(count))
            records.removeFirst(count)
            return (taken, !records.isEmpty)
        }
        do {
            try AccessLog.append(contentsOf: taken, in: db)
        } catch {
            // The lane's transaction rolls back: the records wait for the next try.
            records.withLock { $0.insert(contentsOf: taken, at: 0) }
            throw error
        }
        return more
    }
}
