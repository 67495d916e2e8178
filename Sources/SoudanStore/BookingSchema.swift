/// The booking tables. Times are epoch seconds; a consultation lasts one slot
/// (30 minutes), so its end is derived, never stored.
enum BookingSchema {
    static let sql = """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

        CREATE TABLE counselor (
            counselor_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            join_url TEXT NOT NULL,
            meeting_id TEXT NOT NULL,
            passcode TEXT NOT NULL,
            weekly TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE counselor_absence (
            id INTEGER PRIMARY KEY,
            counselor_id TEXT NOT NULL REFERENCES counselor(counselor_id),
            from_day INTEGER NOT NULL,
            to_day INTEGER NOT NULL
        );
        CREATE INDEX counselor_absence_by_counselor ON counselor_absence(counselor_id, from_day);

        CREATE TABLE seeker (
            seeker_no TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            phone TEXT NOT NULL,
            my_page INTEGER NOT NULL,
            webcam_device INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'active',
            no_show_count INTEGER NOT NULL DEFAULT 0,
            consented_version TEXT,
            consent_kind TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        ) WITHOUT ROWID;

        -- Consent to our terms and to Zoom's are recorded together, per version (Art. 3, 11).
        CREATE TABLE consent (
            id INTEGER PRIMARY KEY,
            seeker_no TEXT NOT NULL REFERENCES seeker(seeker_no),
            terms_version TEXT NOT NULL,
            kind TEXT NOT NULL,
            zoom_terms INTEGER NOT NULL,
            no_recording INTEGER NOT NULL,
            private_room INTEGER NOT NULL,
            device_ready INTEGER NOT NULL,
            at INTEGER NOT NULL
        );
        CREATE INDEX consent_by_seeker ON consent(seeker_no);

        CREATE TABLE booking_request (
            n INTEGER PRIMARY KEY,
            request_id TEXT NOT NULL UNIQUE,
            seeker_no TEXT NOT NULL,
            name TEXT,
            phone TEXT,
            preferences TEXT NOT NULL,
            channel TEXT NOT NULL,
            companions TEXT NOT NULL,
            note TEXT,
            during_consultation TEXT,
            device_id TEXT,
            device_os TEXT,
            device_app TEXT,
            status TEXT NOT NULL,
            reason TEXT,
            purged INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE INDEX booking_request_by_seeker ON booking_request(seeker_no, status);
        CREATE INDEX booking_request_by_status ON booking_request(status, n);
        CREATE INDEX booking_request_by_created ON booking_request(created_at);

        CREATE TABLE consultation (
            n INTEGER PRIMARY KEY,
            consultation_id TEXT NOT NULL UNIQUE,
            request_id TEXT NOT NULL,
            seeker_no TEXT NOT NULL,
            counselor_id TEXT NOT NULL,
            start INTEGER NOT NULL,
            status TEXT NOT NULL,
            companions TEXT NOT NULL,
            override_reason TEXT,
            override_uid INTEGER,
            override_pid INTEGER,
            contacted INTEGER NOT NULL DEFAULT 0,
            contact_note TEXT,
            cancel_channel TEXT,
            cancel_reason TEXT,
            complete_note TEXT,
            started_at INTEGER,
            completed_at INTEGER,
            purged INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        -- Trust SQLite more than the code above it: a counselor cannot hold two live
        -- consultations in one slot, nor a seeker be in two at once, whatever races.
        CREATE UNIQUE INDEX consultation_counselor_slot ON consultation(counselor_id, start)
            WHERE status IN ('scheduled', 'in_progress');
        CREATE UNIQUE INDEX consultation_seeker_slot ON consultation(seeker_no, start)
            WHERE status IN ('scheduled', 'in_progress');
        CREATE INDEX consultation_by_start ON consultation(start);
        CREATE INDEX consultation_by_status ON consultation(status, start);
        CREATE INDEX consultation_by_seeker ON consultation(seeker_no, status);
        CREATE INDEX consultation_by_request ON consultation(request_id);
        """
}
