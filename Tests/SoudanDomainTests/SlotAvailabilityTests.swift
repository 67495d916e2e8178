import SoudanProtocol
import Testing

@testable import SoudanDomain

@Suite struct SlotAvailabilityTests {
    let calendar = OfficeCalendar(hours: .weekdays([("10:00", "12:00"), ("13:00", "17:00")]))
    func at(_ text: String) -> Instant { WireTime.parseInstant(text)! }
    func date(_ text: String) -> CivilDate { WireTime.parseDate(text)! }

    func counselor(_ id: String, _ hours: WeeklyHours) -> CounselorSettings {
        CounselorSettings(counselorID: id, name: id, meeting: .init(joinURL: "", meetingID: "", passcode: ""), weekly: hours)
    }

    var counselors: [CounselorSettings] {
        [
            counselor("a", .weekdays([("10:00", "12:00"), ("13:00", "17:00")])),
            counselor("b", .weekdays([("10:00", "11:00")])),
            counselor("c", .weekdays([("14:00", "17:00")])),
        ]
    }

    func slots(
        _ from: String, _ to: String, now: String, absences: [String: [ClosedRange<Int>]] = [:], booked: [Int64: Set<String>] = [:]
    ) -> [SlotAvailability.Slot] {
        SlotAvailability.slots(
            from: date(from), through: date(to), calendar: calendar, counselors: counselors,
            absences: absences, booked: booked, now: at(now))
    }

    @Test func countsWorkingCounselorsLessTheBookedOnes() {
        let ten = at("2026-12-02T10:00:00+09:00")
        let day = slots("2026-12-02", "2026-12-02", now: "2026-11-30T09:00:00+09:00", booked: [ten.seconds: ["a"]])
        #expect(day.count == 12)
        #expect(day.first == .init(start: ten, free: 1, bookable: true))
        #expect(day.first { $0.start == at("2026-12-02T11:00:00+09:00") }?.free == 1)
        #expect(day.first { $0.start == at("2026-12-02T14:30:00+09:00") }?.free == 2)
    }

    @Test func anAbsentCounselorIsNotFree() {
        let absent = [date("2026-12-02").daysSinceEpoch...date("2026-12-03").daysSinceEpoch]
        let week = slots("2026-12-01", "2026-12-04", now: "2026-11-30T09:00:00+09:00", absences: ["c": absent])
        let atThree = week.filter { OfficeCalendar.local($0.start).minute == 15 * 60 }.map(\.free)
        #expect(atThree == [2, 1, 1, 2])
    }

    @Test func aFullSlotAndASlotPastTheCutoffAreNotBookable() {
        let ten = at("2026-12-02T10:00:00+09:00")
        let full = slots("2026-12-02", "2026-12-02", now: "2026-11-30T09:00:00+09:00", booked: [ten.seconds: ["a", "b"]])
        #expect(full.first == .init(start: ten, free: 0, bookable: false))
        let sameDay = slots("2026-12-02", "2026-12-02", now: "2026-12-02T00:00:00+09:00")
        #expect(sameDay.allSatisfy { !$0.bookable && $0.free > 0 })
        let dayBefore = slots("2026-12-02", "2026-12-02", now: "2026-12-01T23:59:59+09:00")
        #expect(dayBefore.allSatisfy { $0.bookable })
    }

    @Test func closedDaysHaveNoSlots() {
        // 2026-12-05/06 a weekend, 2026-12-29 … 2027-01-03 the year-end closure, 2027-01-11 Coming of Age Day.
        #expect(slots("2026-12-05", "2026-12-06", now: "2026-11-30T09:00:00+09:00").isEmpty)
        #expect(slots("2026-12-29", "2027-01-03", now: "2026-11-30T09:00:00+09:00").isEmpty)
        #expect(slots("2027-01-11", "2027-01-11", now: "2026-11-30T09:00:00+09:00").isEmpty)
    }

    /// The per-date shortcut against the rules asked slot by slot, over six weeks
    /// with weekends, the year-end closure, a holiday (2027-01-11), absences,
    /// bookings, and times of day around the cutoff.
    @Test(arguments: ["2026-11-30T09:00:00+09:00", "2026-12-09T00:00:00+09:00", "2026-12-09T13:30:00+09:00", "2026-12-23T23:59:59+09:00"])
    func agreesWithTheRulesAskedPerSlot(now text: String) {
        let now = at(text)
        let absences = ["b": [date("2026-12-10").daysSinceEpoch...date("2026-12-14").daysSinceEpoch]]
        var booked: [Int64: Set<String>] = [:]
        for (index, start) in stride(from: at("2026-12-01T10:00:00+09:00").seconds, to: at("2027-01-13T00:00:00+09:00").seconds, by: 5400)
            .enumerated()
        {
            booked[start] = index % 3 == 0 ? ["a", "c"] : ["b"]
        }
        let fast = SlotAvailability.slots(
            from: date("2026-12-01"), through: date("2027-01-12"), calendar: calendar,
            counselors: counselors, absences: absences, booked: booked, now: now)
        var expected: [SlotAvailability.Slot] = []
        var day = date("2026-12-01")
        while day <= date("2027-01-12") {
            for start in calendar.slots(on: day) {
                let minute = OfficeCalendar.local(start).minute
                let free = counselors.filter { counselor in
                    counselor.weekly.covers(weekday: day.weekday, slotStartMinute: minute)
                        && !(absences[counselor.counselorID]?.contains { $0.contains(day.daysSinceEpoch) } ?? false)
                        && booked[start.seconds]?.contains(counselor.counselorID) != true
                }.count
                expected.append(
                    .init(start: start, free: free, bookable: free > 0 && BookingRules.isBookable(start, calendar: calendar, now: now)))
            }
            day = day.adding(days: 1)
        }
        #expect(fast.count == 26 * 12)  // 20 business days in December, 6 in January
        #expect(fast == expected)
    }
}
