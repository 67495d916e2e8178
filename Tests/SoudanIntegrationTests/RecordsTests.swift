import Foundation
import GRDB
import SoudanClient
import SoudanProtocol
import Testing

@Suite struct RecordsTests {
    @Test func usageCountsPerDayWithoutIdentifiers() throws {
        let b = try Booking()
        let done = try b.booked(1, "2026-12-01T10:00:00+09:00")
        let cancelled = try b.booked(2, "2026-12-01T10:30:00+09:00")
        _ = try b.booked(3, "2026-12-01T11:00:00+09:00")  // becomes a no-show
        #expect(try b.admin.call("booking.cancel", ["consultation_id": .string(cancelled), "channel": "phone"]).ok)
        try b.setClock("2026-12-01T09:50:00+09:00")
        #expect(try b.admin.call("consultation.start", ["consultation_id": .string(done)]).ok)
        #expect(try b.admin.call("consultation.complete", ["consultation_id": .string(done)]).ok)
        try b.setClock("2026-12-01T11:10:00+09:00")
        let reply = try b.admin.call("report.usage", ["from": "2026-11-30", "to": "2026-12-01"])
        let days = reply.result["days"]?.arrayValue ?? []
        #expect(days.count == 2)
        #expect(days[0]["requests"] == .int(3))  // created on Monday
        #expect(days[0]["consultations"] == .int(0))
        let tuesday = days[1]
        #expect(tuesday["consultations"] == .int(3))
        #expect(tuesday["completed"] == .int(1))
        #expect(tuesday["cancelled"] == .int(1))
        #expect(tuesday["no_show"] == .int(1))
        // c01, c02: 12 slots each; c03: 8 afternoon slots.
        #expect(tuesday["capacity"] == .int(32))
        #expect(tuesday["utilisation"] == .double(0.0625))
        let text = JSONWriter.string(reply.raw)
        #expect(!text.contains("13100-"))
        #expect(try b.service.call("report.usage", ["from": "2026-12-01", "to": "2026-12-01"]).code == "forbidden")
    }

