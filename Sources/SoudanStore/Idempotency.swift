import Crypto
public import Foundation
import GRDB
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

    public static func lookup(key: String, op: String, args: JSONObject, in db: StoreTransaction) throws -> Lookup {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT op, args_hash, reply FROM idempotency_key WHERE key = ?"), arguments: [key])
        else { return .new }
        let storedOp: String = row[0]
        let storedHash: Data = row[1]
        guard storedOp == op, storedHash == argsHash(op: op, args: args) else { return .mismatch }
        let text: String = row[2]
        guard case .object(let reply)? = try? JSONParser.parse(Array(text.utf8)) else { return .mismatch }
        return .replay(reply)
    }

    public static func remember(key: String, op: String, args: JSONObject, reply: JSONObject, at: Instant, in db: StoreTransaction) throws {
        try db.run(
            sql: """
                INSERT OR REPLACE INTO idempotency_key(key, op, args_hash, reply, created_at) VALUES (?, ?, ?, ?, ?)
                """, arguments: [key, op, argsHash(op: op, args: args), JSONWriter.string(.object(reply)), at.seconds])
    }

    /// For `privacy.purge`: keys created before `cutoff` are deleted, except those
    /// created since `keepSince`, whose replies keep their shape but lose the
    /// personal data in them (`scrubbed`).
    public static func purge(before cutoff: Instant, keepingSince keepSince: Instant, in db: StoreTransaction) throws {
        try db.run(
            sql: "DELETE FROM idempotency_key WHERE created_at < ? AND created_at < ?",
            arguments: [cutoff.seconds, keepSince.seconds])
        let kept = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT key, reply FROM idempotency_key WHERE created_at < ?"),
            arguments: [cutoff.seconds])
        for row in kept {
            let text: String = row[1]
            guard let reply = try? JSONParser.parse(Array(text.utf8)) else { continue }
            try db.run(
                sql: "UPDATE idempotency_key SET reply = ? WHERE key = ?",
                arguments: [JSONWriter.string(scrubbed(reply)), row[0] as String])
        }
    }

    /// Keys whose values are personal data in any reply: names (the seeker's,
    /// companions'), phone numbers, notes and reasons given in free text, and a
    /// device's id.
    static let personalKeys: Set<String> = ["name", "phone", "note", "contact_note", "complete_note", "reason"]

    /// `value` with every personal field set to null, wherever it is nested.
    public static func scrubbed(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var out = JSONObject()
            for (key, member) in object.members {
                if personalKeys.contains(key), member != .null, member.objectValue == nil, member.arrayValue == nil {
                    out[key] = .null
                } else if key == "device", var device = member.objectValue {
                    device["id"] = .null
                    out[key] = .object(device)
                } else {
                    out[key] = scrubbed(member)
                }
            }
            return .object(out)
        case .array(let items):
            return .array(items.map(scrubbed))
        default:
            return value
        }
    }

    public static func expire(before cutoff: Instant, in db: StoreTransaction) throws {
        try db.run(sql: "DELETE FROM idempotency_key WHERE created_at < ?", arguments: [cutoff.seconds])
    }
}
