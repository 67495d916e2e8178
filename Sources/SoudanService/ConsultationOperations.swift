import SoudanDomain
import SoudanProtocol
import SoudanStore

/// `booking.cancel`, `booking.contact`, `consultation.start`, `consultation.complete`,
/// `consultation.get`, `consultation.list` (Art. 4(3), 11).
enum ConsultationOperations {
    static func make(_ env: ServiceEnvironment) -> [Operation] {
        [
            Operation(
                "booking.cancel", sockets: Sockets.admin,
                .write { db, context in
                    // The schema allows phone and window; `system` is the daemon's own.
                    guard let channel = CancelChannel(rawValue: context.args.text("channel")), channel != .system else {
                        throw WireError.invalidArgs(field: "channel", "channel must be phone or window")
                    }
                    let c = try scheduled(&context, in: db)
                    try ConsultationStore.apply(
                        .cancel(channel: channel, reason: context.args.string("reason")), to: c, at: context.now, in: db)
                    try EventLog.append(
                        "consultation.cancelled", at: context.now,
                        data: Self.eventData(c, status: .cancelled, extra: ["channel": .string(context.args.text("channel"))]), in: db)
                    try Scheduler(env: env).fillFreedSlot(counselorID: c.counselorID, start: c.start, now: context.now, in: db)
                    return try reply(c.consultationID, in: db)
                }),
            Operation(
                "booking.contact", sockets: Sockets.admin,
                .write { db, context in
                    let note = try context.args.nonBlank("note")
                    let c = try scheduled(&context, in: db)
                    try ConsultationStore.apply(.contact(note: note), to: c, at: context.now, in: db)
                    try EventLog.append("consultation.contacted", at: context.now, data: Self.eventData(c, status: .scheduled), in: db)
                    return try reply(c.consultationID, in: db)
                }),
            Operation(
                "consultation.start", sockets: Sockets.admin,
                .write { db, context in
                    let c = try scheduled(&context, in: db)
                    guard BookingRules.mayStart(consultationAt: c.start, now: context.now) else {
                        throw WireError(
                            .invalidState, "consultation \(c.consultationID) may start from 15 minutes before \(WireTime.format(c.start))",
                            details: ["status": .string(c.status.rawValue)])
                    }
                    try ConsultationStore.apply(.start, to: c, at: context.now, in: db)
                    try recordDeemedConsent(c.seekerNo, now: context.now, in: db)
                    try EventLog.append("consultation.started", at: context.now, data: Self.eventData(c, status: .inProgress), in: db)
                    return try reply(c.consultationID, in: db)
                }),
            Operation(
                "consultation.complete", sockets: Sockets.admin,
                .write { db, context in
                    let c = try fetch(context.args.text("consultation_id"), in: db)
                    context.seekerNo = c.seekerNo
                    try ConsultationStore.apply(.complete(note: context.args.string("note")), to: c, at: context.now, in: db)
                    try EventLog.append("consultation.completed", at: context.now, data: Self.eventData(c, status: .completed), in: db)
                    return try reply(c.consultationID, in: db)
                }),
            // Art. 10(1) 中止: staff stop a consultation in progress (threats, abuse,
            // use for other purposes than finding work); the seeker is not suspended.
            Operation(
                "consultation.stop", sockets: Sockets.admin,
                .write { db, context in
                    let c = try fetch(context.args.text("consultation_id"), in: db)
                    context.seekerNo = c.seekerNo
                    guard c.status == .inProgress else {
                        throw WireError.invalidState(
                            status: c.status.rawValue,
                            "consultation \(c.consultationID) is \(c.status.rawValue); only one in progress can be stopped")
                    }
                    try stop(c, reason: context.args.text("reason"), note: context.args.string("note"), now: context.now, in: db)
                    return try reply(c.consultationID, in: db)
                }),
            Operation(
                "consultation.get", sockets: Sockets.both, recording: .replyWaitsForRecord,
                .read { db, context in
                    let c = try fetch(context.args.text("consultation_id"), in: db)
                    context.seekerNo = c.seekerNo
                    return try reply(c.consultationID, in: db)
                }),
            Operation(
                "consultation.list", sockets: Sockets.admin, recording: .replyWaitsForRecord,
                .read { db, context in
                    let args = context.args
                    let day = args.date("date")
                    let list = try ConsultationStore.list(
                        from: day.map(OfficeCalendar.startOfDay), to: day.map { OfficeCalendar.startOfDay($0.adding(days: 1)) },
                        counselorID: args.string("counselor_id"), seekerNo: args.string("seeker_no"), status: args.string("status"), in: db)
                    var meetings = MeetingDirectory()
                    return ["consultations": .array(try list.map { try meetings.json($0, in: db) })]
                }),
        ]
    }

    /// What a consultation's event carries: its ids and its new status.
    /// In progress → stopped, with why: by `consultation.stop` and by a suspension.
    static func stop(_ c: ConsultationRecord, reason: String, note: String?, now: Instant, in db: StoreTransaction) throws {
        try ConsultationStore.apply(.stop(reason: reason, note: note), to: c, at: now, in: db)
        try EventLog.append(
            "consultation.stopped", at: now, data: eventData(c, status: .stopped, extra: ["reason": .string(reason)]), in: db)
    }

    static func eventData(_ c: ConsultationRecord, status: ConsultationStatus, extra: JSONObject = [:]) -> JSONObject {
        var data: JSONObject = [
            "consultation_id": .string(c.consultationID), "request_id": .string(c.requestID), "seeker_no": .string(c.seekerNo),
            "status": .string(status.rawValue),
        ]
        for (key, value) in extra { data[key] = value }
        return data
    }

    static func fetch(_ consultationID: String, in db: StoreTransaction) throws -> ConsultationRecord {
        guard let record = try ConsultationStore.fetch(consultationID, in: db) else {
            throw WireError.notFound(field: "consultation_id", "no consultation \(consultationID)")
        }
        return record
    }

    /// The consultation named by the args, which must be `scheduled`.
    private static func scheduled(_ context: inout RequestContext, in db: StoreTransaction) throws -> ConsultationRecord {
        let c = try fetch(context.args.text("consultation_id"), in: db)
        context.seekerNo = c.seekerNo
        guard c.status == .scheduled else {
            throw WireError.invalidState(status: c.status.rawValue, "consultation \(c.consultationID) is \(c.status.rawValue)")
        }
        return c
    }

    private static func reply(_ consultationID: String, in db: StoreTransaction) throws -> JSONObject {
        var meetings = MeetingDirectory()
        return ["consultation": try meetings.json(try fetch(consultationID, in: db), in: db)]
    }

    /// Art. 11: using the service after a change of the terms counts as agreeing to it.
    private static func recordDeemedConsent(_ seekerNo: String, now: Instant, in db: StoreTransaction) throws {
        guard let seeker = try SeekerStore.fetch(seekerNo, in: db) else { return }
        let current = try TermsStore.current(at: now, in: db).version
        guard seeker.consentedVersion != current else { return }
        try SeekerStore.recordConsent(seekerNo: seekerNo, version: current, kind: "deemed", at: now, in: db)
        try EventLog.append(
            "seeker.consented", at: now,
            data: ["seeker_no": .string(seekerNo), "kind": "deemed", "terms_version": .string(current)], in: db)
    }
}
