import Dispatch
import GRDB
import SoudanProtocol
import SoudanSync
import SoudanTestSupport
import Testing

@testable import SoudanStore

@Suite struct SingleWriterTests {
    struct Boom: Error {}

    @Test func sharesOneCommitAmongEverythingQueuedMeanwhile() throws {
        let store = try TemporaryStore()
        try store.pool.write { try $0.execute(sql: "CREATE TABLE t(v INTEGER)") }
        let batches = LockedValue<[Int]>([])
        var hooks = SingleWriter.Hooks()
        hooks.afterBatch = { report in batches.withLock { $0.append(report.jobs) } }
        let writer = store.writer(hooks: hooks)
        // Hold the writer busy so the next jobs pile up behind it.
        let gate = DispatchSemaphore(value: 0)
        writer.submit(
            WriteJob(run: { _ in
                gate.wait()
                return .null
            }))
        let done = DispatchGroup()
        for value in 0..<100 {
            done.enter()
            writer.submit(
                WriteJob(
                    run: { db in
                        try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [value])
                        return .int(Int64(value))
                    }, completion: { _ in done.leave() }))
        }
        gate.signal()
        done.wait()
        #expect(try store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM t") } == 100)
        let sizes = batches.withLock { $0 }
        #expect(sizes.reduce(0, +) == 101)
        #expect(sizes.count <= 3, "100 queued jobs should share a commit or two, got \(sizes)")
    }

    @Test func aFailingJobDoesNotSpoilItsNeighbours() throws {
        let store = try TemporaryStore()
        try store.pool.write { try $0.execute(sql: "CREATE TABLE t(v INTEGER)") }
        let writer = store.writer()
        let gate = DispatchSemaphore(value: 0)
        writer.submit(
            WriteJob(run: { _ in
                gate.wait()
                return .null
            }))
        let results = LockedValue<[Int: Bool]>([:])
        let done = DispatchGroup()
        for value in 0..<3 {
            done.enter()
            writer.submit(
                WriteJob(
                    run: { db in
                        try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [value])
                        if value == 1 { throw Boom() }
                        return .null
                    },
                    completion: { result in
                        results.withLock { $0[value] = (try? result.get()) != nil }
                        done.leave()
                    }))
        }
        gate.signal()
        done.wait()
        #expect(results.withLock { $0 } == [0: true, 1: false, 2: true])
        #expect(try store.pool.read { try Int.fetchAll($0, sql: "SELECT v FROM t ORDER BY v") } == [0, 2])
    }

    @Test func completionsRunOnlyAfterCommit() throws {
        let store = try TemporaryStore()
        try store.pool.write { try $0.execute(sql: "CREATE TABLE t(v INTEGER)") }
        let writer = store.writer()
        let pool = store.pool
        let seen = LockedValue<Int?>(nil)
        let done = DispatchSemaphore(value: 0)
        writer.submit(
            WriteJob(
                run: { db in
                    try db.execute(sql: "INSERT INTO t VALUES (1)")
                    return .null
                },
                completion: { _ in
                    // A reader outside the writer sees the row: the commit came first.
                    seen.withLock { $0 = try? pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM t") } }
                    done.signal()
                }))
        done.wait()
        #expect(seen.withLock { $0 } == 1)
    }

    @Test func aRequestedBatchRunsWithoutAnyJobAndRequestsMeanwhileShareIt() throws {
        let store = try TemporaryStore()
        let jobs = LockedValue(0)
        let batchDone = DispatchSemaphore(value: 0)
        var hooks = SingleWriter.Hooks()
        hooks.afterBatch = { report in
            jobs.withLock { $0 += report.jobs }
            batchDone.signal()
        }
        let writer = store.writer(hooks: hooks)
        func waitForJobs(_ count: Int) {
            while jobs.withLock({ $0 }) < count {
                if batchDone.wait(timeout: .now() + 10) == .timedOut { return }
            }
        }
        // Hold the writer busy while the requests come, however slowly this
        // machine makes them: they must all share one batch.
        let gate = DispatchSemaphore(value: 0)
        writer.submit(
            WriteJob(run: { _ in
                gate.wait()
                return .null
            }))
        for _ in 0..<50 { writer.requestBatch(within: .milliseconds(1)) }
        gate.signal()
        waitForJobs(2)
        writer.flush()
        #expect(jobs.withLock { $0 } == 3, "the gate, one job for 50 requests, the flush")
        // A later request gets a batch of its own.
        writer.requestBatch(within: .milliseconds(1))
        waitForJobs(4)
        #expect(jobs.withLock { $0 } == 4)
    }

    @Test func afterCloseJobsFailWithoutTouchingTheDatabase() throws {
        let store = try TemporaryStore()
        try store.pool.write { try $0.execute(sql: "CREATE TABLE t(v INTEGER)") }
        let handedOver = LockedValue(false)
        var hooks = SingleWriter.Hooks()
        hooks.beforeBatch = { _ in handedOver.withLock { $0 = true } }
        let writer = store.writer(hooks: hooks)
        writer.close()
        #expect(handedOver.withLock { $0 }, "close runs a last batch, so the hooks hand over what they hold")
        let outcome = LockedValue<Result<JSONValue, any Error>?>(nil)
        writer.submit(
            WriteJob(
                run: { db in
                    try db.execute(sql: "INSERT INTO t VALUES (1)")
                    return .null
                }, completion: { result in outcome.withLock { $0 = result } }))
        #expect(outcome.withLock { $0.map { (try? $0.get()) == nil } } == true, "the completion ran at once, with an error")
        writer.requestBatch(within: .never)
        #expect(try store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM t") } == 0)
    }

    /// When SQLite has already rolled the whole transaction back (as some I/O
    /// errors make it), the savepoint is gone: the body's own error is reported,
    /// not the failed ROLLBACK TO that follows it.
    @Test func aSavepointReportsTheBodysErrorEvenWhenTheTransactionIsGone() throws {
        let store = try TemporaryStore()
        #expect(throws: Boom.self) {
            try store.pool.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN")
                _ = try db.inCachedSavepoint { () throws -> Int in
                    try db.execute(sql: "ROLLBACK")
                    throw Boom()
                }
            }
        }
        // The connection is usable afterwards.
        try store.pool.write { try $0.execute(sql: "CREATE TABLE t(v INTEGER)") }
    }

    /// A hook that throws keeps the whole batch from committing: every job in it
    /// fails, none of their writes stays, and the next batch starts clean.
    ///
    /// The first batch holds only the gate job (the jobs are queued once it
    /// runs), so the batch of three is always the hook's second call.
    @Test func aFailingHookRollsTheWholeBatchBack() throws {
        let store = try TemporaryStore()
        try store.pool.write { try $0.execute(sql: "CREATE TABLE t(v INTEGER)") }
        let hookCalls = LockedValue(0)
        var hooks = SingleWriter.Hooks()
        hooks.beforeCommit = { db in
            try db.execute(sql: "INSERT INTO t VALUES (-1)")
            let call = hookCalls.withLock { calls in
                defer { calls += 1 }
                return calls
            }
            if call == 1 { throw Boom() }
        }
        let writer = store.writer(hooks: hooks)
        let started = DispatchSemaphore(value: 0)
        let gate = DispatchSemaphore(value: 0)
        writer.submit(
            WriteJob(run: { _ in
                started.signal()
                gate.wait()
                return .null
            }))
        started.wait()
        let failures = LockedValue(0)
        let done = DispatchGroup()
        for value in 0..<3 {
            done.enter()
            writer.submit(
                WriteJob(
                    run: { db in
                        try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [value])
                        return .null
                    },
                    completion: { result in
                        if (try? result.get()) == nil { failures.withLock { $0 += 1 } }
                        done.leave()
                    }))
        }
        gate.signal()
        done.wait()
        #expect(failures.withLock { $0 } == 3)
        #expect(try store.pool.read { try Int.fetchAll($0, sql: "SELECT v FROM t ORDER BY v") } == [-1])
        done.enter()
        writer.submit(
            WriteJob(
                run: { db in
                    try db.execute(sql: "INSERT INTO t VALUES (7)")
                    return .null
                }, completion: { _ in done.leave() }))
        done.wait()
        #expect(try store.pool.read { try Int.fetchAll($0, sql: "SELECT v FROM t ORDER BY v") } == [-1, -1, 7])
    }

    /// When SQLite has rolled the transaction back on its own, the body's error
    /// is what the caller sees, and the connection is out of any transaction.
    @Test func aTransactionReportsTheBodysErrorEvenWhenSQLiteRolledItBack() throws {
        let store = try TemporaryStore()
        store.pool.writeWithoutTransaction { db in
            #expect(throws: Boom.self) {
                try db.inCachedTransaction(.immediate) {
                    try db.execute(sql: "ROLLBACK")
                    throw Boom()
                }
            }
            #expect(!db.isInsideTransaction)
        }
    }

    /// The background lane works one small transaction at a time, so a batch
    /// queued meanwhile waits for the transaction in hand, never for the rest
    /// of the lane's work (here endless: the hook always reports more).
    @Test func aBatchQueuedDuringTheBackgroundLaneWaitsForOneTransactionOnly() throws {
        let store = try TemporaryStore()
        try store.pool.write { try $0.execute(sql: "CREATE TABLE t(who TEXT)") }
        let writerBox = LockedValue<SingleWriter?>(nil)
        let jobDone = DispatchSemaphore(value: 0)
        let submitted = LockedValue(false)
        var hooks = SingleWriter.Hooks()
        hooks.background = { db in
            try db.execute(sql: "INSERT INTO t VALUES ('lane')")
            let first = submitted.withLock { done in
                defer { done = true }
                return !done
            }
            if first, let writer = writerBox.withLock({ $0 }) {
                writer.submit(
                    WriteJob(
                        run: { db in
                            try db.execute(sql: "INSERT INTO t VALUES ('job')")
                            return .null
                        }, completion: { _ in jobDone.signal() }))
            }
            return true
        }
        let writer = store.writer(hooks: hooks)
        writerBox.withLock { $0 = writer }
        writer.requestBackground(within: .nanoseconds(0))
        #expect(jobDone.wait(timeout: .now() + 10) == .success)
        writer.close()
        let order = try store.pool.read { try String.fetchAll($0, sql: "SELECT who FROM t ORDER BY rowid") }
        #expect(Array(order.prefix(2)) == ["lane", "job"])
        writer.requestBackground(within: .nanoseconds(0))
        #expect(
            try store.pool.read { try String.fetchAll($0, sql: "SELECT who FROM t ORDER BY rowid") } == order,
            "after close, the lane takes no more passes")
    }

    /// Nobody waits for the lane's records, so its commits skip the fsync; the
    /// batches after it, whose replies wait for their commit, still sync.
    @Test func theBackgroundLaneCommitsWithoutTheFsyncThatBatchesKeep() throws {
        let store = try TemporaryStore()
        let levels = LockedValue<[String: Int]>([:])
        let laneDone = DispatchSemaphore(value: 0)
        var hooks = SingleWriter.Hooks()
        hooks.background = { db in
            levels.withLock { $0["lane"] = try? Int.fetchOne(db.database, sql: "PRAGMA synchronous") }
            laneDone.signal()
            return false
        }
        let writer = store.writer(hooks: hooks)
        defer { writer.close() }
        writer.requestBackground(within: .nanoseconds(0))
        #expect(laneDone.wait(timeout: .now() + 10) == .success)
        let batchDone = DispatchSemaphore(value: 0)
        writer.submit(
            WriteJob(
                run: { db in
                    levels.withLock { $0["batch"] = try? Int.fetchOne(db.database, sql: "PRAGMA synchronous") }
                    return .null
                }, completion: { _ in batchDone.signal() }))
        #expect(batchDone.wait(timeout: .now() + 10) == .success)
        #expect(levels.withLock { $0 } == ["lane": 1, "batch": 2], "NORMAL on the lane, FULL in batches")
    }

    /// A connection already below FULL (here OFF) keeps its level inside the
    /// lane and after it: the lane only ever lowers FULL, never raises a level.
    @Test func theBackgroundLaneLeavesALowerLevelAlone() throws {
        let store = try TemporaryStore()
        try store.pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = OFF")
            var inside: Int?
            try SingleWriter.withoutWaitingForTheDisk(db) {
                inside = try Int.fetchOne(db, sql: "PRAGMA synchronous")
            }
            let after = try Int.fetchOne(db, sql: "PRAGMA synchronous")
            #expect(inside == 0)
            #expect(after == 0)
        }
    }
}

