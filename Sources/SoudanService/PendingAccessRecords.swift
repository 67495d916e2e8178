import Dispatch
import SoudanStore
import SoudanSync

/// Access records on their way into the log, kept until a transaction that
/// appended them has committed.
///
/// Three kinds of record, three ways in:
/// - Records of writes, and of personal-data reads, are added by a job inside
///   the writer's batch (`addFromWriter`) and appended by the batch's
///   `beforeCommit` (`appendAll`): they commit with the batch, before any reply
///   of that batch leaves (CONTRACT.md, "Personal data leaves only with its record").
/// - Records of requests that do not wait (pings, other reads, refusals) are
///   added from any thread (`add`) before their reply is sent. The first record
///   into an empty buffer asks the writer's background lane for a pass within
///   `maximumDelay` (`appendSome`); with writes flowing, the next batch takes
///   them first. A buffer past `batchAtOnce` asks for a batch at once.
/// - A job that must see every request answered before it (`audit.disclose`,
///   `audit.verify`, `sys.backup`, `privacy.purge`) calls `appendAll` itself
///   first, inside its batch.
///
/// Why records are held until the outcome: a batch or a lane transaction that
/// does not commit (full disk, I/O error) takes its rows with it. What it took
/// from the waiting buffer goes back to its front, so a record is lost only if
/// the daemon dies; the records of the failed batch's own jobs are dropped,
/// since each of those jobs is answered `unavailable`, and that answer's own
/// record is added by the job's completion (`add`), whether the job ran or not.
final class PendingAccessRecords: Sendable {
    static let maximumDelay = DispatchTimeInterval.milliseconds(10)
    static let batchAtOnce = 4096
    /// Records per background transaction: about a millisecond of the writer's
    /// time, the longest a batch queued meanwhile waits for the lane.
    static let backgroundChunk = 256

    private struct State {
        /// Answered without waiting, not yet appended, oldest first.
        var waiting: [AccessRecord] = []
        /// Appended by the current batch from `waiting`: back to the front if it fails.
        var takenByBatch: [AccessRecord] = []
        /// Left by the current batch's jobs; `appendedOfBatch` of them are appended.
        var ofBatch: [AccessRecord] = []
        var appendedOfBatch = 0
        /// Appended by the lane's current transaction: back to the front if it fails.
        var takenByLane: [AccessRecord] = []
    }

    private let state = LockedValue(State())
    private let key: AuditKey

    init(key: AuditKey) {
        self.key = key
    }

    /// What the caller of `add` must ask the writer for.
    enum Request: Equatable {
        /// `SingleWriter.requestBackground(within:)`.
        case background(within: DispatchTimeInterval)
        /// A batch at once (`SingleWriter.requestBatch`).
        case batch
    }

    /// Adds the record of a request that did not wait for it; returns what to ask
    /// the writer for, or nil if a pass is asked for already. (After a failed
    /// batch has put records back, the writer's once-a-second tick takes them.)
    func add(_ record: AccessRecord) -> Request? {
        state.withLock { state -> Request? in
            state.waiting.append(record)
            if state.waiting.count == 1 { return .background(within: Self.maximumDelay) }
            if state.waiting.count >= Self.batchAtOnce { return .batch }
            return nil
        }
    }

    /// From a job inside the writer's batch: the batch's own `beforeCommit` takes it.
    func addFromWriter(_ record: AccessRecord) {
        state.withLock { $0.ofBatch.append(record) }
    }

    /// Appends everything not yet appended, in the writer's batch: the waiting
    /// records first (their requests were answered earlier), then the batch's.
    /// If the append fails, nothing is taken.
    func appendAll(in db: StoreTransaction) throws {
        let (waiting, ofBatch, appendedBefore) = state.withLock { state in
            let taken = (state.waiting, Array(state.ofBatch[state.appendedOfBatch...]), state.appendedOfBatch)
            state.takenByBatch += state.waiting
            state.waiting = []
            state.appendedOfBatch = state.ofBatch.count
            return taken
        }
        do {
            try AccessLog.append(contentsOf: waiting + ofBatch, key: key, in: db)
        } catch {
            state.withLock { state in
                state.takenByBatch.removeLast(waiting.count)
                state.waiting.insert(contentsOf: waiting, at: 0)
                state.appendedOfBatch = appendedBefore
            }
            throw error
        }
    }

    /// The writer's batch has ended; see the type's comment for a failed one.
    func batchEnded(committed: Bool) {
        state.withLock { state in
            if !committed { state.waiting.insert(contentsOf: state.takenByBatch, at: 0) }
            state.takenByBatch = []
            state.ofBatch = []
            state.appendedOfBatch = 0
        }
    }

    /// Appends the oldest `limit` waiting records, on the background lane;
    /// returns whether more wait. Taken inside the transaction, so the log keeps
    /// the order in which records were added whichever lane appends them.
    func appendSome(in db: StoreTransaction, limit: Int = backgroundChunk) throws -> Bool {
        let (taken, more) = state.withLock { state in
            let count = min(limit, state.waiting.count)
            let taken = Array(state.waiting.prefix(count))
            state.waiting.removeFirst(count)
            state.takenByLane += taken
            return (taken, !state.waiting.isEmpty)
        }
        try AccessLog.append(contentsOf: taken, key: key, in: db)
        return more
    }

    /// The lane's transaction has ended: what it took goes back if it failed.
    func laneEnded(committed: Bool) {
        state.withLock { state in
            if !committed { state.waiting.insert(contentsOf: state.takenByLane, at: 0) }
            state.takenByLane = []
        }
    }

    /// Records not yet committed (for tests and `sys.stats`).
    var waitingCount: Int { state.withLock { $0.waiting.count } }
}
