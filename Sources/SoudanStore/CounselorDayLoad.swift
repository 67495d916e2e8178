/// Each counselor's live consultations per office day, kept by triggers.
///
/// Why: picking the least-loaded free counselor for a slot needs every
/// counselor's count for that day. Counting it from `consultation` walked every
/// live consultation of the day through a temporary B-tree: ~200 us per
/// `booking.schedule`, the costliest statement a booking ran. Triggers keep the
/// count in the same statement as the change, so a rolled-back savepoint or
/// batch takes the count back with it, and no code path can forget it.
///
/// `day` is the office-local date as days since 1970-01-01: office time is
/// UTC+09:00 all year, so it is `(start + 32400) / 86400` for any start after 1970.
enum CounselorDayLoad {
    static let live = "('scheduled', 'in_progress')"

    static let sql = """
        CREATE TABLE counselor_day_load (
            counselor_id TEXT NOT NULL,
            day INTEGER NOT NULL,
            live INTEGER NOT NULL,
            PRIMARY KEY (counselor_id, day)
        ) WITHOUT ROWID;

        INSERT INTO counselor_day_load(counselor_id, day, live)
            SELECT counselor_id, (start + 32400) / 86400, COUNT(*) FROM consultation
            WHERE status IN \(live) GROUP BY 1, 2;

        CREATE TRIGGER consultation_load_on_insert AFTER INSERT ON consultation
        WHEN NEW.status IN \(live)
        BEGIN
            INSERT INTO counselor_day_load(counselor_id, day, live) VALUES (NEW.counselor_id, (NEW.start + 32400) / 86400, 1)
                ON CONFLICT(counselor_id, day) DO UPDATE SET live = live + 1;
        END;

        CREATE TRIGGER consultation_load_on_delete AFTER DELETE ON consultation
        WHEN OLD.status IN \(live)
        BEGIN
            UPDATE counselor_day_load SET live = live - 1
                WHERE counselor_id = OLD.counselor_id AND day = (OLD.start + 32400) / 86400;
        END;

        CREATE TRIGGER consultation_load_on_update AFTER UPDATE OF status, start, counselor_id ON consultation
        WHEN OLD.status IN \(live) OR NEW.status IN \(live)
        BEGIN
            UPDATE counselor_day_load SET live = live - 1
                WHERE OLD.status IN \(live) AND counselor_id = OLD.counselor_id AND day = (OLD.start + 32400) / 86400;
            INSERT INTO counselor_day_load(counselor_id, day, live)
                SELECT NEW.counselor_id, (NEW.start + 32400) / 86400, 1 WHERE NEW.status IN \(live)
                ON CONFLICT(counselor_id, day) DO UPDATE SET live = live + 1;
        END;

        -- Who holds a slot, from live consultations only, without visiting the table.
        CREATE INDEX consultation_live_by_start ON consultation(start, counselor_id, consultation_id)
            WHERE status IN \(live);
        """
}
