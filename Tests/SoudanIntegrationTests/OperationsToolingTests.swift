import Dispatch
import Foundation
import GRDB
import SoudanClient
import SoudanProtocol
import SoudanSync
import Synchronization
import Testing

/// What an office runs around the daemon: backups and restores, health checks,
/// config checks — each used the way an operator would, through the binaries.
@Suite struct OperationsToolingTests {
    func run(_ binary: String, _ arguments: [String]) throws -> ProcessRun {
        try runProcess(binary, arguments)
    }

    @Test func aBackupUnderWriteLoadRestoresEveryWriteAcknowledgedBeforeIt() throws {
        let daemon = try TestDaemon()
        let acknowledged = LockedValue<[String]>([])
        let stop = Atomic<Bool>(false)
        let writerDone = DispatchSemaphore(value: 0)
        let connection = UncheckedBox(try daemon.connect(.admin))
        Thread {
            var n = 0
            while !stop.load(ordering: .relaxed) {
                let key = "w\(n)"
                if (try? connection.value.call("clock.advance", ["minutes": 0], idempotencyKey: key))?.ok == true {
                    acknowledged.withLock { $0.append(key) }
                }
                n += 1
            }
            writerDone.signal()
        }.start()
        while acknowledged.withLock({ $0.count }) < 200 { usleep(1000) }  // load is running
        let before = Set(acknowledged.withLock { $0 })
        let file = daemon.dataDir + "-backup.sqlite3"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let backup = try run(SoudanctlTests.binary, ["backup", file, "--socket", daemon.adminPath])
        #expect(backup.status == 0, "\(backup.stderr)")
        let during = acknowledged.withLock { $0.count }
        stop.store(true, ordering: .relaxed)
        writerDone.wait()
        #expect(acknowledged.withLock { $0.count } > before.count, "writes went on during the backup (\(during) acknowledged)")
        #expect(try run(SoudanctlTests.binary, ["backup", file, "--socket", daemon.adminPath]).stderr.contains("conflict"))

        #expect(try daemon.stop() == 0)
        let restore = try run(TestDaemon.binary, ["--restore", file, "--data-dir", daemon.dataDir])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(restore.stdout.contains("previous database is kept"))
        try daemon.restart()
        let queue = try DatabaseQueue(path: daemon.databasePath)
        let restored = try queue.read { try Set(String.fetchAll($0, sql: "SELECT key FROM idempotency_key")) }
        #expect(before.isSubset(of: restored), "lost \(before.subtracting(restored).count) writes acknowledged before the backup")
        #expect(try daemon.call("audit.verify").result["ok"] == .bool(true))
    }

