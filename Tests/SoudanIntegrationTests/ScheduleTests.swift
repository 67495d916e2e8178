import Dispatch
import Foundation
import SoudanClient
import SoudanProtocol
import SoudanSync
import Testing

@Suite struct ScheduleTests {
    let tuesday10 = "2026-12-01T10:00:00+09:00"

    @Test func schedulesWithTheMeetingDetailsTheNotifierSendsOn() throws {
        let b = try Booking()
        try b.ready(1)
        let request = try b.requestID(1, [tuesday10])
        let reply = try b.schedule(request, "2026-12-01T13:00:00+09:00", counselor: "c03")  // any slot, preferred or not
        let c = reply.result["consultation"]
        #expect(c?["status"] == "scheduled")
        #expect(c?["counselor_id"] == "c03")
        #expect(c?["end"] == "2026-12-01T13:30:00+09:00")
        #expect(c?["meeting"]?["join_url"] == "https://zoom.us/j/81000000003")
        #expect(c?["override_cutoff"] == .null)
        let event = try b.events().last
        #expect(event?["type"] == "consultation.scheduled")
        #expect(event?["data"]?["meeting"]?["passcode"] == "soudan03")
        #expect(event?["data"]?["start"] == "2026-12-01T13:00:00+09:00")
        #expect(try b.admin.call("seeker.get", ["seeker_no": .string(Booking.seekerNo(1))]).result["requests"]?.arrayValue?.isEmpty == true)
    }

    @Test func withoutACounselorTheLeastLoadedFreeOneIsChosenTiesById() throws {
        let b = try Booking()
        // 10:00: c01 and c02 work (c03 from 13:00). Ties go to c01.
        #expect(try b.consultation(try b.booked(1, tuesday10))["counselor_id"] == "c01")
        // c01 has one that day, c02 none: c02.
        #expect(try b.consultation(try b.booked(2, "2026-12-01T10:30:00+09:00"))["counselor_id"] == "c02")
        #expect(try b.consultation(try b.booked(3, "2026-12-01T11:00:00+09:00"))["counselor_id"] == "c01")
        // 10:00 again: c01 is busy then, c02 free.
        #expect(try b.consultation(try b.booked(4, tuesday10))["counselor_id"] == "c02")
        try b.ready(5)
        let full = try b.schedule(try b.requestID(5, [tuesday10]), tuesday10)
        #expect(full.code == "slot_taken")
    }

