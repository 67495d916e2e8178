import CSoudanShim
public import Dispatch
import Foundation
public import GRDB
public import Logging
public import SoudanProtocol
import SoudanSync
import Synchronization

/// A unit of work for the writer: `run` executes inside the batch transaction, in a
/// savepoint of its own; `completion` is called after COMMIT with what `run`
/// returned, or with the error that kept the job (or the whole batch) from committing.
public struct WriteJob: Sendable {
    public var run: @Sendable (StoreTransaction) throws -> JSONValue
    public var completion: (@Sendable (Result<JSONValue, any Error>) -> Void)?

    public init(
        run: @escaping @Sendable (StoreTransaction) throws -> JSONValue,
        completion: (@Sendable (Result<JSONValue, any Error>) -> Void)? = nil
    ) {
        self.run = run
        self.completion = completion
    }
}

/// The error every job of a batch gets when the batch did not commit: whatever
/// the jobs did was rolled back with it, so none of them happened (CONTRACT.md:
/// "if a batch's commit fails, every job in it is answered `unavailable`").
public struct WriteBatchFailed: Error, CustomStringConvertible {
    public let underlying: any Error
    public var description: String { "write batch failed: \(underlying)" }
    public init(underlying: any Error) { self.underlying = underlying }
}

/// What one committed batch did, for statistics and for waking event readers.
public struct BatchReport: Sendable {
    public var jobs: Int
    public var committed: Bool
    /// CPU the writer's thread spent on the batch, from BEGIN to COMMIT
    /// (`sys.stats` adds it up; the benchmark divides it by the jobs).
    public var cpuNanoseconds: UInt64 = 0
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
///
/// Work that nobody waits for (the access records of requests already answered)
/// goes to a second lane on the same connection: a thread of its own at a lower
/// scheduling priority (`backgroundNice`), in small transactions (`Hooks.background`).
/// On a machine with few cores the loop thread and the readers, whose clients are
/// waiting, then run first, and the records are written in the time left over.
/// Measured against the same build with the records in batches (interleaved,
/// 3 rounds): closed-loop `ping` +8–10 %, `read` p99 1.3–1.5 ms instead of
/// 2.1–3.0 ms, `book` and `mixed` unchanged. GRDB serializes the two lanes on
/// the one connection; the lane steps aside whenever batches are queued, so a
/// job never waits for more than one of its small transactions.
public final class SingleWriter: Sendable {
    public static let maxBatch = 1024
    /// The background lane's nice value: lower priority than every other thread
    /// of the daemon (nice 0), without starving it when the machine is merely busy.
    public static let backgroundNice: Int32 = 10

    private struct State {
        var pending: [WriteJob] = []
        var draining = false
        var batchRequested = false
        var closed = false
        var background = BackgroundState.notStarted
    }

    private enum BackgroundState {
        case notStarted
        case idle
        case requested
        case stopping
        case stopped
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
    /// Wakes the background lane: for a requested pass, or to stop.
    private let backgroundWake = DispatchSemaphore(value: 0)
    private let backgroundExited = DispatchSemaphore(value: 0)
    /// How many passes stepped aside for a batch (tests wait on it).
    let stepAsides = Atomic<Int>(0)
    /// CPU spent in completions (framing and sending replies), in nanoseconds
    /// since start, on the completion queue.
    private let completionCPUNanoseconds = Atomic<UInt64>(0)
    public var completionCPU: UInt64 { completionCPUNanoseconds.load(ordering: .relaxed) }
    /// Where a committed batch's completions run, in batch order, so that the
    /// writer goes on to the next batch at once.
    ///
    /// Why: the writer is the one thread every write passes through, and under
    /// `book` it was the busy one (83 % of a core, the loop thread 17 %); each
    /// completion frames and posts a reply, 5 % of its time in the profile.
    /// Serial, so that replies and waiters see batches in commit order; one hop
    /// per batch, not per job.
    private let completions = DispatchQueue(label: "soudan.writer.completions", qos: .default)

