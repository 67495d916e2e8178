import Dispatch
import Foundation
import SoudanProtocol
import Testing

/// `soudanctl` tested the way staff and scripts use it: by running the binary.
@Suite struct SoudanctlTests {
    typealias Run = ProcessRun

    static var binary: String {
        URL(fileURLWithPath: TestDaemon.binary).deletingLastPathComponent().appendingPathComponent("soudanctl").path
    }

    func soudanctl(_ arguments: [String], socket: String?) throws -> Run {
        try runProcess(Self.binary, arguments + (socket.map { ["--socket", $0] } ?? []))
    }

    @Test func pingAndClockPrintForPeopleAndForScripts() throws {
        let daemon = try TestDaemon()
        let ping = try soudanctl(["ping"], socket: daemon.adminPath)
        #expect(ping.status == 0)
        #expect(ping.stdout.contains("2026-12-01T09:00:00+09:00"))
        let advance = try soudanctl(["clock", "advance", "45", "--json"], socket: daemon.adminPath)
        #expect(advance.status == 0)
        let json = try JSONParser.parse(Array(advance.stdout.utf8))
        #expect(json["now"] == "2026-12-01T09:45:00+09:00")
        let set = try soudanctl(["clock", "set", "2026-12-01T11:00:00+09:00"], socket: daemon.adminPath)
        #expect(set.stdout.contains("2026-12-01T11:00:00+09:00"))
    }

    @Test func anErrorReplyExitsNonZeroShowingItsCode() throws {
        let daemon = try TestDaemon()
        let run = try soudanctl(["clock", "set", "2020-01-01T00:00:00Z"], socket: daemon.adminPath)
        #expect(run.status == 1)
        #expect(run.stderr.contains("invalid_args"))
        #expect(run.stderr.split(separator: "\n").count == 1)
    }

    @Test func noDaemonExitsThreeWithAClearLine() throws {
        let run = try soudanctl(["ping"], socket: "/tmp/soudan-no-such-daemon.sock")
        #expect(run.status == 3)
        #expect(run.stderr.contains("cannot connect"))
    }

    @Test func describeStatsAndAuditVerify() throws {
        let daemon = try TestDaemon()
        let describe = try soudanctl(["describe"], socket: daemon.adminPath)
        #expect(describe.stdout.contains("clock.advance"))
        #expect(describe.stdout.contains("service,admin"))
        let stats = try soudanctl(["stats", "--json"], socket: daemon.adminPath)
        #expect(try JSONParser.parse(Array(stats.stdout.utf8))["requests"]?["total"]?.intValue ?? 0 >= 1)
        let verify = try soudanctl(["audit", "verify"], socket: daemon.adminPath)
        #expect(verify.status == 0)
        #expect(verify.stdout.contains("chain intact"))
    }

    /// As with git or systemctl: `soudanctl --socket X --json today`.
    @Test func theSharedOptionsMayComeBeforeTheSubcommand() throws {
        let daemon = try TestDaemon()
        let ping = try runProcess(Self.binary, ["--socket", daemon.adminPath, "--json", "ping"])
        #expect(ping.status == 0)
        #expect(ping.stdout.contains("\"pong\""))
        let nested = try runProcess(Self.binary, ["--socket=\(daemon.adminPath)", "--timeout", "5", "clock", "advance", "15", "--json"])
        #expect(nested.status == 0)
        #expect(nested.stdout.contains("\"now\""))
        // Not an option of soudanctl's: still refused as before.
        #expect(try runProcess(Self.binary, ["--sockett", daemon.adminPath, "ping"]).status != 0)
    }

    @Test func theSocketCanComeFromTheEnvironment() throws {
        let daemon = try TestDaemon()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["ping"]
        process.environment = ["SOUDAN_ADMIN_SOCKET": daemon.adminPath]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(stdout.hasPrefix("pong"))
    }

