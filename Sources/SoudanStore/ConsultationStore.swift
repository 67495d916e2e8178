import GRDB
public import SoudanDomain
public import SoudanProtocol

/// A consultation as stored: one slot with one counselor (Art. 4(2)).
public struct ConsultationRecord: Sendable, Equatable {
    public var consultationID: String
    public var requestID: String
    public var seekerNo: String
    public var counselorID: String
    public var start: Instant
    public var status: ConsultationStatus
    public var companions: JSONValue
    public var overrideReason: String?
    public var overrideUID: Int64?
    public var overridePID: Int64?
    public var contacted: Bool
    public var contactNote: String?
    public var cancelChannel: String?
    public var cancelReason: String?
    public var completeNote: String?
    public var startedAt: Instant?
    public var completedAt: Instant?
    /// Completed by the time rules, still in progress the night after its date.
    public var autoCompleted: Bool
    /// Why staff stopped it (Art. 10(1)), with their note.
    public var stopReason: String?
    public var stopNote: String?

    public var end: Instant { start.adding(minutes: 30) }

}

extension ConsultationRecord {
    /// The columns `init(row:)` reads, in its order (by position: see `RequestRecord.columns`).
    static let columns = """
        consultation_id, request_id, seeker_no, counselor_id, start, status, companions, override_reason, override_uid,
        override_pid, contacted, contact_note, cancel_channel, cancel_reason, complete_note, started_at, completed_at,
        auto_completed, stop_reason, stop_note
        """

    init(row: ColumnReader) throws {
        consultationID = row[0]
        requestID = row[1]
        seekerNo = row[2]
        counselorID = row[3]
        start = Instant(seconds: row[4])
        status = try row.status(5)
        let companionsText: String = row[6]
        companions = (try? JSONParser.parse(Array(companionsText.utf8))) ?? .array([])
        overrideReason = row[7]
        overrideUID = row[8]
        overridePID = row[9]
        contacted = row[10]
        contactNote = row[11]
        cancelChannel = row[12]
        cancelReason = row[13]
        completeNote = row[14]
        startedAt = (row[15] as Int64?).map(Instant.init)
        completedAt = (row[16] as Int64?).map(Instant.init)
        autoCompleted = row[17]
        stopReason = row[18]
        stopNote = row[19]
    }
}

/// One step of a consultation's life; `ConsultationStore.apply` writes it.
public enum ConsultationChange: Sendable {
    /// The office reached the seeker before the start (Art. 4(3)); stays scheduled.
    case contact(note: String)
    case start
    case complete(note: String?)
    /// Still in progress the night after its date: completed by the time rules.
    case completeLeftInProgress
    case cancel(channel: CancelChannel, reason: String?)
    /// Stopped by staff while in progress (Art. 10(1)).
    case stop(reason: String, note: String?)
    case noShow

    /// The status it leads to; nil when the status stays (a contact).
    public var status: ConsultationStatus? {
        switch self {
        case .contact: nil
        case .start: .inProgress
        case .complete, .completeLeftInProgress: .completed
        case .cancel: .cancelled
        case .stop: .stopped
        case .noShow: .noShow
        }
    }
}

/// Why a consultation could not take its slot: SQLite's unique indexes said no.
public enum SlotConflict: Error, Equatable {
    case counselorTaken
    case seekerBusy
}

public enum ConsultationStore {
    public struct New: Sendable {
        public var requestID: String
        public var seekerNo: String
        public var counselorID: String
        public var start: Instant
        public var companions: JSONValue
        public var override: (reason: String, uid: UInt32, pid: Int32)?

        public init(
            requestID: String, seekerNo: String, counselorID: String, start: Instant, companions: JSONValue,
            override: (reason: String, uid: UInt32, pid: Int32)?
        ) {
            self.requestID = requestID
            self.seekerNo = seekerNo
            self.counselorID = counselorID
            self.start = start
            self.companions = companions
            self.override = override
        }
    }

