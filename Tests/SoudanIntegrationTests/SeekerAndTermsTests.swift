import Foundation
import SoudanClient
import SoudanProtocol
import Testing

@Suite struct SeekerAndTermsTests {
    @Test func registerIsAnUpsertWithItsOwnEvents() throws {
        let b = try Booking()
        let first = try b.register(1)
        #expect(first.result["created"] == .bool(true))
        #expect(first.result["seeker"]?["status"] == "active")
        #expect(first.result["seeker"]?["consented_version"] == .null)
        let again = try b.register(1, myPage: false)
        #expect(again.result["created"] == .bool(false))
        #expect(again.result["seeker"]?["my_page"] == .bool(false))
        #expect(try b.eventTypes() == ["seeker.registered", "seeker.updated"])
    }

    @Test(arguments: [
        ("seeker_no", JSONValue.string("1310012345678")), ("seeker_no", "13100-1234567"), ("phone", "phone"),
        ("name", "   "), ("my_page", "yes"),
    ])
    func registerRefusesBadFields(field: String, value: JSONValue) throws {
        let b = try Booking()
        var args: JSONObject = [
            "seeker_no": "13100-12345678", "name": "n", "phone": "03-1234-5678", "my_page": true, "webcam_device": true,
        ]
        args[field] = value
        let reply = try b.service.call("seeker.register", args)
        #expect(reply.code == "invalid_args")
        #expect(reply.field == field)
    }

    @Test func consentNeedsTheVersionInForceZoomTermsAndEveryAcknowledgement() throws {
        let b = try Booking()
        #expect(try b.consent(9).code == "not_found")
        try b.register(1)
        let wrong = try b.consent(1, version: "0")
        #expect(wrong.code == "invalid_args")
        #expect(wrong.field == "terms_version")
        #expect(wrong.errorDetails["current_version"] == "1")
        for (path, args) in [
            ("zoom_terms", ["zoom_terms": false] as JSONObject),
            ("acknowledge.no_recording", ["acknowledge": ["no_recording": false, "private_room": true, "device_ready": true]]),
            ("acknowledge.private_room", ["acknowledge": ["no_recording": true, "private_room": false, "device_ready": true]]),
            ("acknowledge.device_ready", ["acknowledge": ["no_recording": true, "private_room": true, "device_ready": false]]),
        ] {
            var full: JSONObject = [
                "seeker_no": .string(Booking.seekerNo(1)), "terms_version": "1", "zoom_terms": true,
                "acknowledge": ["no_recording": true, "private_room": true, "device_ready": true],
            ]
            for (key, value) in args { full[key] = value }
            let reply = try b.service.call("seeker.consent", full)
            #expect(reply.code == "invalid_args")
            #expect(reply.field == path)
        }
        let ok = try b.consent(1)
        #expect(ok.result["seeker"]?["consented_version"] == "1")
        #expect(ok.result["seeker"]?["consent_kind"] == "explicit")
        #expect(try b.events().last?["data"]?["kind"] == "explicit")
    }

    @Test func seekerGetShowsOpenRequestsAndLiveConsultations() throws {
        let b = try Booking()
        #expect(try b.seeker(1).code == "not_found")
        #expect(try b.seeker(1).field == "seeker_no")
        let consultation = try b.booked(1, "2026-12-01T10:00:00+09:00")
        _ = try b.requestID(1, ["2026-12-01T11:00:00+09:00"])
        let got = try b.seeker(1)
        #expect(got.result["requests"]?.arrayValue?.count == 1)
        #expect(got.result["consultations"]?.arrayValue?.first?["consultation_id"] == .string(consultation))
    }

    @Test func publishingTermsNeedsNewConsentAndUsingTheServiceCountsAsAgreeing() throws {
        let b = try Booking()
        let c = try b.booked(1, "2026-12-01T10:00:00+09:00")
        try b.ready(2)
        let published = try b.admin.call("terms.publish", ["version": "2", "effective_at": "2026-11-30T12:00:00+09:00", "summary": "改定"])
        #expect(published.result["effective_at"] == "2026-11-30T12:00:00+09:00")
        #expect(
            try b.admin.call("terms.publish", ["version": "2", "effective_at": "2026-12-30T12:00:00+09:00", "summary": "x"]).code
                == "conflict")
        // Not yet in force: version 1 still counts.
        #expect(try b.service.call("terms.current").result["version"] == "1")
        #expect(try b.request(2, ["2026-12-02T10:00:00+09:00"]).ok)
        try b.setClock("2026-11-30T12:00:00+09:00")
        #expect(try b.service.call("terms.current").result["version"] == "2")
        let refused = try b.request(2, ["2026-12-02T10:30:00+09:00"])
        #expect(refused.code == "consent_required")
        #expect(refused.errorDetails["current_version"] == "2")
        // Seeker 1 starts a consultation after the change: a deemed consent to version 2.
        try b.setClock("2026-12-01T09:50:00+09:00")
        #expect(try b.admin.call("consultation.start", ["consultation_id": .string(c)]).ok)
        let seeker = try b.seeker(1).result["seeker"]
        #expect(seeker?["consented_version"] == "2")
        #expect(seeker?["consent_kind"] == "deemed")
        #expect(try b.events().contains { $0["type"] == "seeker.consented" && $0["data"]?["kind"] == "deemed" })
        #expect(try b.request(1, ["2026-12-02T11:00:00+09:00"]).ok)
    }

    @Test func anEffectiveTimeInThePastMeansNow() throws {
        let b = try Booking()
        let reply = try b.admin.call("terms.publish", ["version": "1.1", "effective_at": "2020-01-01T00:00:00Z", "summary": "s"])
        #expect(reply.result["effective_at"] == "2026-11-30T09:00:00+09:00")
        #expect(try b.service.call("terms.current").result["version"] == "1.1")
        #expect(try b.events().last?["type"] == "terms.published")
    }
}
