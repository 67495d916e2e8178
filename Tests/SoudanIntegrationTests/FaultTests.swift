import Foundation
import GRDB
import SoudanClient
import SoudanProtocol
import Testing

/// Faults from outside the daemon.
@Suite struct FaultTests {
    @Test func aDatabaseLockedByAnotherProcessMeansUnavailableThenServiceResumes() throws {
        let b = try Booking()
        try b.ready(1)
        let queue = try DatabaseQueue(path: b.daemon.databasePath)
        // Another process (an operator's sqlite3 shell, say) takes the write lock and keeps it.
        let locked = try queue.writeWithoutTransaction { db -> ClientReply in
            try db.execute(sql: "BEGIN IMMEDIATE")
            defer { try? db.execute(sql: "ROLLBACK") }
            // The writer waits its bounded 5 s, then answers instead of hanging.
            return try b.daemon.connect(.admin, timeout: 30).call("seeker.suspend", ["seeker_no": .string(Booking.seekerNo(1)), "reason": "other"])
        }
        #expect(locked.code == "unavailable")
        // Nothing of it happened, and it was not remembered: the same request now succeeds.
        #expect(try b.seeker(1).result["seeker"]?["status"] == "active")
        #expect(try b.admin.call("seeker.suspend", ["seeker_no": .string(Booking.seekerNo(1)), "reason": "other"]).ok)
        #expect(try b.admin.call("audit.verify").result["ok"] == .bool(true))
    }

    @Test func anUnavailableReplyIsNotRememberedForItsIdempotencyKey() throws {
        let daemon = try TestDaemon()
        let queue = try DatabaseQueue(path: daemon.databasePath)
        let first = try queue.writeWithoutTransaction { db -> ClientReply in
            try db.execute(sql: "BEGIN IMMEDIATE")
            defer { try? db.execute(sql: "ROLLBACK") }
            return try daemon.connect(.admin, timeout: 30).call("clock.advance", ["minutes": 5], idempotencyKey: "retry-me")
        }
        #expect(first.code == "unavailable")
        let retry = try daemon.connect(.admin).call("clock.advance", ["minutes": 5], idempotencyKey: "retry-me")
        #expect(retry.ok)
        #expect(try daemon.call("sys.ping").result["now"] == "2026-12-01T09:05:00+09:00")
    }
}
