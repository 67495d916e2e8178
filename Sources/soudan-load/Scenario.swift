import Foundation
import SoudanClient
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

/// The office the scenarios book into: counselors added through the API, a
/// manual clock set to a Monday morning so that the week's slots are bookable.
struct LoadOffice {
    static let counselors = 10
    static let monday = "2026-11-30T09:00:00+09:00"
    /// Tuesday to Friday, 10:00 to 16:30: 14 slots a day.
    static let slots: [String] = days.flatMap { day in
        stride(from: 600, to: 1020, by: 30).map { minute in String(format: "%@T%02d:%02d:00+09:00", day, minute / 60, minute % 60) }
    }

    static let days = ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"]

    /// Adds the counselors (existing ones are kept) and sets a manual clock to
    /// Monday; returns the consultations earlier runs left scheduled on them.
    ///
    /// Why: a flow cancels only consultations it can name, and a new run knows
    /// none of its own yet. On a daemon that earlier runs had filled (the
    /// benchmark runs book several times on one), every flow then met
    /// `slot_taken` and nothing came free again: the run measured refusals, not
    /// bookings. Handed to the flows, the earlier consultations keep the slots
    /// turning over as in a first run.
    static func prepare(adminSocket: String) throws -> [String] {
        let admin = try SoudanConnection(path: adminSocket)
        for n in 1...counselors {
            let id = String(format: "load-%02d", n)
            let reply = try admin.call("counselor.add", [
                "counselor_id": .string(id), "name": .string("負荷 \(n)"),
                "meeting": ["join_url": .string("https://zoom.us/j/9\(n)"), "meeting_id": .string("9\(n)"), "passcode": "load"],
            ])
            guard reply.ok || reply.errorCode == "conflict" else { throw LoadError.setup("counselor.add: \(reply.raw)") }
        }
        let clock = try admin.call("clock.set", ["now": .string(monday)])
        guard clock.ok || clock.errorCode == "invalid_args" else {
            throw LoadError.setup("the daemon must run with --clock manual (earlier than \(monday)) for booking scenarios: \(clock.raw)")
        }
        var scheduled: [String] = []
        for day in days {
            let reply = try admin.call("consultation.list", ["date": .string(day), "status": "scheduled"])
            guard reply.ok, case .array(let consultations)? = reply.result["consultations"] else {
                throw LoadError.setup("consultation.list: \(reply.raw)")
            }
            for consultation in consultations {
                guard consultation["counselor_id"]?.stringValue?.hasPrefix("load-") == true,
                      let id = consultation["consultation_id"]?.stringValue else { continue }
                scheduled.append(id)
            }
        }
        return scheduled
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
