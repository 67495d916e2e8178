import GRDB
import SoudanDomain
import SoudanProtocol
import SoudanStore

/// `slots.available`: every slot of office hours on business days in a range.
enum AvailabilityOperations {
    static let maxDates = 31

    static func make(_ env: ServiceEnvironment) -> [Operation] {
        [
            Operation("slots.available", sockets: Sockets.both, .read { db, context in
                let (from, to) = try dateRange(context.args, maxDates: maxDates)
                let calendar = env.calendar
                let counselors = try CounselorStore.all(in: db)
                let absences = try CounselorStore.absences(from: from, to: to, in: db)
                let booked = try ConsultationStore.bookedCounselors(
                    from: OfficeCalendar.startOfDay(from), to: OfficeCalendar.startOfDay(to.adding(days: 1)), in: db)
                var slots: [JSONValue] = []
                var date = from
                while date <= to {
                    let day = date.daysSinceEpoch
                    let weekday = date.weekday
                    // Who is not absent is settled once per date; each slot then only
                    // counts (a month of slots times every counselor adds up per read).
                    let present = counselors.filter { !(absences[$0.counselorID]?.contains { $0.contains(day) } ?? false) }
                    for start in calendar.slots(on: date) {
                        let minute = OfficeCalendar.local(start).minute
                        let taken = booked[start.seconds]
                        var free = 0
                        for counselor in present
                        where counselor.weekly.covers(weekday: weekday, slotStartMinute: minute) && taken?.contains(counselor.counselorID) != true {
                            free += 1
                        }
                        let bookable = free > 0 && BookingRules.isBookable(start, calendar: calendar, now: context.now)
                        slots.append([
                            "start": .time(start), "end": .time(start.adding(minutes: 30)), "free": JSONValue(free), "bookable": .bool(bookable),
                        ])
                    }
                    date = date.adding(days: 1)
                }
                return ["slots": .array(slots)]
            })
        ]
    }

    /// `from` and `to`, both included: `to` not before `from`, at most `maxDates` dates.
    static func dateRange(_ args: JSONObject, maxDates: Int) throws(WireError) -> (CivilDate, CivilDate) {
        guard let from = args.date("from"), let to = args.date("to") else { throw .invalidArgs(field: "from", "from and to are dates") }
        guard from <= to else { throw .invalidArgs(field: "to", "to must not be before from") }
        guard to.daysSinceEpoch - from.daysSinceEpoch < maxDates else {
            throw .invalidArgs(field: "to", "the range covers at most \(maxDates) dates")
        }
        return (from, to)
    }
}
