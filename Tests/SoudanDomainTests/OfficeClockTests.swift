import Testing
import SoudanProtocol
@testable import SoudanDomain

@Suite struct OfficeClockTests {
    let start = WireTime.parseInstant("2026-12-01T09:00:00+09:00")!

    @Test func aManualClockMovesOnlyWhenToldAndNeverBack() throws {
        let clock = OfficeClock.manual(startingAt: start)
        #expect(clock.now() == start)
        #expect(try clock.advance(minutes: 15) == start.adding(minutes: 15))
        #expect(throws: OfficeClock.MoveError.backwards(current: start.adding(minutes: 15))) {
            try clock.set(to: start)
        }
        #expect(try clock.set(to: start.adding(minutes: 15)) == start.adding(minutes: 15))
        #expect(clock.now() == start.adding(minutes: 15))
    }

    @Test func theSystemClockRefusesToBeMoved() {
        let clock = OfficeClock.system()
        #expect(throws: OfficeClock.MoveError.notManual) { try clock.advance(minutes: 1) }
        #expect(throws: OfficeClock.MoveError.notManual) { try clock.set(to: start) }
    }

    @Test func parsesTheClockFlag() {
        #expect(OfficeClock.parse("system")?.mode == .system)
        #expect(OfficeClock.parse("manual")?.mode == .manual)
        #expect(OfficeClock.parse("manual:2026-12-01T09:00:00+09:00")?.now() == start)
        #expect(OfficeClock.parse("manual:tomorrow") == nil)
        #expect(OfficeClock.parse("wall") == nil)
    }
}

@Suite struct WeeklyHoursTests {
    @Test func parsesSortsAndRendersIntervals() throws {
        let hours = try WeeklyHours.parse(["mon": [["13:00", "17:00"], ["10:00", "12:00"]], "fri": [["10:00", "10:30"]]])
        #expect(hours.days[1] == [.init(start: 600, end: 720), .init(start: 780, end: 1020)])
        #expect(hours.json == ["mon": [["10:00", "12:00"], ["13:00", "17:00"]], "fri": [["10:00", "10:30"]]])
        #expect(hours.covers(weekday: 1, slotStartMinute: 690))
        #expect(!hours.covers(weekday: 1, slotStartMinute: 720))
        #expect(!hours.covers(weekday: 2, slotStartMinute: 600))
    }

    @Test(arguments: [
        ("{\"mon\": [[\"12:00\", \"10:00\"]]}", "mon[0]"),
        ("{\"mon\": [[\"10:00\", \"10:00\"]]}", "mon[0]"),
        ("{\"tue\": [[\"10:10\", \"11:00\"]]}", "tue[0]"),
        ("{\"wed\": [[\"10:00\", \"12:00\"], [\"11:00\", \"13:00\"]]}", "wed"),
    ])
    func refusesBadIntervals(text: String, field: String) throws {
        let object = try JSONParser.parse(Array(text.utf8)).objectValue ?? [:]
        do {
            _ = try WeeklyHours.parse(object)
            Issue.record("accepted \(text)")
        } catch {
            guard case .invalid(let f, _) = error else { return }
            #expect(f == field)
        }
    }

    @Test func findsCounselorHoursOutsideOfficeHours() throws {
        let office = WeeklyHours.weekdays([("10:00", "17:00")])
        #expect(WeeklyHours.weekdays([("10:00", "12:00"), ("13:00", "17:00")]).firstOutside(office) == nil)
        #expect(try WeeklyHours.parse(["thu": [["16:30", "17:30"]]]).firstOutside(office) == "thu")
        #expect(try WeeklyHours.parse(["sat": [["10:00", "11:00"]]]).firstOutside(office) == "sat")
    }
}
