import Foundation
import GRDB
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
        #expect(
            try b.eventTypes().filter { $0.hasPrefix("consultation.") }.suffix(2) == ["consultation.contacted", "consultation.cancelled"])
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

    /// Art. 10(1) 中止: staff stop a consultation in progress; the seeker stays
    /// active, and only one in progress can be stopped.
    @Test func staffStopAConsultationInProgress() throws {
        let b = try Booking()
        let c = try b.booked(1, "2026-12-01T10:00:00+09:00")
        let early = try b.admin.call("consultation.stop", ["consultation_id": .string(c), "reason": "abuse"])
        #expect(early.code == "invalid_state")
        #expect(early.errorDetails["status"] == "scheduled")
        try b.setClock("2026-12-01T10:00:00+09:00")
        #expect(try b.admin.call("consultation.start", ["consultation_id": .string(c)]).ok)
        let stopped = try b.admin.call("consultation.stop", ["consultation_id": .string(c), "reason": "abuse", "note": "shouting"])
        #expect(stopped.result["consultation"]?["status"] == "stopped")
        #expect(stopped.result["consultation"]?["stopped"] == ["reason": "abuse", "note": "shouting"])
        #expect(try b.eventTypes().last == "consultation.stopped")
        #expect(try b.seeker(1).result["seeker"]?["status"] == "active")
        #expect(try b.service.call("consultation.stop", ["consultation_id": .string(c), "reason": "abuse"]).code == "forbidden")
    }

    /// A suspension cancels every scheduled consultation, whatever its start (one
    /// just begun no longer turns into a no-show), stops the one in progress, and
    /// keeps why in the seeker's history, with who; a reinstatement too; a
    /// restriction by the system has no one behind it.
    @Test func aSuspensionEndsEveryLiveConsultationAndTheWhyIsKept() throws {
        let b = try Booking(config: "[rules]\nno_show_threshold = 1\nopen_request_limit = 3")
        let running = try b.booked(1, "2026-12-01T10:00:00+09:00")
        let begun =
            try b.schedule(try b.requestID(1, ["2026-12-01T10:30:00+09:00"]), "2026-12-01T10:30:00+09:00")
            .result["consultation"]?["consultation_id"]?.stringValue ?? "?"
        try b.setClock("2026-12-01T10:00:00+09:00")
        #expect(try b.admin.call("consultation.start", ["consultation_id": .string(running)]).ok)
        try b.setClock("2026-12-01T10:35:00+09:00")  // the second has begun, not yet a no-show
        let suspended = try b.admin.call(
            "seeker.suspend", ["seeker_no": .string(Booking.seekerNo(1)), "reason": "threat", "note": "電話で脅迫"])
        #expect(suspended.result["stopped"] == [.string(running)])
        #expect(suspended.result["cancelled"] == [.string(begun)])
        #expect(try b.consultation(running)["status"] == "stopped")
        #expect(try b.consultation(begun)["cancelled"] == ["channel": "system", "reason": "suspended"])
        try b.setClock("2026-12-01T10:45:00+09:00")
        #expect(try b.seeker(1).result["seeker"]?["no_show_count"] == .int(0))
        #expect(try b.admin.call("seeker.reinstate", ["seeker_no": .string(Booking.seekerNo(1)), "note": "謝罪あり"]).ok)
        // A no-show of another seeker restricts them, by the system.
        let missed = try b.booked(2, "2026-12-02T10:00:00+09:00")
        try b.setClock("2026-12-02T10:10:00+09:00")
        #expect(try b.consultation(missed)["status"] == "no_show")
        let history = try b.seeker(1).result["seeker"]?["history"]?.arrayValue ?? []
        #expect(history.map { $0["action"] } == ["suspended", "reinstated"])
        #expect(history.first?["reason"] == "threat")
        #expect(history.first?["note"] == "電話で脅迫")
        #expect(history.last?["note"] == "謝罪あり")
        #expect(history.allSatisfy { $0["by"]?["uid"] == .int(Int64(getuid())) })
        let restricted = try b.seeker(2).result["seeker"]?["history"]?.arrayValue ?? []
        #expect(restricted.map { $0["action"] } == ["restricted"])
        #expect(restricted.first?["by"] == .null)
    }

    @Test func registrationEventsCarryTheSeekersStatus() throws {
        let b = try Booking()
        try b.register(1)
        try b.register(1)
        let events = try b.events().filter { ["seeker.registered", "seeker.updated"].contains($0["type"]?.stringValue ?? "") }
        #expect(events.map { $0["data"]?["status"] } == ["active", "active"])
    }

    /// An absence over booked consultations is refused, or with `reassign` moves
    /// each to another counselor free then; if any cannot move, nothing changes.
    @Test func anAbsenceOverBookedConsultationsIsRefusedOrReassignedWhole() throws {
        let b = try Booking()
        let slot = "2026-12-01T14:00:00+09:00"  // all three demo counselors work then
        let mine = try b.booked(1, slot, counselor: "c01")
        _ = try b.booked(2, slot, counselor: "c02")
        let third = try b.booked(3, slot, counselor: "c03")
        let absence: JSONObject = ["counselor_id": "c01", "from": "2026-12-01", "to": "2026-12-01"]
        let refused = try b.admin.call("counselor.add_absence", absence)
        #expect(refused.code == "invalid_state")
        #expect(refused.errorDetails["consultations"] == [.string(mine)])
        // Every other counselor is booked then: nothing can move, nothing changes.
        var reassigning = absence
        reassigning["reassign"] = true
        let stuck = try b.admin.call("counselor.add_absence", reassigning)
        #expect(stuck.code == "slot_taken")
        #expect(stuck.errorDetails["consultations"] == [.string(mine)])
        #expect(try b.consultation(mine)["counselor_id"] == "c01")
        #expect(try b.admin.call("slots.available", ["from": "2026-12-01", "to": "2026-12-01"]).ok)
        // A counselor comes free: the absence goes in and the consultation moves to them.
        #expect(try b.admin.call("booking.cancel", ["consultation_id": .string(third), "channel": "phone"]).ok)
        let moved = try b.admin.call("counselor.add_absence", reassigning)
        #expect(moved.result["reassigned"] == [["consultation_id": .string(mine), "from": "c01", "to": "c03", "start": .string(slot)]])
        let consultation = try b.consultation(mine)
        #expect(consultation["counselor_id"] == "c03")
        #expect(consultation["meeting"] != .null)
        let event = try b.events().last { $0["type"] == "consultation.rescheduled" }
        #expect(event?["data"]?["counselor_id"] == "c03")
        #expect(event?["data"]?["meeting"] != nil)
    }

    @Test func newHoursOverBookedConsultationsAreRefusedOrReassigned() throws {
        let b = try Booking()
        let c = try b.booked(1, "2026-12-01T16:00:00+09:00", counselor: "c02")
        let mornings: JSONObject = ["counselor_id": "c02", "weekly": ["tue": [["10:00", "12:00"]]]]
        #expect(try b.admin.call("counselor.set_hours", mornings).code == "invalid_state")
        var reassigning = mornings
        reassigning["reassign"] = true
        let moved = try b.admin.call("counselor.set_hours", reassigning)
        #expect(moved.ok, "\(moved.raw)")
        #expect(try b.consultation(c)["counselor_id"] != "c02")
    }

    /// `[retention] days` runs by itself at 03:00 office time, and at start-up
    /// when that run was missed; it is recorded in the access log (socket
    /// `system`) and erases only what is older than the retention.
    @Test func retentionRunsByItselfAtThreeAndCatchesUpAfterARestart() throws {
        let config = "[retention]\ndays = 1"
        let b = try Booking(config: config)
        try b.ready(1)
        let marker = "RETAINME"
        let request =
            try b.request(
                1, ["2026-12-02T10:00:00+09:00"],
                extra: [
                    "name": .string("\(marker)-name"), "note": .string("\(marker)-note"), "device": ["id": .string("\(marker)-device")],
                ]
            ).result["request"]?["request_id"]?.stringValue ?? "?"
        #expect(try b.service.call("booking.withdraw", ["request_id": .string(request)]).ok)
        func stored() throws -> Row? {
            try DatabaseQueue(path: b.daemon.databasePath).read { db in
                try Row.fetchOne(db, sql: "SELECT name, note FROM booking_request WHERE request_id = ?", arguments: [request])
            }
        }
        // Tuesday 03:00: the run keeps one day, so Monday's request stays.
        try b.setClock("2026-12-01T03:00:00+09:00")
        #expect(try stored()?["name"] as String? == "\(marker)-name")
        // The daemon is down over Wednesday 03:00; it catches up when it starts.
        try b.daemon.restart(config: config, clock: "manual:2026-12-02T05:00:00+09:00")
        let admin = try b.daemon.connect(.admin)
        #expect(try admin.call("clock.advance", ["minutes": 0]).ok)  // a batch: housekeeping has run
        let erased = try stored()
        #expect(erased?["name"] as String? == nil)
        #expect(erased?["note"] as String? == nil)
        let runs = try Self.disclose(admin).filter { $0["socket"] == "system" }
        #expect(runs.count == 3, "one run a day: Monday's at start, Tuesday's, Wednesday's")
        #expect(runs.allSatisfy { $0["op"] == "privacy.purge" && $0["requested_by"] == "retention" })
        let requestRecord = try Self.disclose(admin).first { $0["op"] == "booking.request" }
        #expect(requestRecord?["device"]?["id"] == .null)
        #expect(try admin.call("audit.verify").result["ok"] == .bool(true))
        // A clock move applies retention before its reply, like every time rule.
        let service = try b.daemon.connect(.service)
        let later =
            try service.call(
                "booking.request",
                [
                    "seeker_no": .string(Booking.seekerNo(1)), "name": .string("\(marker)-later"), "phone": "090-0000-0000",
                    "preferences": ["2026-12-04T10:00:00+09:00"], "channel": "web",
                ]
            ).result["request"]?["request_id"]?.stringValue ?? "?"
        #expect(try service.call("booking.withdraw", ["request_id": .string(later)]).ok)
        #expect(try admin.call("clock.set", ["now": "2026-12-04T03:00:00+09:00"]).ok)
        let laterName = try DatabaseQueue(path: b.daemon.databasePath).read { db in
            try String.fetchOne(db, sql: "SELECT name FROM booking_request WHERE request_id = ?", arguments: [later])
        }
        #expect(laterName == nil, "erased by the run the move reached, before the reply")
    }

    static func disclose(_ admin: SoudanConnection) throws -> [JSONValue] {
        try admin.call("audit.disclose", ["from": "2026-11-01", "to": "2026-12-31", "legal_basis": "test", "requested_by": "test"])
            .result["records"]?.arrayValue ?? []
    }

    /// Events carry ids, statuses, times and meeting details, never a name, a
    /// phone, a note or a device id (so the notifier and every consumer see no
    /// personal data); a purge (which also scrubs free text from old events, as a
    /// second line) leaves their ids and statuses.
    @Test func eventsCarryNoPersonalDataAndAPurgeKeepsTheirIds() throws {
        let b = try Booking()
        try b.ready(1)
        let marker = "EVENTMARK"
        let request =
            try b.request(
                1, ["2026-12-01T10:00:00+09:00"],
                extra: [
                    "name": .string("\(marker)-name"), "note": .string("\(marker)-note"), "device": ["id": .string("\(marker)-device")],
                ]
            ).result["request"]?["request_id"]?.stringValue ?? "?"
        #expect(try b.admin.call("booking.reject", ["request_id": .string(request), "reason": .string("\(marker) 本人の事情")]).ok)
        let text = try JSONWriter.string(.array(b.events()))
        #expect(!text.contains(marker))
        try b.setClock("2026-12-02T09:00:00+09:00")
        #expect(try b.admin.call("privacy.purge", ["before": "2026-12-01"]).ok)
        let rejection = try b.events().last { $0["type"] == "request.rejected" }?["data"]
        #expect(rejection?["request_id"] == .string(request))
        #expect(rejection?["status"] == "rejected")
    }

    /// `before` must be given (a dry run may leave it out) and may not be later
    /// than today.
    @Test func aPurgeNeedsABeforeThatIsNotInTheFuture() throws {
        let b = try Booking()
        let future = try b.admin.call("privacy.purge", ["before": "2026-12-01"])
        #expect(future.code == "invalid_args")
        #expect(future.field == "before")
        let missing = try b.admin.call("privacy.purge", [:])
        #expect(missing.code == "invalid_args")
        #expect(missing.field == "before")
        #expect(try b.admin.call("privacy.purge", ["before": "2026-11-30"]).ok)
    }

    /// `[retention] days = 0` turns retention off: no run, nothing erased.
    @Test func retentionZeroTurnsItOff() throws {
        let b = try Booking(config: "[retention]\ndays = 0")
        try b.ready(1)
        let request = try b.requestID(1, ["2026-12-01T10:00:00+09:00"])
        #expect(try b.service.call("booking.withdraw", ["request_id": .string(request)]).ok)
        try b.setClock("2027-06-01T09:00:00+09:00")
        let records = try Self.disclose(b.admin)
        #expect(!records.contains { $0["socket"] == "system" })
        let name = try DatabaseQueue(path: b.daemon.databasePath).read { db in
            try String.fetchOne(db, sql: "SELECT name FROM booking_request WHERE request_id = ?", arguments: [request])
        }
        #expect(name == "求職者1")
        #expect(try b.admin.call("privacy.purge", ["dry_run": true]).field == "before", "no retention: a dry run needs a before")
    }
}
