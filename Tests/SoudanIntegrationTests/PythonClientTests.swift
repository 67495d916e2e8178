import Foundation
import SoudanClient
import SoudanProtocol
import Testing

/// The Python client and the example notifier, run the way another local
/// service would run them.
@Suite struct PythonClientTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("protocol/clients/python").path

    func python(_ script: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.directory + "/" + script] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    func notices(in spool: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
    }

    /// Waits for the notifier to write `count` notices (the files are the signal).
    func waitFor(_ count: Int, in spool: String) -> [String] {
        for _ in 0..<500 where notices(in: spool).count < count { usleep(20_000) }
        return notices(in: spool)
    }

    @Test func theClientReusesItsConnectionPipelinesAndRaisesTypedErrors() throws {
        let daemon = try TestDaemon()
        let check = try python("check_client.py", [daemon.servicePath])
        check.waitUntilExit()
        #expect(check.terminationStatus == 0)
    }

    @Test func theNotifierSendsEachMeetingNoticeOnceAcrossRestarts() throws {
        let b = try Booking()
        let spool = b.daemon.dataDir + "-spool"
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let socket = b.daemon.servicePath
        var notifier = try python("notifier.py", ["--socket", socket, "--spool", spool, "--wait-ms", "500"])
        let c = try b.booked(1, "2026-12-01T10:00:00+09:00")
        let first = waitFor(1, in: spool)
        #expect(first.count == 1)
        let text = try String(contentsOfFile: spool + "/" + (first.first ?? ""), encoding: .utf8)
        #expect(text.contains("https://zoom.us/j/81000000001"))
        #expect(text.contains("soudan01"))

        // The daemon restarts under the notifier: it reconnects and goes on.
        try b.daemon.restart(clock: Booking.monday)
        #expect(try b.daemon.connect(.admin).call("booking.cancel", ["consultation_id": .string(c), "channel": "phone"]).ok)
        #expect(waitFor(2, in: spool).last?.contains("consultation.cancelled") == true)

        // The notifier crashes; what happens meanwhile is sent when it is back.
        kill(notifier.processIdentifier, SIGKILL)
        notifier.waitUntilExit()
        let admin = try b.daemon.connect(.admin)
        let service = try b.daemon.connect(.service)
        _ = try service.call(
            "seeker.register",
            ["seeker_no": .string(Booking.seekerNo(2)), "name": "n", "phone": "0312345678", "my_page": true, "webcam_device": true])
        _ = try service.call(
            "seeker.consent",
            [
                "seeker_no": .string(Booking.seekerNo(2)), "terms_version": "1", "zoom_terms": true,
                "acknowledge": ["no_recording": true, "private_room": true, "device_ready": true],
            ])
        let request = try service.call(
            "booking.request",
            [
                "seeker_no": .string(Booking.seekerNo(2)), "name": "n", "phone": "0312345678",
                "preferences": ["2026-12-01T11:00:00+09:00"], "channel": "web",
            ])
        #expect(try admin.call("booking.auto_schedule", ["request_id": request.result["request"]?["request_id"] ?? .null]).ok)
        notifier = try python("notifier.py", ["--socket", socket, "--spool", spool, "--once", "--wait-ms", "200"])
        notifier.waitUntilExit()
        #expect(notifier.terminationStatus == 0)
        let all = notices(in: spool)
        #expect(all.count == 3)
        #expect(Set(all.map { $0.prefix(10) }).count == 3, "one notice per event")
        // Nothing new: another run writes nothing.
        let again = try python("notifier.py", ["--socket", socket, "--spool", spool, "--once", "--wait-ms", "200"])
        again.waitUntilExit()
        #expect(notices(in: spool) == all)
    }
}
