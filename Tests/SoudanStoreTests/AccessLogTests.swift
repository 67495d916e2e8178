import Crypto
import Dispatch
import Foundation
import GRDB
import SoudanProtocol
import SoudanSync
import SoudanTestSupport
import Testing

@testable import SoudanStore

@Suite struct AccessLogTests {
    let key = AuditKey.ephemeral()

    func record(_ n: Int64, device: String? = nil) -> AccessRecord {
        AccessRecord(
            at: Instant(seconds: 1000 + n), socket: .service, uid: 1000, pid: 42, op: "sys.ping", code: "ok",
            latencyMicros: n, seekerNo: nil, device: device.map { .init(id: $0, os: "iOS 18", app: "zoom 6") })
    }

    func fill(_ store: TemporaryStore, count: Int64) throws {
        try store.pool.write { db in
            for n in 1...count { try AccessLog.append(record(n, device: n == 2 ? "device-xyz" : nil), key: key, in: db.tx) }
        }
    }

    func verify(_ store: TemporaryStore, key: AuditKey? = nil, anchor: AccessLog.Anchor? = nil) throws -> AccessLog.Verification {
        try store.pool.read { db in try AccessLog.verify(key: key ?? self.key, anchor: anchor, in: db.tx) }
    }

    @Test func anUntouchedChainVerifies() throws {
        let store = try TemporaryStore()
        try fill(store, count: 5)
        #expect(try verify(store) == .init(ok: true, rows: 5, firstBroken: nil))
        // Under another key nothing holds: the chain is the key's.
        #expect(try verify(store, key: .ephemeral()).firstBroken == 1)
    }

    @Test(arguments: [
        "UPDATE access_log SET code = 'forbidden' WHERE id = 3",
        "UPDATE access_log SET uid = 0 WHERE id = 3",
        "DELETE FROM access_log WHERE id = 3",
        "UPDATE access_log SET device_id = 'other-device' WHERE id = 3",
    ])
    func findsTheFirstRowAlteredBehindItsBack(tamper: String) throws {
        let store = try TemporaryStore()
        try store.pool.write { db in
            for n in Int64(1)...5 { try AccessLog.append(record(n, device: "d\(n)"), key: key, in: db.tx) }
        }
        try store.pool.write { try $0.execute(sql: tamper) }
        let check = try verify(store)
        #expect(!check.ok)
        #expect(check.firstBroken == 3)
    }