    /// Called on the writer's queue around each batch: `beforeBatch` may add work
    /// of its own to the transaction (time rules, housekeeping), and so may
    /// `beforeCommit` once every job has run (the access records the jobs left);
    /// `afterBatch` sees the outcome (statistics, waking long-polls). If either
    /// of the first two throws, the batch does not commit.
    public struct Hooks: Sendable {
        public var beforeBatch: @Sendable (StoreTransaction) throws -> Void = { _ in }
        public var beforeCommit: @Sendable (StoreTransaction) throws -> Void = { _ in }
        public var afterBatch: @Sendable (BatchReport) -> Void = { _ in }
        /// One transaction of the background lane's work; returns whether more
        /// remains. Runs on the lane, never inside a batch. If it throws, the
        /// transaction rolls back, so it must keep what it took for a later try.
        public var background: @Sendable (StoreTransaction) throws -> Bool = { _ in false }
        /// After each of the lane's transactions, whether it committed: what a
        /// failed one took must go back (its COMMIT can fail after `background`
        /// returned).
        public var afterBackground: @Sendable (_ committed: Bool) -> Void = { _ in }
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
        // Not `asyncAfter`: see `TimerThread`.
        TimerThread.shared.schedule(after: delay) { [self] in
            state.withLock { $0.batchRequested = false }
            submit(WriteJob(run: { _ in .null }))
        }
    }

    /// Runs a last batch (so the hooks hand over what they still hold), waits for
    /// it, and refuses every job after: for shutdown, before the pool closes.
    public func close() {
        stopBackground()
        flush()
        state.withLock { $0.closed = true }
    }

    /// Asks the background lane for a pass within `delay` (started on first use).
    /// Requests made while one is pending share it. A pass runs `Hooks.background`
    /// one transaction at a time until it reports nothing left, or until a batch
    /// is queued: that batch's own hooks take the rest.
    public func requestBackground(within delay: DispatchTimeInterval) {
        let start = state.withLock { state -> Bool? in
            switch state.background {
            case .notStarted:
                state.background = .requested
                return true
            case .idle:
                state.background = .requested
                return false
            case .requested, .stopping, .stopped:
                return nil
            }
        }
        guard let start else { return }
        if start {
            let thread = Thread { [self] in runBackgroundLane() }
            thread.name = "soudan.writer.background"
            thread.start()
        }
        TimerThread.shared.schedule(after: delay) { [self] in backgroundWake.signal() }
    }

    private func runBackgroundLane() {
        if soudan_set_thread_nice(Self.backgroundNice) != 0 {
            logger.warning("the background writer runs at normal priority", metadata: ["errno": "\(errno)"])
        }
        while true {
            backgroundWake.wait()
            let stop = state.withLock { state -> Bool in
                if state.background == .stopping { return true }
                state.background = .idle
                return false
            }
            if stop { break }
            backgroundPass()
        }
        state.withLock { $0.background = .stopped }
        backgroundExited.signal()
    }

    private func backgroundPass() {
        var more = true
        while more {
            let (queued, stopping) = state.withLock { ($0.draining, $0.background == .stopping) }
            if stopping { return }
            if queued {
                // The batch running may be past its `beforeCommit` already: one more,
                // empty, behind it takes what is left rather than the next tick.
                stepAsides.add(1, ordering: .relaxed)
                requestBatch(within: .nanoseconds(0))
                return
            }
            do {
                try pool.writeWithoutTransaction { db in
                    do {
                        try Self.withoutWaitingForTheDisk(db) {
                            try db.inCachedTransaction(.immediate) { more = try hooks.background(StoreTransaction(db)) }
                        }
                    } catch {
                        hooks.afterBackground(false)
                        throw error
                    }
                    hooks.afterBackground(true)
                }
            } catch {
                // This transaction did not commit (the database refuses writes: disk
                // full, I/O error). The hook keeps what it had not written for the next
                // pass or batch; the earlier transactions of the pass stand.
                logger.error("background write failed", metadata: ["error": "\(error)"])
                return
            }
        }
    }

