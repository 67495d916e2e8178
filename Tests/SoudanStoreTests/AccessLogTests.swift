import GRDB
import Testing
import SoudanProtocol
@testable import SoudanStore

@Suite struct AccessLogTests {
    func record(_ n: Int64, device: String? = nil) -> AccessRecord {
        AccessRecord(at: Instant(seconds: 1000 + n), socket: .service, uid: 1000, pid: 42, op: "sys.ping", code: "ok",
                     latencyMicros: n, seekerNo: nil, device: device.map { .init(id: $0, os: "iOS 18", app: "zoom 6") })
    }

    func fill(_ store: TemporaryStore, count: Int64) throws {
        try store.pool.write { db in
            for n in 1...count { try AccessLog.append(record(n, device: n == 2 ? "device-xyz" : nil), in: db) }
        }
    }

    @Test func anUntouchedChainVerifies() throws {
        let store = try TemporaryStore()
        try fill(store, count: 5)
        #expect(try store.pool.read(AccessLog.verify) == .init(ok: true, rows: 5, firstBroken: nil))
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
            for n in Int64(1)...5 { try AccessLog.append(record(n, device: "d\(n)"), in: db) }
        }
        try store.pool.write { try $0.execute(sql: tamper) }
        let check = try store.pool.read(AccessLog.verify)
        #expect(!check.ok)
        #expect(check.firstBroken == 3)
    }

    @Test func erasingARawDeviceIdKeepsTheChainVerifiable() throws {
        let store = try TemporaryStore()
        try fill(store, count: 3)
        try store.pool.write { try $0.execute(sql: "UPDATE access_log SET device_id = NULL") }
        #expect(try store.pool.read(AccessLog.verify).ok)
        #expect(try store.pool.read { try String.fetchOne($0, sql: "SELECT device_id_hash FROM access_log WHERE id = 2") } != nil)
    }
}

@Suite struct IdempotencyTests {
    @Test func replaysTheFirstReplyAndRefusesOtherArgs() throws {
        let store = try TemporaryStore()
        let reply: JSONObject = ["ok": true, "result": ["now": "x"]]
        try store.pool.write { db in
            #expect(try Idempotency.lookup(key: "k", op: "clock.advance", args: ["minutes": 5], in: db) == .new)
            try Idempotency.remember(key: "k", op: "clock.advance", args: ["minutes": 5], reply: reply, at: Instant(seconds: 0), in: db)
            #expect(try Idempotency.lookup(key: "k", op: "clock.advance", args: ["minutes": 5], in: db) == .replay(reply))
            #expect(try Idempotency.lookup(key: "k", op: "clock.advance", args: ["minutes": 6], in: db) == .mismatch)
            #expect(try Idempotency.lookup(key: "k", op: "clock.set", args: ["minutes": 5], in: db) == .mismatch)
        }
    }

    @Test func argumentOrderDoesNotMatter() {
        #expect(Idempotency.argsHash(op: "o", args: ["a": 1, "b": 2]) == Idempotency.argsHash(op: "o", args: ["b": 2, "a": 1]))
    }

    @Test func expiresKeysPastTheirRetention() throws {
        let store = try TemporaryStore()
        try store.pool.write { db in
            try Idempotency.remember(key: "old", op: "o", args: [:], reply: ["ok": true], at: Instant(seconds: 0), in: db)
            try Idempotency.remember(key: "new", op: "o", args: [:], reply: ["ok": true], at: Instant(seconds: 100_000), in: db)
            try Idempotency.expire(before: Instant(seconds: 50_000), in: db)
            #expect(try Idempotency.lookup(key: "old", op: "o", args: [:], in: db) == .new)
            #expect(try Idempotency.lookup(key: "new", op: "o", args: [:], in: db) != .new)
        }
    }
}
