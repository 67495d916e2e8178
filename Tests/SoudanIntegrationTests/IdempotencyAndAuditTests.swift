import Foundation
import GRDB
import SoudanClient
import SoudanProtocol
import Testing

@Suite struct IdempotencyAndAuditTests {
    @Test func aRepeatedKeyGetsTheFirstReplyWithoutActingTwiceEvenAfterARestart() throws {
        let daemon = try TestDaemon()
        let connection = try daemon.connect(.admin)
        let first = try connection.call("clock.advance", ["minutes": 30], idempotencyKey: "move-1")
        #expect(first.result["now"] == "2026-12-01T09:30:00+09:00")
        let again = try connection.call("clock.advance", ["minutes": 30], idempotencyKey: "move-1")
        #expect(again.result == first.result)
        #expect(again.id != first.id)
        #expect(try daemon.call("sys.ping").result["now"] == "2026-12-01T09:30:00+09:00")
        // Error replies are remembered too.
        let failed = try connection.call("clock.set", ["now": "2020-01-01T00:00:00Z"], idempotencyKey: "back")
        #expect(failed.code == "invalid_args")
        #expect(try connection.call("clock.set", ["now": "2020-01-01T00:00:00Z"], idempotencyKey: "back").code == "invalid_args")

        try daemon.restart(clock: "manual:2026-12-01T09:30:00+09:00")
        let afterRestart = try daemon.call("clock.advance", ["minutes": 30]).result
        #expect(afterRestart["now"] == "2026-12-01T10:00:00+09:00")
        let replayed = try daemon.connect(.admin).call("clock.advance", ["minutes": 30], idempotencyKey: "move-1")
        #expect(replayed.result["now"] == "2026-12-01T09:30:00+09:00")
        #expect(try daemon.call("sys.ping").result["now"] == "2026-12-01T10:00:00+09:00")
    }

    @Test func theSameKeyWithOtherArgsOrAnotherOpIsAMismatch() throws {
        let daemon = try TestDaemon()
        let connection = try daemon.connect(.admin)
        #expect(try connection.call("clock.advance", ["minutes": 1], idempotencyKey: "k").ok)
        #expect(try connection.call("clock.advance", ["minutes": 2], idempotencyKey: "k").code == "idempotency_mismatch")
        #expect(try connection.call("sys.ping", nil, idempotencyKey: "k").code == "idempotency_mismatch")
        // Keys are per daemon, across both sockets.
        #expect(try daemon.connect(.service).call("terms.current", nil, idempotencyKey: "k").code == "idempotency_mismatch")
    }

    @Test func everyRequestIsLoggedAndAnAlteredRowIsFound() throws {
        let daemon = try TestDaemon()
        let service = try daemon.connect(.service)
        _ = try service.call("sys.ping")
        _ = try service.call("sys.stats")  // forbidden, still logged
        _ = try service.call("no.such.op")
        // Access records of reads join the writer's next batch; a write's reply
        // comes after its own commit, which includes every record queued before it.
        #expect(try daemon.call("clock.advance", ["minutes": 0]).ok)
        let clean = try daemon.call("audit.verify")
        #expect(clean.result["ok"] == .bool(true))
        #expect(clean.result["first_broken"] == .null)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: daemon.databasePath, configuration: configuration)
        // The daemon's own first record is its retention run (socket system).
        let rows = try queue.read { try Row.fetchAll($0, sql: "SELECT id, socket, code FROM access_log ORDER BY id") }
        #expect(rows.first?["socket"] == "system")
        let requests = rows.filter { $0["socket"] == "service" }
        #expect(requests.prefix(3).map { $0["code"] as String } == ["ok", "forbidden", "unknown_op"])
        let forbidden: Int64 = requests[1]["id"]
        let position = rows.firstIndex { $0["id"] == forbidden }! + 1

        try queue.write { try $0.execute(sql: "UPDATE access_log SET code = 'ok' WHERE id = ?", arguments: [forbidden]) }
        let broken = try daemon.call("audit.verify")
        #expect(broken.result["ok"] == .bool(false))
        #expect(broken.result["first_broken"] == .int(Int64(position)))
        #expect(broken.result["rows"]?.intValue ?? 0 >= 4)
    }

    /// SQLite reads text up to its first NUL; a record that kept one would hash
    /// other bytes than it reads back, and any client could make the audit cry
    /// tampering with an op name like "a\u{0}b".
    @Test func aNulInWhatIsLoggedDoesNotBreakTheChain() throws {
        let daemon = try TestDaemon()
        let service = try daemon.connect(.service)
        #expect(try service.call("no\u{0}such.op").code == "unknown_op")
        #expect(try service.call("seeker.get", ["seeker_no": "12345-\u{0}"]).ok == false)
        #expect(try daemon.call("clock.advance", ["minutes": 0]).ok)
        let check = try daemon.call("audit.verify")
        #expect(check.result["ok"] == .bool(true))
        #expect(check.result["first_broken"] == .null)
    }

    func accessRows(_ daemon: TestDaemon) throws -> Int {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: daemon.databasePath, configuration: configuration)
        return try queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM access_log WHERE op = 'sys.ping'") ?? 0 }
    }

    /// Reads' records wait for the writer's next batch; with no write coming, the
    /// writer is asked for one within milliseconds, so they do not sit in memory.
    @Test func readsAreLoggedSoonWithoutAnyWrite() throws {
        let daemon = try TestDaemon()
        let service = try daemon.connect(.service)
        for _ in 0..<20 { #expect(try service.call("sys.ping").ok) }
        let deadline = Date().addingTimeInterval(10)
        var rows = 0
        while Date() < deadline {
            rows = try accessRows(daemon)
            if rows == 20 { break }
            Thread.sleep(forTimeInterval: 0.005)  // polling the file: the daemon has no signal to wait on here
        }
        #expect(rows == 20)
    }

    @Test func readsAnsweredBeforeShutdownAreLogged() throws {
        let daemon = try TestDaemon()
        let service = try daemon.connect(.service)
        for _ in 0..<500 { try service.send(service.makeRequest("sys.ping")) }
        for _ in 0..<500 { #expect(try service.readReply().ok) }
        #expect(try daemon.stop() == 0)
        #expect(try accessRows(daemon) == 500)
    }
}