    /// Runs `body` with `synchronous=NORMAL` at most, then puts the connection's
    /// own level back: nobody waits for the lane's records, so its commit need not
    /// wait for an fsync, which held the connection (and any batch queued behind
    /// it) for a millisecond or more, a hundred times a second under light read
    /// traffic. In WAL mode the next FULL commit's fsync makes these frames
    /// durable with its own; a crash before it loses only records that nobody
    /// was promised. The level cannot change inside a transaction, hence around it.
    static func withoutWaitingForTheDisk(_ db: Database, _ body: () throws -> Void) throws {
        // Prepared anew each time, not through the statement cache: a small C probe
        // against this SQLite saw a cached `PRAGMA synchronous` read return a stale
        // level, and a durability setting is no place to trust re-stepped pragmas.
        let level = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? normalSynchronous
        guard level > normalSynchronous else { return try body() }
        try db.execute(sql: "PRAGMA synchronous = NORMAL")
        defer {
            // A transaction left open by a failed rollback would refuse the change.
            if db.isInsideTransaction { try? db.execute(sql: "ROLLBACK") }
            do {
                try db.execute(sql: "PRAGMA synchronous = \(level)")
            } catch {
                // Otherwise later commits would be acknowledged before their fsync:
                // stop rather than lie.
                fatalError("cannot restore synchronous=\(level) on the writer: \(error)")
            }
        }
        try body()
    }

    /// `PRAGMA synchronous` as a number: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
    private static let normalSynchronous = 1

    /// Ends the background lane after its current transaction, and waits for it.
    private func stopBackground() {
        let running = state.withLock { state -> Bool in
            switch state.background {
            case .notStarted:
                state.background = .stopped
                return false
            case .idle, .requested:
                state.background = .stopping
                return true
            case .stopping, .stopped:
                return false
            }
        }
        guard running else { return }
        backgroundWake.signal()
        backgroundExited.wait()
    }

    /// Runs `body` on the writer's queue after everything queued before it, in a
    /// transaction of its own, and waits for it to commit: for start-up and
    /// shutdown, never for serving a request.
    public func sync<T: Sendable>(_ body: @Sendable (StoreTransaction) throws -> T) throws -> T {
        try queue.sync {
            try pool.writeWithoutTransaction { db in try db.inCachedTransaction(.immediate) { try body(StoreTransaction(db)) } }
        }
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

    /// CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID: a vDSO read).
    private static func threadCPUNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    private func run(_ batch: [WriteJob]) {
        let cpuAtStart = Self.threadCPUNanoseconds()
        var results: [Result<JSONValue, any Error>] = []
        results.reserveCapacity(batch.count)
        do {
            try pool.writeWithoutTransaction { db in
                try db.inCachedTransaction(.immediate) {
                    let transaction = StoreTransaction(db)
                    try hooks.beforeBatch(transaction)
                    for job in batch {
                        do {
                            results.append(.success(try db.inCachedSavepoint { try job.run(transaction) }))
                        } catch {
                            results.append(.failure(error))
                        }
                        // SQLite may have rolled the whole batch back under this job
                        // (disk full, I/O error, interrupt): the jobs before it are gone,
                        // and the ones after it must not run on their own.
                        try db.checkTransactionIsOpen()
                    }
                    try hooks.beforeCommit(transaction)
                }
            }
        } catch {
            // The batch did not commit (disk full, I/O error): nothing in it happened.
            logger.error("write batch failed", metadata: ["jobs": "\(batch.count)", "error": "\(error)"])
            results = Array(repeating: .failure(WriteBatchFailed(underlying: error)), count: batch.count)
            hooks.afterBatch(BatchReport(jobs: batch.count, committed: false))
            complete(batch, results)
            return
        }
        hooks.afterBatch(
            BatchReport(jobs: batch.count, committed: true, cpuNanoseconds: Self.threadCPUNanoseconds() &- cpuAtStart))
        complete(batch, results)
    }

    /// Hands the batch's outcome to its jobs' completions, after COMMIT (or the
    /// failure), on the completion queue.
    private func complete(_ batch: [WriteJob], _ results: [Result<JSONValue, any Error>]) {
        completions.async { [self] in
            let started = Self.threadCPUNanoseconds()
            for (job, result) in zip(batch, results) { job.completion?(result) }
            completionCPUNanoseconds.add(Self.threadCPUNanoseconds() &- started, ordering: .relaxed)
        }
    }
}
