import SoudanDomain
import SoudanProtocol
import SoudanStore

/// Putting a request on a counselor's slot (Art. 4(2)), shared by
/// `booking.schedule`, `booking.auto_schedule`, `booking.reschedule` and the waitlist.
///
/// It runs in the single writer, so its checks and its insert see one state; the
/// partial unique indexes are the last word all the same.
struct Scheduler {
    let env: ServiceEnvironment

    /// Counselors whose weekly hours cover the slot and who are not absent that day.
    func working(at start: Instant, in db: StoreTransaction) throws -> [CounselorSettings] {
        let (date, minute, _) = OfficeCalendar.local(start)
        let absent = try CounselorStore.absences(from: date, to: date, in: db)  // once for all of them
        return try CounselorStore.all(in: db).filter {
            $0.weekly.covers(weekday: date.weekday, slotStartMinute: minute) && absent[$0.counselorID] == nil
        }
    }

    func works(_ counselor: CounselorSettings, at start: Instant, in db: StoreTransaction) throws -> Bool {
        let (date, minute, _) = OfficeCalendar.local(start)
        guard counselor.weekly.covers(weekday: date.weekday, slotStartMinute: minute) else { return false }
        return try CounselorStore.absences(from: date, to: date, in: db)[counselor.counselorID] == nil
    }

    /// The counselor for a slot: the one asked for, if it works then and is free;
    /// else the free one with the fewest live consultations that day (ties by id).
    /// None free is `slot_taken`.
    func pickCounselor(_ requested: String?, at start: Instant, moving: String? = nil, in db: StoreTransaction) throws -> CounselorSettings
    {
        if let requested {
            guard let counselor = try CounselorStore.fetch(requested, in: db) else {
                throw WireError.notFound(field: "counselor_id", "no counselor \(requested)")
            }
            guard try works(counselor, at: start, in: db),
                try !ConsultationStore.counselorBooked(requested, at: start, excluding: moving, in: db)
            else { throw WireError(.slotTaken, "counselor \(requested) is not free at \(WireTime.format(start))") }
            return counselor
        }
        let day = OfficeCalendar.local(start).date
        let loads = try ConsultationStore.loads(day: day.daysSinceEpoch, slot: start, excluding: moving, in: db)
        var best: (load: Int, counselor: CounselorSettings)?
        for counselor in try working(at: start, in: db) where loads[counselor.counselorID]?.bookedAtSlot != true {
            let load = loads[counselor.counselorID]?.live ?? 0
            if best == nil || load < best!.load { best = (load, counselor) }  // `all` is sorted by id: ties keep the first
        }
        guard let best else { throw WireError(.slotTaken, "no counselor is free at \(WireTime.format(start))") }
        return best.counselor
    }

    /// Creates the consultation, marks the request scheduled, appends the event
    /// that the notifier sends on (with the meeting details).
    func schedule(
        _ request: RequestRecord, at start: Instant, with counselor: CounselorSettings,
        override: (reason: String, uid: UInt32, pid: Int32)?, now: Instant, in db: StoreTransaction
    ) throws -> ConsultationRecord {
        let consultation: ConsultationRecord
        do {
            consultation = try ConsultationStore.insert(
                .init(
                    requestID: request.requestID, seekerNo: request.seekerNo, counselorID: counselor.counselorID, start: start,
                    companions: request.companions, override: override), at: now, in: db)
        } catch let conflict as SlotConflict {
            throw conflict.wireError(start: start)
        }
        try RequestStore.move(request, to: .scheduled, reason: nil, at: now, in: db)
        try EventLog.append("consultation.scheduled", at: now, data: Self.eventData(consultation, meeting: counselor.meeting), in: db)
        return consultation
    }

    static func eventData(_ c: ConsultationRecord, meeting: CounselorSettings.Meeting?) -> JSONObject {
        [
            "consultation_id": .string(c.consultationID), "request_id": .string(c.requestID), "seeker_no": .string(c.seekerNo),
            "status": .string(c.status.rawValue), "start": .time(c.start), "end": .time(c.end), "counselor_id": .string(c.counselorID),
            "meeting": meeting?.json ?? .null,
        ]
    }

    /// The waitlist: a freed slot of a counselor, still bookable, goes in the same
    /// transaction to the oldest open request that listed it, whose seeker is
    /// active, eligible, consented to the version in force and free then.
    func fillFreedSlot(counselorID: String, start: Instant, now: Instant, in db: StoreTransaction) throws {
        guard env.office.autoScheduleOnRelease, BookingRules.isBookable(start, calendar: env.calendar, now: now),
            let counselor = try CounselorStore.fetch(counselorID, in: db), try works(counselor, at: start, in: db),
            try !ConsultationStore.counselorBooked(counselorID, at: start, in: db)
        else { return }
        let terms = try TermsStore.current(at: now, in: db).version
        for request in try RequestStore.waitingFor(start, in: db) {
            guard let seeker = try SeekerStore.fetch(request.seekerNo, in: db),
                (try? BookingRules.checkMayRequest(seeker.facts, currentTerms: terms)) != nil,
                try !ConsultationStore.seekerBusy(request.seekerNo, at: start, in: db)
            else { continue }
            _ = try schedule(request, at: start, with: counselor, override: nil, now: now, in: db)
            return
        }
    }
}

