import GRDB

/// The schema, as a sequence of migrations that never change once released.
enum Migrations {
    /// `createdAt`: the office clock's reading when the database is made; the
    /// first terms version is in force from then.
    static func migrator(createdAt: Int64) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation") { db in
            // One row per request (DOMAIN.md Art. 5), chained by hash. The device id
            // enters the hash as its own hash, so a purge can erase the raw value and
            // the chain still verifies.
            try db.execute(
                sql: """
                    CREATE TABLE access_log (
                        id INTEGER PRIMARY KEY,
                        at INTEGER NOT NULL,
                        socket TEXT NOT NULL,
                        uid INTEGER NOT NULL,
                        pid INTEGER NOT NULL,
                        op TEXT,
                        code TEXT NOT NULL,
                        latency_us INTEGER NOT NULL,
                        seeker_no TEXT,
                        device_id TEXT,
                        device_id_hash TEXT,
                        device_os TEXT,
                        device_app TEXT,
                        legal_basis TEXT,
                        requested_by TEXT,
                        prev_hash BLOB NOT NULL,
                        hash BLOB NOT NULL
                    );
                    CREATE INDEX access_log_at ON access_log(at);

                    CREATE TABLE idempotency_key (
                        key TEXT PRIMARY KEY,
                        op TEXT NOT NULL,
                        args_hash BLOB NOT NULL,
                        reply TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX idempotency_key_created_at ON idempotency_key(created_at);

                    CREATE TABLE terms (
                        version TEXT PRIMARY KEY,
                        effective_at INTEGER NOT NULL,
                        summary TEXT NOT NULL,
                        published_at INTEGER NOT NULL
                    );
                    """)
            try db.execute(
                sql: "INSERT INTO terms(version, effective_at, summary, published_at) VALUES ('1', ?, ?, ?)",
                arguments: [createdAt, "オンライン職業相談利用規約 (initial version)", createdAt])
            try db.execute(
                sql: """

                    -- Every state change appends one event in the same transaction.
                    -- No AUTOINCREMENT: a rolled-back savepoint gives its seq back, so
                    -- seq has no gaps.
                    CREATE TABLE event (
                        seq INTEGER PRIMARY KEY,
                        type TEXT NOT NULL,
                        at INTEGER NOT NULL,
                        data TEXT NOT NULL
                    );

                    CREATE TABLE event_consumer (
                        consumer TEXT PRIMARY KEY,
                        acked_seq INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v2-booking") { db in
            try db.execute(sql: BookingSchema.sql)
        }
        migrator.registerMigration("v3-counselor-day-load") { db in
            try db.execute(sql: CounselorDayLoad.sql)
        }
        // An office's year: a request expires at the start of its latest
        // preference (indexed, since the time rules look once a second), and a
        // consultation left in progress overnight is completed automatically.
        migrator.registerMigration("v4-office-year") { db in
            try db.execute(
                sql: """
                    ALTER TABLE booking_request ADD COLUMN expires_at INTEGER;
                    UPDATE booking_request SET expires_at = (SELECT MAX(value) FROM json_each(preferences));
                    CREATE INDEX booking_request_expiry ON booking_request(status, expires_at);
                    ALTER TABLE consultation ADD COLUMN auto_completed INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE consultation ADD COLUMN stop_reason TEXT;
                    ALTER TABLE consultation ADD COLUMN stop_note TEXT;

                    -- Why a seeker's standing changed, oldest first: reasons and notes
                    -- given by staff, and who gave them (null: the system).
                    CREATE TABLE seeker_history (
                        id INTEGER PRIMARY KEY,
                        seeker_no TEXT NOT NULL,
                        at INTEGER NOT NULL,
                        action TEXT NOT NULL,
                        reason TEXT,
                        note TEXT,
                        by_uid INTEGER,
                        by_pid INTEGER
                    );
                    CREATE INDEX seeker_history_by_seeker ON seeker_history(seeker_no, id);
                    """)
        }
        return migrator
    }
}
