import Dispatch
import GRDB
import SoudanSync
import SoudanStore

/// Access records of requests that do not write (pings, reads, refusals), on
/// their way to the single writer.
///
/// Why: a writer batch costs a BEGIN, a COMMIT with its fsync and the time rules
/// whatever it holds, and pings arrive by the ten thousand a second. Records
/// collect here and the writer takes all of them at the start of its next batch
/// (`appendAll`, from its `beforeBatch` hook), in answer order and before that
/// batch's own jobs. With writes flowing, that batch comes anyway; otherwise the
/// first record into an empty buffer asks the writer for a batch within
/// `maximumDelay`, and a full buffer asks for one at once.
///
/// A crash can lose the records of the last `maximumDelay`: a read's reply never
/// waited for its access record (writes' records commit with the write, before
/// the reply).
final class PendingAccessRecords: Sendable {
    static let maximumDelay = DispatchTimeInterval.milliseconds(10)
    static let batchAtOnce = 4096

    private let records = LockedValue<[AccessRecord]>([])

    /// What the caller must ask of the writer after `add`.
    enum Urgency {
        case none, soon, now
    }

    func add(_ record: AccessRecord) -> Urgency {
        records.withLock { records -> Urgency in
            records.append(record)
            switch records.count {
            case 1: return .soon
            case Self.batchAtOnce: return .now
            default: return .none
            }
        }
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
