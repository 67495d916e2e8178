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
                let counselors = try CounselorStore.all(in: db)
                let absences = try CounselorStore.absences(from: from, to: to, in: db)
                let booked = try ConsultationStore.bookedCounselors(
                    from: OfficeCalendar.startOfDay(from), to: OfficeCalendar.startOfDay(to.adding(days: 1)), in: db)
                let available = SlotAvailability.slots(
                    from: from, through: to, calendar: env.calendar, counselors: counselors, absences: absences, booked: booked,
                    now: context.now)
                let slots = available.map { slot -> JSONValue in
                    [
                        "start": .time(slot.start), "end": .time(slot.start.adding(minutes: 30)), "free": JSONValue(slot.free),
                        "bookable": .bool(slot.bookable),
                    ]
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
