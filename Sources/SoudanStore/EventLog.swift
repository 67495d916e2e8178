import GRDB
public import SoudanProtocol

/// The events every state change appends, in the same transaction (the
/// message-queue side of soudan): `seq` from 1 with no gaps, read by named
/// consumers at least once, in order.
public enum EventLog {
    public static func append(_ type: String, at now: Instant, data: JSONObject, in db: StoreTransaction) throws {
        try db.run(
            sql: "INSERT INTO event(type, at, data) VALUES (?, ?, ?)", arguments: [type, now.seconds, JSONWriter.string(.object(data))])
    }

    public static func lastSeq(in db: StoreTransaction) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(seq) FROM event")) ?? 0
    }

    public static func fetch(after seq: Int64, max: Int, in db: StoreTransaction) throws -> [JSONValue] {
        try db.fetchEach(
            sql: "SELECT seq, type, at, data FROM event WHERE seq > ? ORDER BY seq LIMIT ?",
            arguments: [seq, max]
        ) { row in
            let text: String = row[3]
            return .object([
                "seq": .int(row[0]), "type": .string(row[1]), "at": .string(WireTime.format(Instant(seconds: row[2]))),
                "data": (try? JSONParser.parse(Array(text.utf8))) ?? .object([:]),
            ])
        }
    }

    public static func position(of consumer: String, in db: StoreTransaction) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT acked_seq FROM event_consumer WHERE consumer = ?"), arguments: [consumer]) ?? 0
    }

    /// Erases personal data (free-text reasons and notes, names, phones, device
    /// ids; see `Idempotency.scrubbed`) from the data of events before `cutoff`.
    /// Events are appended in time order, so a mark in `meta` remembers how far
    /// it got and each event is rewritten at most once.
    public static func scrub(before cutoff: Instant, in db: StoreTransaction) throws {
        let mark = try Int64.fetchOne(db.database, sql: "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'events_scrubbed_seq'") ?? 0
        var last = mark
        for row in try Row.fetchAll(
            db.database, sql: "SELECT seq, data FROM event WHERE seq > ? AND at < ? ORDER BY seq",
            arguments: [mark, cutoff.seconds])
        {
            let seq: Int64 = row[0]
            let text: String = row[1]
            last = seq
            guard let data = try? JSONParser.parse(Array(text.utf8)) else { continue }
            let scrubbed = Idempotency.scrubbed(data)
            if scrubbed != data {
                try db.run(sql: "UPDATE event SET data = ? WHERE seq = ?", arguments: [JSONWriter.string(scrubbed), seq])
            }
        }
        if last != mark {
            try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('events_scrubbed_seq', ?)", arguments: [String(last)])
        }
    }

    /// Whether the consumer has a stored position.
    public static func isKnown(_ consumer: String, in db: StoreTransaction) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM event_consumer WHERE consumer = ?"), arguments: [consumer]) ?? false
    }

    public static func consumerCount(in db: StoreTransaction) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM event_consumer")) ?? 0
    }

    /// Deletes a consumer's position; whether there was one.
    public static func forget(_ consumer: String, in db: StoreTransaction) throws -> Bool {
        try db.run(sql: "DELETE FROM event_consumer WHERE consumer = ?", arguments: [consumer])
        return db.changesCount > 0
    }

    /// Every consumer's position, by name.
    public static func positions(in db: StoreTransaction) throws -> [(consumer: String, seq: Int64)] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT consumer, acked_seq FROM event_consumer ORDER BY consumer")).map { ($0[0], $0[1]) }
    }

    /// Moves a consumer's position forward (never back).
    public static func acknowledge(_ consumer: String, upTo seq: Int64, in db: StoreTransaction) throws -> Int64 {
        try db.run(
            sql: """
                INSERT INTO event_consumer(consumer, acked_seq) VALUES (?, ?)
                ON CONFLICT(consumer) DO UPDATE SET acked_seq = MAX(acked_seq, excluded.acked_seq)
                """, arguments: [consumer, seq])
        return try position(of: consumer, in: db)
    }
}
