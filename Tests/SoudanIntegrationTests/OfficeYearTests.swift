import Foundation
import SoudanClient
import SoudanProtocol
import Testing

/// The time rules of an office's year (CONTRACT.md, "Over an office's year"):
/// nothing stays open forever, and nothing stale blocks a seeker. Each is applied
/// by the clock alone, in the same transaction as its event.
@Suite struct OfficeYearTests {
    /// A request whose every preference has started expires, and no longer
    /// counts towards the seeker's open requests; before that, staff may still
    /// schedule it at any slot.
    @Test func aRequestExpiresAtItsLatestPreferenceAndFreesTheSeekersLimit() throws {
        let b = try Booking(config: "[rules]\nopen_request_limit = 2")
        try b.ready(1)
        let first = try b.requestID(1, ["2026-12-01T10:00:00+09:00", "2026-12-01T11:00:00+09:00"])
        let second = try b.requestID(1, ["2026-12-01T10:30:00+09:00"])
        #expect(try b.request(1, ["2026-12-02T10:00:00+09:00"]).code == "limit_reached")
        try b.setClock("2026-12-01T10:59:59+09:00")
        // The second's only preference has started: it expired; the first has not.
        let requests = try b.seeker(1).result["requests"]?.arrayValue?.compactMap { $0["request_id"]?.stringValue }
        #expect(requests == [first])
        try b.setClock("2026-12-01T11:00:00+09:00")
        #expect(try b.seeker(1).result["requests"]?.arrayValue?.isEmpty == true)
        #expect(try b.service.call("booking.withdraw", ["request_id": .string(second)]).errorDetails["status"] == "expired")
        let expired = try b.events().filter { $0["type"] == "request.expired" }
        #expect(expired.map { $0["data"]?["request_id"] } == [.string(second), .string(first)])
        #expect(expired.allSatisfy { $0["data"]?["status"] == "expired" })
        // The limit is free again.
        #expect(try b.request(1, ["2026-12-02T10:00:00+09:00"]).ok)
    }

    /// A contacted consultation never started is cancelled at its end by the
    /// system, reason `not_held`: not a no-show.
    @Test func aContactedConsultationNeverStartedIsCancelledNotHeldAtItsEnd() throws {
        let b = try Booking()
        let c = try b.booked(1, "2026-12-01T10:00:00+09:00")
        #expect(try b.admin.call("booking.contact", ["consultation_id": .string(c), "note": "late"]).ok)
        try b.setClock("2026-12-01T10:29:59+09:00")
        #expect(try b.consultation(c)["status"] == "scheduled")
        try b.setClock("2026-12-01T10:30:00+09:00")
        let consultation = try b.consultation(c)
        #expect(consultation["status"] == "cancelled")
        #expect(consultation["cancelled"] == ["channel": "system", "reason": "not_held"])
        #expect(try b.seeker(1).result["seeker"]?["no_show_count"] == .int(0))
        #expect(try b.eventTypes().filter { $0.hasPrefix("consultation.") }.suffix(2) == ["consultation.contacted", "consultation.cancelled"])
    }

    /// A consultation still in progress at midnight after its date is completed,
    /// marked `auto_completed`; one that is not left open keeps the mark false.
    @Test func aConsultationLeftInProgressIsCompletedAtMidnight() throws {
        let b = try Booking()
        let c = try b.booked(1, "2026-12-01T10:00:00+09:00")
        try b.setClock("2026-12-01T10:00:00+09:00")
        #expect(try b.admin.call("consultation.start", ["consultation_id": .string(c)]).ok)
        try b.setClock("2026-12-01T23:59:59+09:00")
        #expect(try b.consultation(c)["status"] == "in_progress")
        #expect(try b.consultation(c)["auto_completed"] == .bool(false))
        try b.setClock("2026-12-02T00:00:00+09:00")
        let consultation = try b.consultation(c)
        #expect(consultation["status"] == "completed")
        #expect(consultation["auto_completed"] == .bool(true))
        #expect(consultation["completed_at"] == "2026-12-02T00:00:00+09:00")
        #expect(try b.seeker(1).result["consultations"]?.arrayValue?.isEmpty == true)
    }

    /// A recorded contact concerned the old time: after a reschedule the new
    /// appointment can become a no-show.
    @Test func aRescheduleClearsTheContact() throws {
        let b = try Booking()
        let c = try b.booked(1, "2026-12-01T10:00:00+09:00")
        #expect(try b.admin.call("booking.contact", ["consultation_id": .string(c), "note": "late"]).ok)
        let moved = try b.admin.call("booking.reschedule", ["consultation_id": .string(c), "start": "2026-12-01T14:00:00+09:00"])
        #expect(moved.result["consultation"]?["contacted"] == .bool(false))
        try b.setClock("2026-12-01T14:10:00+09:00")
        #expect(try b.consultation(c)["status"] == "no_show")
    }
}