/// When SQLite rolls a batch back on its own (disk full, I/O error, interrupt),
/// the writer must notice, fail every job of the batch, and run none of the
/// jobs after it: otherwise the next job's SAVEPOINT opens a transaction of its
/// own and its RELEASE commits it alone, while its reply says `unavailable`.
@Suite struct AbortedBatchTests {
    /// Adds `abort_batch()`, which interrupts the statement calling it: SQLite
    /// then rolls back the whole explicit transaction (sqlite.org/c3ref/interrupt.html).
    func abortingStore() throws -> TemporaryStore {
        let store = try TemporaryStore()
        let pool = store.pool
        try pool.write { try $0.execute(sql: "CREATE TABLE t(v INTEGER)") }
        pool.writeWithoutTransaction { db in
            db.add(
                function: DatabaseFunction("abort_batch", argumentCount: 0, pure: false) { _ in
                    pool.interrupt()
                    return 1
                })
        }
        return store
    }

    @Test(arguments: [false, true])
    func aBatchSQLiteRolledBackFailsWholeAndNoLaterJobRunsAlone(swallowTheError: Bool) throws {
        let store = try abortingStore()
        let writer = store.writer()
        let gate = DispatchSemaphore(value: 0)
        writer.submit(
            WriteJob(run: { _ in
                gate.wait()
                return .null
            }))
        let results = LockedValue<[Int: Result<JSONValue, any Error>]>([:])
        let ran = LockedValue<Set<Int>>([])
        let done = DispatchGroup()
        for n in 0..<4 {
            done.enter()
            writer.submit(
                WriteJob(
                    run: { db in
                        ran.withLock { _ = $0.insert(n) }
                        try db.run(sql: "INSERT INTO t VALUES (?)", arguments: [n])
                        if n == 1 {
                            do {
                                // Two rows: SQLite looks at the interrupt flag when its loop
                                // goes to the next row, so the statement is interrupted for
                                // sure. With one row it could finish first, and the flag was
                                // then cleared (one CI run in many).
                                try db.run(sql: "INSERT INTO t SELECT abort_batch() FROM (VALUES (1), (2))")
                            } catch  where swallowTheError {
                                // A handler that maps or ignores an error must not carry on.
                            }
                        }
                        return .null
                    },
                    completion: { result in
                        results.withLock { $0[n] = result }
                        done.leave()
                    }))
        }
        gate.signal()
        done.wait()
        let outcome = results.withLock { $0 }
        for n in 0..<4 {
            guard case .failure(let error)? = outcome[n] else {
                Issue.record("job \(n) succeeded in a batch that SQLite rolled back")
                continue
            }
            #expect(error is WriteBatchFailed, "job \(n): \(error)")
        }
        #expect(ran.withLock { $0 } == [0, 1], "jobs after the abort must not run")
        #expect(try store.pool.read { try Int.fetchAll($0, sql: "SELECT v FROM t") } == [])
        // The writer goes on: the next batch commits as usual.
        let after = DispatchSemaphore(value: 0)
        writer.submit(
            WriteJob(
                run: { db in
                    try db.run(sql: "INSERT INTO t VALUES (7)")
                    return .null
                }, completion: { _ in after.signal() }))
        after.wait()
        #expect(try store.pool.read { try Int.fetchAll($0, sql: "SELECT v FROM t") } == [7])
    }

    /// The guard under every statement soudan steps itself: a write outside a
    /// transaction is refused rather than autocommitted, and GRDB's own view of
    /// the connection stays right.
    @Test func aWriteSteppedOutsideATransactionIsRefused() throws {
        let store = try TemporaryStore()
        try store.pool.write { try $0.execute(sql: "CREATE TABLE t(v INTEGER)") }
        try store.pool.writeWithoutTransaction { db throws in
            #expect(throws: DatabaseError.self) { try db.run(sql: "INSERT INTO t VALUES (1)") }
            #expect(throws: DatabaseError.self) { try db.inCachedSavepoint { try db.run(sql: "INSERT INTO t VALUES (2)") } }
            #expect(!db.isInsideTransaction)
            // Reads need no transaction.
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") == 0)
        }
    }
}
