public import GRDB
public import SoudanProtocol
public import Dispatch
public import Logging
import SoudanSync
import Synchronization

/// A unit of work for the writer: `run` executes inside the batch transaction, in a
/// savepoint of its own; `completion` is called after COMMIT with what `run`
/// returned, or with the error that kept the job (or the whole batch) from committing.
public struct WriteJob: Sendable {
    public var run: @Sendable (Database) throws -> JSONValue
    public var completion: (@Sendable (Result<JSONValue, any Error>) -> Void)?

    public init(
        run: @escaping @Sendable (Database) throws -> JSONValue,
        completion: (@Sendable (Result<JSONValue, any Error>) -> Void)? = nil
    ) {
        self.run = run
        self.completion = completion
    }
}

/// What one committed batch did, for statistics and for waking event readers.
public struct BatchReport: Sendable {
    public var jobs: Int
    public var committed: Bool
}

/// The only writer of the database, with group commit.
///
/// Why: with `synchronous=FULL` every COMMIT costs an fsync; sharing one commit
/// among every write queued meanwhile multiplies throughput by the batch size,
/// while each job still gets its own savepoint, so one failing command does not
/// spoil its neighbours. Replies are released only after COMMIT returns, so
/// nothing is acknowledged that a crash could take back.
///
/// The writer runs on a serial dispatch queue of its own — never on Swift's shared
/// pool, where a blocking `sqlite3_step` or fsync would starve other tasks — and
/// drains everything queued since its last batch in one go (shaped like GRDB's
/// `SerializedDatabase`).
public final class SingleWriter: Sendable {
    public static let maxBatch = 1024

    private struct State {
        var pending: [WriteJob] = []
        var draining = false
        var batchRequested = false
        var closed = false
    }

    private let pool: DatabasePool
    /// At `.default` QoS, which libdispatch on Linux runs at nice 0, like the loop
    /// thread. It turns `.userInitiated` into nice −2 wherever the process may
    /// raise priorities (as root): the writer then ran ahead of the loop thread,
    /// and closed-loop `ping` lost 5–20 % to it.
    private let queue = DispatchQueue(label: "soudan.writer", qos: .default)
    private let state = LockedValue(State())
    private let logger: Logger
    private let hooks: Hooks

    /// Called on the writer's queue around each batch: `beforeBatch` may add work
    /// of its own to the transaction (time rules, housekeeping), and so may
    /// `beforeCommit` once every job has run (the access records the jobs left);
    /// `afterBatch` sees the outcome (statistics, waking long-polls). If either
    /// of the first two throws, the batch does not commit.
    public struct Hooks: Sendable {
        public var beforeBatch: @Sendable (Database) throws -> Void = { _ in }
        public var beforeCommit: @Sendable (Database) throws -> Void = { _ in }
        public var afterBatch: @Sendable (BatchReport) -> Void = { _ in }
        public init() {}
    }

    public init(pool: DatabasePool, logger: Logger, hooks: Hooks = Hooks()) {
        self.pool = pool
        self.logger = logger
        self.hooks = hooks
    }

    /// Queues a job; it runs in the next batch. After `close`, the job fails at
    /// once without touching the database.
    public func submit(_ job: WriteJob) {
        let startDrain = state.withLock { state -> Bool? in
            if state.closed { return nil }
            state.pending.append(job)
            if state.draining { return false }
            state.draining = true
            return true
        }
        guard let startDrain else {
            job.completion?(.failure(DatabaseError(resultCode: .SQLITE_MISUSE, message: "the writer is closed")))
            return
        }
        if startDrain { queue.async { self.drain() } }
    }

    /// Makes sure a batch runs within `delay`, even if no job comes: for work the
    /// hooks pick up on their own (access records of reads), which may wait a
    /// little to share a batch, but not forever. Requests made while one is
    /// pending share it.
    public func requestBatch(within delay: DispatchTimeInterval) {
        let first = state.withLock { state -> Bool in
            if state.batchRequested || state.closed { return false }
            state.batchRequested = true
            return true
        }
        guard first else { return }
        queue.asyncAfter(deadline: .now() + delay) { [self] in
            state.withLock { $0.batchRequested = false }
            submit(WriteJob(run: { _ in .null }))
        }
    }

    /// Runs a last batch (so the hooks hand over what they still hold), waits for
    /// it, and refuses every job after: for shutdown, before the pool closes.
    public func close() {
        flush()
        state.withLock { $0.closed = true }
    }

    /// Runs `body` on the writer's queue after everything queued before it, and
    /// waits for it: for start-up and shutdown, never for serving a request.
    public func sync<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        try queue.sync { try pool.writeWithoutTransaction { db in try body(db) } }
    }

    /// Waits until every job queued so far has committed and completed.
    public func flush() {
        let done = DispatchSemaphore(value: 0)
        submit(WriteJob(run: { _ in .null }, completion: { _ in done.signal() }))
        done.wait()
    }

    private func drain() {
        while true {
            let batch = state.withLock { state -> [WriteJob] in
                if state.pending.isEmpty {
                    state.draining = false
                    return []
                }
                let count = min(state.pending.count, Self.maxBatch)
                let batch = Array(state.pending.prefix(count))
                state.pending.removeFirst(count)
                return batch
            }
            if batch.isEmpty { return }
            run(batch)
        }
    }

    private func run(_ batch: [WriteJob]) {
        var results: [Result<JSONValue, any Error>] = []
        results.reserveCapacity(batch.count)
        do {
            try pool.writeWithoutTransaction { db in
                try db.inCachedTransaction(.immediate) {
                    try hooks.beforeBatch(db)
                    for job in batch {
                        do {
                            results.append(.success(try db.inCachedSavepoint { try job.run(db) }))
                        } catch {
                            results.append(.failure(error))
                        }
                    }
                    try hooks.beforeCommit(db)
                }
            }
        } catch {
            // The batch did not commit (disk full, I/O error): nothing in it happened.
            logger.error("write batch failed", metadata: ["jobs": "\(batch.count)", "error": "\(error)"])
            results = Array(repeating: .failure(error), count: batch.count)
            hooks.afterBatch(BatchReport(jobs: batch.count, committed: false))
            for (job, result) in zip(batch, results) { job.completion?(result) }
            return
        }
        hooks.afterBatch(BatchReport(jobs: batch.count, committed: true))
        for (job, result) in zip(batch, results) { job.completion?(result) }
    }
}
