import Foundation
import SoudanClient
import SoudanDomain
import SoudanProtocol

/// What one simulated local service does, step by step.
enum Scenario: String, CaseIterable {
    /// `sys.ping`: the floor of the protocol's cost.
    case ping
    /// A seeker's whole flow: register, consent, request, schedule (with real
    /// contention for a few slots, so `slot_taken` happens and is counted), and
    /// now and then a cancellation, so slots keep coming free on long runs.
    case book
    /// `slots.available` for a week.
    case read
    /// `seeker.get` of a seeker the connection registered first: a read of
    /// personal data, whose reply waits for its access record on disk.
    case lookup
    /// Half the connections read while the other half book.
    case mixed
}

/// The week the scenarios use, taken from the daemon's clock: the first Monday
/// 09:00 after it, and the bookable slots of Tuesday to Friday of that week.
///
/// Why not fixed dates: on a daemon whose clock had passed them, every booking
/// failed `in_past` while the tool still reported a throughput.
struct LoadWeek: Sendable {
    /// The manual clock is set here before booking.
    var monday: Instant
    /// Tuesday to Friday, `YYYY-MM-DD`.
    var days: [String]
    /// The slots the booking flows ask for (every slot of office hours on `days`);
    /// filled by `LoadOffice.prepare`.
    var slots: [String] = []
    private let mondayDate: CivilDate

    /// `slots.available` arguments for the week (the read scenarios).
    var range: JSONObject {
        ["from": .string(mondayDate.adding(days: 1).description), "to": .string(mondayDate.adding(days: 7).description)]
    }

    /// The first Monday 09:00 office time at or after `now`, and its week (at,
    /// so that runs one after another on a manual clock share the week).
    init(after now: Instant) {
        let today = OfficeCalendar.local(now).date
        var date = today.adding(days: (8 - today.weekday) % 7)  // weekday: 0 Sunday, 1 Monday
        if OfficeCalendar.instant(date, minute: 9 * 60) < now { date = date.adding(days: 7) }
        mondayDate = date
        monday = OfficeCalendar.instant(date, minute: 9 * 60)
        days = (1...4).map { date.adding(days: $0).description }
    }
}

/// The office the scenarios book into: counselors added through the API, a
/// manual clock set to a Monday morning after the daemon's clock, so that the
/// week's slots are bookable.
struct LoadOffice {
    static let counselors = 10

    /// The daemon's clock (`sys.ping`), for the week of the non-booking scenarios.
    static func week(socket: String) throws -> LoadWeek {
        let reply = try SoudanConnection(path: socket).call("sys.ping", nil)
        guard reply.ok, let now = reply.result["now"]?.stringValue.flatMap(WireTime.parseInstant) else {
            throw LoadError.setup("sys.ping: \(reply.raw)")
        }
        return LoadWeek(after: now)
    }

    /// Adds the counselors (existing ones are kept), sets a manual clock to the
    /// first Monday after the daemon's clock, and finds that week's bookable
    /// slots; returns the week and the consultations earlier runs left
    /// scheduled in it on these counselors.
    ///
    /// Why the earlier consultations: a flow cancels only consultations it can
    /// name, and a new run knows none of its own yet. On a daemon that earlier
    /// runs had filled, every flow then met `slot_taken` and nothing came free
    /// again: the run measured refusals, not bookings. Handed to the flows, the
    /// earlier consultations keep the slots turning over as in a first run.
    static func prepare(adminSocket: String) throws -> (week: LoadWeek, scheduled: [String]) {
        let admin = try SoudanConnection(path: adminSocket)
        for n in 1...counselors {
            let id = String(format: "load-%02d", n)
            let reply = try admin.call(
                "counselor.add",
                [
                    "counselor_id": .string(id), "name": .string("負荷 \(n)"),
                    "meeting": ["join_url": .string("https://zoom.us/j/9\(n)"), "meeting_id": .string("9\(n)"), "passcode": "load"],
                ])
            guard reply.ok || reply.errorCode == "conflict" else { throw LoadError.setup("counselor.add: \(reply.raw)") }
        }
        let ping = try admin.call("sys.ping", nil)
        guard ping.ok, let now = ping.result["now"]?.stringValue.flatMap(WireTime.parseInstant) else {
            throw LoadError.setup("sys.ping: \(ping.raw)")
        }
        var week = LoadWeek(after: now)
        let clock = try admin.call("clock.set", ["now": .string(WireTime.format(week.monday))])
        guard clock.ok else {
            throw LoadError.setup("the daemon must run with --clock manual for booking scenarios: \(clock.raw)")
        }
        let available = try admin.call("slots.available", ["from": .string(week.days[0]), "to": .string(week.days[3])])
        guard available.ok, case .array(let slots)? = available.result["slots"] else {
            throw LoadError.setup("slots.available: \(available.raw)")
        }
        // Every slot of the office's hours, full or not: a daemon that earlier runs
        // filled has none free, and the flows free them (see below).
        week.slots = slots.compactMap { $0["start"]?.stringValue }
        guard !week.slots.isEmpty else { throw LoadError.setup("no slot of office hours from \(week.days[0]) to \(week.days[3])") }
        var scheduled: [String] = []
        for day in week.days {
            let reply = try admin.call("consultation.list", ["date": .string(day), "status": "scheduled"])
            guard reply.ok, case .array(let consultations)? = reply.result["consultations"] else {
                throw LoadError.setup("consultation.list: \(reply.raw)")
            }
            for consultation in consultations {
                guard consultation["counselor_id"]?.stringValue?.hasPrefix("load-") == true,
                    let id = consultation["consultation_id"]?.stringValue
                else { continue }
                scheduled.append(id)
            }
        }
        return (week, scheduled)
    }
}

enum LoadError: Error, CustomStringConvertible {
    case setup(String)
    var description: String {
        switch self {
        case .setup(let message): "setup failed: \(message)"
        }
    }
}
