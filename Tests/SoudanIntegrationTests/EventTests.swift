import Dispatch
import Foundation
import SoudanClient
import SoudanProtocol
import Testing

@Suite struct EventTests {
    @Test func eventsComeInSeqOrderFromOneWithoutGapsUntilAcknowledged() throws {
        let b = try Booking()
        _ = try b.booked(1, "2026-12-01T10:00:00+09:00")
        _ = try b.request(1, ["2026-12-01T10:10:00+09:00"])  // refused: no event
        let first = try b.service.call("events.fetch", ["consumer": "notifier", "max": 2]).result["events"]?.arrayValue ?? []
        #expect(first.compactMap { $0["seq"]?.intValue } == [1, 2])
        // Not acknowledged: the same again (at least once).
        #expect(try b.service.call("events.fetch", ["consumer": "notifier", "max": 2]).result["events"]?.arrayValue == first)
        #expect(try b.service.call("events.ack", ["consumer": "notifier", "seq": 2]).result["seq"] == .int(2))
        let rest = try b.service.call("events.fetch", ["consumer": "notifier"]).result["events"]?.arrayValue ?? []
        #expect(rest.compactMap { $0["seq"]?.intValue } == [3, 4])
        #expect(rest.compactMap { $0["type"]?.stringValue } == ["request.created", "consultation.scheduled"])
        let beyond = try b.service.call("events.ack", ["consumer": "notifier", "seq": 99])
        #expect(beyond.code == "invalid_args")
        #expect(beyond.field == "seq")
        // Acknowledging backwards does not move the position back.
        #expect(try b.service.call("events.ack", ["consumer": "notifier", "seq": 1]).result["seq"] == .int(2))
    }

    @Test func positionsSurviveARestart() throws {
        let b = try Booking()
        try b.ready(1)
        #expect(try b.service.call("events.ack", ["consumer": "n", "seq": 1]).ok)
        try b.daemon.restart(clock: Booking.monday)
        let events = try b.daemon.connect(.service).call("events.fetch", ["consumer": "n"]).result["events"]?.arrayValue ?? []
        #expect(events.first?["seq"] == .int(2))
    }

    @Test func aWaitingFetchWakesOnTheNextEventWithoutHoldingUpOthers() throws {
        let b = try Booking()
        let waiter = try b.daemon.connect(.service)
        try waiter.send(waiter.makeRequest("events.fetch", args: ["consumer": "long", "wait_ms": 20_000]))
        // Others are served meanwhile, on other connections.
        #expect(try b.service.call("sys.ping").ok)
        try b.register(1)
        let reply = try waiter.readReply()
        #expect(reply.result["events"]?.arrayValue?.first?["type"] == "seeker.registered")
    }

    @Test func aFetchWithNothingNewAnswersEmptyAtItsDeadline() throws {
        let b = try Booking()
        let reply = try b.service.call("events.fetch", ["consumer": "quiet", "wait_ms": 200])
        #expect(reply.result["events"] == [])
        #expect(try b.service.call("events.fetch", ["consumer": "bad name!"]).field == "consumer")
        #expect(try b.service.call("events.fetch", ["consumer": "c", "max": 1001]).field == "max")
        #expect(try b.service.call("events.fetch", ["consumer": "c", "wait_ms": 30001]).field == "wait_ms")
    }

    @Test func shutdownAnswersAWaitingFetch() throws {
        let b = try Booking()
        let waiter = try b.daemon.connect(.service)
        try waiter.send(waiter.makeRequest("events.fetch", args: ["consumer": "long", "wait_ms": 30_000]))
        #expect(try b.service.call("sys.ping").ok)  // the fetch has been read
        kill(b.daemon.process.processIdentifier, SIGTERM)
        #expect(try waiter.readReply().result["events"] == [])
        #expect(try b.daemon.waitForExit() == 0)
    }
}

