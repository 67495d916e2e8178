import SoudanDomain
import SoudanProtocol
import SoudanStore

/// `seeker.register`, `seeker.consent`, `seeker.get`, `seeker.suspend`, `seeker.reinstate`.
enum SeekerOperations {
    static func make(_ env: ServiceEnvironment) -> [Operation] {
        [
            Operation(
                "seeker.register", sockets: Sockets.both,
                .write { db, context in
                    let args = context.args
                    let seekerNo = args.text("seeker_no")
                    let (record, created) = try SeekerStore.upsert(
                        seekerNo: seekerNo, name: try args.nonBlank("name"), phone: args.text("phone"),
                        myPage: args.bool("my_page") ?? false, webcamDevice: args.bool("webcam_device") ?? false, at: context.now, in: db)
                    try EventLog.append(
                        created ? "seeker.registered" : "seeker.updated", at: context.now,
                        data: ["seeker_no": .string(seekerNo), "status": .string(record.status.rawValue)], in: db)
                    return ["seeker": record.json, "created": .bool(created)]
                }),
            Operation(
                "seeker.consent", sockets: Sockets.both,
                .write { db, context in
                    let seekerNo = context.args.text("seeker_no")
                    var record = try seeker(seekerNo, in: db)
                    let current = try TermsStore.current(at: context.now, in: db).version
                    let version = context.args.text("terms_version")
                    guard version == current else {
                        throw WireError.invalidArgs(
                            field: "terms_version", "the terms in force are version \(current), not \(version)",
                            details: ["current_version": .string(current)])
                    }
                    try SeekerStore.recordConsent(seekerNo: seekerNo, version: version, kind: "explicit", at: context.now, in: db)
                    try EventLog.append(
                        "seeker.consented", at: context.now,
                        data: ["seeker_no": .string(seekerNo), "kind": "explicit", "terms_version": .string(version)], in: db)
                    record.consentedVersion = version
                    record.consentKind = "explicit"
                    return ["seeker": record.json]
                }),
            Operation(
                "seeker.get", sockets: Sockets.both, recording: .replyWaitsForRecord,
                .read { db, context in
                    let record = try seeker(context.args.text("seeker_no"), in: db)
                    var meetings = MeetingDirectory()
                    var json = record.json.objectValue ?? [:]
                    json["history"] = .array(try SeekerStore.history(record.seekerNo, in: db))
                    return [
                        "seeker": .object(json),
                        "requests": .array(try RequestStore.open(for: record.seekerNo, in: db).map(\.json)),
                        "consultations": .array(
                            try ConsultationStore.live(for: record.seekerNo, in: db).map { try meetings.json($0, in: db) }),
                    ]
                }),
            Operation(
                "seeker.suspend", sockets: Sockets.admin,
                .write { db, context in
                    try suspend(context, env: env, in: db)
                }),
            Operation(
                "seeker.reinstate", sockets: Sockets.admin,
                .write { db, context in
                    let record = try seeker(context.args.text("seeker_no"), in: db)
                    guard record.status != .active else {
                        throw WireError.invalidState(status: record.status.rawValue, "the seeker is already active")
                    }
                    try SeekerStore.setStatus(record.seekerNo, to: .active, at: context.now, in: db)
                    try SeekerStore.addHistory(
                        record.seekerNo, action: "reinstated", reason: nil, note: context.args.string("note"),
                        by: (context.uid, context.pid), at: context.now, in: db)
                    try EventLog.append(
                        "seeker.reinstated", at: context.now,
                        data: ["seeker_no": .string(record.seekerNo), "status": "active"], in: db)
                    return ["seeker": try seeker(record.seekerNo, in: db).json]
                }),
        ]
    }

    static func seeker(_ seekerNo: String, in db: StoreTransaction) throws -> SeekerRecord {
        guard let record = try SeekerStore.fetch(seekerNo, in: db) else {
            throw WireError.notFound(field: "seeker_no", "no seeker \(seekerNo)")
        }
        return record
    }

    /// Art. 10(1): in one transaction, every scheduled consultation cancelled
    /// (whatever its start: one just begun must not turn into a no-show), the one
    /// in progress stopped, open requests rejected, the seeker suspended with the
    /// reason and note in their history; freed slots go to the waitlist.
    private static func suspend(_ context: RequestContext, env: ServiceEnvironment, in db: StoreTransaction) throws -> JSONObject {
        let record = try seeker(context.args.text("seeker_no"), in: db)
        guard record.status != .suspended else {
            throw WireError.invalidState(status: record.status.rawValue, "the seeker is already suspended")
        }
        let now = context.now
        let reason = context.args.text("reason")
        try SeekerStore.setStatus(record.seekerNo, to: .suspended, at: now, in: db)
        var cancelled: [JSONValue] = []
        var freed: [(String, Instant)] = []
        var stopped: [JSONValue] = []
        for consultation in try ConsultationStore.liveAnyTime(for: record.seekerNo, in: db) {
            if consultation.status == .inProgress {
                try ConsultationOperations.stop(consultation, reason: reason, note: context.args.string("note"), now: now, in: db)
                stopped.append(.string(consultation.consultationID))
                continue
            }
            try ConsultationStore.apply(.cancel(channel: .system, reason: "suspended"), to: consultation, at: now, in: db)
            try EventLog.append(
                "consultation.cancelled", at: now,
                data: ConsultationOperations.eventData(
                    consultation, status: .cancelled, extra: ["channel": "system", "reason": "suspended"]), in: db)
            cancelled.append(.string(consultation.consultationID))
            freed.append((consultation.counselorID, consultation.start))
        }
        var rejected: [JSONValue] = []
        for request in try RequestStore.open(for: record.seekerNo, in: db) {
            try RequestStore.move(request, to: .rejected, reason: "suspended", at: now, in: db)
            try EventLog.append(
                "request.rejected", at: now,
                data: [
                    "request_id": .string(request.requestID), "seeker_no": .string(record.seekerNo), "status": "rejected",
                    "reason": "suspended",
                ], in: db)
            rejected.append(.string(request.requestID))
        }
        try SeekerStore.addHistory(
            record.seekerNo, action: "suspended", reason: reason, note: context.args.string("note"),
            by: (context.uid, context.pid), at: now, in: db)
        try EventLog.append(
            "seeker.suspended", at: now,
            data: ["seeker_no": .string(record.seekerNo), "status": "suspended", "reason": .string(reason)], in: db)
        let scheduler = Scheduler(env: env)
        for (counselorID, start) in freed { try scheduler.fillFreedSlot(counselorID: counselorID, start: start, now: now, in: db) }
        return [
            "seeker": try seeker(record.seekerNo, in: db).json, "cancelled": .array(cancelled), "stopped": .array(stopped),
            "rejected": .array(rejected),
        ]
    }
}
