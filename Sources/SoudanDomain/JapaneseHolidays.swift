public import SoudanProtocol

/// Japanese national holidays (国民の祝日), computed from the rules of the
/// National Holidays Act, never typed in by hand:
/// fixed dates, Happy Monday days, the equinoxes by the standard formula,
/// substitute holidays (振替休日, Art. 3(2)) and citizens' holidays (国民の休日, Art. 3(3)).
///
/// Valid for 2020–2099 (the current rules and the equinox formula's range); the
/// one-off moves of 2020 and 2021 for the Olympics are not modelled.
public enum JapaneseHolidays {
    public enum Kind: String, Sendable {
        case national
        case substitute
        case citizens
    }

    /// The holidays of a year, by date.
    public static func holidays(in year: Int) -> [CivilDate: Kind] {
        var days: [CivilDate: Kind] = [:]
        for date in namedHolidays(in: year) { days[date] = .national }
        // 振替休日: a holiday on a Sunday makes the next day that is not a holiday one.
        for date in days.keys.sorted() where date.weekday == 0 {
            var next = date.adding(days: 1)
            while days[next] != nil { next = next.adding(days: 1) }
            days[next] = .substitute
        }
        // 国民の休日: a day between two national holidays that is not one itself.
        let named = Set(namedHolidays(in: year))
        for date in named {
            let between = date.adding(days: 1)
            if days[between] == nil, named.contains(between.adding(days: 1)), between.weekday != 0 {
                days[between] = .citizens
            }
        }
        return days
    }

    public static func isHoliday(_ date: CivilDate) -> Bool {
        cache(for: date.year)[date] != nil
    }

    /// The holidays named in Art. 2 of the Act, for `year`.
    static func namedHolidays(in year: Int) -> [CivilDate] {
        func day(_ month: Int, _ day: Int) -> CivilDate { CivilDate(year: year, month: month, day: day) }
        return [
            day(1, 1),  // 元日
            nthMonday(2, of: 1, in: year),  // 成人の日
            day(2, 11),  // 建国記念の日
            day(2, 23),  // 天皇誕生日
            day(3, vernalEquinoxDay(year)),  // 春分の日
            day(4, 29),  // 昭和の日
            day(5, 3),  // 憲法記念日
            day(5, 4),  // みどりの日
            day(5, 5),  // こどもの日
            nthMonday(3, of: 7, in: year),  // 海の日
            day(8, 11),  // 山の日
            nthMonday(3, of: 9, in: year),  // 敬老の日
            day(9, autumnalEquinoxDay(year)),  // 秋分の日
            nthMonday(2, of: 10, in: year),  // スポーツの日
            day(11, 3),  // 文化の日
            day(11, 23),  // 勤労感謝の日
        ]
    }

    /// The standard approximation published with the ephemeris, for 1980–2099.
    static func vernalEquinoxDay(_ year: Int) -> Int {
        let y = Double(year - 1980)
        return Int((20.8431 + 0.242194 * y - Double((year - 1980) / 4)).rounded(.down))
    }

    static func autumnalEquinoxDay(_ year: Int) -> Int {
        let y = Double(year - 1980)
        return Int((23.2488 + 0.242194 * y - Double((year - 1980) / 4)).rounded(.down))
    }

    static func nthMonday(_ n: Int, of month: Int, in year: Int) -> CivilDate {
        let first = CivilDate(year: year, month: month, day: 1)
        let offset = (8 - first.weekday) % 7  // days to the first Monday
        return first.adding(days: offset + 7 * (n - 1))
    }

    private static func cache(for year: Int) -> [CivilDate: Kind] {
        if let cached = HolidayCache.years[year] { return cached }
        return holidays(in: year)
    }
}

/// The years around now, computed once: the calendar is asked about every slot.
private enum HolidayCache {
    static let years: [Int: [CivilDate: JapaneseHolidays.Kind]] = {
        var years: [Int: [CivilDate: JapaneseHolidays.Kind]] = [:]
        for year in 2020...2060 { years[year] = JapaneseHolidays.holidays(in: year) }
        return years
    }()
}