    @Test func checksInTheContractsOrder() throws {
        let b = try Booking()
        try b.ready(1)
        let request = try b.requestID(1, [tuesday10])
        #expect(try b.schedule("req-999999", tuesday10).code == "not_found")
        #expect(try b.schedule(request, "2026-12-01T10:10:00+09:00").field == "start")
        #expect(try b.schedule(request, "2026-12-01T18:00:00+09:00").code == "outside_hours")
        #expect(try b.schedule(request, "2026-11-27T10:00:00+09:00").code == "in_past")
        let override: JSONObject = ["override_cutoff": ["reason": "電話で本日希望"]]
        #expect(try b.schedule(request, "2026-11-27T10:00:00+09:00", extra: override).code == "in_past")
        #expect(try b.schedule(request, "2026-11-30T10:00:00+09:00").code == "past_cutoff")
        #expect(
            try b.schedule(request, "2026-11-30T10:00:00+09:00", extra: ["override_cutoff": ["reason": " "]]).field
                == "override_cutoff.reason")
        #expect(try b.schedule(request, tuesday10, counselor: "c99").code == "not_found")
        #expect(try b.schedule(request, tuesday10, counselor: "c03").code == "slot_taken")  // c03 works afternoons
        let overridden = try b.schedule(request, "2026-11-30T10:00:00+09:00", extra: override)
        #expect(overridden.result["consultation"]?["override_cutoff"]?["reason"] == "電話で本日希望")
        #expect(overridden.result["consultation"]?["override_cutoff"]?["by"]?["uid"] == .int(Int64(getuid())))
        let twice = try b.schedule(request, tuesday10)
        #expect(twice.code == "invalid_state")
        #expect(twice.errorDetails["status"] == "scheduled")
    }

    @Test func aSeekerCannotBeInTwoConsultationsAtOnce() throws {
        let b = try Booking()
        _ = try b.booked(1, tuesday10)
        let second = try b.requestID(1, ["2026-12-01T10:30:00+09:00"])
        let busy = try b.schedule(second, tuesday10)
        #expect(busy.code == "seeker_busy")
    }

    @Test func autoScheduleTakesTheFirstBookablePreferenceWithAFreeCounselor() throws {
        let b = try Booking()
        // c01 and c02 busy at 10:00.
        _ = try b.booked(1, tuesday10)
        _ = try b.booked(2, tuesday10)
        try b.ready(3)
        let request = try b.requestID(3, [tuesday10, "2026-12-01T10:30:00+09:00"])
        let reply = try b.admin.call("booking.auto_schedule", ["request_id": .string(request)])
        #expect(reply.result["consultation"]?["start"] == "2026-12-01T10:30:00+09:00")
        try b.ready(4)
        let none = try b.requestID(4, [tuesday10])
        #expect(try b.admin.call("booking.auto_schedule", ["request_id": .string(none)]).code == "no_availability")
    }

    @Test func rescheduleMovesTheConsultationAndFreesTheOldSlot() throws {
        let b = try Booking()
        let c = try b.booked(1, tuesday10, counselor: "c01")
        let moved = try b.admin.call(
            "booking.reschedule", ["consultation_id": .string(c), "start": "2026-12-01T14:00:00+09:00", "counselor_id": "c03"])
        #expect(moved.result["consultation"]?["consultation_id"] == .string(c))
        #expect(moved.result["consultation"]?["start"] == "2026-12-01T14:00:00+09:00")
        #expect(try b.eventTypes().last == "consultation.rescheduled")
        let slots = try b.service.call("slots.available", ["from": "2026-12-01", "to": "2026-12-01"]).result["slots"]?.arrayValue ?? []
        #expect(slots.first { $0["start"] == .string(tuesday10) }?["free"] == .int(2))
        #expect(slots.first { $0["start"] == "2026-12-01T14:00:00+09:00" }?["free"] == .int(2))
        #expect(try b.admin.call("booking.cancel", ["consultation_id": .string(c), "channel": "phone"]).ok)
        #expect(
            try b.admin.call("booking.reschedule", ["consultation_id": .string(c), "start": .string(tuesday10)]).code == "invalid_state")
    }

    @Test func exactlyOneOfThirtyTwoRacingSchedulesWins() throws {
        let b = try Booking()
        var requests: [String] = []
        for n in 1...32 {
            try b.ready(n)
            requests.append(try b.requestID(n, [tuesday10]))
        }
        let codes = LockedValue<[String]>([])
        let connections = try (0..<32).map { _ in try b.daemon.connect(.admin) }
        let ready = DispatchGroup()
        let go = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        for (index, connection) in connections.enumerated() {
            ready.enter()
            done.enter()
            let request = requests[index]
            let box = UncheckedBox(connection)
            Thread {
                ready.leave()
                go.wait()
                let code =
                    (try? box.value.call(
                        "booking.schedule", ["request_id": .string(request), "start": .string(tuesday10), "counselor_id": "c01"]))?.code
                    ?? "error"
                codes.withLock { $0.append(code) }
                done.leave()
            }.start()
        }
        ready.wait()
        for _ in 0..<32 { go.signal() }
        done.wait()
        let all = codes.withLock { $0 }
        #expect(all.filter { $0 == "ok" }.count == 1)
        #expect(all.filter { $0 == "slot_taken" }.count == 31)
    }
}

/// Hands a connection to the one thread that uses it.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