@Suite struct AvailabilityAndCounselorTests {
    @Test func slotsShowFreeCounselorsAndWhetherTheyCanStillBeBooked() throws {
        let b = try Booking()
        let reply = try b.service.call("slots.available", ["from": "2026-11-30", "to": "2026-12-06"])
        let slots = reply.result["slots"]?.arrayValue ?? []
        #expect(slots.count == 14 * 5)  // Monday to Friday, 10:00-17:00
        let monday = slots.first { $0["start"] == "2026-11-30T10:00:00+09:00" }
        #expect(monday?["free"] == .int(2))
        #expect(monday?["bookable"] == .bool(false))  // past the cutoff
        let tuesday = slots.first { $0["start"] == "2026-12-01T13:00:00+09:00" }
        #expect(tuesday?["free"] == .int(3))
        #expect(tuesday?["bookable"] == .bool(true))
        #expect(slots.first { $0["start"] == "2026-12-01T12:00:00+09:00" }?["free"] == .int(0))  // lunch
        #expect(slots.first { $0["start"] == "2026-12-01T12:00:00+09:00" }?["bookable"] == .bool(false))
        _ = try b.booked(1, "2026-12-01T13:00:00+09:00")
        let after = try b.service.call("slots.available", ["from": "2026-12-01", "to": "2026-12-01"]).result["slots"]?.arrayValue
        #expect(after?.first { $0["start"] == "2026-12-01T13:00:00+09:00" }?["free"] == .int(2))
        #expect(try b.service.call("slots.available", ["from": "2026-12-01", "to": "2027-01-01"]).field == "to")
        #expect(try b.service.call("slots.available", ["from": "2026-12-02", "to": "2026-12-01"]).field == "to")
        let yearEnd = try b.service.call("slots.available", ["from": "2026-12-28", "to": "2027-01-05"]).result["slots"]?.arrayValue ?? []
        #expect(Set(yearEnd.compactMap { $0["start"]?.stringValue?.prefix(10) }) == ["2026-12-28", "2027-01-04", "2027-01-05"])
    }

    @Test func staffManageCounselorsHoursAndAbsences() throws {
        let b = try Booking()
        let meeting: JSONValue = ["join_url": "https://zoom.us/j/9", "meeting_id": "9", "passcode": "p"]
        let added = try b.admin.call("counselor.add", ["counselor_id": "c09", "name": "新任", "meeting": meeting])
        #expect(added.result["counselor"]?["weekly"]?["mon"] == [["10:00", "17:00"]])
        #expect(try b.admin.call("counselor.add", ["counselor_id": "c09", "name": "x", "meeting": meeting]).code == "conflict")
        let outside = try b.admin.call("counselor.set_hours", ["counselor_id": "c09", "weekly": ["sat": [["10:00", "12:00"]]]])
        #expect(outside.code == "invalid_args")
        #expect(outside.field == "weekly.sat")
        #expect(
            try b.admin.call("counselor.set_hours", ["counselor_id": "c09", "weekly": ["mon": [["12:00", "10:00"]]]]).field
                == "weekly.mon[0]")
        #expect(try b.admin.call("counselor.set_hours", ["counselor_id": "nobody", "weekly": [:]]).code == "not_found")
        #expect(try b.admin.call("counselor.set_hours", ["counselor_id": "c09", "weekly": ["tue": [["10:00", "11:00"]]]]).ok)
        func free(_ start: String) throws -> JSONValue? {
            try b.service.call("slots.available", ["from": "2026-12-01", "to": "2026-12-01"]).result["slots"]?.arrayValue?
                .first { $0["start"] == .string(start) }?["free"]
        }
        #expect(try free("2026-12-01T10:00:00+09:00") == .int(3))
        #expect(try free("2026-12-01T11:00:00+09:00") == .int(2))
        #expect(try b.admin.call("counselor.add_absence", ["counselor_id": "c01", "from": "2026-12-01", "to": "2026-12-01"]).ok)
        #expect(try free("2026-12-01T10:00:00+09:00") == .int(2))
        #expect(try b.admin.call("counselor.add_absence", ["counselor_id": "c01", "from": "2026-12-02", "to": "2026-12-01"]).field == "to")
        let list = try b.admin.call("counselor.list").result["counselors"]?.arrayValue?.compactMap { $0["counselor_id"]?.stringValue }
        #expect(list == ["c01", "c02", "c03", "c09"])
        // An absent counselor cannot be given a consultation.
        try b.ready(1)
        #expect(
            try b.schedule(try b.requestID(1, ["2026-12-01T10:00:00+09:00"]), "2026-12-01T10:00:00+09:00", counselor: "c01").code
                == "slot_taken")
    }

    @Test func configCounselorsReplaceTheDemoOfficeAndAdminOnesStay() throws {
        let config =
            "[[counselors]]\ncounselor_id = \"x1\"\nname = \"一\"\nmeeting = { join_url = \"https://zoom.us/j/1\", meeting_id = \"1\", passcode = \"p\" }"
        let b = try Booking(config: config)
        let meeting: JSONValue = ["join_url": "https://zoom.us/j/9", "meeting_id": "9", "passcode": "p"]
        #expect(try b.admin.call("counselor.add", ["counselor_id": "a1", "name": "追加", "meeting": meeting]).ok)
        let renamed = config.replacingOccurrences(of: "name = \"一\"", with: "name = \"改名\"")
        try b.daemon.restart(config: renamed, clock: Booking.monday)
        let counselors = try b.daemon.connect(.admin).call("counselor.list").result["counselors"]?.arrayValue ?? []
        #expect(counselors.compactMap { $0["counselor_id"]?.stringValue } == ["a1", "x1"])
        #expect(counselors.last?["name"] == "改名")
    }
}
