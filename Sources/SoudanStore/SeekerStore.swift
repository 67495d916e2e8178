import GRDB
public import SoudanDomain
public import SoudanProtocol

/// A seeker's profile as stored.
public struct SeekerRecord: Sendable, Equatable {
    public var seekerNo: String
    public var name: String
    public var phone: String
    public var myPage: Bool
    public var webcamDevice: Bool
    public var status: SeekerStatus
    public var noShowCount: Int
    public var consentedVersion: String?
    public var consentKind: String?

}

extension SeekerRecord {
    /// The columns `init(row:)` reads, in its order (by position: see `RequestRecord.columns`).
    static let columns = "seeker_no, name, phone, my_page, webcam_device, status, no_show_count, consented_version, consent_kind"

    init(row: ColumnReader) throws {
        seekerNo = row[0]
        name = row[1]
        phone = row[2]
        myPage = row[3]
        webcamDevice = row[4]
        status = try row.status(5)
        noShowCount = row[6]
        consentedVersion = row[7]
        consentKind = row[8]
    }
}

public enum SeekerStore {
    public static func fetch(_ seekerNo: String, in db: StoreTransaction) throws -> SeekerRecord? {
        try db.fetchFirst(sql: "SELECT \(SeekerRecord.columns) FROM seeker WHERE seeker_no = ?", arguments: [seekerNo], SeekerRecord.init)
    }

    /// Creates or updates the profile; returns it as stored, and whether it was created.
    public static func upsert(
        seekerNo: String, name: String, phone: String, myPage: Bool, webcamDevice: Bool, at now: Instant, in db: StoreTransaction
    ) throws -> (seeker: SeekerRecord, created: Bool) {
        if var existing = try fetch(seekerNo, in: db) {
            try db.run(
                sql: "UPDATE seeker SET name = ?, phone = ?, my_page = ?, webcam_device = ?, updated_at = ? WHERE seeker_no = ?",
                arguments: [name, phone, myPage, webcamDevice, now.seconds, seekerNo])
            existing.name = name
            existing.phone = phone
            existing.myPage = myPage
            existing.webcamDevice = webcamDevice
            return (existing, false)
        }
        try db.run(
            sql: """
                INSERT INTO seeker(seeker_no, name, phone, my_page, webcam_device, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [seekerNo, name, phone, myPage, webcamDevice, now.seconds, now.seconds])
        // The table's defaults, without reading the row back.
        let created = SeekerRecord(
            seekerNo: seekerNo, name: name, phone: phone, myPage: myPage, webcamDevice: webcamDevice, status: .active,
            noShowCount: 0, consentedVersion: nil, consentKind: nil)
        return (created, true)
    }

    /// Records consent to `version` (explicit, or deemed by use after a change).
    public static func recordConsent(seekerNo: String, version: String, kind: String, at now: Instant, in db: StoreTransaction) throws {
        let explicit = kind == "explicit"
        try db.run(
            sql: """
                INSERT INTO consent(seeker_no, terms_version, kind, zoom_terms, no_recording, private_room, device_ready, at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [seekerNo, version, kind, explicit, explicit, explicit, explicit, now.seconds])
        try db.run(
            sql: "UPDATE seeker SET consented_version = ?, consent_kind = ?, updated_at = ? WHERE seeker_no = ?",
            arguments: [version, kind, now.seconds, seekerNo])
    }

    /// One line of a seeker's history (`restricted`, `suspended`, `reinstated`);
    /// `by` nil when the system did it.
    public static func addHistory(
        _ seekerNo: String, action: String, reason: String?, note: String?, by: (uid: UInt32, pid: Int32)?, at now: Instant,
        in db: StoreTransaction
    ) throws {
        try db.run(
            sql: "INSERT INTO seeker_history(seeker_no, at, action, reason, note, by_uid, by_pid) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [seekerNo, now.seconds, action, reason, note, by.map { Int64($0.uid) }, by.map { Int64($0.pid) }])
    }

    /// The seeker's history, oldest first, as the wire shows it.
    public static func history(_ seekerNo: String, in db: StoreTransaction) throws -> [JSONValue] {
        try db.fetchEach(
            sql: "SELECT at, action, reason, note, by_uid, by_pid FROM seeker_history WHERE seeker_no = ? ORDER BY id",
            arguments: [seekerNo]
        ) { row in
            let uid: Int64? = row[4]
            let pid: Int64? = row[5]
            var entry: JSONObject = ["at": .string(WireTime.format(Instant(seconds: row[0]))), "action": .string(row[1])]
            if let reason = row[2] as String? { entry["reason"] = .string(reason) }
            if let note = row[3] as String? { entry["note"] = .string(note) }
            entry["by"] = uid.map { ["uid": .int($0), "pid": .int(pid ?? 0)] } ?? .null
            return .object(entry)
        }
    }

    public static func setStatus(_ seekerNo: String, to status: SeekerStatus, at now: Instant, in db: StoreTransaction) throws {
        try db.run(
            sql: "UPDATE seeker SET status = ?, updated_at = ? WHERE seeker_no = ?",
            arguments: [status.rawValue, now.seconds, seekerNo])
    }

    /// Adds one no-show and returns the new count.
    public static func addNoShow(_ seekerNo: String, at now: Instant, in db: StoreTransaction) throws -> Int {
        try db.run(
            sql: "UPDATE seeker SET no_show_count = no_show_count + 1, updated_at = ? WHERE seeker_no = ?",
            arguments: [now.seconds, seekerNo])
        return try Int.fetchOne(db.cachedStatement(sql: "SELECT no_show_count FROM seeker WHERE seeker_no = ?"), arguments: [seekerNo]) ?? 0
    }
}
