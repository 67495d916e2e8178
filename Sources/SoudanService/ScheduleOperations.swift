import SoudanDomain
import SoudanProtocol
import SoudanStore

/// `booking.schedule`, `booking.auto_schedule`, `booking.reschedule` (Art. 4(2)).
enum ScheduleOperations {
    static func make(_ env: ServiceEnvironment) -> [Operation] {
        let scheduler = Scheduler(env: env)
        return [
            Operation(
                "booking.schedule", sockets: Sockets.admin,
                .write { db, context in
                    let request = try openRequest(&context, in: db)
                    let start = context.args.instant("start")!
                    let override = try overrideCutoff(context)
                    try BookingRules.checkSlot(
                        start, field: "start", calendar: env.calendar, now: context.now, overrideCutoff: override != nil)
                    if try ConsultationStore.seekerBusy(request.seekerNo, at: start, in: db) {
                        throw SlotConflict.seekerBusy.wireError(start: start)
                    }
                    let counselor = try scheduler.pickCounselor(context.args.string("counselor_id"), at: start, in: db)
                    let consultation = try scheduler.schedule(
                        request, at: start, with: counselor, override: override, now: context.now, in: db)
                    return ["consultation": consultation.json(meeting: counselor.meeting)]
                }),
            Operation(
                "booking.auto_schedule", sockets: Sockets.admin,
                .write { db, context in
                    let request = try openRequest(&context, in: db)
                    for start in request.preferences where BookingRules.isBookable(start, calendar: env.calendar, now: context.now) {
                        guard try !ConsultationStore.seekerBusy(request.seekerNo, at: start, in: db),
                            let counselor = try? scheduler.pickCounselor(nil, at: start, in: db)
                        else { continue }
                        let consultation = try scheduler.schedule(
                            request, at: start, with: counselor, override: nil, now: context.now, in: db)
                        return ["consultation": consultation.json(meeting: counselor.meeting)]
                    }
                    throw WireError(
                        .noAvailability, "no preference of request \(request.requestID) is still bookable with a free counselor")
                }),
            Operation(
                "booking.reschedule", sockets: Sockets.admin,
                .write { db, context in
                    let old = try ConsultationOperations.fetch(context.args.text("consultation_id"), in: db)
                    context.seekerNo = old.seekerNo
                    guard old.status == .scheduled else {
                        throw WireError.invalidState(
                            status: old.status.rawValue, "consultation \(old.consultationID) is \(old.status.rawValue)")
                    }
                    let start = context.args.instant("start")!
                    let override = try overrideCutoff(context)
                    try BookingRules.checkSlot(
                        start, field: "start", calendar: env.calendar, now: context.now, overrideCutoff: override != nil)
                    if try ConsultationStore.seekerBusy(old.seekerNo, at: start, excluding: old.consultationID, in: db) {
                        throw SlotConflict.seekerBusy.wireError(start: start)
                    }
                    let counselor = try scheduler.pickCounselor(
                        context.args.string("counselor_id"), at: start, moving: old.consultationID, in: db)
                    do {
                        try ConsultationStore.move(
                            old.consultationID, to: start, counselorID: counselor.counselorID, override: override,
                            at: context.now, in: db)
                    } catch let conflict as SlotConflict {
                        throw conflict.wireError(start: start)
                    }
                    let moved = try ConsultationOperations.fetch(old.consultationID, in: db)
                    try EventLog.append(
                        "consultation.rescheduled", at: context.now,
                        data: Scheduler.eventData(moved, meeting: counselor.meeting), in: db)
                    if old.counselorID != moved.counselorID || old.start != moved.start {
                        try scheduler.fillFreedSlot(counselorID: old.counselorID, start: old.start, now: context.now, in: db)
                    }
                    return ["consultation": moved.json(meeting: counselor.meeting)]
                }),
        ]
    }

    /// The request named by the args, which must still be `requested`.
    static func openRequest(_ context: inout RequestContext, in db: StoreTransaction) throws -> RequestRecord {
        let request = try RequestOperations.fetch(context.args.text("request_id"), in: db)
        context.seekerNo = request.seekerNo
        guard request.status == .requested else {
            throw WireError.invalidState(status: request.status.rawValue, "request \(request.requestID) is \(request.status.rawValue)")
        }
        return request
    }

    /// The cutoff may be overridden by staff, always with a reason and who did it.
    static func overrideCutoff(_ context: RequestContext) throws(WireError) -> (reason: String, uid: UInt32, pid: Int32)? {
        guard let override = context.args.object("override_cutoff") else { return nil }
        let reason = override.text("reason")
        guard !reason.allSatisfy(\.isWhitespace) else {
            throw .invalidArgs(field: "override_cutoff.reason", "an override of the cutoff needs a reason")
        }
        return (reason, context.uid, context.pid)
    }
}