    /// Inserts a scheduled consultation; a taken slot is `SlotConflict`, decided by
    /// the partial unique indexes, not by an earlier check.
    public static func insert(_ new: New, at now: Instant, in db: StoreTransaction) throws -> ConsultationRecord {
        let n = (try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(n) FROM consultation")) ?? 0) + 1
        let id = "con-" + RequestStore.zeroPadded(n)
        try mapConflicts {
            try db.run(
                sql: """
                    INSERT INTO consultation(n, consultation_id, request_id, seeker_no, counselor_id, start, status, companions,
                        override_reason, override_uid, override_pid, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, 'scheduled', ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    n, id, new.requestID, new.seekerNo, new.counselorID, new.start.seconds, JSONWriter.string(new.companions),
                    new.override?.reason, new.override.map { Int64($0.uid) }, new.override.map { Int64($0.pid) },
                    now.seconds, now.seconds,
                ])
        }
        // What was just written, without reading it back.
        return ConsultationRecord(
            consultationID: id, requestID: new.requestID, seekerNo: new.seekerNo, counselorID: new.counselorID, start: new.start,
            status: .scheduled, companions: new.companions, overrideReason: new.override?.reason,
            overrideUID: new.override.map { Int64($0.uid) }, overridePID: new.override.map { Int64($0.pid) }, contacted: false,
            contactNote: nil, cancelChannel: nil, cancelReason: nil, completeNote: nil, startedAt: nil, completedAt: nil,
            autoCompleted: false, stopReason: nil, stopNote: nil)
    }

    /// Moves a consultation to another slot (and maybe counselor), checked by the same
    /// indexes. A recorded contact concerned the old time, so it is cleared.
    public static func move(
        _ consultationID: String, to start: Instant, counselorID: String, override: (reason: String, uid: UInt32, pid: Int32)?,
        at now: Instant, in db: StoreTransaction
    ) throws {
        try mapConflicts {
            try db.run(
                sql: """
                    UPDATE consultation SET start = ?, counselor_id = ?, override_reason = ?, override_uid = ?, override_pid = ?,
                        contacted = 0, contact_note = NULL, updated_at = ? WHERE consultation_id = ?
                    """,
                arguments: [
                    start.seconds, counselorID, override?.reason, override.map { Int64($0.uid) },
                    override.map { Int64($0.pid) }, now.seconds, consultationID,
                ])
        }
    }

    /// Gives a consultation to another counselor at the same time: the time, the
    /// contact and any cutoff override stay.
    public static func reassign(_ consultationID: String, to counselorID: String, at now: Instant, in db: StoreTransaction) throws {
        try mapConflicts {
            try db.run(
                sql: "UPDATE consultation SET counselor_id = ?, updated_at = ? WHERE consultation_id = ?",
                arguments: [counselorID, now.seconds, consultationID])
        }
    }

    /// A counselor's scheduled consultations, in order of start.
    public static func scheduled(forCounselor counselorID: String, in db: StoreTransaction) throws -> [ConsultationRecord] {
        try db.fetchEach(
            sql: """
                SELECT \(ConsultationRecord.columns) FROM consultation WHERE counselor_id = ? AND status = 'scheduled' ORDER BY start, n
                """, arguments: [counselorID], ConsultationRecord.init)
    }

    static func mapConflicts(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            if (error.message ?? "").contains("counselor_id") { throw SlotConflict.counselorTaken }
            if (error.message ?? "").contains("seeker_no") { throw SlotConflict.seekerBusy }
            throw error
        }
    }

    public static func fetch(_ consultationID: String, in db: StoreTransaction) throws -> ConsultationRecord? {
        try db.fetchFirst(
            sql: "SELECT \(ConsultationRecord.columns) FROM consultation WHERE consultation_id = ?", arguments: [consultationID],
            ConsultationRecord.init)
    }

    /// Applies one step of a consultation's life (Art. 4(3), 10(1), 11). A step
    /// its status cannot take (`ConsultationStatus.canMove`) is refused here,
    /// whatever the handler checked (`invalid_state`): no other code writes a status.
    public static func apply(_ change: ConsultationChange, to c: ConsultationRecord, at now: Instant, in db: StoreTransaction) throws {
        let allowed = change.status.map { c.status.canMove(to: $0) } ?? (c.status == .scheduled)
        guard allowed else {
            throw WireError.invalidState(status: c.status.rawValue, "consultation \(c.consultationID) is \(c.status.rawValue)")
        }
        let (assignments, arguments): (String, StatementArguments) =
            switch change {
            case .contact(let note): ("contacted = 1, contact_note = ?", [note])
            case .start: ("status = 'in_progress', started_at = ?", [now.seconds])
            case .complete(let note): ("status = 'completed', completed_at = ?, complete_note = ?", [now.seconds, note])
            case .completeLeftInProgress: ("status = 'completed', completed_at = ?, auto_completed = 1", [now.seconds])
            case .cancel(let channel, let reason):
                ("status = 'cancelled', cancel_channel = ?, cancel_reason = ?", [channel.rawValue, reason])
            case .stop(let reason, let note): ("status = 'stopped', stop_reason = ?, stop_note = ?", [reason, note])
            case .noShow: ("status = 'no_show'", [])
            }
        try db.run(
            sql: "UPDATE consultation SET \(assignments), updated_at = ? WHERE consultation_id = ?",
            arguments: arguments + [now.seconds, c.consultationID])
    }

    /// How many consultations have `status` (for `sys.metrics`).
    public static func count(status: ConsultationStatus, in db: StoreTransaction) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM consultation WHERE status = ?"), arguments: [status.rawValue]) ?? 0
    }

    /// Whether a counselor holds a live consultation in a slot (other than `excluding`).
    public static func counselorBooked(_ counselorID: String, at start: Instant, excluding: String? = nil, in db: StoreTransaction) throws
        -> Bool
    {
        try Bool.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT EXISTS (SELECT 1 FROM consultation WHERE counselor_id = ? AND start = ? AND status IN ('scheduled', 'in_progress')
                                   AND consultation_id IS NOT ?)
                    """), arguments: [counselorID, start.seconds, excluding]) ?? false
    }

    /// Whether the seeker has a live consultation in that slot (other than `excluding`).
    public static func seekerBusy(_ seekerNo: String, at start: Instant, excluding: String? = nil, in db: StoreTransaction) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT EXISTS (SELECT 1 FROM consultation WHERE seeker_no = ? AND start = ? AND status IN ('scheduled', 'in_progress')
                                   AND consultation_id IS NOT ?)
                    """), arguments: [seekerNo, start.seconds, excluding]) ?? false
    }

    /// Each counselor's day, for picking the least loaded free one: live
    /// consultations on the office day `day` (days since 1970-01-01, office
    /// time), and whether one of them (other than `excluding`) is at `slot`.
    /// Counselors with neither are absent.
    public static func loads(day: Int, slot: Instant, excluding: String? = nil, in db: StoreTransaction) throws
        -> [String: (live: Int, bookedAtSlot: Bool)]
    {
        var loads: [String: (live: Int, bookedAtSlot: Bool)] = [:]
        let counts = try db.fetchEach(
            sql: """
                SELECT counselor_id, live FROM counselor_day_load WHERE day = ? AND live > 0
                """, arguments: [day]
        ) { row -> (String, Int) in (row[0], row[1]) }
        for (counselorID, live) in counts { loads[counselorID] = (live: live, bookedAtSlot: false) }
        let holders = try String.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT counselor_id FROM consultation INDEXED BY consultation_live_by_start
                    WHERE start = ? AND status IN ('scheduled', 'in_progress') AND consultation_id IS NOT ?
                    """), arguments: [slot.seconds, excluding])
        while let counselorID = try holders.next() {
            loads[counselorID, default: (live: 0, bookedAtSlot: false)].bookedAtSlot = true
        }
        return loads
    }

    /// Counselors holding a live consultation in each slot between two instants.
    public static func bookedCounselors(from: Instant, to: Instant, in db: StoreTransaction) throws -> [Int64: Set<String>] {
        var booked: [Int64: Set<String>] = [:]
        let rows = try db.fetchEach(
            sql: """
                SELECT start, counselor_id FROM consultation INDEXED BY consultation_live_by_start
                WHERE start >= ? AND start < ? AND status IN ('scheduled', 'in_progress')
                """, arguments: [from.seconds, to.seconds]
        ) { row -> (Int64, String) in (row[0], row[1]) }
        for (start, counselorID) in rows { booked[start, default: []].insert(counselorID) }
        return booked
    }

    public static func scheduledCount(for seekerNo: String, in db: StoreTransaction) throws -> Int {
        try Int.fetchOne(
            db.cachedStatement(sql: "SELECT COUNT(*) FROM consultation WHERE seeker_no = ? AND status = 'scheduled'"),
            arguments: [seekerNo]) ?? 0
    }

    public static func live(for seekerNo: String, in db: StoreTransaction) throws -> [ConsultationRecord] {
        try db.fetchEach(
            sql: """
                SELECT \(ConsultationRecord.columns) FROM consultation WHERE seeker_no = ? AND status IN ('scheduled', 'in_progress') ORDER BY start
                """, arguments: [seekerNo], ConsultationRecord.init)
    }

    /// A seeker's live consultations, whatever their start (a suspension ends them all).
    public static func liveAnyTime(for seekerNo: String, in db: StoreTransaction) throws -> [ConsultationRecord] {
        try db.fetchEach(
            sql: """
                SELECT \(ConsultationRecord.columns) FROM consultation WHERE seeker_no = ? AND status IN ('scheduled', 'in_progress') ORDER BY start
                """, arguments: [seekerNo], ConsultationRecord.init)
    }

    /// Scheduled, uncontacted consultations whose start is at or before `cutoff`.
    public static func dueForNoShow(startedAtOrBefore cutoff: Instant, in db: StoreTransaction) throws -> [ConsultationRecord] {
        try db.fetchEach(
            sql: """
                SELECT \(ConsultationRecord.columns) FROM consultation WHERE status = 'scheduled' AND contacted = 0 AND start <= ? ORDER BY start, n
                """, arguments: [cutoff.seconds], ConsultationRecord.init)
    }

    /// Scheduled consultations with a recorded contact whose end is at or before
    /// `now`: they were never held.
    public static func dueNotHeld(at now: Instant, in db: StoreTransaction) throws -> [ConsultationRecord] {
        try db.fetchEach(
            sql: """
                SELECT \(ConsultationRecord.columns) FROM consultation WHERE status = 'scheduled' AND contacted = 1 AND start <= ? ORDER BY start, n
                """, arguments: [now.adding(minutes: -30).seconds], ConsultationRecord.init)
    }

    /// Consultations still in progress that started before `startOfToday`.
    public static func dueAutoComplete(startedBefore startOfToday: Instant, in db: StoreTransaction) throws -> [ConsultationRecord] {
        try db.fetchEach(
            sql: """
                SELECT \(ConsultationRecord.columns) FROM consultation WHERE status = 'in_progress' AND start < ? ORDER BY start, n
                """, arguments: [startOfToday.seconds], ConsultationRecord.init)
    }

    public static func list(
        from: Instant?, to: Instant?, counselorID: String?, seekerNo: String?, status: String?, in db: StoreTransaction
    ) throws -> [ConsultationRecord] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let from {
            conditions.append("start >= ?")
            arguments += [from.seconds]
        }
        if let to {
            conditions.append("start < ?")
            arguments += [to.seconds]
        }
        if let counselorID {
            conditions.append("counselor_id = ?")
            arguments += [counselorID]
        }
        if let seekerNo {
            conditions.append("seeker_no = ?")
            arguments += [seekerNo]
        }
        if let status {
            conditions.append("status = ?")
            arguments += [status]
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try db.fetchEach(
            sql: "SELECT \(ConsultationRecord.columns) FROM consultation \(whereClause) ORDER BY start, counselor_id, n",
            arguments: arguments, ConsultationRecord.init)
    }
}
