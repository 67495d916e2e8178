import GRDB
public import SoudanDomain
public import SoudanProtocol
import SoudanSync

public enum CounselorStore {
    public static func all(in db: StoreTransaction) throws -> [CounselorSettings] {
        try db.fetchEach(sql: "SELECT \(columns) FROM counselor ORDER BY counselor_id", settings)
    }

    public static func fetch(_ counselorID: String, in db: StoreTransaction) throws -> CounselorSettings? {
        try db.fetchFirst(sql: "SELECT \(columns) FROM counselor WHERE counselor_id = ?", arguments: [counselorID], settings)
    }

    /// Adds or updates a counselor (name, meeting, weekly hours).
    public static func upsert(_ counselor: CounselorSettings, in db: StoreTransaction) throws {
        try db.run(
            sql: """
                INSERT INTO counselor(counselor_id, name, join_url, meeting_id, passcode, weekly) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(counselor_id) DO UPDATE SET name = excluded.name, join_url = excluded.join_url,
                    meeting_id = excluded.meeting_id, passcode = excluded.passcode, weekly = excluded.weekly
                """,
            arguments: [
                counselor.counselorID, counselor.name, counselor.meeting.joinURL, counselor.meeting.meetingID,
                counselor.meeting.passcode, JSONWriter.string(counselor.weekly.json),
            ])
    }

    public static func setHours(_ counselorID: String, _ weekly: WeeklyHours, in db: StoreTransaction) throws {
        try db.run(
            sql: "UPDATE counselor SET weekly = ? WHERE counselor_id = ?",
            arguments: [JSONWriter.string(weekly.json), counselorID])
    }

    public static func addAbsence(_ counselorID: String, from: CivilDate, to: CivilDate, in db: StoreTransaction) throws {
        try db.run(
            sql: "INSERT INTO counselor_absence(counselor_id, from_day, to_day) VALUES (?, ?, ?)",
            arguments: [counselorID, from.daysSinceEpoch, to.daysSinceEpoch])
    }

    /// Absences overlapping a range of days, per counselor.
    public static func absences(from: CivilDate, to: CivilDate, in db: StoreTransaction) throws -> [String: [ClosedRange<Int>]] {
        var result: [String: [ClosedRange<Int>]] = [:]
        let rows = try db.fetchEach(
            sql: """
                SELECT counselor_id, from_day, to_day FROM counselor_absence WHERE from_day <= ? AND to_day >= ?
                """, arguments: [to.daysSinceEpoch, from.daysSinceEpoch]
        ) { row -> (String, ClosedRange<Int>) in
            let low: Int = row[1]
            let high: Int = row[2]
            return (row[0], low...high)
        }
        for (counselorID, days) in rows { result[counselorID, default: []].append(days) }
        return result
    }

    /// At the first start, the config's counselors (or the demo office's) are
    /// added; at every later start the config's are upserted and those added over
    /// the admin socket stay.
    public static func seed(configured: [CounselorSettings]?, demo: [CounselorSettings], in db: StoreTransaction) throws {
        let seeded = try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE key = 'counselors_seeded'")) != nil
        let counselors = seeded ? (configured ?? []) : (configured ?? demo)
        for counselor in counselors { try upsert(counselor, in: db) }
        if !seeded { try db.run(sql: "INSERT INTO meta(key, value) VALUES ('counselors_seeded', '1')") }
    }

    /// Weekly hours by their stored text: slot searches read every counselor for
    /// each request, and their hours change only when staff change them, so each
    /// text is parsed once. Bounded, in case hours churn.
    private static let parsedHours = LockedValue<[String: WeeklyHours]>([:])

    private static func weeklyHours(_ text: String) -> WeeklyHours {
        if let known = parsedHours.withLock({ $0[text] }) { return known }
        let weekly =
            (try? JSONParser.parse(Array(text.utf8))).flatMap(\.objectValue).flatMap { try? WeeklyHours.parse($0) }
            ?? WeeklyHours()
        parsedHours.withLock { cache in
            if cache.count >= 1024 { cache.removeAll() }
            cache[text] = weekly
        }
        return weekly
    }

    /// The columns `settings` reads, in its order (by position: see `RequestRecord.columns`).
    private static let columns = "counselor_id, name, join_url, meeting_id, passcode, weekly"

    private static func settings(_ row: ColumnReader) -> CounselorSettings {
        let weekly = weeklyHours(row[5])
        return CounselorSettings(
            counselorID: row[0], name: row[1], meeting: .init(joinURL: row[2], meetingID: row[3], passcode: row[4]), weekly: weekly)
    }
}
