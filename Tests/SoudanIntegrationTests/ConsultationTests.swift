import Foundation
import SoudanClient
import SoudanProtocol
import Testing

@Suite struct ConsultationTests {
    let tuesday10 = "2026-12-01T10:00:00+09:00"

    @Test func aConsultationRunsFromScheduledThroughInProgressToCompleted() throws {
        let b = try Booking()
        let c = try b.booked(1, tuesday10)
        let id: JSONObject = ["consultation_id": .string(c)]
        #expect(try b.admin.call("consultation.complete", id).errorDetails["status"] == "scheduled")
        try b.setClock("2026-12-01T09:44:59+09:00")
        let early = try b.admin.call("consultation.start", id)
        #expect(early.code == "invalid_state")
        #expect(early.errorDetails["status"] == "scheduled")
        try b.setClock("2026-12-01T09:45:00+09:00")
        #expect(try b.admin.call("consultation.start", id).result["consultation"]?["status"] == "in_progress")
        #expect(try b.admin.call("consultation.start", id).errorDetails["status"] == "in_progress")
        #expect(try b.admin.call("booking.cancel", ["consultation_id": .string(c), "channel": "phone"]).code == "invalid_state")
        let done = try b.admin.call("consultation.complete", ["consultation_id": .string(c), "note": "求人紹介"])
        #expect(done.result["consultation"]?["status"] == "completed")
        #expect(try b.service.call("consultation.get", id).result["consultation"]?["status"] == "completed")
        #expect(try b.service.call("consultation.get", ["consultation_id": "con-999999"]).field == "consultation_id")
        #expect(try b.eventTypes().suffix(2) == ["consultation.started", "consultation.completed"])
    }

    @Test func tenMinutesPastTheStartWithoutContactIsANoShowAndTwoRestrict() throws {
        let b = try Booking()
        let first = try b.booked(1, tuesday10)
        let second = try b.booked(1, "2026-12-01T11:00:00+09:00")
        try b.setClock("2026-12-01T10:09:59+09:00")
        #expect(try b.consultation(first)["status"] == "scheduled")
        #expect(try b.admin.call("clock.advance", ["minutes": 0]).ok)
        try b.setClock("2026-12-01T10:10:00+09:00")
        #expect(try b.consultation(first)["status"] == "no_show")
        #expect(try b.seeker(1).result["seeker"]?["no_show_count"] == .int(1))
        #expect(try b.seeker(1).result["seeker"]?["status"] == "active")
        #expect(try b.admin.call("consultation.start", ["consultation_id": .string(first)]).errorDetails["status"] == "no_show")
        #expect(try b.admin.call("clock.advance", ["minutes": 60]).ok)
        #expect(try b.consultation(second)["status"] == "no_show")
        let seeker = try b.seeker(1).result["seeker"]
        #expect(seeker?["no_show_count"] == .int(2))
        #expect(seeker?["status"] == "restricted")
        let types = try b.eventTypes()
        #expect(types.filter { $0 == "consultation.no_show" }.count == 2)
        #expect(types.last == "seeker.restricted")
        #expect(try b.request(1, ["2026-12-02T10:00:00+09:00"]).code == "seeker_restricted")
        let reinstated = try b.admin.call("seeker.reinstate", ["seeker_no": .string(Booking.seekerNo(1))])
        #expect(reinstated.result["seeker"]?["status"] == "active")
        #expect(reinstated.result["seeker"]?["no_show_count"] == .int(2))
        #expect(try b.admin.call("seeker.reinstate", ["seeker_no": .string(Booking.seekerNo(1))]).errorDetails["status"] == "active")
        #expect(try b.request(1, ["2026-12-02T10:00:00+09:00"]).ok)
    }