    @Test func restoreRefusesWhatIsNotASoundSoudanDatabaseAndARunningDaemon() throws {
        let daemon = try TestDaemon()
        let junk = daemon.dataDir + "-junk"
        try "not a database".write(toFile: junk, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: junk) }
        #expect(try run(TestDaemon.binary, ["--restore", junk, "--data-dir", daemon.dataDir]).status != 0)
        let file = daemon.dataDir + "-b.sqlite3"
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(try daemon.call("sys.backup", ["path": .string(file)]).ok)
        let whileRunning = try run(TestDaemon.binary, ["--restore", file, "--data-dir", daemon.dataDir])
        #expect(whileRunning.status != 0)
        #expect(whileRunning.stderr.contains("another soudand"))
    }

    @Test func healthSaysWhatIsWrong() throws {
        let daemon = try TestDaemon()
        let healthy = try run(SoudanctlTests.binary, ["health", "--socket", daemon.adminPath])
        #expect(healthy.status == 0)
        #expect(healthy.stdout.contains("ok    store"))
        try Booking.registerSeekers(on: daemon, count: 3)
        #expect(try daemon.call("events.ack", ["consumer": "slow", "seq": 1]).ok)
        let lagging = try run(SoudanctlTests.binary, ["health", "--max-consumer-lag", "1", "--socket", daemon.adminPath])
        #expect(lagging.status == 1)
        #expect(lagging.stdout.contains("FAIL  consumers"))
    }

    @Test func metricsInPrometheusTextFormat() throws {
        let b = try Booking()
        _ = try b.booked(1, "2026-12-01T10:00:00+09:00")
        _ = try b.service.call("no.such.op")
        #expect(try b.service.call("events.ack", ["consumer": "notifier", "seq": 1]).ok)
        let run = try run(SoudanctlTests.binary, ["metrics", "--socket", b.daemon.adminPath])
        #expect(run.status == 0)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("soudan_requests_total{op=\"booking.schedule\",code=\"ok\"} 1"))
        // Unknown names share one series: a client cannot grow the metrics.
        #expect(lines.contains("soudan_requests_total{op=\"(unknown)\",code=\"unknown_op\"} 1"))
        #expect(!lines.contains { $0.contains("no.such.op") })
        #expect(lines.contains("soudan_event_backlog{consumer=\"notifier\"} 3.0"))
        #expect(lines.contains { $0.hasPrefix("soudan_request_duration_seconds_bucket{op=\"booking.request\"") })
        #expect(lines.contains { $0.hasPrefix("soudan_commit_batch_size_count") })
        #expect(lines.contains("# TYPE soudan_requests_total counter"))
    }

    @Test func checkConfigPrintsTheEffectiveSettingsOrOneLineNamingTheKey() throws {
        let dir = TestDaemon.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "[rules]\nno_show_threshold = 3\n".write(toFile: dir + "/ok.toml", atomically: true, encoding: .utf8)
        let ok = try run(TestDaemon.binary, ["--check-config", dir + "/ok.toml"])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("no_show_threshold = 3"))
        #expect(ok.stdout.contains("max_frame = 1048576"))
        // The printed settings are themselves a valid config.
        try ok.stdout.write(toFile: dir + "/effective.toml", atomically: true, encoding: .utf8)
        #expect(try run(TestDaemon.binary, ["--check-config", dir + "/effective.toml"]).status == 0)
        try "[limits]\nmax_in_flight = 0\n".write(toFile: dir + "/bad.toml", atomically: true, encoding: .utf8)
        let bad = try run(TestDaemon.binary, ["--check-config", dir + "/bad.toml"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("limits.max_in_flight"))
        #expect(bad.stderr.split(separator: "\n").count == 1)
    }

    @Test func counselorsSlotsAndEventsFromTheCLI() throws {
        let b = try Booking()
        let socket = b.daemon.adminPath
        let ctl = SoudanctlTests.binary
        #expect(
            try run(
                ctl,
                [
                    "counselor", "add", "c04", "--name", "新任", "--join-url", "https://zoom.us/j/4", "--meeting-id", "4", "--passcode", "p",
                    "--socket", socket,
                ]
            ).status == 0)
        #expect(try run(ctl, ["counselor", "hours", "c04", "--day", "tue=10:00-12:00", "--socket", socket]).status == 0)
        #expect(
            try run(ctl, ["counselor", "absence", "c01", "--from", "2026-12-01", "--to", "2026-12-01", "--socket", socket]).status == 0)
        let list = try run(ctl, ["counselor", "list", "--socket", socket])
        #expect(list.stdout.contains("tue 10:00-12:00"))
        let slots = try run(ctl, ["slots", "--from", "2026-12-01", "--to", "2026-12-01", "--socket", socket])
        #expect(slots.stdout.contains("2026-12-01 10:00  2"))  // c02 and c04; c01 is away
        try b.ready(1)
        let events = try run(ctl, ["events", "fetch", "--consumer", "cli", "--socket", socket])
        #expect(events.stdout.contains("seeker.registered"))
        #expect(try run(ctl, ["events", "ack", "--consumer", "cli", "2", "--socket", socket]).stdout.contains("cli at 2"))
    }
}

extension Booking {
    static func registerSeekers(on daemon: TestDaemon, count: Int) throws {
        let service = try daemon.connect(.service)
        for n in 1...count {
            _ = try service.call(
                "seeker.register",
                ["seeker_no": .string(seekerNo(n)), "name": "n", "phone": "0312345678", "my_page": true, "webcam_device": true])
        }
    }
}
