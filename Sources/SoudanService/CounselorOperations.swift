import GRDB
import SoudanDomain
import SoudanProtocol
import SoudanStore

/// `counselor.add`, `counselor.set_hours`, `counselor.add_absence`, `counselor.list`.
/// Counselor changes append no events (the contract's list has none).
enum CounselorOperations {
    static func make(_ env: ServiceEnvironment) -> [Operation] {
        [
            Operation("counselor.add", sockets: Sockets.admin, .write { db, context in
                let args = context.args
                let id = args.text("counselor_id")
                guard try CounselorStore.fetch(id, in: db) == nil else {
                    throw WireError(.conflict, "counselor \(id) exists", details: ["field": "counselor_id"])
                }
                let meeting = args.object("meeting") ?? [:]
                let counselor = CounselorSettings(
                    counselorID: id, name: try args.nonBlank("name"),
                    meeting: .init(joinURL: meeting.text("join_url"), meetingID: meeting.text("meeting_id"), passcode: meeting.text("passcode")),
                    weekly: env.office.hours)
                try CounselorStore.upsert(counselor, in: db)
                return ["counselor": counselor.json]
            }),
            Operation("counselor.set_hours", sockets: Sockets.admin, .write { db, context in
                let id = context.args.text("counselor_id")
                guard var counselor = try CounselorStore.fetch(id, in: db) else {
                    throw WireError.notFound(field: "counselor_id", "no counselor \(id)")
                }
                let weekly: WeeklyHours
                do {
                    weekly = try WeeklyHours.parse(context.args.object("weekly") ?? [:])
                } catch let error as WeeklyHours.ParseError {
                    guard case .invalid(let field, let message) = error else { throw error }
                    throw WireError.invalidArgs(field: "weekly.\(field)", message)
                }
                if let day = weekly.firstOutside(env.office.hours) {
                    throw WireError.invalidArgs(field: "weekly.\(day)", "counselor hours must lie inside office hours")
                }
                try CounselorStore.setHours(id, weekly, in: db)
                counselor.weekly = weekly
                return ["counselor": counselor.json]
            }),
            Operation("counselor.add_absence", sockets: Sockets.admin, .write { db, context in
                let id = context.args.text("counselor_id")
                guard try CounselorStore.fetch(id, in: db) != nil else {
                    throw WireError.notFound(field: "counselor_id", "no counselor \(id)")
                }
                let from = context.args.date("from")!
                let to = context.args.date("to")!
                guard from <= to else { throw WireError.invalidArgs(field: "to", "to must not be before from") }
                try CounselorStore.addAbsence(id, from: from, to: to, in: db)
                return ["counselor_id": .string(id), "absence": ["from": .string(from.description), "to": .string(to.description)]]
            }),
            Operation("counselor.list", sockets: Sockets.admin, .read { db, _ in
                ["counselors": .array(try CounselorStore.all(in: db).map(\.json))]
            }),
        ]
    }
}