    @Test func aRecordedContactStopsTheNoShowRule() throws {
        let b = try Booking()
        let c = try b.booked(1, tuesday10)
        #expect(try b.admin.call("booking.contact", ["consultation_id": .string(c), "note": "  "]).field == "note")
        #expect(
            try b.admin.call("booking.contact", ["consultation_id": .string(c), "note": "15分遅れる"]).result["consultation"]?["contacted"]
                == .bool(true))
        try b.setClock("2026-12-01T10:20:00+09:00")
        #expect(try b.consultation(c)["status"] == "scheduled")
        #expect(try b.admin.call("consultation.start", ["consultation_id": .string(c)]).ok)
    }

    @Test func aThresholdOfZeroNeverRestricts() throws {
        let b = try Booking(config: "[rules]\nno_show_threshold = 0")
        _ = try b.booked(1, tuesday10)
        _ = try b.booked(1, "2026-12-01T10:30:00+09:00")
        try b.setClock("2026-12-01T12:00:00+09:00")
        #expect(try b.seeker(1).result["seeker"]?["no_show_count"] == .int(2))
        #expect(try b.seeker(1).result["seeker"]?["status"] == "active")
    }

    @Test func noShowsFireOnTheSystemClockWithoutTraffic() throws {
        // Booked on a manual clock a few weeks back; the daemon then restarts on the
        // system clock, long after that start.
        let b = try Booking(clock: "manual:2026-11-02T09:00:00+09:00")
        let c = try b.booked(1, "2026-11-04T10:00:00+09:00")
        try b.daemon.restart(clock: "system")
        let connection = try b.daemon.connect(.admin)
        var status: JSONValue?
        for _ in 0..<300 {
            status = try connection.call("consultation.get", ["consultation_id": .string(c)]).result["consultation"]?["status"]
            if status == "no_show" { break }
            usleep(20_000)  // polling the state, waiting for the daemon's own timer
        }
        #expect(status == "no_show")
    }

    @Test func cancellationIsByStaffWhileScheduledAndFreesTheSlotForTheWaitlist() throws {
        let b = try Booking(
            config:
                "[[counselors]]\ncounselor_id = \"solo\"\nname = \"一人\"\nmeeting = { join_url = \"https://zoom.us/j/1\", meeting_id = \"1\", passcode = \"p\" }"
        )
        let c = try b.booked(1, tuesday10)
        try b.ready(2)
        try b.ready(3)
        try b.ready(4)
        let older = try b.requestID(2, ["2026-12-01T11:00:00+09:00", tuesday10])
        let younger = try b.requestID(3, [tuesday10])
        _ = try b.requestID(4, ["2026-12-01T11:00:00+09:00"])
        #expect(try b.service.call("booking.cancel", ["consultation_id": .string(c), "channel": "phone"]).code == "forbidden")
        let cancelled = try b.admin.call("booking.cancel", ["consultation_id": .string(c), "channel": "phone", "reason": "体調不良"])
        #expect(cancelled.result["consultation"]?["status"] == "cancelled")
        // The oldest open request that listed the freed start gets it, in the same transaction.
        let got = try b.seeker(2).result["consultations"]?.arrayValue?.first
        #expect(got?["start"] == .string(tuesday10))
        #expect(got?["request_id"] == .string(older))
        #expect(try b.seeker(3).result["requests"]?.arrayValue?.first?["request_id"] == .string(younger))
        #expect(try b.eventTypes().suffix(2) == ["consultation.cancelled", "consultation.scheduled"])
        #expect(try b.admin.call("booking.cancel", ["consultation_id": .string(c), "channel": "window"]).code == "invalid_state")
    }

    @Test func theWaitlistSkipsSeekersWhoMayNotBook() throws {
        let b = try Booking(
            config:
                "[rules]\nno_show_threshold = 1\n[[counselors]]\ncounselor_id = \"solo\"\nname = \"一人\"\nmeeting = { join_url = \"https://zoom.us/j/1\", meeting_id = \"1\", passcode = \"p\" }"
        )
        let c = try b.booked(1, "2026-12-02T10:00:00+09:00")
        // Seeker 2 waits for it but is restricted by a no-show meanwhile; seeker 3 waits too.
        _ = try b.booked(2, "2026-12-01T10:00:00+09:00")
        _ = try b.requestID(2, ["2026-12-02T10:00:00+09:00"])
        try b.ready(3)
        let third = try b.requestID(3, ["2026-12-02T10:00:00+09:00"])
        try b.setClock("2026-12-01T10:10:00+09:00")
        #expect(try b.seeker(2).result["seeker"]?["status"] == "restricted")
        #expect(try b.admin.call("booking.cancel", ["consultation_id": .string(c), "channel": "phone"]).ok)
        #expect(try b.seeker(3).result["consultations"]?.arrayValue?.first?["request_id"] == .string(third))
    }

    @Test func suspendingCancelsFutureConsultationsAndRejectsOpenRequestsAtOnce() throws {
        let b = try Booking()
        let c = try b.booked(1, tuesday10)
        let open = try b.requestID(1, ["2026-12-02T10:00:00+09:00"])
        let reply = try b.admin.call("seeker.suspend", ["seeker_no": .string(Booking.seekerNo(1)), "reason": "threat", "note": "暴言"])
        #expect(reply.result["seeker"]?["status"] == "suspended")
        #expect(reply.result["cancelled"] == [.string(c)])
        #expect(reply.result["rejected"] == [.string(open)])
        #expect(try b.consultation(c)["status"] == "cancelled")
        #expect(try b.admin.call("seeker.suspend", ["seeker_no": .string(Booking.seekerNo(1)), "reason": "abuse"]).code == "invalid_state")
        #expect(try b.admin.call("seeker.suspend", ["seeker_no": .string(Booking.seekerNo(1)), "reason": "rude"]).field == "reason")
        #expect(try b.service.call("seeker.suspend", ["seeker_no": .string(Booking.seekerNo(1)), "reason": "abuse"]).code == "forbidden")
        #expect(try b.request(1, ["2026-12-03T10:00:00+09:00"]).code == "seeker_suspended")
        #expect(try b.eventTypes().suffix(3) == ["consultation.cancelled", "request.rejected", "seeker.suspended"])
        #expect(try b.admin.call("seeker.reinstate", ["seeker_no": .string(Booking.seekerNo(1))]).result["seeker"]?["status"] == "active")
        #expect(try b.eventTypes().last == "seeker.reinstated")
    }

    @Test func consultationListFilters() throws {
        let b = try Booking()
        _ = try b.booked(1, tuesday10, counselor: "c01")
        _ = try b.booked(2, tuesday10, counselor: "c02")
        _ = try b.booked(3, "2026-12-02T10:00:00+09:00", counselor: "c01")
        func count(_ args: JSONObject) throws -> Int? {
            try b.admin.call("consultation.list", args).result["consultations"]?.arrayValue?.count
        }
        #expect(try count([:]) == 3)
        #expect(try count(["date": "2026-12-01"]) == 2)
        #expect(try count(["counselor_id": "c01"]) == 2)
        #expect(try count(["seeker_no": .string(Booking.seekerNo(2))]) == 1)
        #expect(try count(["status": "completed"]) == 0)
        #expect(try b.service.call("consultation.list").code == "forbidden")
    }
}
