import Foundation
import SoudanClient
import SoudanProtocol
import Testing

@Suite struct RequestTests {
    let tuesday10 = "2026-12-01T10:00:00+09:00"

    @Test func eligibilityIsCheckedInTheContractsOrder() throws {
        let b = try Booking()
        #expect(try b.request(1, [tuesday10]).errorDetails["reason"] == "not_registered")
        try b.register(1, myPage: false, webcam: false)
        #expect(try b.request(1, [tuesday10]).errorDetails["reason"] == "no_my_page")
        try b.register(1, myPage: true, webcam: false)
        let noWebcam = try b.request(1, [tuesday10])
        #expect(noWebcam.code == "not_eligible")
        #expect(noWebcam.errorDetails["reason"] == "no_webcam_device")
        try b.register(1)
        #expect(try b.request(1, [tuesday10]).code == "consent_required")
        try b.consent(1)
        #expect(try b.request(1, [tuesday10]).ok)
    }

    @Test func suspensionIsReportedBeforeRestriction() throws {
        let b = try Booking(config: "[rules]\nno_show_threshold = 1")
        let c = try b.booked(1, tuesday10)
        try b.setClock("2026-12-01T10:10:00+09:00")
        #expect(try b.consultation(c)["status"] == "no_show")
        #expect(try b.request(1, ["2026-12-02T10:00:00+09:00"]).code == "seeker_restricted")
        #expect(try b.admin.call("seeker.suspend", ["seeker_no": .string(Booking.seekerNo(1)), "reason": "abuse"]).ok)
        #expect(try b.request(1, ["2026-12-02T10:00:00+09:00"]).code == "seeker_suspended")
    }

    @Test(arguments: [
        (["2026-12-01T10:00:00+09:00", "2026-12-01T10:15:00+09:00"], "invalid_args", "preferences[1]"),
        (["2026-12-01T10:00:00+09:00", "2026-12-01T10:00:05+09:00"], "invalid_args", "preferences[1]"),
        (["2026-12-01T10:00:00+09:00", "2026-12-01T10:00:00+09:00"], "invalid_args", "preferences[1]"),
        (["2026-12-01T10:00:00+09:00", "2026-12-05T10:00:00+09:00"], "outside_hours", "preferences[1]"),
        (["2026-12-01T17:00:00+09:00"], "outside_hours", "preferences[0]"),
        (["2026-11-23T10:00:00+09:00"], "outside_hours", "preferences[0]"),
        (["2026-11-27T10:00:00+09:00"], "in_past", "preferences[0]"),
        (["2026-12-01T10:00:00+09:00", "2026-11-30T10:00:00+09:00"], "past_cutoff", "preferences[1]"),
        (
            ["2026-12-01T10:00:00+09:00", "2026-12-01T10:30:00+09:00", "2026-12-01T11:00:00+09:00", "2026-12-01T11:30:00+09:00"],
            "invalid_args", "preferences"
        ),
        ([], "invalid_args", "preferences"),
    ])
    func preferencesAreCheckedOneByOneInOrder(preferences: [String], code: String, field: String) throws {
        let b = try Booking()
        try b.ready(1)
        let reply = try b.request(1, preferences)
        #expect(reply.code == code)
        #expect(reply.field == field)
    }

    @Test func argumentErrorsComeBeforeEligibility() throws {
        let b = try Booking()
        let reply = try b.request(7, ["2026-12-01T10:10:00+09:00"])  // unregistered and off the boundary
        #expect(reply.code == "invalid_args")
    }

    @Test func openRequestsAndScheduledConsultationsCountTowardsTheLimit() throws {
        let b = try Booking()
        _ = try b.booked(1, tuesday10)
        #expect(try b.request(1, ["2026-12-01T11:00:00+09:00"]).ok)
        let third = try b.request(1, ["2026-12-01T11:30:00+09:00"])
        #expect(third.code == "limit_reached")
        // A withdrawn request frees its place.
        let open = try b.seeker(1).result["requests"]?.arrayValue?.first?["request_id"]
        #expect(try b.service.call("booking.withdraw", ["request_id": open ?? .null]).ok)
        #expect(try b.request(1, ["2026-12-01T11:30:00+09:00"]).ok)
    }

    @Test func inSessionRequestsComeFromTheCounselorDuringThatSeekersConsultation() throws {
        let b = try Booking()
        let c = try b.booked(1, tuesday10)
        try b.ready(2)
        let next = ["2026-12-02T10:00:00+09:00"]
        #expect(try b.request(1, next, channel: "in_session").code == "forbidden")
        let missing = try b.request(1, next, channel: "in_session", on: .admin)
        #expect(missing.code == "invalid_args")
        #expect(missing.field == "during_consultation")
        #expect(try b.request(1, next, channel: "in_session", extra: ["during_consultation": "con-999999"], on: .admin).code == "not_found")
        let during: JSONObject = ["during_consultation": .string(c)]
        #expect(try b.request(1, next, channel: "in_session", extra: during, on: .admin).errorDetails["status"] == "scheduled")
        try b.setClock("2026-12-01T09:55:00+09:00")
        #expect(try b.admin.call("consultation.start", ["consultation_id": .string(c)]).ok)
        #expect(try b.request(2, next, channel: "in_session", extra: during, on: .admin).code == "invalid_state")
        let ok = try b.request(1, next, channel: "in_session", extra: during, on: .admin)
        #expect(ok.result["request"]?["channel"] == "in_session")
        #expect(ok.result["request"]?["during_consultation"] == .string(c))
        #expect(try b.request(1, next, extra: during).field == "during_consultation")
    }

    @Test func withdrawAndRejectOnlyWhileRequested() throws {
        let b = try Booking()
        try b.ready(1)
        let first = try b.requestID(1, [tuesday10])
        let second = try b.requestID(1, ["2026-12-01T10:30:00+09:00"])
        let withdrawn = try b.service.call("booking.withdraw", ["request_id": .string(first)])
        #expect(withdrawn.result["request"]?["status"] == "withdrawn")
        let again = try b.service.call("booking.withdraw", ["request_id": .string(first)])
        #expect(again.code == "invalid_state")
        #expect(again.errorDetails["status"] == "withdrawn")
        #expect(try b.service.call("booking.withdraw", ["request_id": "req-999999"]).code == "not_found")
        #expect(try b.service.call("booking.reject", ["request_id": .string(second), "reason": "x"]).code == "forbidden")
        let rejected = try b.admin.call("booking.reject", ["request_id": .string(second), "reason": "満席"])
        #expect(rejected.result["request"]?["status"] == "rejected")
        #expect(try b.admin.call("booking.reject", ["request_id": .string(second), "reason": "x"]).code == "invalid_state")
        #expect(try b.eventTypes().suffix(2) == ["request.withdrawn", "request.rejected"])
    }

    @Test func companionsAreDeclaredWithTheRequestAndCarriedToTheConsultation() throws {
        let b = try Booking()
        try b.ready(1)
        let companions: JSONValue = [["role": "interpreter", "name": "通訳者"]]
        let reply = try b.request(1, [tuesday10], extra: ["companions": companions, "note": "車椅子"])
        #expect(reply.result["request"]?["companions"] == companions)
        let bad = try b.request(1, [tuesday10], extra: ["companions": [["role": "friend", "name": "x"]]])
        #expect(bad.field == "companions[0].role")
        let scheduled = try b.schedule(reply.result["request"]?["request_id"]?.stringValue ?? "", tuesday10)
        #expect(scheduled.result["consultation"]?["companions"] == companions)
    }
}
