import SoudanDomain
import SoudanProtocol
import SoudanStore

/// `counselor.add`, `counselor.set_hours`, `counselor.add_absence`, `counselor.list`.
/// Counselor changes append no events (the contract's list has none).
enum CounselorOperations {
    static func make(_ env: ServiceEnvironment) -> [Operation] {
        [
            Operation(
                "counselor.add", sockets: Sockets.admin,
                .write { db, context in
                    let args = context.args
                    let id = args.text("counselor_id")
                    guard try CounselorStore.fetch(id, in: db) == nil else {
                        throw WireError(.conflict, "counselor \(id) exists", details: ["field": "counselor_id"])
                    }
                    let meeting = args.object("meeting") ?? [:]
                    let counselor = CounselorSettings(
                        counselorID: id, name: try args.nonBlank("name"),
                        meeting: .init(
                            joinURL: meeting.text("join_url"), meetingID: meeting.text("meeting_id"), passcode: meeting.text("passcode")),
                        weekly: env.office.hours)
                    try CounselorStore.upsert(counselor, in: db)
                    return ["counselor": counselor.json]
                }),
            Operation(
                "counselor.set_hours", sockets: Sockets.admin,
                .write { db, context in
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
                    let moved = try reassignLeftOutside(id, context: context, env: env, in: db)
                    return ["counselor": counselor.json, "reassigned": .array(moved)]
                }),
            Operation(
                "counselor.add_absence", sockets: Sockets.admin,
                .write { db, context in
                    let id = context.args.text("counselor_id")
                    guard try CounselorStore.fetch(id, in: db) != nil else {
                        throw WireError.notFound(field: "counselor_id", "no counselor \(id)")
                    }
                    let from = context.args.date("from")!
                    let to = context.args.date("to")!
                    guard from <= to else { throw WireError.invalidArgs(field: "to", "to must not be before from") }
                    try CounselorStore.addAbsence(id, from: from, to: to, in: db)
                    let moved = try reassignLeftOutside(id, context: context, env: env, in: db)
                    return [
                        "counselor_id": .string(id), "absence": ["from": .string(from.description), "to": .string(to.description)],
                        "reassigned": .array(moved),
                    ]
                }),
            Operation(
                "counselor.list", sockets: Sockets.admin,
                .read { db, _ in
                    ["counselors": .array(try CounselorStore.all(in: db).map(\.json))]
                }),
        ]
    }

    /// After a change of hours or an absence (already applied in this job's
    /// savepoint): the counselor's scheduled consultations it leaves outside their
    /// working time. Without `reassign` they refuse the change (`invalid_state`);
    /// with it each moves to another counselor free at that slot (fewest live that
    /// day, ties by id; event `consultation.rescheduled` with the new counselor and
    /// meeting), or, if any cannot, nothing changes (`slot_taken`). Either error
    /// rolls the change back with the job. Returns what moved.
    static func reassignLeftOutside(
        _ counselorID: String, context: RequestContext, env: ServiceEnvironment, in db: StoreTransaction
    ) throws -> [JSONValue] {
        let scheduler = Scheduler(env: env)
        guard let counselor = try CounselorStore.fetch(counselorID, in: db) else { return [] }
        let left = try ConsultationStore.scheduled(forCounselor: counselorID, in: db).filter {
            try !scheduler.works(counselor, at: $0.start, in: db)
        }
        guard !left.isEmpty else { return [] }
        let ids = JSONValue.array(left.map { .string($0.consultationID) })
        guard context.args.bool("reassign") == true else {
            throw WireError(
                .invalidState,
                "\(left.count) scheduled consultation(s) of \(counselorID) would fall outside their working time; "
                    + "pass reassign: true to move them to other counselors", details: ["status": "scheduled", "consultations": ids])
        }
        var moved: [JSONValue] = []
        var stuck: [JSONValue] = []
        for consultation in left {
            guard let target = try? scheduler.pickCounselor(nil, at: consultation.start, moving: consultation.consultationID, in: db) else {
                stuck.append(.string(consultation.consultationID))
                continue
            }
            try ConsultationStore.reassign(consultation.consultationID, to: target.counselorID, at: context.now, in: db)
            let now = try ConsultationOperations.fetch(consultation.consultationID, in: db)
            try EventLog.append(
                "consultation.rescheduled", at: context.now, data: Scheduler.eventData(now, meeting: target.meeting), in: db)
            moved.append([
                "consultation_id": .string(consultation.consultationID), "from": .string(counselorID),
                "to": .string(target.counselorID), "start": .time(consultation.start),
            ])
        }
        guard stuck.isEmpty else {
            throw WireError(
                .slotTaken, "no other counselor is free for \(stuck.count) consultation(s); nothing was changed",
                details: ["consultations": .array(stuck)])
        }
        return moved
    }
}
