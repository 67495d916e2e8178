import SoudanProtocol
import SoudanSync
import Testing

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

/// A system clock watched against the monotonic clock (CONTRACT.md: a wall-clock
/// jump is held, not obeyed).
@Suite struct ClockJumpTests {
    /// Both clocks, moved by the test.
    final class Clocks: Sendable {
        let wall = LockedValue<Double>(1_796_000_000)
        let monotonic = LockedValue<UInt64>(5_000_000_000)
        func pass(seconds: Double) {
            wall.withLock { $0 += seconds }
            monotonic.withLock { $0 += UInt64(seconds * 1e9) }
        }
        func clock() -> OfficeClock {
            OfficeClock.system(wall: { self.wall.withLock { $0 } }, monotonicNanos: { self.monotonic.withLock { $0 } })
        }
    }

    @Test func followsTheWallClockWhileBothAgree() {
        let clocks = Clocks()
        let clock = clocks.clock()
        clocks.pass(seconds: 30)
        #expect(clock.now() == Instant(seconds: 1_796_000_030))
        // Drift within the tolerance is followed (NTP slewing), and never adds up:
        // each agreeing reading becomes the reference.
        for _ in 0..<10 {
            clocks.pass(seconds: 60)
            clocks.wall.withLock { $0 += 100 }
            #expect(clock.heldJump == nil)
        }
    }

    @Test(arguments: [4 * 86_400.0, 121, -121, -3_600])
    func aJumpIsHeldUntilAccepted(seconds: Double) throws {
        let clocks = Clocks()
        let clock = clocks.clock()
        let changes = LockedValue<[OfficeClock.HoldChange]>([])
        clock.observeHolds { change in changes.withLock { $0.append(change) } }
        clocks.wall.withLock { $0 += seconds }
        clocks.pass(seconds: 5)
        // The office clock goes on at the monotonic clock's pace.
        #expect(clock.now() == Instant(seconds: 1_796_000_005))
        let jump = try #require(clock.heldJump)
        #expect(jump.seconds == Int64(seconds))
        clocks.pass(seconds: 5)
        #expect(clock.now() == Instant(seconds: 1_796_000_010))
        #expect(
            try clock.accept()
                == OfficeClock.Jump(
                    systemNow: Instant(seconds: Int64(1_796_000_010 + seconds)), heldNow: Instant(seconds: 1_796_000_010)))
        #expect(clock.heldJump == nil)
        #expect(clock.now() == Instant(seconds: Int64(1_796_000_010 + seconds)))
        #expect(changes.withLock { $0 }.count == 2, "one line when held, one when accepted")
    }

    /// +4 days for 3 s, then corrected: nothing to accept.
    @Test func aJumpThatIsUndoneEndsTheHoldByItself() {
        let clocks = Clocks()
        let clock = clocks.clock()
        clocks.wall.withLock { $0 += 4 * 86_400 }
        clocks.pass(seconds: 3)
        #expect(clock.heldJump != nil)
        clocks.wall.withLock { $0 -= 4 * 86_400 }
        #expect(clock.heldJump == nil)
        #expect(clock.now() == Instant(seconds: 1_796_000_003))
    }

    @Test func aManualClockHasNothingToAccept() {
        #expect(throws: OfficeClock.MoveError.notManual) { try OfficeClock.manual(startingAt: Instant(seconds: 0)).accept() }
    }
}
