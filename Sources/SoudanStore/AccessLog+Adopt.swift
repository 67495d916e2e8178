import Crypto
import Foundation
import GRDB

/// Putting an access log under its audit key at start-up, once.
extension AccessLog {
    public struct KeyMismatch: Error, CustomStringConvertible {
        public let description: String
    }

    /// At start: makes sure the log is chained under `key`, or refuses.
    ///
    /// A database records the fingerprint of the key it is chained under; another
    /// key is refused, since every later row would break the chain. A log chained
    /// with plain SHA-256 (before the key existed) is verified as it was written
    /// and then chained anew under the key, once; a log that does not verify is
    /// refused rather than laundered. Rows whose raw device id was already purged
    /// keep their old unkeyed digest (there is nothing left to key).
    public static func adopt(key: AuditKey, in db: StoreTransaction) throws {
        let stored = try String.fetchOne(db.database, sql: "SELECT value FROM meta WHERE key = 'audit_key_fingerprint'")
        if let stored {
            guard stored == key.fingerprint else {
                throw KeyMismatch(
                    description:
                        "the access log is chained under another audit key than the one given (--audit-key, or audit.key in the data dir); refusing to start"
                )
            }
            return
        }
        var rechained: [(id: Int64, deviceHash: String?, previous: Data, hash: Data)] = []
        var previous = genesis
        var legacyPrevious = genesis
        var position = 0
        for row in try Row.fetchAll(
            db.database,
            sql: """
                SELECT id, at, socket, uid, pid, op, code, latency_us, seeker_no, device_id, device_id_hash, device_os,
                       device_app, legal_basis, requested_by, prev_hash, hash
                FROM access_log ORDER BY id
                """)
        {
            position += 1
            var fields = ChainedFields(
                at: row[1], socket: row[2], uid: row[3], pid: row[4], op: row[5], code: row[6], latencyMicros: row[7],
                seekerNo: row[8], deviceIdHash: row[10], deviceOS: row[11], deviceApp: row[12], legalBasis: row[13],
                requestedBy: row[14])
            let rawDevice: String? = row[9]
            let legalDevice = rawDevice.map { legacyDigest(Data($0.utf8)) == fields.deviceIdHash } ?? true
            let storedPrevious: Data = row[15]
            let storedHash: Data = row[16]
            guard storedPrevious == legacyPrevious, storedHash == Data(SHA256.hash(data: fields.encoded(previous: legacyPrevious))),
                legalDevice
            else {
                throw KeyMismatch(
                    description:
                        "the access log does not verify at row \(position); refusing to chain it anew under the audit key (keep the database as evidence)"
                )
            }
            legacyPrevious = storedHash
            if let rawDevice { fields.deviceIdHash = key.deviceDigest(rawDevice) }
            let hash = key.chainHash(fields.encoded(previous: previous))
            rechained.append((row[0], fields.deviceIdHash, previous, hash))
            previous = hash
        }
        for row in rechained {
            try db.execute(
                sql: "UPDATE access_log SET device_id_hash = ?, prev_hash = ?, hash = ? WHERE id = ?",
                arguments: [row.deviceHash, row.previous, row.hash, row.id])
        }
        try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('audit_key_fingerprint', ?)", arguments: [key.fingerprint])
    }

    static func legacyDigest(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
