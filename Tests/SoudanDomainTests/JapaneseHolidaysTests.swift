import SoudanProtocol
import Testing

@testable import SoudanDomain

/// The official list of national holidays (内閣府「国民の祝日について」), 2024–2030,
/// substitute and citizens' holidays included.
let officialHolidays: [Int: String] = [
    2024: "1/1 1/8 2/11 2/12 2/23 3/20 4/29 5/3 5/4 5/5 5/6 7/15 8/11 8/12 9/16 9/22 9/23 10/14 11/3 11/4 11/23",
    2025: "1/1 1/13 2/11 2/23 2/24 3/20 4/29 5/3 5/4 5/5 5/6 7/21 8/11 9/15 9/23 10/13 11/3 11/23 11/24",
    2026: "1/1 1/12 2/11 2/23 3/20 4/29 5/3 5/4 5/5 5/6 7/20 8/11 9/21 9/22 9/23 10/12 11/3 11/23",
    2027: "1/1 1/11 2/11 2/23 3/21 3/22 4/29 5/3 5/4 5/5 7/19 8/11 9/20 9/23 10/11 11/3 11/23",
    2028: "1/1 1/10 2/11 2/23 3/20 4/29 5/3 5/4 5/5 7/17 8/11 9/18 9/22 10/9 11/3 11/23",
    2029: "1/1 1/8 2/11 2/12 2/23 3/20 4/29 4/30 5/3 5/4 5/5 7/16 8/11 9/17 9/23 9/24 10/8 11/3 11/23",
    2030: "1/1 1/14 2/11 2/23 3/20 4/29 5/3 5/4 5/5 5/6 7/15 8/11 8/12 9/16 9/23 10/14 11/3 11/4 11/23",
]

@Suite struct JapaneseHolidaysTests {
    @Test(arguments: officialHolidays.keys.sorted())
    func matchesTheOfficialList(year: Int) {
        let expected = Set(
            officialHolidays[year]!.split(separator: " ").map { entry -> CivilDate in
                let parts = entry.split(separator: "/").map { Int($0)! }
                return CivilDate(year: year, month: parts[0], day: parts[1])
            })
        let computed = Set(JapaneseHolidays.holidays(in: year).keys)
        #expect(
            computed == expected, "missing \(expected.subtracting(computed).sorted()), extra \(computed.subtracting(expected).sorted())")
    }

    @Test func namesTheKindOfEachSpecialDay() {
        #expect(JapaneseHolidays.holidays(in: 2026)[CivilDate(year: 2026, month: 9, day: 22)] == .citizens)
        #expect(JapaneseHolidays.holidays(in: 2027)[CivilDate(year: 2027, month: 3, day: 22)] == .substitute)
        // 2024-05-06: Children's Day on a Sunday, the substitute skips the holidays after it.
        #expect(JapaneseHolidays.holidays(in: 2024)[CivilDate(year: 2024, month: 5, day: 6)] == .substitute)
    }
}

@Suite struct OfficeCalendarTests {
    let calendar = OfficeCalendar(hours: .weekdays([("10:00", "17:00")]))

    func at(_ text: String) -> Instant { WireTime.parseInstant(text)! }

    @Test(arguments: [
        ("2026-12-01", true),  // Tuesday
        ("2026-12-05", false),  // Saturday
        ("2026-12-06", false),  // Sunday
        ("2026-11-23", false),  // 勤労感謝の日, Monday
        ("2026-09-22", false),  // 国民の休日
        ("2026-12-28", true),  // Monday before the closure
        ("2026-12-29", false), ("2026-12-31", false), ("2027-01-01", false), ("2027-01-03", false),
        ("2027-01-04", true),  // Monday after the closure
        ("2027-01-11", false),  // 成人の日
    ])
    func knowsBusinessDays(date: String, open: Bool) {
        #expect(OfficeCalendar.isBusinessDay(WireTime.parseDate(date)!) == open)
    }

    @Test func slotsFillOfficeHoursOnTheHourAndHalfHour() {
        let slots = calendar.slots(on: CivilDate(year: 2026, month: 12, day: 1))
        #expect(slots.count == 14)
        #expect(slots.first == at("2026-12-01T10:00:00+09:00"))
        #expect(slots.last == at("2026-12-01T16:30:00+09:00"))
        #expect(calendar.slots(on: CivilDate(year: 2026, month: 12, day: 5)).isEmpty)
    }

    @Test(arguments: [
        ("2026-12-01T10:00:00+09:00", true), ("2026-12-01T16:30:00+09:00", true),
        ("2026-12-01T17:00:00+09:00", false), ("2026-12-01T09:30:00+09:00", false),
        ("2026-12-01T10:15:00+09:00", false), ("2026-12-05T10:00:00+09:00", false),
        ("2026-12-01T01:00:00Z", true),
    ])
    func knowsOfficeSlots(start: String, inside: Bool) {
        #expect(calendar.isOfficeSlot(at(start)) == inside)
    }

    @Test func theCutoffIsTheEndOfThePreviousDayInOfficeTime() {
        let slot = at("2026-12-02T10:00:00+09:00")
        #expect(OfficeCalendar.cutoff(forSlotAt: slot) == at("2026-12-02T00:00:00+09:00"))
        #expect(!OfficeCalendar.isPastCutoff(slot: slot, now: at("2026-12-01T23:59:59+09:00")))
        #expect(OfficeCalendar.isPastCutoff(slot: slot, now: at("2026-12-02T00:00:00+09:00")))
        // 23:30 UTC on the 1st is already the 2nd in Tokyo.
        #expect(OfficeCalendar.isPastCutoff(slot: slot, now: at("2026-12-01T15:30:00Z")))
    }
}
