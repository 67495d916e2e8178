public import SoudanProtocol

/// When the office works (DOMAIN.md, "Time"): slots of 30 minutes on the hour and
/// half hour, inside office hours, on business days — Monday to Friday except
/// national holidays and the year-end closure, 29 December to 3 January.
public struct OfficeCalendar: Sendable, Equatable {
    public static let slotMinutes = 30

    public var hours: WeeklyHours

    public init(hours: WeeklyHours) { self.hours = hours }

    public static func isYearEndClosure(_ date: CivilDate) -> Bool {
        (date.month == 12 && date.day >= 29) || (date.month == 1 && date.day <= 3)
    }

    public static func isBusinessDay(_ date: CivilDate) -> Bool {
        (1...5).contains(date.weekday) && !JapaneseHolidays.isHoliday(date) && !isYearEndClosure(date)
    }

    /// The office date and minute of day of an instant.
    public static func local(_ instant: Instant) -> (date: CivilDate, minute: Int, second: Int) {
        let local = instant.seconds + WireTime.officeOffsetSeconds
        let days = local >= 0 ? local / 86400 : (local - 86399) / 86400
        let secondOfDay = Int(local - days * 86400)
        return (CivilDate(daysSinceEpoch: Int(days)), secondOfDay / 60, secondOfDay % 60)
    }

    /// Midnight, office time, at the start of `date`.
    public static func startOfDay(_ date: CivilDate) -> Instant {
        Instant(seconds: Int64(date.daysSinceEpoch) * 86400 - WireTime.officeOffsetSeconds)
    }

    public static func instant(_ date: CivilDate, minute: Int) -> Instant {
        startOfDay(date).adding(minutes: Int64(minute))
    }

    /// On the hour or half hour, to the second.
    public static func isOnSlotBoundary(_ instant: Instant) -> Bool {
        let (_, minute, second) = local(instant)
        return second == 0 && minute % slotMinutes == 0
    }

    /// A slot starting at `start` lies inside office hours on a business day.
    public func isOfficeSlot(_ start: Instant) -> Bool {
        let (date, minute, second) = Self.local(start)
        return second == 0 && minute % Self.slotMinutes == 0 && Self.isBusinessDay(date)
            && hours.covers(weekday: date.weekday, slotStartMinute: minute)
    }

    /// The cutoff of Art. 4(1): a reservation must be complete by the end of the
    /// previous calendar day, office time — so by midnight starting the slot's day.
    public static func cutoff(forSlotAt start: Instant) -> Instant {
        startOfDay(local(start).date)
    }

    public static func isPastCutoff(slot start: Instant, now: Instant) -> Bool {
        now >= cutoff(forSlotAt: start)
    }

    /// Every slot start of office hours on `date` (none on a closed day).
    public func slots(on date: CivilDate) -> [Instant] {
        guard Self.isBusinessDay(date) else { return [] }
        return hours.days[date.weekday].flatMap { interval in
            stride(from: interval.start, to: interval.end - Self.slotMinutes + 1, by: Self.slotMinutes).map {
                Self.instant(date, minute: $0)
            }
        }
    }
}
