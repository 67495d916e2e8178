import GRDB
import SoudanDomain
import SoudanProtocol
import SoudanStore

/// `report.usage`, `audit.disclose`, `privacy.purge` (Art. 5, 6).
enum RecordOperations {
    static func make(_ env: ServiceEnvironment) -> [Operation] {
        [
            Operation("report.usage", sockets: Sockets.admin, .read { db, context in
                let (from, to) = try AvailabilityOperations.dateRange(context.args, maxDates: 366)
                return ["days": .array(try usage(from: from, to: to, env: env, in: db))]
            }),
            Operation("audit.disclose", sockets: Sockets.admin, recording: [.replyWaitsForRecord, .seesEveryAnsweredRequest], .read { db, context in
                _ = try context.args.nonBlank("legal_basis")
                _ = try context.args.nonBlank("requested_by")
                let (from, to) = try AvailabilityOperations.dateRange(context.args, maxDates: 3660)
                return ["records": .array(try disclose(from: from, to: to, seekerNo: context.args.string("seeker_no"), in: db))]
            }),
            Operation("privacy.purge", sockets: Sockets.admin, recording: .seesEveryAnsweredRequest, .write { db, context in
                let dryRun = context.args.bool("dry_run") == true
                guard let date = context.args.date("before") ?? (dryRun ? Retention.nextCutoff(at: context.now, office: env.office) : nil) else {
                    throw WireError.invalidArgs(field: "before", "before is required (only a dry run may leave it out)")
                }
                guard date <= OfficeCalendar.local(context.now).date else {
                    throw WireError.invalidArgs(field: "before", "before is later than today; a purge cannot reach into the future")
                }
                guard dryRun else {
                    let purged = try purge(before: OfficeCalendar.startOfDay(date), now: context.now, in: db)
                    env.maintenance.requestCheckpoint()
                    return ["purged": .object(purged)]
                }
                // What it would erase: the purge itself, in a savepoint rolled back.
                var purged = JSONObject()
                do {
                    try db.inCachedSavepoint {
                        purged = try purge(before: OfficeCalendar.startOfDay(date), now: context.now, in: db)
                        throw DryRunRolledBack()
                    }
                } catch is DryRunRolledBack {}
                return ["purged": .object(purged), "before": .string(date.description), "dry_run": true]
            }),
        ]
    }

