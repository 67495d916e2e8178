import GRDB
public import SoudanDomain
public import SoudanProtocol

/// A booking request as stored (Art. 4(1)).
public struct RequestRecord: Sendable, Equatable {
    public var requestID: String
    public var seekerNo: String
    public var name: String?
    public var phone: String?
    public var preferences: [Instant]
    public var channel: String
    /// `[{"role", "name"}]`; names are erased by a privacy purge.
    public var companions: JSONValue
    public var note: String?
    public var duringConsultation: String?
    public var deviceID: String?
    public var deviceOS: String?
    public var deviceApp: String?
    public var status: RequestStatus
    public var reason: String?
    public var createdAt: Instant

}

extension RequestRecord {
    /// The columns `init(row:)` reads, in its order: by position, because GRDB's
    /// lookup by name lowercases the name on every access, and these rows are
    /// decoded several times per booking.
    static let columns = """
        request_id, seeker_no, name, phone, preferences, channel, companions, note, during_consultation, device_id,
        device_os, device_app, status, reason, created_at
        """

    init(row: ColumnReader) throws {
        requestID = row[0]
        seekerNo = row[1]
        name = row[2]
        phone = row[3]
        let preferencesText: String = row[4]
        preferences = (try? JSONParser.parse(Array(preferencesText.utf8)))?.arrayValue?.compactMap { $0.intValue.map(Instant.init) } ?? []
        channel = row[5]
        let companionsText: String = row[6]
        companions = (try? JSONParser.parse(Array(companionsText.utf8))) ?? .array([])
        note = row[7]
        duringConsultation = row[8]
        deviceID = row[9]
        deviceOS = row[10]
        deviceApp = row[11]
        status = try row.status(12)
        reason = row[13]
        createdAt = Instant(seconds: row[14])
    }
}

public enum RequestStore {
    public struct New: Sendable {
        public var seekerNo: String
        public var name: String
        public var phone: String
        public var preferences: [Instant]
        public var channel: String
        public var companions: JSONValue
        public var note: String?
        public var duringConsultation: String?
        public var device: (id: String, os: String?, app: String?)?

        public init(
            seekerNo: String, name: String, phone: String, preferences: [Instant], channel: String, companions: JSONValue,
            note: String?, duringConsultation: String?, device: (id: String, os: String?, app: String?)?
        ) {
            self.seekerNo = seekerNo
            self.name = name
            self.phone = phone
            self.preferences = preferences
            self.channel = channel
            self.companions = companions
            self.note = note
            self.duringConsultation = duringConsultation
            self.device = device
        }
    }

    public static func insert(_ new: New, at now: Instant, in db: StoreTransaction) throws -> RequestRecord {
        let n = (try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(n) FROM booking_request")) ?? 0) + 1
        let id = "req-" + zeroPadded(n)
        try db.run(
            sql: """
                INSERT INTO booking_request(n, request_id, seeker_no, name, phone, preferences, channel, companions, note,
                    during_consultation, device_id, device_os, device_app, status, created_at, updated_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'requested', ?, ?, ?)
                """,
            arguments: [
                n, id, new.seekerNo, new.name, new.phone, JSONWriter.string(.array(new.preferences.map { .int($0.seconds) })),
                new.channel, JSONWriter.string(new.companions), new.note, new.duringConsultation, new.device?.id,
                new.device?.os, new.device?.app, now.seconds, now.seconds, new.preferences.map(\.seconds).max(),
            ])
        // What was just written, without reading it back.
        return RequestRecord(
            requestID: id, seekerNo: new.seekerNo, name: new.name, phone: new.phone, preferences: new.preferences, channel: new.channel,
            companions: new.companions, note: new.note, duringConsultation: new.duringConsultation, deviceID: new.device?.id,
            deviceOS: new.device?.os, deviceApp: new.device?.app, status: .requested, reason: nil, createdAt: now)
    }

    /// How many of the seeker's requests are still open (`requested`).
    public static func openCount(for seekerNo: String, in db: StoreTransaction) throws -> Int {
        try Int.fetchOne(
            db.cachedStatement(sql: "SELECT COUNT(*) FROM booking_request WHERE seeker_no = ? AND status = 'requested'"),
            arguments: [seekerNo]) ?? 0
    }

    public static func fetch(_ requestID: String, in db: StoreTransaction) throws -> RequestRecord? {
        try db.fetchFirst(
            sql: "SELECT \(RequestRecord.columns) FROM booking_request WHERE request_id = ?", arguments: [requestID],
            RequestRecord.init)
    }

    /// Moves a request on from `requested` (Art. 4(1)); any other move is refused
    /// here whatever the handler checked (`invalid_state`).
    public static func move(
        _ request: RequestRecord, to status: RequestStatus, reason: String?, at now: Instant, in db: StoreTransaction
    ) throws {
        guard request.status.canMove(to: status) else {
            throw WireError.invalidState(status: request.status.rawValue, "request \(request.requestID) is \(request.status.rawValue)")
        }
        try db.run(
            sql: "UPDATE booking_request SET status = ?, reason = ?, updated_at = ? WHERE request_id = ?",
            arguments: [status.rawValue, reason, now.seconds, request.requestID])
    }

    /// A seeker's requests still waiting for a time (`requested`), oldest first.
    public static func open(for seekerNo: String, in db: StoreTransaction) throws -> [RequestRecord] {
        try db.fetchEach(
            sql: "SELECT \(RequestRecord.columns) FROM booking_request WHERE seeker_no = ? AND status = 'requested' ORDER BY n",
            arguments: [seekerNo], RequestRecord.init)
    }

    /// Open requests that listed `start` among their preferences, oldest first: the waitlist.
    public static func waitingFor(_ start: Instant, in db: StoreTransaction) throws -> [RequestRecord] {
        try db.fetchEach(
            sql: """
                SELECT \(RequestRecord.columns) FROM booking_request
                WHERE status = 'requested' AND EXISTS (SELECT 1 FROM json_each(preferences) WHERE value = ?)
                ORDER BY n
                """, arguments: [start.seconds], RequestRecord.init)
    }

    /// Open requests whose latest preference starts at or before `now`: nothing
    /// they asked for can still be given, so they expire.
    public static func dueToExpire(at now: Instant, in db: StoreTransaction) throws -> [RequestRecord] {
        try db.fetchEach(
            sql: """
                SELECT \(RequestRecord.columns) FROM booking_request WHERE status = 'requested' AND expires_at <= ? ORDER BY n
                """, arguments: [now.seconds], RequestRecord.init)
    }

    static func zeroPadded(_ n: Int64) -> String {
        let digits = String(n)
        return digits.count >= 6 ? digits : String(repeating: "0", count: 6 - digits.count) + digits
    }
}
