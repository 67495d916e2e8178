import Crypto
public import Foundation
public import GRDB
public import SoudanProtocol

/// Remembered replies for requests sent with an `idempotency_key`, so that a client
/// that lost a reply can repeat the request without acting twice.
///
/// A key is bound to its op and a hash of its canonical args (keys sorted): the
/// same key with anything else is `idempotency_mismatch`. Keys live in SQLite, so
/// they survive restarts; they are kept `retention` seconds (at least 24 hours).
public enum Idempotency {
    public static let retentionSeconds: Int64 = 48 * 3600

    public enum Lookup: Sendable, Equatable {
        case new
        /// The first reply, without its id: `{"ok", "result"}` or `{"ok", "error"}`.
        case replay(JSONObject)
        case mismatch
    }

    public static func argsHash(op: String, args: JSONObject) -> Data {
        var bytes = Array(op.utf8)
        bytes.append(0)
        JSONWriter.write(.object(args), sortedKeys: true, into: &bytes)
        return Data(SHA256.hash(data: bytes))
    }

    public static func lookup(key: String, op: String, args: JSONObject, in db: Database) throws -> Lookup {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT op, args_hash, reply FROM idempotency_key WHERE key = ?"), arguments: [key])
        else { return .new }
        let storedOp: String = row[0]
        let storedHash: Data = row[1]
        guard storedOp == op, storedHash == argsHash(op: op, args: args) else { return .mismatch }
        let text: String = row[2]
        guard case .object(let reply)? = try? JSONParser.parse(Array(text.utf8)) else { return .mismatch }
        return .replay(reply)
    }

    public static func remember(key: String, op: String, args: JSONObject, reply: JSONObject, at: Instant, in db: Database) throws {
        try db.run(sql: """
            INSERT OR REPLACE INTO idempotency_key(key, op, args_hash, reply, created_at) VALUES (?, ?, ?, ?, ?)
            """, arguments: [key, op, argsHash(op: op, args: args), JSONWriter.string(.object(reply)), at.seconds])
    }

    public static func expire(before cutoff: Instant, in db: Database) throws {
        try db.run(sql: "DELETE FROM idempotency_key WHERE created_at < ?", arguments: [cutoff.seconds])
    }
}