    /// Whoever holds the database file but not the key: renames a disclosure's
    /// requester and recomputes every hash from there the way a plain SHA-256
    /// chain would let them. The keyed chain finds it.
    @Test func rewritingRowsAndRecomputingTheirHashesWithoutTheKeyIsFound() throws {
        let store = try TemporaryStore()
        var disclosure = record(3)
        disclosure.op = "audit.disclose"
        disclosure.requestedBy = "警視庁"
        try store.pool.write { db in
            try AccessLog.append(contentsOf: [record(1), record(2), disclosure, record(4)], key: key, in: db.tx)
        }
        try store.pool.write { db in
            try db.execute(sql: "UPDATE access_log SET requested_by = 'nobody' WHERE id = 3")
            var previous = try Data.fetchOne(db, sql: "SELECT hash FROM access_log WHERE id = 2")!
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT id, at, socket, uid, pid, op, code, latency_us, seeker_no, device_id_hash, device_os, device_app,
                           legal_basis, requested_by FROM access_log WHERE id >= 3 ORDER BY id
                    """)
            {
                let fields = ChainedFields(
                    at: row[1], socket: row[2], uid: row[3], pid: row[4], op: row[5], code: row[6], latencyMicros: row[7],
                    seekerNo: row[8], deviceIdHash: row[9], deviceOS: row[10], deviceApp: row[11], legalBasis: row[12],
                    requestedBy: row[13])
                let forged = Data(SHA256.hash(data: fields.encoded(previous: previous)))
                try db.execute(sql: "UPDATE access_log SET prev_hash = ?, hash = ? WHERE id = ?", arguments: [previous, forged, row[0]])
                previous = forged
            }
        }
        #expect(try verify(store).firstBroken == 3)
    }

    /// Cutting rows off the end leaves a chain that verifies; the anchor logged
    /// outside the database finds it, and a log rewound to an older copy and
    /// written on from there.
    @Test func aTruncatedOrRewoundLogIsFoundAgainstAnAnchor() throws {
        let store = try TemporaryStore()
        try fill(store, count: 10)
        let anchor = try store.store.read { try AccessLog.head(in: $0) }
        #expect(anchor.rows == 10)
        #expect(try verify(store, anchor: anchor).ok)
        try store.pool.write { try $0.execute(sql: "DELETE FROM access_log WHERE id > 5") }
        #expect(try verify(store).ok, "without an anchor a shorter chain still holds")
        #expect(try verify(store, anchor: anchor) == .init(ok: false, rows: 5, firstBroken: 6))
        try store.pool.write { db in
            for n in Int64(20)...24 { try AccessLog.append(record(n), key: key, in: db.tx) }
        }
        #expect(try verify(store, anchor: anchor) == .init(ok: false, rows: 10, firstBroken: 10))
    }

    /// The key is set up once and copied for each row: the result must be the
    /// standard HMAC, whichever thread asks and however many at once.
    @Test func theChainHashIsTheStandardHMACFromAnyThread() {
        let secret = Data((0..<32).map { UInt8($0) })
        let key = AuditKey(bytes: secret)
        let inputs = (0..<64).map { n in Array("row \(n) ".utf8) + [UInt8](repeating: UInt8(n), count: n * 7) }
        let expected = inputs.map { Data(HMAC<SHA256>.authenticationCode(for: $0, using: SymmetricKey(data: secret))) }
        let mismatches = LockedValue(0)
        DispatchQueue.concurrentPerform(iterations: 512) { i in
            if key.chainHash(inputs[i % 64]) != expected[i % 64] { mismatches.withLock { $0 += 1 } }
        }
        #expect(mismatches.withLock { $0 } == 0)
    }

    @Test func theDeviceDigestIsKeyedNotABareHash() throws {
        let store = try TemporaryStore()
        try fill(store, count: 2)
        let digest = try store.pool.read { try String.fetchOne($0, sql: "SELECT device_id_hash FROM access_log WHERE id = 2") }
        #expect(digest != nil)
        #expect(digest != AccessLog.legacyDigest(Data("device-xyz".utf8)))
    }

    /// A log chained with plain SHA-256 before the key existed is verified as
    /// written, then chained anew under the key; another key is refused after.
    @Test func aLegacyChainIsVerifiedThenChainedUnderTheKey() throws {
        let store = try TemporaryStore()
        try writeLegacyChain(store, count: 4)
        try store.pool.write { db in try AccessLog.adopt(key: key, in: db.tx) }
        #expect(try verify(store) == .init(ok: true, rows: 4, firstBroken: nil))
        #expect(throws: AccessLog.KeyMismatch.self) { try store.pool.write { db in try AccessLog.adopt(key: .ephemeral(), in: db.tx) } }
        try store.pool.write { db in try AccessLog.adopt(key: key, in: db.tx) }
    }

    @Test func aLegacyChainThatDoesNotVerifyIsNotLaundered() throws {
        let store = try TemporaryStore()
        try writeLegacyChain(store, count: 4)
        try store.pool.write { try $0.execute(sql: "UPDATE access_log SET code = 'ok!' WHERE id = 2") }
        #expect(throws: AccessLog.KeyMismatch.self) { try store.pool.write { db in try AccessLog.adopt(key: key, in: db.tx) } }
    }

    /// Rows as the daemon wrote them before the key: SHA-256 chain, bare device digest.
    func writeLegacyChain(_ store: TemporaryStore, count: Int64) throws {
        try store.pool.write { db in
            var previous = AccessLog.genesis
            for n in 1...count {
                let device = "device-\(n)"
                let fields = ChainedFields(
                    at: 1000 + n, socket: "service", uid: 1000, pid: 42, op: "sys.ping", code: "ok", latencyMicros: n, seekerNo: nil,
                    deviceIdHash: AccessLog.legacyDigest(Data(device.utf8)), deviceOS: nil, deviceApp: nil, legalBasis: nil,
                    requestedBy: nil)
                let hash = Data(SHA256.hash(data: fields.encoded(previous: previous)))
                try db.execute(
                    sql: """
                        INSERT INTO access_log(at, socket, uid, pid, op, code, latency_us, device_id, device_id_hash, prev_hash, hash)
                        VALUES (?, 'service', 1000, 42, 'sys.ping', 'ok', ?, ?, ?, ?, ?)
                        """, arguments: [1000 + n, n, device, fields.deviceIdHash, previous, hash])
                previous = hash
            }
        }
    }

    /// The encoding as first written (every number through `String`, one array of
    /// fields): rows already on disk were hashed over these bytes, so the faster
    /// encoder must give the same bytes or an old log could not be chained anew.
    static func referenceBytes(_ f: ChainedFields, previous: Data) -> [UInt8] {
        var bytes = [UInt8](previous)
        func put(_ text: String?) {
            guard let text else { return bytes.append(0) }
            let length = UInt32(text.utf8.count)
            bytes.append(1)
            bytes.append(contentsOf: [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)])
            bytes.append(contentsOf: text.utf8)
        }
        for field in [
            String(f.at), f.socket, String(f.uid), String(f.pid), f.op, f.code, String(f.latencyMicros),
            f.seekerNo, f.deviceIdHash, f.deviceOS, f.deviceApp, f.legalBasis, f.requestedBy,
        ] { put(field) }
        return bytes
    }

    @Test(arguments: [Int64.min, -1, 0, 7, 10, 1_764_000_000, Int64.max])
    func theHashEncodingIsTheOneOldRowsWereWrittenWith(number: Int64) {
        let texts: [String?] = [nil, "", "sys.ping", "負荷テスト", "a\u{0}b", String(repeating: "x", count: 300)]
        var previous = AccessLog.genesis
        for (i, text) in texts.enumerated() {
            let fields = ChainedFields(
                at: number, socket: "service", uid: number &* 3, pid: 0 &- number, op: text, code: "ok", latencyMicros: number,
                seekerNo: texts[(i + 1) % texts.count], deviceIdHash: text, deviceOS: nil, deviceApp: "",
                legalBasis: text, requestedBy: texts[(i + 2) % texts.count])
            #expect(fields.encoded(previous: previous) == Self.referenceBytes(fields, previous: previous))
            previous = Data(SHA256.hash(data: fields.encoded(previous: previous)))
        }
    }

    @Test func textsGoInByteForByteAndTheChainStillVerifies() throws {
        let store = try TemporaryStore()
        let texts = ["", "a\u{0}b", "負荷テスト", "👩‍💻 device", String(repeating: "長", count: 2000)]
        let records = texts.enumerated().map { i, text in
            AccessRecord(
                at: Instant(seconds: Int64(i)), socket: .admin, uid: UInt32.max, pid: Int32.min, op: text, code: "ok",
                latencyMicros: -5, seekerNo: text, device: .init(id: text, os: text, app: nil),
                legalBasis: text, requestedBy: nil)
        }
        try store.pool.write { db in try AccessLog.append(contentsOf: records, key: key, in: db.tx) }
        let stored = try store.pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT op, seeker_no, device_id, device_os, legal_basis, uid, pid, latency_us FROM access_log ORDER BY id")
        }
        // NUL, where SQLite's text reading would stop, is kept as U+FFFD.
        let kept = texts.map { $0.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") }
        #expect(stored.map { $0["op"] as String? } == kept)
        #expect(stored.map { $0["device_id"] as String? } == kept)
        #expect(stored.map { $0["legal_basis"] as String? } == kept)
        #expect(stored.allSatisfy { $0["uid"] == Int64(UInt32.max) && $0["pid"] == Int64(Int32.min) && $0["latency_us"] == -5 })
        #expect(try verify(store) == .init(ok: true, rows: texts.count, firstBroken: nil))
    }

    @Test func aFailedInsertIsReportedAndTheNextOneWorks() throws {
        let store = try TemporaryStore()
        try store.pool.write { db in
            try db.execute(
                sql: """
                    CREATE TRIGGER refuse BEFORE INSERT ON access_log WHEN NEW.code = 'refuse'
                    BEGIN SELECT RAISE(ABORT, 'refused by test'); END
                    """)
        }
        var refused = record(1)
        refused.code = "refuse"
        #expect(throws: DatabaseError.self) { try store.pool.write { db in try AccessLog.append(refused, key: key, in: db.tx) } }
        try store.pool.write { db in try AccessLog.append(record(2), key: key, in: db.tx) }
        #expect(try verify(store) == .init(ok: true, rows: 1, firstBroken: nil))
    }

    @Test func erasingARawDeviceIdKeepsTheChainVerifiable() throws {
        let store = try TemporaryStore()
        try fill(store, count: 3)
        try store.pool.write { try $0.execute(sql: "UPDATE access_log SET device_id = NULL") }
        #expect(try verify(store).ok)
        #expect(try store.pool.read { try String.fetchOne($0, sql: "SELECT device_id_hash FROM access_log WHERE id = 2") } != nil)
    }
}

@Suite struct IdempotencyTests {
    @Test func replaysTheFirstReplyAndRefusesOtherArgs() throws {
        let store = try TemporaryStore()
        let reply: JSONObject = ["ok": true, "result": ["now": "x"]]
        try store.pool.write { db in
            #expect(try Idempotency.lookup(key: "k", op: "clock.advance", args: ["minutes": 5], in: db.tx) == .new)
            try Idempotency.remember(key: "k", op: "clock.advance", args: ["minutes": 5], reply: reply, at: Instant(seconds: 0), in: db.tx)
            #expect(try Idempotency.lookup(key: "k", op: "clock.advance", args: ["minutes": 5], in: db.tx) == .replay(reply))
            #expect(try Idempotency.lookup(key: "k", op: "clock.advance", args: ["minutes": 6], in: db.tx) == .mismatch)
            #expect(try Idempotency.lookup(key: "k", op: "clock.set", args: ["minutes": 5], in: db.tx) == .mismatch)
        }
    }

    @Test func argumentOrderDoesNotMatter() {
        #expect(Idempotency.argsHash(op: "o", args: ["a": 1, "b": 2]) == Idempotency.argsHash(op: "o", args: ["b": 2, "a": 1]))
    }

    @Test func expiresKeysPastTheirRetention() throws {
        let store = try TemporaryStore()
        try store.pool.write { db in
            try Idempotency.remember(key: "old", op: "o", args: [:], reply: ["ok": true], at: Instant(seconds: 0), in: db.tx)
            try Idempotency.remember(key: "new", op: "o", args: [:], reply: ["ok": true], at: Instant(seconds: 100_000), in: db.tx)
            try Idempotency.expire(before: Instant(seconds: 50_000), in: db.tx)
            #expect(try Idempotency.lookup(key: "old", op: "o", args: [:], in: db.tx) == .new)
            #expect(try Idempotency.lookup(key: "new", op: "o", args: [:], in: db.tx) != .new)
        }
    }
}