extension SlotConflict {
    func wireError(start: Instant) -> WireError {
        switch self {
        case .counselorTaken: WireError(.slotTaken, "the counselor's slot at \(WireTime.format(start)) is taken")
        case .seekerBusy: WireError(.seekerBusy, "the seeker already has a consultation at \(WireTime.format(start))")
        }
    }
}

/// The rules that fire with time alone, so that nothing stays open forever and
/// nothing stale blocks a seeker: no-shows (Art. 4(3)), contacted consultations
/// never held, consultations left in progress overnight, requests whose every
/// preference has passed. Each change commits with its event, in the batch that
/// finds it due; after a restart the first batch catches up on what fell due.
enum TimeRules {
    /// Every rule that time alone makes due, retention included: the writer's
    /// housekeeping applies them before each batch, and a move of the clock
    /// (`clock.set`, `clock.advance`, `clock.accept`) before its reply.
    static func apply(_ db: StoreTransaction, now: Instant, office: OfficeSettings, key: AuditKey, maintenance: Maintenance) throws {
        try applyNoShows(db, now: now, office: office)
        try cancelNotHeld(db, now: now)
        try completeLeftInProgress(db, now: now)
        try expireRequests(db, now: now)
        try Retention.runIfDue(db, now: now, office: office, key: key, maintenance: maintenance)
    }

    /// A consultation with a recorded contact that has not started by its end was
    /// not held: cancelled by the system, not a no-show.
    static func cancelNotHeld(_ db: StoreTransaction, now: Instant) throws {
        for c in try ConsultationStore.dueNotHeld(at: now, in: db) {
            try ConsultationStore.apply(.cancel(channel: .system, reason: "not_held"), to: c, at: now, in: db)
            try EventLog.append(
                "consultation.cancelled", at: now,
                data: ConsultationOperations.eventData(
                    c, status: .cancelled, extra: ["channel": "system", "reason": "not_held"]), in: db)
        }
    }

    /// A consultation still in progress at 00:00 office time after its date is
    /// completed, marked `auto_completed`.
    static func completeLeftInProgress(_ db: StoreTransaction, now: Instant) throws {
        let startOfToday = OfficeCalendar.startOfDay(OfficeCalendar.local(now).date)
        for c in try ConsultationStore.dueAutoComplete(startedBefore: startOfToday, in: db) {
            try ConsultationStore.apply(.completeLeftInProgress, to: c, at: now, in: db)
            try EventLog.append(
                "consultation.completed", at: now,
                data: ConsultationOperations.eventData(
                    c, status: .completed, extra: ["auto_completed": true]), in: db)
        }
    }

    /// A request becomes `expired` at the start of its latest preference; it no
    /// longer counts towards the seeker's open requests.
    static func expireRequests(_ db: StoreTransaction, now: Instant) throws {
        for request in try RequestStore.dueToExpire(at: now, in: db) {
            try RequestStore.move(request, to: .expired, reason: nil, at: now, in: db)
            try EventLog.append(
                "request.expired", at: now,
                data: [
                    "request_id": .string(request.requestID), "seeker_no": .string(request.seekerNo), "status": "expired",
                ], in: db)
        }
    }

    /// Every scheduled consultation without contact whose start is 10 minutes or
    /// more behind `now` becomes `no_show`; the seeker's count goes up, and at the
    /// threshold the seeker is restricted (unless suspended).
    static func applyNoShows(_ db: StoreTransaction, now: Instant, office: OfficeSettings) throws {
        let due = try ConsultationStore.dueForNoShow(startedAtOrBefore: now.adding(seconds: -BookingRules.noShowAfterSeconds), in: db)
        for consultation in due {
            try ConsultationStore.apply(.noShow, to: consultation, at: now, in: db)
            try EventLog.append(
                "consultation.no_show", at: now,
                data: ConsultationOperations.eventData(consultation, status: .noShow), in: db)
            let count = try SeekerStore.addNoShow(consultation.seekerNo, at: now, in: db)
            guard let seeker = try SeekerStore.fetch(consultation.seekerNo, in: db) else { continue }
            let current = seeker.status
            let next = BookingRules.status(after: count, current: current, threshold: office.noShowThreshold)
            if next != current {
                try SeekerStore.setStatus(seeker.seekerNo, to: next, at: now, in: db)
                try SeekerStore.addHistory(seeker.seekerNo, action: "restricted", reason: "no_shows", note: nil, by: nil, at: now, in: db)
                try EventLog.append(
                    "seeker.restricted", at: now,
                    data: [
                        "seeker_no": .string(seeker.seekerNo), "status": .string(next.rawValue), "no_show_count": JSONValue(count),
                    ], in: db)
            }
        }
    }
}
