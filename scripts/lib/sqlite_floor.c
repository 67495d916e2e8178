/*
 * The SQLite floor of a booking: exactly the statements a `book` flow's four
 * writes (seeker.register, seeker.consent, booking.request, booking.schedule)
 * make the daemon's writer run, with their events and access records, on a
 * database soudand created (its schema, WAL) with its pragmas (synchronous=FULL,
 * secure_delete, temp_store=MEMORY), in transactions of BATCH jobs each, one
 * commit (one fsync) per transaction, back to back on one thread.
 *
 * The statements were taken from the daemon itself (a debug soudand with
 * SOUDAN_TRACE_SQL=FILE, one flow, in order); keep them in step with
 * Sources/SoudanStore. What the floor leaves out is the daemon's own work: JSON,
 * the HMAC of each access record, the rules, the sockets. So `book` divided by
 * this figure says how much of SQLite's speed the daemon keeps.
 *
 *   cc -O2 -o sqlite_floor scripts/lib/sqlite_floor.c -lsqlite3
 *   sqlite_floor DATABASE SECONDS BATCH     -> one line of JSON
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static sqlite3 *db;

static void die(const char *what) {
    fprintf(stderr, "sqlite_floor: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
}

enum {
    BEGIN, SAVEPOINT, RELEASE, COMMIT, MAX_SEQ, LOG_HEAD, LOG_INSERT, EVENT_INSERT,
    SEEKER_INSERT, SEEKER_GET, TERMS, CONSENT_INSERT, SEEKER_CONSENTED,
    OPEN_REQUESTS, SCHEDULED_COUNT, MAX_REQUEST, REQUEST_INSERT,
    REQUEST_GET, SEEKER_BUSY, DAY_LOAD, SLOT_HOLDERS, ABSENCES, COUNSELORS, MAX_CONSULTATION,
    CONSULTATION_INSERT, REQUEST_SCHEDULED, STATEMENTS
};

static const char *sql[STATEMENTS] = {
    [BEGIN] = "BEGIN IMMEDIATE",
    [SAVEPOINT] = "SAVEPOINT soudan",
    [RELEASE] = "RELEASE SAVEPOINT soudan",
    [COMMIT] = "COMMIT",
    [MAX_SEQ] = "SELECT MAX(seq) FROM event",
    [LOG_HEAD] = "SELECT hash FROM access_log ORDER BY id DESC LIMIT 1",
    [LOG_INSERT] = "INSERT INTO access_log(at, socket, uid, pid, op, code, latency_us, seeker_no, device_id, device_id_hash, "
                   "device_os, device_app, legal_basis, requested_by, prev_hash, hash) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [EVENT_INSERT] = "INSERT INTO event(type, at, data) VALUES (?, ?, ?)",
    [SEEKER_INSERT] = "INSERT INTO seeker(seeker_no, name, phone, my_page, webcam_device, created_at, updated_at) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?)",
    [SEEKER_GET] = "SELECT seeker_no, name, phone, my_page, webcam_device, status, no_show_count, consented_version, consent_kind "
                   "FROM seeker WHERE seeker_no = ?",
    [TERMS] = "SELECT version, effective_at, published_at, rowid FROM terms",
    [CONSENT_INSERT] = "INSERT INTO consent(seeker_no, terms_version, kind, zoom_terms, no_recording, private_room, device_ready, at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    [SEEKER_CONSENTED] = "UPDATE seeker SET consented_version = ?, consent_kind = ?, updated_at = ? WHERE seeker_no = ?",
    [OPEN_REQUESTS] = "SELECT COUNT(*) FROM booking_request WHERE seeker_no = ? AND status = 'requested'",
    [SCHEDULED_COUNT] = "SELECT COUNT(*) FROM consultation WHERE seeker_no = ? AND status = 'scheduled'",
    [MAX_REQUEST] = "SELECT MAX(n) FROM booking_request",
    [REQUEST_INSERT] = "INSERT INTO booking_request(n, request_id, seeker_no, name, phone, preferences, channel, companions, note, "
                       "during_consultation, device_id, device_os, device_app, status, created_at, updated_at, expires_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'requested', ?, ?, ?)",
    [REQUEST_GET] = "SELECT request_id, seeker_no, name, phone, preferences, channel, companions, note, during_consultation, "
                    "device_id, device_os, device_app, status, reason, created_at FROM booking_request WHERE request_id = ?",
    [SEEKER_BUSY] = "SELECT EXISTS (SELECT 1 FROM consultation WHERE seeker_no = ? AND start = ? "
                    "AND status IN ('scheduled', 'in_progress') AND consultation_id IS NOT ?)",
    [DAY_LOAD] = "SELECT counselor_id, live FROM counselor_day_load WHERE day = ? AND live > 0",
    [SLOT_HOLDERS] = "SELECT counselor_id FROM consultation INDEXED BY consultation_live_by_start WHERE start = ? "
                     "AND status IN ('scheduled', 'in_progress') AND consultation_id IS NOT ?",
    [ABSENCES] = "SELECT counselor_id, from_day, to_day FROM counselor_absence WHERE from_day <= ? AND to_day >= ?",
    [COUNSELORS] = "SELECT counselor_id, name, join_url, meeting_id, passcode, weekly FROM counselor ORDER BY counselor_id",
    [MAX_CONSULTATION] = "SELECT MAX(n) FROM consultation",
    [CONSULTATION_INSERT] = "INSERT INTO consultation(n, consultation_id, request_id, seeker_no, counselor_id, start, status, companions, "
                            "override_reason, override_uid, override_pid, created_at, updated_at) "
                            "VALUES (?, ?, ?, ?, ?, ?, 'scheduled', ?, ?, ?, ?, ?, ?)",
    [REQUEST_SCHEDULED] = "UPDATE booking_request SET status = ?, reason = ?, updated_at = ? WHERE request_id = ?",
};

static sqlite3_stmt *stmt[STATEMENTS];

/* Steps a statement to its end (reading any rows, as the daemon decodes them) and resets it. */
static void run(int which) {
    sqlite3_stmt *s = stmt[which];
    int code;
    while ((code = sqlite3_step(s)) == SQLITE_ROW) {
        int columns = sqlite3_column_count(s);
        for (int i = 0; i < columns; i++) (void)sqlite3_column_text(s, i);
    }
    if (code != SQLITE_DONE) die(sql[which]);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

static void text(int which, int index, const char *value) {
    if (sqlite3_bind_text(stmt[which], index, value, -1, SQLITE_TRANSIENT) != SQLITE_OK) die("bind");
}

static void integer(int which, int index, sqlite3_int64 value) {
    if (sqlite3_bind_int64(stmt[which], index, value) != SQLITE_OK) die("bind");
}

static void blob(int which, int index, const unsigned char *value, int size) {
    if (sqlite3_bind_blob(stmt[which], index, value, size, SQLITE_TRANSIENT) != SQLITE_OK) die("bind");
}

static const sqlite3_int64 now = 1796000400; /* 2026-11-30T09:00+09:00 */
static const sqlite3_int64 slot0 = 1796086800; /* 2026-12-01T10:00+09:00 */
static unsigned char hash[32];

/* The access record every job leaves, written before COMMIT. */
static void access_record(const char *op, const char *seeker) {
    run(LOG_HEAD);
    integer(LOG_INSERT, 1, now);
    text(LOG_INSERT, 2, "service");
    integer(LOG_INSERT, 3, 1000);
    integer(LOG_INSERT, 4, 4242);
    text(LOG_INSERT, 5, op);
    text(LOG_INSERT, 6, "ok");
    integer(LOG_INSERT, 7, 850);
    text(LOG_INSERT, 8, seeker);
    blob(LOG_INSERT, 15, hash, 32);
    hash[0]++;
    blob(LOG_INSERT, 16, hash, 32);
    run(LOG_INSERT);
}

static void event(const char *type, const char *data) {
    text(EVENT_INSERT, 1, type);
    integer(EVENT_INSERT, 2, now);
    text(EVENT_INSERT, 3, data);
    run(EVENT_INSERT);
}

/* Job `step` (0 register, 1 consent, 2 request, 3 schedule) of flow `flow`. */
static void job(long flow, int step, sqlite3_int64 *request_n, sqlite3_int64 *consultation_n) {
    char seeker[32], request_id[32], consultation_id[32], data[256];
    snprintf(seeker, sizeof seeker, "99999-%08ld", flow);
    run(SAVEPOINT);
    switch (step) {
    case 0:
        text(SEEKER_INSERT, 1, seeker);
        text(SEEKER_INSERT, 2, "負荷テスト");
        text(SEEKER_INSERT, 3, "03-0000-0000");
        integer(SEEKER_INSERT, 4, 1);
        integer(SEEKER_INSERT, 5, 1);
        integer(SEEKER_INSERT, 6, now);
        integer(SEEKER_INSERT, 7, now);
        run(SEEKER_INSERT);
        snprintf(data, sizeof data, "{\"seeker_no\":\"%s\",\"status\":\"active\"}", seeker);
        event("seeker.registered", data);
        break;
    case 1:
        text(SEEKER_GET, 1, seeker);
        run(SEEKER_GET);
        run(TERMS);
        text(CONSENT_INSERT, 1, seeker);
        text(CONSENT_INSERT, 2, "1");
        text(CONSENT_INSERT, 3, "explicit");
        for (int i = 4; i <= 7; i++) integer(CONSENT_INSERT, i, 1);
        integer(CONSENT_INSERT, 8, now);
        run(CONSENT_INSERT);
        text(SEEKER_CONSENTED, 1, "1");
        text(SEEKER_CONSENTED, 2, "explicit");
        integer(SEEKER_CONSENTED, 3, now);
        text(SEEKER_CONSENTED, 4, seeker);
        run(SEEKER_CONSENTED);
        snprintf(data, sizeof data, "{\"seeker_no\":\"%s\",\"kind\":\"explicit\",\"terms_version\":\"1\"}", seeker);
        event("seeker.consented", data);
        break;
    case 2:
        run(TERMS);
        text(SEEKER_GET, 1, seeker);
        run(SEEKER_GET);
        text(OPEN_REQUESTS, 1, seeker);
        run(OPEN_REQUESTS);
        text(SCHEDULED_COUNT, 1, seeker);
        run(SCHEDULED_COUNT);
        run(MAX_REQUEST);
        *request_n += 1;
        snprintf(request_id, sizeof request_id, "req-%06lld", (long long)*request_n);
        integer(REQUEST_INSERT, 1, *request_n);
        text(REQUEST_INSERT, 2, request_id);
        text(REQUEST_INSERT, 3, seeker);
        text(REQUEST_INSERT, 4, "負荷テスト");
        text(REQUEST_INSERT, 5, "03-0000-0000");
        snprintf(data, sizeof data, "[%lld]", (long long)(slot0 + flow * 1800));
        text(REQUEST_INSERT, 6, data);
        text(REQUEST_INSERT, 7, "web");
        text(REQUEST_INSERT, 8, "[]");
        integer(REQUEST_INSERT, 14, now);
        integer(REQUEST_INSERT, 15, now);
        integer(REQUEST_INSERT, 16, slot0 + flow * 1800);
        run(REQUEST_INSERT);
        snprintf(data, sizeof data, "{\"request_id\":\"%s\",\"seeker_no\":\"%s\",\"status\":\"requested\"}", request_id, seeker);
        event("request.created", data);
        break;
    case 3: {
        sqlite3_int64 start = slot0 + flow * 1800; /* a slot of its own: no conflict */
        snprintf(request_id, sizeof request_id, "req-%06lld", (long long)*request_n);
        text(REQUEST_GET, 1, request_id);
        run(REQUEST_GET);
        text(SEEKER_BUSY, 1, seeker);
        integer(SEEKER_BUSY, 2, start);
        run(SEEKER_BUSY);
        integer(DAY_LOAD, 1, (start + 32400) / 86400);
        run(DAY_LOAD);
        integer(SLOT_HOLDERS, 1, start);
        run(SLOT_HOLDERS);
        integer(ABSENCES, 1, (start + 32400) / 86400);
        integer(ABSENCES, 2, (start + 32400) / 86400);
        run(ABSENCES);
        run(COUNSELORS);
        run(MAX_CONSULTATION);
        *consultation_n += 1;
        snprintf(consultation_id, sizeof consultation_id, "con-%06lld", (long long)*consultation_n);
        integer(CONSULTATION_INSERT, 1, *consultation_n);
        text(CONSULTATION_INSERT, 2, consultation_id);
        text(CONSULTATION_INSERT, 3, request_id);
        text(CONSULTATION_INSERT, 4, seeker);
        text(CONSULTATION_INSERT, 5, "c01");
        integer(CONSULTATION_INSERT, 6, start);
        text(CONSULTATION_INSERT, 7, "[]");
        integer(CONSULTATION_INSERT, 11, now);
        integer(CONSULTATION_INSERT, 12, now);
        run(CONSULTATION_INSERT);
        text(REQUEST_SCHEDULED, 1, "scheduled");
        integer(REQUEST_SCHEDULED, 3, now);
        text(REQUEST_SCHEDULED, 4, request_id);
        run(REQUEST_SCHEDULED);
        snprintf(data, sizeof data,
                 "{\"consultation_id\":\"%s\",\"request_id\":\"%s\",\"seeker_no\":\"%s\",\"status\":\"scheduled\",\"start\":\"x\","
                 "\"counselor_id\":\"c01\",\"meeting\":{\"join_url\":\"https://zoom.us/j/81000000001\"}}",
                 consultation_id, request_id, seeker);
        event("consultation.scheduled", data);
        break;
    }
    }
    run(RELEASE);
}

static double seconds(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: sqlite_floor DATABASE SECONDS BATCH\n");
        return 2;
    }
    double duration = atof(argv[2]);
    int batch = atoi(argv[3]);
    if (sqlite3_open(argv[1], &db) != SQLITE_OK) die("open");
    sqlite3_busy_timeout(db, 5000);
    const char *pragmas = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY;";
    if (sqlite3_exec(db, pragmas, NULL, NULL, NULL) != SQLITE_OK) die("pragmas");
    for (int i = 0; i < STATEMENTS; i++) {
        if (sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &stmt[i], NULL) != SQLITE_OK) die(sql[i]);
    }
    static const char *ops[] = {"seeker.register", "seeker.consent", "booking.request", "booking.schedule"};
    sqlite3_int64 request_n = 0, consultation_n = 0;
    sqlite3_stmt *max_request;
    if (sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(n), 0) FROM booking_request", -1, &max_request, NULL) != SQLITE_OK) die("max");
    if (sqlite3_step(max_request) == SQLITE_ROW) request_n = sqlite3_column_int64(max_request, 0);
    sqlite3_finalize(max_request);
    sqlite3_stmt *max_consultation;
    if (sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(n), 0) FROM consultation", -1, &max_consultation, NULL) != SQLITE_OK) die("max");
    if (sqlite3_step(max_consultation) == SQLITE_ROW) consultation_n = sqlite3_column_int64(max_consultation, 0);
    sqlite3_finalize(max_consultation);

    /* New seekers after every earlier run's, including one a run left half done. */
    sqlite3_stmt *seekers;
    sqlite3_int64 seeker_count = 0;
    if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM seeker", -1, &seekers, NULL) != SQLITE_OK) die("count");
    if (sqlite3_step(seekers) == SQLITE_ROW) seeker_count = sqlite3_column_int64(seekers, 0);
    sqlite3_finalize(seekers);
    long jobs = 0, commits = 0, flow = 1000000 + (long)seeker_count + 1;
    double started = seconds(CLOCK_MONOTONIC), cpu_started = seconds(CLOCK_PROCESS_CPUTIME_ID);
    while (seconds(CLOCK_MONOTONIC) - started < duration) {
        run(BEGIN);
        /* Each job is the next step of a flow; the four steps' statements come
           in equal numbers, as under load. */
        for (int j = 0; j < batch; j++) {
            long index = jobs + j;
            job(flow + index / 4, (int)(index % 4), &request_n, &consultation_n);
        }
        for (int j = 0; j < batch; j++) {
            long index = jobs + j;
            char seeker[32];
            snprintf(seeker, sizeof seeker, "99999-%08ld", flow + index / 4);
            access_record(ops[index % 4], seeker);
        }
        run(MAX_SEQ);
        run(COMMIT);
        jobs += batch;
        commits++;
    }
    double elapsed = seconds(CLOCK_MONOTONIC) - started, cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_started;
    printf("{\"writes\": %ld, \"commits\": %ld, \"seconds\": %.3f, \"writes_per_s\": %.0f, \"cpu_us_per_write\": %.1f}\n", jobs,
           commits, elapsed, jobs / elapsed, cpu * 1e6 / jobs);
    for (int i = 0; i < STATEMENTS; i++) sqlite3_finalize(stmt[i]);
    sqlite3_close(db);
    return 0;
}
