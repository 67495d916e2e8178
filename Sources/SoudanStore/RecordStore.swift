import GRDB
public import SoudanProtocol

/// What the office reports and erases: usage counts per day, the raw access
/// records of a disclosure (Art. 5(2)), and the purge of old personal data (Art. 6).
public enum RecordStore {
    /// One office day's counts, with no seeker or device identifier in them.
    public struct DayCounts: Sendable, Equatable {
        public var requests = 0
        public var consultations = 0
        public var completed = 0
        public var cancelled = 0
        public var noShow = 0

        public init() {}
    }

    /// Counts per office day (days since 1970-01-01, office time) in `[from, to)`:
    /// requests by creation, consultations by start.
    public static func usage(from: Instant, to: Instant, in db: StoreTransaction) throws -> [Int: DayCounts] {
        func dayIndex(_ column: String) -> String { "(\(column) + \(WireTime.officeOffsetSeconds)) / 86400" }
        var days: [Int: DayCounts] = [:]
        for row in try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT \(dayIndex("created_at")), COUNT(*) FROM booking_request WHERE created_at >= ? AND created_at < ? GROUP BY 1
                    """), arguments: [from.seconds, to.seconds])
        { days[row[0], default: DayCounts()].requests = row[1] }
        for row in try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT \(dayIndex("start")), COUNT(*), SUM(status = 'completed'), SUM(status = 'cancelled'), SUM(status = 'no_show')
                    FROM consultation WHERE start >= ? AND start < ? GROUP BY 1
                    """), arguments: [from.seconds, to.seconds])
        {
            var counts = days[row[0], default: DayCounts()]
            counts.consultations = row[1]
            counts.completed = row[2]
            counts.cancelled = row[3]
            counts.noShow = row[4]
            days[row[0]] = counts
        }
        return days
    }

    /// Raw access records in `[from, to)`, oldest first, device identifiers
    /// included, as the wire shows them: only for a disclosure that names its
    /// legal basis (Art. 5(2)).
    public static func disclose(from: Instant, to: Instant, seekerNo: String?, in db: StoreTransaction) throws -> [JSONValue] {
        var sql = """
            SELECT at, op, socket, uid, pid, code, seeker_no, device_id, device_id_hash, device_os, device_app, legal_basis, requested_by
            FROM access_log WHERE at >= ? AND at < ?
            """
        var arguments: StatementArguments = [from.seconds, to.seconds]
        if let seekerNo {
            sql += " AND seeker_no = ?"
            arguments += [seekerNo]
        }
        return try Row.fetchAll(db.database, sql: sql + " ORDER BY id", arguments: arguments).map { row in
            let hasDevice = (row["device_id_hash"] as String?) != nil
            return [
                "at": .string(WireTime.format(Instant(seconds: row["at"]))), "op": JSONValue(row["op"] as String?),
                "socket": .string(row["socket"]),
                "uid": .int(row["uid"]), "pid": .int(row["pid"]), "code": .string(row["code"]),
                "seeker_no": JSONValue(row["seeker_no"] as String?),
                "device": hasDevice
                    ? [
                        "id": JSONValue(row["device_id"] as String?), "os": JSONValue(row["device_os"] as String?),
                        "app": JSONValue(row["device_app"] as String?),
                    ] : .null,
                "legal_basis": JSONValue(row["legal_basis"] as String?), "requested_by": JSONValue(row["requested_by"] as String?),
            ]
        }
    }

    /// What one purge erased.
    public struct Purged: Sendable, Equatable {
        public var requests: Int
        public var consultations: Int
        public var accessRecords: Int

        public init(requests: Int = 0, consultations: Int = 0, accessRecords: Int = 0) {
            self.requests = requests
            self.consultations = consultations
            self.accessRecords = accessRecords
        }

        public var isEmpty: Bool { requests == 0 && consultations == 0 && accessRecords == 0 }
        public var json: JSONObject {
            ["requests": JSONValue(requests), "consultations": JSONValue(consultations), "access_records": JSONValue(accessRecords)]
        }
    }

    /// Art. 6: erases the personal data of everything finished before `cutoff`:
    /// consultations no longer live that started before it, with their requests;
    /// requests withdrawn, rejected or expired created before it; device ids of
    /// older access records; remembered replies and event data.
    public static func purge(before cutoff: Instant, now: Instant, in db: StoreTransaction) throws -> Purged {
        let eraseCompanionNames = """
            (SELECT COALESCE(json_group_array(json_object('role', json_extract(value, '$.role'), 'name', NULL)), '[]')
             FROM json_each(companions))
            """
        try db.run(
            sql: """
                UPDATE consultation SET companions = \(eraseCompanionNames), contact_note = NULL, complete_note = NULL,
                    cancel_reason = NULL, purged = 1
                WHERE status NOT IN ('scheduled', 'in_progress') AND start < ? AND purged = 0
                """, arguments: [cutoff.seconds])
        let consultations = db.changesCount
        let eraseRequest = """
            UPDATE booking_request SET name = NULL, phone = NULL, note = NULL, companions = \(eraseCompanionNames),
                device_id = NULL, reason = NULL, purged = 1
            """
        try db.run(sql: eraseRequest + " WHERE purged = 0 AND request_id IN (SELECT request_id FROM consultation WHERE purged = 1)")
        var requests = db.changesCount
        try db.run(
            sql: eraseRequest + " WHERE purged = 0 AND status IN ('withdrawn', 'rejected', 'expired') AND created_at < ?",
            arguments: [cutoff.seconds])
        requests += db.changesCount
        try db.run(sql: "UPDATE access_log SET device_id = NULL WHERE at < ? AND device_id IS NOT NULL", arguments: [cutoff.seconds])
        let accessRecords = db.changesCount
        // Remembered replies may quote names, phones, notes and device ids. A key
        // younger than 24 hours is never forgotten (a client may still retry it:
        // forgetting it made a retried booking act twice); its reply loses its
        // personal data instead. Older keys before the date go.
        try Idempotency.purge(before: cutoff, keepingSince: now.adding(seconds: -24 * 3600), in: db)
        try EventLog.scrub(before: cutoff, in: db)
        return Purged(requests: requests, consultations: consultations, accessRecords: accessRecords)
    }
}