    /// Per-day counts. `capacity` counts the counselor-slots worked that day with the
    /// hours and absences on record; no seeker or device identifier appears.
    static func usage(from: CivilDate, to: CivilDate, env: ServiceEnvironment, in db: Database) throws -> [JSONValue] {
        func dayIndex(_ column: String) -> String { "(\(column) + \(WireTime.officeOffsetSeconds)) / 86400" }
        let lower = OfficeCalendar.startOfDay(from).seconds
        let upper = OfficeCalendar.startOfDay(to.adding(days: 1)).seconds
        var requests: [Int: Int] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(dayIndex("created_at")), COUNT(*) FROM booking_request WHERE created_at >= ? AND created_at < ? GROUP BY 1
            """), arguments: [lower, upper]) { requests[row[0]] = row[1] }
        var consultations: [Int: (all: Int, completed: Int, cancelled: Int, noShow: Int)] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(dayIndex("start")), COUNT(*), SUM(status = 'completed'), SUM(status = 'cancelled'), SUM(status = 'no_show')
            FROM consultation WHERE start >= ? AND start < ? GROUP BY 1
            """), arguments: [lower, upper]) { consultations[row[0]] = (row[1], row[2], row[3], row[4]) }
        let counselors = try CounselorStore.all(in: db)
        let absences = try CounselorStore.absences(from: from, to: to, in: db)
        let calendar = env.calendar
        var days: [JSONValue] = []
        var date = from
        while date <= to {
            let day = date.daysSinceEpoch
            var capacity = 0
            for start in calendar.slots(on: date) {
                let minute = OfficeCalendar.local(start).minute
                capacity += counselors.filter { counselor in
                    counselor.weekly.covers(weekday: date.weekday, slotStartMinute: minute)
                        && !(absences[counselor.counselorID]?.contains { $0.contains(day) } ?? false)
                }.count
            }
            let c = consultations[day] ?? (0, 0, 0, 0)
            let utilisation = capacity == 0 ? 0 : (Double(c.all - c.cancelled) / Double(capacity) * 10_000).rounded() / 10_000
            days.append([
                "date": .string(date.description), "requests": JSONValue(requests[day] ?? 0), "consultations": JSONValue(c.all),
                "completed": JSONValue(c.completed), "cancelled": JSONValue(c.cancelled), "no_show": JSONValue(c.noShow),
                "capacity": JSONValue(capacity), "utilisation": .double(utilisation),
            ])
            date = date.adding(days: 1)
        }
        return days
    }

    /// Raw access records, device identifiers included: only for a disclosure that
    /// names its legal basis (Art. 5(2)); the disclosure is itself recorded.
    static func disclose(from: CivilDate, to: CivilDate, seekerNo: String?, in db: Database) throws -> [JSONValue] {
        var sql = """
            SELECT at, op, socket, uid, pid, code, seeker_no, device_id, device_id_hash, device_os, device_app, legal_basis, requested_by
            FROM access_log WHERE at >= ? AND at < ?
            """
        var arguments: StatementArguments = [OfficeCalendar.startOfDay(from).seconds, OfficeCalendar.startOfDay(to.adding(days: 1)).seconds]
        if let seekerNo {
            sql += " AND seeker_no = ?"
            arguments += [seekerNo]
        }
        return try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: arguments).map { row in
            let hasDevice = (row["device_id_hash"] as String?) != nil
            return [
                "at": .time(Instant(seconds: row["at"])), "op": JSONValue(row["op"] as String?), "socket": .string(row["socket"]),
                "uid": .int(row["uid"]), "pid": .int(row["pid"]), "code": .string(row["code"]),
                "seeker_no": JSONValue(row["seeker_no"] as String?),
                "device": hasDevice
                    ? ["id": JSONValue(row["device_id"] as String?), "os": JSONValue(row["device_os"] as String?),
                       "app": JSONValue(row["device_app"] as String?)] : .null,
                "legal_basis": JSONValue(row["legal_basis"] as String?), "requested_by": JSONValue(row["requested_by"] as String?),
            ]
        }
    }

    private struct DryRunRolledBack: Error {}

    /// Art. 6: keep personal data no longer than needed.
    static func purge(before cutoff: Instant, now: Instant, in db: Database) throws -> JSONObject {
        let eraseCompanionNames = """
            (SELECT COALESCE(json_group_array(json_object('role', json_extract(value, '$.role'), 'name', NULL)), '[]')
             FROM json_each(companions))
            """
        // Consultations no longer live, started before the date, with their requests.
        let consultationIDs = try String.fetchAll(db.cachedStatement(sql: """
            SELECT consultation_id FROM consultation
            WHERE status NOT IN ('scheduled', 'in_progress') AND start < ? AND purged = 0
            """), arguments: [cutoff.seconds])
        try db.run(sql: """
            UPDATE consultation SET companions = \(eraseCompanionNames), contact_note = NULL, complete_note = NULL,
                cancel_reason = NULL, purged = 1
            WHERE status NOT IN ('scheduled', 'in_progress') AND start < ? AND purged = 0
            """, arguments: [cutoff.seconds])
        let eraseRequest = """
            UPDATE booking_request SET name = NULL, phone = NULL, note = NULL, companions = \(eraseCompanionNames),
                device_id = NULL, reason = NULL, purged = 1
            """
        try db.run(sql: eraseRequest + " WHERE purged = 0 AND request_id IN (SELECT request_id FROM consultation WHERE purged = 1)")
        var requests = db.changesCount
        // Requests withdrawn, rejected or expired, created before the date.
        try db.run(sql: eraseRequest + " WHERE purged = 0 AND status IN ('withdrawn', 'rejected', 'expired') AND created_at < ?",
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
        return [
            "requests": JSONValue(requests), "consultations": JSONValue(consultationIDs.count),
            "access_records": JSONValue(accessRecords),
        ]
    }
}
