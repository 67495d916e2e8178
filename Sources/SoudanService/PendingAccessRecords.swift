import Dispatch
import GRDB
import SoudanSync
import SoudanStore

/// Access records on their way into the log, appended by the single writer just
/// before each COMMIT (`appendAll`, from its `beforeCommit` hook): one chain-head
/// read and one loop per batch, however many requests it answers.
///
/// Records of writes are added by their job during the batch (`addFromWriter`),
/// so they commit with the write, before its reply. Records of requests that do
/// not write (pings, reads, refusals) are added from any thread (`add`): a writer
/// batch costs a BEGIN, a COMMIT with its fsync and the time rules, and pings
/// arrive by the ten thousand a second, so they wait for the next batch. With
/// writes flowing, that batch comes anyway; otherwise the first record into an
/// empty buffer asks the writer for a batch within `maximumDelay`, and a full
/// buffer asks for one at once.
///
/// A crash can lose the records of reads from the last `maximumDelay`: a read's
/// reply never waited for its access record.
final class PendingAccessRecords: Sendable {
    static let maximumDelay = DispatchTimeInterval.milliseconds(10)
    static let batchAtOnce = 4096

    private let records = LockedValue<[AccessRecord]>([])

    /// Adds a record; returns the delay within which the caller must ask the
    /// writer for a batch (`SingleWriter.requestBatch`), or nil if one is asked
    /// for already.
    func add(_ record: AccessRecord) -> DispatchTimeInterval? {
        records.withLock { records -> DispatchTimeInterval? in
            records.append(record)
            switch records.count {
            case 1: return Self.maximumDelay
            case Self.batchAtOnce: return .nanoseconds(0)
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
}
