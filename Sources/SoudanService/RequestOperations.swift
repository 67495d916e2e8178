import SoudanDomain
import SoudanProtocol
import SoudanStore

/// `booking.request`, `booking.withdraw`, `booking.reject` (Art. 4(1), 10(3)).
enum RequestOperations {
    static func make(_ env: ServiceEnvironment) -> [Operation] {
        [
            Operation(
                "booking.request", sockets: Sockets.both,
                .write { db, context in
                    try request(&context, env: env, in: db)
                }),
            Operation(
                "booking.withdraw", sockets: Sockets.both,
                .write { db, context in
                    try close(&context, to: .withdrawn, reason: nil, event: "request.withdrawn", in: db)
                }),
            Operation(
                "booking.reject", sockets: Sockets.admin,
                .write { db, context in
                    let reason = try context.args.nonBlank("reason")
                    return try close(&context, to: .rejected, reason: reason, event: "request.rejected", in: db)
                }),
        ]
    }

    /// The contract's checks, in its order; the first failure wins.
    static func request(_ context: inout RequestContext, env: ServiceEnvironment, in db: StoreTransaction) throws -> JSONObject {
        let args = context.args
        let now = context.now
        // 1. Well-formed arguments (the schema has checked types and shapes).
        let name = try args.nonBlank("name")
        let preferences = (args["preferences"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(WireTime.parseInstant) }
        for (index, start) in preferences.enumerated() {
            let field = "preferences[\(index)]"
            guard OfficeCalendar.isOnSlotBoundary(start) else {
                throw WireError.invalidArgs(field: field, "\(field) must start on the hour or half hour, at second 0")
            }
            guard !preferences[..<index].contains(start) else { throw WireError.invalidArgs(field: field, "\(field) repeats a preference") }
        }
        let channel = RequestChannel(rawValue: args.text("channel")) ?? .web
        let companions = args["companions"] ?? .array([])
        for (index, companion) in (companions.arrayValue ?? []).enumerated()
        where companion["name"]?.stringValue?.allSatisfy(\.isWhitespace) ?? true {
            throw WireError.invalidArgs(field: "companions[\(index)].name", "a companion's name must not be blank")
        }
        let during = args.string("during_consultation")
        if channel != .inSession, during != nil {
            throw WireError.invalidArgs(field: "during_consultation", "during_consultation goes with channel in_session only")
        }
        // 2. In-session requests: staff only, during that seeker's consultation in progress.
        let seekerNo = args.text("seeker_no")
        if channel == .inSession {
            guard context.socket == .admin else {
                throw WireError(
                    .forbidden, "in-session requests are made by the counselor, on the admin socket",
                    details: ["field": "channel"])
            }
            guard let during else {
                throw WireError.invalidArgs(field: "during_consultation", "an in-session request names its consultation")
            }
            guard let consultation = try ConsultationStore.fetch(during, in: db) else {
                throw WireError.notFound(field: "during_consultation", "no consultation \(during)")
            }
            guard consultation.status == .inProgress, consultation.seekerNo == seekerNo else {
                throw WireError.invalidState(
                    status: consultation.status.rawValue,
                    "consultation \(during) is not this seeker's consultation in progress")
            }
        }
        // 3. Eligibility, consent, status.
        let terms = try TermsStore.current(at: now, in: db).version
        try BookingRules.checkMayRequest(try SeekerStore.fetch(seekerNo, in: db)?.facts, currentTerms: terms)
        // 4. Each preference, in order.
        for (index, start) in preferences.enumerated() {
            try BookingRules.checkSlotTime(start, field: "preferences[\(index)]", calendar: env.calendar, now: now)
        }
        // 5. Open requests and scheduled consultations under the limit.
        let open = try RequestStore.openCount(for: seekerNo, in: db) + ConsultationStore.scheduledCount(for: seekerNo, in: db)
        try BookingRules.checkOpenLimit(open: open, limit: env.office.openRequestLimit)

        let device = args.object("device").map { (id: $0.text("id"), os: $0.string("os"), app: $0.string("app")) }
        let record = try RequestStore.insert(
            .init(
                seekerNo: seekerNo, name: name, phone: args.text("phone"), preferences: preferences, channel: channel.rawValue,
                companions: companions, note: args.string("note"), duringConsultation: during, device: device),
            at: now, in: db)
        try EventLog.append(
            "request.created", at: now,
            data: [
                "request_id": .string(record.requestID), "seeker_no": .string(seekerNo), "status": "requested",
            ], in: db)
        return ["request": record.json]
    }

    static func fetch(_ requestID: String, in db: StoreTransaction) throws -> RequestRecord {
        guard let record = try RequestStore.fetch(requestID, in: db) else {
            throw WireError.notFound(field: "request_id", "no request \(requestID)")
        }
        return record
    }

    private static func close(
        _ context: inout RequestContext, to status: RequestStatus, reason: String?, event: String, in db: StoreTransaction
    ) throws -> JSONObject {
        let record = try fetch(context.args.text("request_id"), in: db)
        context.seekerNo = record.seekerNo
        try RequestStore.move(record, to: status, reason: reason, at: context.now, in: db)
        try EventLog.append(
            event, at: context.now,
            data: [
                "request_id": .string(record.requestID), "seeker_no": .string(record.seekerNo), "status": .string(status.rawValue),
            ], in: db)
        return ["request": try fetch(record.requestID, in: db).json]
    }
}