    @Test func disclosureNeedsALegalBasisReturnsDeviceIdsAndIsItselfRecorded() throws {
        let b = try Booking()
        try b.ready(1)
        _ = try b.request(
            1, ["2026-12-01T10:00:00+09:00"], extra: ["device": ["id": "IMEI-35-209900-176148-1", "os": "Android 15", "app": "Zoom 6.2"]])
        let blank = try b.admin.call("audit.disclose", ["from": "2026-11-30", "to": "2026-11-30", "legal_basis": " ", "requested_by": "x"])
        #expect(blank.field == "legal_basis")
        #expect(
            try b.admin.call("audit.disclose", ["from": "2026-11-30", "to": "2026-11-30", "legal_basis": "x", "requested_by": ""]).field
                == "requested_by")
        let args: JSONObject = [
            "from": "2026-11-30", "to": "2026-11-30", "seeker_no": .string(Booking.seekerNo(1)),
            "legal_basis": "刑事訴訟法第197条第2項", "requested_by": "渋谷警察署",
        ]
        let first = try b.admin.call("audit.disclose", args).result["records"]?.arrayValue ?? []
        #expect(first.map { $0["op"] } == ["seeker.register", "seeker.consent", "booking.request"])
        #expect(first.last?["device"]?["id"] == "IMEI-35-209900-176148-1")
        #expect(first.last?["socket"] == "service")
        #expect(first.last?["uid"] == .int(Int64(getuid())))
        #expect(try b.admin.call("clock.advance", ["minutes": 0]).ok)  // the disclosure's own record has committed
        let second = try b.admin.call("audit.disclose", args).result["records"]?.arrayValue ?? []
        let recorded = second.last
        #expect(recorded?["op"] == "audit.disclose")
        #expect(recorded?["legal_basis"] == "刑事訴訟法第197条第2項")
        #expect(recorded?["requested_by"] == "渋谷警察署")
        #expect(try b.service.call("audit.disclose", args).code == "forbidden")
    }

    @Test func purgeErasesPersonalDataKeepsCountsAndLeavesNoBytes() throws {
        let b = try Booking()
        try b.ready(1)
        let marker = "PURGEME"
        let personal: JSONObject = [
            "name": .string("\(marker)-name"), "phone": "090-9999-0000", "note": .string("\(marker)-note"),
            "companions": [["role": "assistant", "name": .string("\(marker)-companion")]],
            "device": ["id": .string("\(marker)-device")],
        ]
        let request = try b.request(1, ["2026-12-01T10:00:00+09:00"], extra: personal).result["request"]?["request_id"]?.stringValue ?? ""
        let c = try b.schedule(request, "2026-12-01T10:00:00+09:00").result["consultation"]?["consultation_id"]?.stringValue ?? ""
        let withdrawn = try b.request(1, ["2026-12-01T11:00:00+09:00"], extra: personal).result["request"]?["request_id"]?.stringValue ?? ""
        #expect(try b.service.call("booking.withdraw", ["request_id": .string(withdrawn)]).ok)
        #expect(try b.admin.call("booking.cancel", ["consultation_id": .string(c), "channel": "phone"]).ok)
        let before = try b.admin.call("report.usage", ["from": "2026-11-30", "to": "2026-12-01"]).result
        try b.setClock("2026-12-02T09:00:00+09:00")
        let purged = try b.admin.call("privacy.purge", ["before": "2026-12-02"]).result["purged"]
        #expect(purged?["requests"] == .int(2))
        #expect(purged?["consultations"] == .int(1))
        #expect(purged?["access_records"] == .int(2))
        #expect(try b.admin.call("report.usage", ["from": "2026-11-30", "to": "2026-12-01"]).result == before)
        #expect(try b.admin.call("audit.verify").result["ok"] == .bool(true))
        #expect(try b.seeker(1).result["seeker"]?["name"] == "求職者1")  // profiles stay
        let consultation = try b.consultation(c)
        #expect(consultation["companions"] == [["role": "assistant", "name": nil]])
        #expect(try b.admin.call("privacy.purge", ["before": "2026-12-02"]).result["purged"]?["requests"] == .int(0))
        #expect(try b.daemon.stop() == 0)
        for suffix in ["", "-wal"] {
            let path = b.daemon.databasePath + suffix
            guard let bytes = FileManager.default.contents(atPath: path) else { continue }
            #expect(bytes.range(of: Data(marker.utf8)) == nil, "\(marker) still in \(path)")
        }
    }

    /// A purge never forgets a key younger than 24 hours (a retried booking acted
    /// twice after a nightly purge), erases the personal data in its remembered
    /// reply, and truncates the WAL once the reader holding an older snapshot lets
    /// go, while the daemon runs.
    @Test func purgeKeepsYoungKeysErasesTheirPersonalDataAndTruncatesTheWALOnceReadersLetGo() throws {
        let b = try Booking()
        try b.ready(1)
        let marker = "WALMARK"
        let args: JSONObject = [
            "seeker_no": .string(Booking.seekerNo(1)), "name": .string("\(marker)-name"), "phone": "090-9999-0000",
            "note": .string("\(marker)-note"), "preferences": ["2026-12-01T11:00:00+09:00"], "channel": "web",
        ]
        let first = try b.service.call("booking.request", args, idempotencyKey: "retry-1")
        let request = try #require(first.result["request"]?["request_id"]?.stringValue)
        #expect(try b.service.call("booking.withdraw", ["request_id": .string(request)]).ok)
        try b.setClock("2026-12-01T08:00:00+09:00")  // 23 hours later
        // Another process holds a read snapshot from before the purge.
        let reader = try DatabaseQueue(path: b.daemon.databasePath)
        let released = DispatchSemaphore(value: 0)
        let holding = DispatchSemaphore(value: 0)
        let holder = Thread {
            try? reader.read { db in
                _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM booking_request")
                holding.signal()
                released.wait()
            }
        }
        holder.start()
        holding.wait()
        #expect(try b.admin.call("privacy.purge", ["before": "2026-12-01"]).result["purged"]?["requests"] == .int(1))
        released.signal()
        // The retry replays the first reply without acting twice; its personal data is gone.
        let retry = try b.service.call("booking.request", args, idempotencyKey: "retry-1")
        #expect(retry.result["request"]?["request_id"] == .string(request))
        #expect(retry.result["request"]?["name"] == .null)
        #expect(try b.seeker(1).result["requests"]?.arrayValue?.isEmpty == true)
        // The WAL is truncated once the snapshot is gone (no signal says when: poll).
        var remaining: [String] = []
        let deadline = Date().addingTimeInterval(15)
        repeat {
            remaining = ["", "-wal"].filter { suffix in
                FileManager.default.contents(atPath: b.daemon.databasePath + suffix)?.range(of: Data(marker.utf8)) != nil
            }
            if !remaining.isEmpty { Thread.sleep(forTimeInterval: 0.1) }
        } while !remaining.isEmpty && Date() < deadline
        #expect(remaining.isEmpty, "\(marker) still in the database\(remaining.joined(separator: ", ")) while the daemon runs")
    }
}