    @Test func aDayAtTheCounter() throws {
        let b = try Booking()
        try b.ready(1)
        let socket = b.daemon.adminPath
        let request = try soudanctl(
            [
                "request", "--seeker-no", Booking.seekerNo(1), "--name", "山田太郎", "--phone", "090-1234-5678",
                "--preference", "2026-12-01T10:00:00+09:00", "--companion", "interpreter:通訳者", "--json",
            ], socket: socket)
        #expect(request.status == 0, "\(request.stderr)")
        let requestID = try JSONParser.parse(Array(request.stdout.utf8))["request"]?["request_id"]?.stringValue ?? ""
        let scheduled = try soudanctl(["schedule", requestID, "--auto"], socket: socket)
        #expect(scheduled.stdout.contains("https://zoom.us/j/"))
        let today = try soudanctl(["today", "--date", "2026-12-01"], socket: socket)
        #expect(today.stdout.contains("interpreter:通訳者"))
        #expect(today.stdout.contains("10:00"))
        let consultation = try b.seeker(1).result["consultations"]?.arrayValue?.first?["consultation_id"]?.stringValue ?? ""
        #expect(try soudanctl(["contact", consultation, "遅れる"], socket: socket).status == 0)
        let early = try soudanctl(["start", consultation], socket: socket)
        #expect(early.status == 1)
        #expect(early.stderr.contains("invalid_state"))
        #expect(try soudanctl(["cancel", consultation, "--channel", "window"], socket: socket).stdout.contains("cancelled"))
        let show = try soudanctl(["seeker", "show", Booking.seekerNo(1)], socket: socket)
        #expect(show.stdout.contains("求職者1"))
        #expect(try soudanctl(["seeker", "suspend", Booking.seekerNo(1), "--reason", "abuse"], socket: socket).status == 0)
        #expect(try soudanctl(["seeker", "reinstate", Booking.seekerNo(1)], socket: socket).stdout.contains("active"))
        #expect(
            try soudanctl(["terms", "publish", "2", "--effective-at", "2026-12-01T00:00:00+09:00", "--summary", "改定"], socket: socket)
                .status == 0)
        let usage = try soudanctl(["report", "usage", "--from", "2026-12-01", "--to", "2026-12-01"], socket: socket)
        #expect(usage.stdout.contains("2026-12-01"))
        #expect(usage.stdout.contains("UTILISATION"))
    }

    /// The office's year from the counter: stopping a consultation, a seeker's
    /// history, an absence that moves bookings, what retention would erase.
    @Test func stopHistoryReassignAndADryRunPurge() throws {
        let b = try Booking(config: "[retention]\ndays = 1")
        let socket = b.daemon.adminPath
        let running = try b.booked(1, "2026-12-01T14:00:00+09:00", counselor: "c01")
        try b.setClock("2026-12-01T14:00:00+09:00")
        #expect(try b.admin.call("consultation.start", ["consultation_id": .string(running)]).ok)
        let stop = try soudanctl(["stop", running, "--reason", "abuse", "--note", "暴言"], socket: socket)
        #expect(stop.status == 0, "\(stop.stderr)")
        #expect(stop.stdout.contains("stopped"))
        #expect(
            try soudanctl(["seeker", "suspend", Booking.seekerNo(1), "--reason", "threat", "--note", "脅迫"], socket: socket).status == 0)
        let show = try soudanctl(["seeker", "show", Booking.seekerNo(1)], socket: socket)
        #expect(show.stdout.contains("suspended") && show.stdout.contains("脅迫") && show.stdout.contains("uid"))
        let booked = try b.booked(2, "2026-12-02T14:00:00+09:00", counselor: "c01")
        let refused = try soudanctl(["counselor", "absence", "c01", "--from", "2026-12-02", "--to", "2026-12-02"], socket: socket)
        #expect(refused.status == 1 && refused.stderr.contains("invalid_state"))
        let moved = try soudanctl(
            ["counselor", "absence", "c01", "--from", "2026-12-02", "--to", "2026-12-02", "--reassign"], socket: socket)
        #expect(moved.status == 0, "\(moved.stderr)")
        #expect(moved.stdout.contains(booked) && moved.stdout.contains("c02"))
        try b.ready(3)
        let request = try b.requestID(3, ["2026-12-03T10:00:00+09:00"])
        #expect(try b.service.call("booking.withdraw", ["request_id": .string(request)]).ok)
        try b.setClock("2026-12-03T02:00:00+09:00")
        let dryRun = try soudanctl(["purge", "--dry-run"], socket: socket)
        #expect(dryRun.status == 0, "\(dryRun.stderr)")
        // Seeker 3's withdrawn request, and seeker 1's stopped consultation with its request.
        #expect(dryRun.stdout.contains("would erase, before 2026-12-02: 2 requests, 1 consultations"), "\(dryRun.stdout)")
        #expect(
            try b.admin.call(
                "audit.disclose",
                [
                    "from": "2026-12-01", "to": "2026-12-03", "legal_basis": "t", "requested_by": "t",
                    "seeker_no": .string(Booking.seekerNo(3)),
                ]
            ).ok)
        #expect(try soudanctl(["purge", "--dry-run"], socket: socket).stdout == dryRun.stdout, "a dry run erases nothing")
    }

    @Test func usagePerDayAndPerSlotWithAnSVGChart() throws {
        let b = try Booking()
        _ = try b.booked(1, "2026-12-01T10:00:00+09:00")
        _ = try b.booked(2, "2026-12-01T10:00:00+09:00")
        let svg = b.daemon.dataDir + "-usage.svg"
        defer { try? FileManager.default.removeItem(atPath: svg) }
        let run = try soudanctl(
            ["report", "usage", "--from", "2026-12-01", "--to", "2026-12-02", "--svg", svg], socket: b.daemon.adminPath)
        #expect(run.status == 0, "\(run.stderr)")
        // 10:00: two held of the two counselors working then (c03 starts at 13:00), over two days: 2 of 4.
        #expect(run.stdout.split(separator: "\n").contains { $0.hasPrefix("10:00") && $0.contains("50.0%") })
        let chart = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(chart.hasPrefix("<svg"))
        #expect(chart.contains(">10:00<"))
        #expect(chart.contains(">2026-12-01<"))
    }

    @Test func watchFollowsEventsAsTheyAreCommitted() throws {
        let b = try Booking()
        try b.ready(1)  // history: not shown without --from-start
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["watch", "--socket", b.daemon.adminPath]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // The watcher is following once its consumer exists; then make an event.
        for _ in 0..<500 {
            let health = try b.admin.call("sys.health").result["checks"]?["consumers"]?["lag"]?.objectValue ?? [:]
            if health.keys.contains(where: { $0.hasPrefix("watch-") }) { break }
            usleep(10_000)
        }
        _ = try b.request(1, ["2026-12-01T10:00:00+09:00"])
        // Should nothing come, the read below ends when this kills the watcher.
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + 20) { kill(pid, SIGKILL) }
        var seen = ""
        let handle = out.fileHandleForReading
        while !seen.contains("request.created") {
            let data = handle.availableData
            if data.isEmpty { break }
            seen += String(decoding: data, as: UTF8.self)
        }
        #expect(seen.contains("request.created"))
        #expect(!seen.contains("seeker.registered"))
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScripts(shell: String) throws {
        let run = try soudanctl(["--generate-completion-script", shell], socket: nil)
        #expect(run.status == 0)
        #expect(run.stdout.contains("soudanctl"))
        #expect(run.stdout.contains("schedule"))
    }
}
