import Foundation
import GRDB
import SoudanProtocol
import Testing

/// `soudan-load` run as scripts/bench and scripts/crash-test run it.
@Suite struct SoudanLoadTests {
    static var binary: String {
        URL(fileURLWithPath: TestDaemon.binary).deletingLastPathComponent().appendingPathComponent("soudan-load").path
    }

    /// The daemon's database, read beside it (waiting out its writer).
    func database(_ daemon: TestDaemon) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        return try DatabaseQueue(path: daemon.databasePath, configuration: configuration)
    }

    func summary(_ run: ProcessRun) throws -> JSONObject {
        try #require(try JSONParser.parse(Array(run.stdout.utf8)).objectValue, "stdout: \(run.stdout) stderr: \(run.stderr)")
    }

    /// Whole booking flows over both sockets: every reply counted once, only
    /// slot_taken among the errors, and what was acknowledged is in the database.
    @Test func bookFlowsRunToTheirEndAndEveryReplyIsCounted() throws {
        let daemon = try TestDaemon(clock: "manual:2026-11-30T08:00:00+09:00")
        let run = try runProcess(
            Self.binary,
            [
                "--socket", daemon.servicePath, "--admin-socket", daemon.adminPath, "--scenario", "book",
                "--connections", "8", "--requests", "40", "--json",
            ])
        #expect(run.status == 0)
        let result = try summary(run)
        #expect(result["flows"]?.intValue == 40)
        let requests = try #require(result["requests"]?.intValue)
        #expect(requests >= 40 * 4, "register, consent, request and schedule at least, per flow")
        let errors = result["errors"]?.objectValue ?? [:]
        #expect(errors.keys.allSatisfy { $0 == "slot_taken" }, "\(errors)")
        let queue = try database(daemon)
        #expect(try queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM seeker") } ?? 0 >= 40)
    }

    /// A daemon whose clock is past any fixed date: the tool books in the week
    /// after it, and counts as throughput only what succeeded.
    @Test func itBooksInTheWeekAfterTheDaemonsClock() throws {
        let daemon = try TestDaemon(clock: "manual:2027-03-10T12:00:00+09:00")  // a Wednesday
        let run = try runProcess(
            Self.binary,
            [
                "--socket", daemon.servicePath, "--admin-socket", daemon.adminPath, "--scenario", "book",
                "--connections", "4", "--requests", "20", "--json",
            ])
        #expect(run.status == 0, "\(run.stderr)")
        let result = try summary(run)
        let errors = result["errors"]?.objectValue ?? [:]
        #expect(errors.keys.allSatisfy { $0 == "slot_taken" }, "\(errors)")
        let requests = try #require(result["requests"]?.intValue)
        let failed = errors.compactMap { $0.value.intValue }.reduce(0, +)
        #expect(result["succeeded"]?.intValue == requests - failed)
        let queue = try database(daemon)
        let starts = try queue.read { try Int64.fetchAll($0, sql: "SELECT start FROM consultation WHERE counselor_id LIKE 'load-%'") }
        try #require(!starts.isEmpty)
        // Tuesday 2027-03-16 to Friday 2027-03-19, office time.
        let tuesday = try #require(WireTime.parseInstant("2027-03-16T00:00:00+09:00")).seconds
        #expect(starts.allSatisfy { $0 >= tuesday && $0 < tuesday + 4 * 86_400 }, "\(starts)")
    }

    /// A run on a daemon that earlier runs booked cancels their consultations
    /// too, as its own: otherwise, once the slots were full, every later flow met
    /// slot_taken and nothing ever came free (the benchmark runs book several
    /// times on one daemon).
    @Test func aLaterRunCancelsWhatEarlierRunsBooked() throws {
        let daemon = try TestDaemon(clock: "manual:2026-11-30T08:00:00+09:00")
        func book() throws {
            let run = try runProcess(
                Self.binary,
                [
                    "--socket", daemon.servicePath, "--admin-socket", daemon.adminPath, "--scenario", "book",
                    "--connections", "8", "--requests", "60", "--json",
                ])
            #expect(run.status == 0, "\(run.stderr)")
        }
        try book()
        let queue = try database(daemon)
        let earlier = try queue.read {
            try String.fetchAll(
                $0, sql: "SELECT consultation_id FROM consultation WHERE status = 'scheduled' AND counselor_id LIKE 'load-%'")
        }
        try #require(!earlier.isEmpty, "the first run booked nothing")
        try book()
        let cancelled = try queue.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM consultation WHERE status = 'cancelled'
                    AND consultation_id IN (SELECT value FROM json_each(?))
                    """, arguments: [String(decoding: try JSONSerialization.data(withJSONObject: earlier), as: UTF8.self)])
        }
        #expect((cancelled ?? 0) > 0, "none of the \(earlier.count) consultations of the first run was cancelled by the second")
    }

    /// A daemon that accepts and never answers: the flows waiting fail after
    /// --timeout instead of holding the run forever.
    @Test func aSilentDaemonFailsTheWaitingFlowsAfterTheTimeout() throws {
        let directory = TestDaemon.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/silent.sock"
        let silent = Process()
        silent.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        silent.arguments = [
            "python3", "-c",
            """
            import socket, sys
            s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(64)
            print("listening", flush=True)
            held = []
            while True:
                c, _ = s.accept(); held.append(c)
            """, path,
        ]
        let ready = Pipe()
        silent.standardOutput = ready
        silent.standardError = FileHandle.nullDevice
        try silent.run()
        defer {
            // SIGKILL: children of the test runner inherit SIGTERM blocked.
            kill(silent.processIdentifier, SIGKILL)
            silent.waitUntilExit()
        }
        _ = ready.fileHandleForReading.availableData  // "listening": the socket accepts from here on
        let started = Date()
        let run = try runProcess(
            Self.binary,
            [
                "--socket", path, "--admin-socket", path, "--scenario", "ping", "--connections", "3",
                "--duration", "0.2", "--timeout", "1", "--json",
            ])
        // Every flow failed: the summary still says so, and the run fails.
        #expect(run.status == 1)
        #expect(run.stderr.contains("over 1 %"), "\(run.stderr)")
        #expect(Date().timeIntervalSince(started) < 30)
        let errors = try summary(run)["errors"]?.objectValue ?? [:]
        #expect(errors["client: no reply in time"]?.intValue == 3, "\(errors)")
    }
}
