public import SoudanProtocol

/// The free counselors of every office slot in a range of dates, and whether
/// each slot can still be booked: what `slots.available` answers.
///
/// Why a type of its own: staff and the web portal poll this for weeks at a time
/// while bookings flow, so it runs often on the readers. Everything that holds
/// for a whole date is settled once per date — the weekday, who is absent, the
/// booking cutoff — and each slot then only counts working counselors against
/// the ones booked. Asking `BookingRules.isBookable` per slot re-derived the
/// office date and its holiday status three times per slot.
public enum SlotAvailability {
    public struct Slot: Sendable, Equatable {
        public var start: Instant
        public var free: Int
        public var bookable: Bool

        public init(start: Instant, free: Int, bookable: Bool) {
            self.start = start
            self.free = free
            self.bookable = bookable
        }
    }

    /// - Parameters:
    ///   - absences: per counselor id, ranges of `CivilDate.daysSinceEpoch` off work.
    ///   - booked: per slot start (`Instant.seconds`), the counselors holding a live consultation.
    public static func slots(
        from: CivilDate, through to: CivilDate, calendar: OfficeCalendar, counselors: [CounselorSettings],
        absences: [String: [ClosedRange<Int>]], booked: [Int64: Set<String>], now: Instant
    ) -> [Slot] {
        var slots: [Slot] = []
        var date = from
        while date <= to {
            let starts = calendar.slots(on: date)
            if !starts.isEmpty {
                append(starts, of: date, counselors: counselors, absences: absences, booked: booked, now: now, to: &slots)
            }
            date = date.adding(days: 1)
        }
        return slots
    }

    private static func append(
        _ starts: [Instant], of date: CivilDate, counselors: [CounselorSettings],
        absences: [String: [ClosedRange<Int>]], booked: [Int64: Set<String>], now: Instant, to slots: inout [Slot]
    ) {
        let day = date.daysSinceEpoch
        let weekday = date.weekday
        let midnight = OfficeCalendar.startOfDay(date)
        // Every start comes from `calendar.slots(on:)`, so each is an office slot;
        // what is left of `isBookable` is the date's cutoff and the slot not being past.
        let beforeCutoff = !OfficeCalendar.isPastCutoff(slot: midnight, now: now)
        var working: [(id: String, hours: [WeeklyHours.Interval])] = []
        for counselor in counselors where !(absences[counselor.counselorID]?.contains { $0.contains(day) } ?? false) {
            let hours = counselor.weekly.days[weekday]
            if !hours.isEmpty { working.append((counselor.counselorID, hours)) }
        }
        for start in starts {
            let minute = Int((start.seconds - midnight.seconds) / 60)
            let taken = booked[start.seconds]
            var free = 0
            for counselor in working where WeeklyHours.covers(counselor.hours, slotStartMinute: minute) {
                if taken?.contains(counselor.id) != true { free += 1 }
            }
            slots.append(Slot(start: start, free: free, bookable: free > 0 && beforeCutoff && start >= now))
        }
    }
}
