import SoudanDomain
import SoudanProtocol
import SoudanStore

/// `slots.available`: every slot of office hours on business days in a range.
enum AvailabilityOperations {
    static let maxDates = 31

    static func make(_ env: ServiceEnvironment) -> [Operation] {
        [
            Operation(
                "slots.available", sockets: Sockets.both,
                .read { db, context in
                    let (from, to) = try dateRange(context.args, maxDates: maxDates)
                    let counselors = try CounselorStore.all(in: db)
                    let absences = try CounselorStore.absences(from: from, to: to, in: db)
                    let booked = try ConsultationStore.bookedCounselors(
                        from: OfficeCalendar.startOfDay(from), to: OfficeCalendar.startOfDay(to.adding(days: 1)), in: db)
                    let available = SlotAvailability.slots(
                        from: from, through: to, calendar: env.calendar, counselors: counselors, absences: absences, booked: booked,
                        now: context.now)
                    return ["slots": .encoded(encode(available))]
                })
        ]
    }

    /// The `slots` array, written in one pass: a week is 70 slots of four
    /// members, and building them as objects and then writing those took a
    /// third of the reader's time per request.
    static func encode(_ slots: [SlotAvailability.Slot]) -> EncodedJSON {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(2 + slots.count * 112)
        bytes.append(UInt8(ascii: "["))
        for (index, slot) in slots.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: #"{"start":""#.utf8)
            WireTime.append(slot.start, to: &bytes)
            bytes.append(contentsOf: #"","end":""#.utf8)
            WireTime.append(slot.start.adding(minutes: Int64(OfficeCalendar.slotMinutes)), to: &bytes)
            bytes.append(contentsOf: #"","free":"#.utf8)
            JSONWriter.write(.int(Int64(slot.free)), into: &bytes)
            bytes.append(contentsOf: slot.bookable ? #","bookable":true}"#.utf8 : #","bookable":false}"#.utf8)
        }
        bytes.append(UInt8(ascii: "]"))
        return EncodedJSON(bytes: bytes)
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
