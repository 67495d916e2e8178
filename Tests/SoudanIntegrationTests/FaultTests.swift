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
            return try b.daemon.connect(.admin, timeout: 30).call(
                "seeker.suspend", ["seeker_no": .string(Booking.seekerNo(1)), "reason": "other"])
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

/// Faults of the machine: a full disk, too few file descriptors.
@Suite struct ResourceFaultTests {
    /// A real full disk: the data dir on an 8 MiB tmpfs, filled up by a ballast
    /// file while the daemon runs. Mounting needs root; elsewhere the test is skipped.
    @Test(.enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
    func aFullDiskMeansUnavailableLosesNothingAndServiceResumesWhenSpaceReturns() throws {
        let mountPoint = TestDaemon.makeTemporaryDirectory()
        #expect(try runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", mountPoint]).status == 0)
        defer {
            _ = try? runProcess("/bin/umount", ["-l", mountPoint])
            try? FileManager.default.removeItem(atPath: mountPoint)
        }
        let dataDir = mountPoint + "/data"
        let b = try Booking(daemon: TestDaemon(clock: Booking.monday, dataDir: dataDir))
        let booked = try b.booked(1, "2026-12-01T10:00:00+09:00")

        let ballast = mountPoint + "/ballast"
        try fillDisk(with: ballast)

        // Writes go on until one is refused; each acknowledged one is remembered.
        var acknowledged: [Int] = []
        var refused: ClientReply?
        for n in 2...5_000 {
            let reply = try b.register(n)
            if reply.ok {
                acknowledged.append(n)
            } else {
                refused = reply
                break
            }
        }
        #expect(refused?.code == "unavailable", "the disk never filled, or the refusal was \(String(describing: refused?.raw))")
        // Reads without personal data still answer while the disk is full; a read
        // of personal data needs its access record on disk first, so it answers
        // `unavailable` and returns nothing.
        #expect(try b.admin.call("sys.ping").ok)
        // A write that names no seeker in its arguments: its refusal is still
        // recorded under the seeker the job looked up.
        #expect(try b.admin.call("booking.cancel", ["consultation_id": .string(booked), "channel": "phone"]).code == "unavailable")
        let personal = try b.seeker(1)
        #expect(personal.code == "unavailable")
        #expect(personal.result["seeker"] == nil)

        try FileManager.default.removeItem(atPath: ballast)
        // Space is back. The refused write left no trace but its access record.
        let resumed = acknowledged.count + 2
        #expect(try b.seeker(resumed).code == "not_found")
        let records =
            try b.admin.call(
                "audit.disclose",
                [
                    "from": "2026-11-30", "to": "2026-11-30", "legal_basis": "test", "requested_by": "test",
                ]
            ).result["records"]?.arrayValue ?? []
        #expect(records.contains { $0["op"] == "seeker.register" && $0["code"] == "unavailable" })
        #expect(records.contains { $0["op"] == "seeker.get" && $0["code"] == "unavailable" })
        #expect(
            records.contains {
                $0["op"] == "booking.cancel" && $0["code"] == "unavailable" && $0["seeker_no"] == .string(Booking.seekerNo(1))
            })
        #expect(try b.consultation(booked)["status"] == "scheduled")
        // The refused write now succeeds, on the same connection.
        #expect(try b.register(resumed).ok)
        for n in [1] + acknowledged + [resumed] {
            #expect(try b.seeker(n).ok, "seeker \(n) was acknowledged and is gone")
        }
        #expect(try b.admin.call("audit.verify").result["ok"] == .bool(true))
        #expect(try b.daemon.stop() == 0)
        let integrity = try DatabaseQueue(path: b.daemon.databasePath).read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
        #expect(integrity == "ok")
    }

    /// Writes zeros until the file system says ENOSPC.
    private func fillDisk(with path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw TestDaemon.Failure("cannot create \(path): errno \(errno)") }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let written = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                guard errno == ENOSPC else { throw TestDaemon.Failure("writing ballast: errno \(errno)") }
                return
            }
            if written < chunk.count { continue }
        }
    }

    /// With RLIMIT_NOFILE at 128 the daemon keeps its connection cap below the
    /// limit (a reserve of 64 for the database and listeners), so the connections
    /// over it are refused with `overloaded` instead of libuv dropping them
    /// unanswered, and everyone inside the cap, reads and writes alike, is served.
    @Test func withFewFileDescriptorsExtraConnectionsAreRefusedAndTheOthersServed() throws {
        let daemon = try TestDaemon(fileLimit: 128)
        #expect(daemon.log.contains("connection limit lowered to fit RLIMIT_NOFILE"))
        // The cap counts both sockets, and 16 of the 64 are kept for staff
        // (`admin_reserved`): the service socket gets 48.
        let admin = try daemon.connect(.admin)
        #expect(try admin.call("sys.ping").ok)
        var served: [SoudanConnection] = []
        var refusals = 0
        for _ in 0..<80 {
            let connection = try daemon.connect(.service)
            let reply = try? connection.call("sys.ping")
            if reply?.ok == true {
                served.append(connection)
            } else {
                #expect(reply == nil || reply?.code == "overloaded")
                refusals += 1
            }
        }
        #expect(served.count == 48)
        #expect(refusals == 32)
        // Staff are never locked out: the reserve still takes them.
        for _ in 0..<10 { #expect(try daemon.connect(.admin).call("sys.ping").ok) }
        // Everyone inside the cap is still served: pings, reads that may need a new
        // reader connection to the database, and writes.
        for connection in served { #expect(try connection.call("sys.ping").ok) }
        #expect(try served[0].call("slots.available", ["from": "2026-12-02", "to": "2026-12-08"]).ok)
        #expect(try admin.call("clock.advance", ["minutes": 1]).ok)
        // Closing some makes room again (the daemon learns of the closes on its own
        // time, so the new client retries briefly).
        served.removeLast(8)
        var again: ClientReply?
        for _ in 0..<100 {
            again = try? daemon.connect(.service).call("sys.ping")
            if again?.ok == true { break }
            usleep(20_000)
        }
        #expect(again?.ok == true)
    }
}
