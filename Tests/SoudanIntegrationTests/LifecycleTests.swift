import Foundation
import GRDB
import SoudanClient
import SoudanProtocol
import Testing

@Suite struct LifecycleTests {
    @Test func sigtermAnswersRequestsInFlightCommitsThemAndExitsZero() throws {
        let daemon = try TestDaemon()
        let connection = try daemon.connect(.admin, timeout: 30)
        let count = 2000
        var bytes: [UInt8] = []
        for index in 0..<count {
            let request: JSONValue = [
                "id": .int(Int64(index)), "op": "clock.advance", "args": ["minutes": 0],
                "idempotency_key": .string("k\(index)"),
            ]
            FrameEncoder.appendFrame(JSONWriter.bytes(request), to: &bytes)
        }
        try connection.sendRaw(bytes)
        #expect(try connection.readReply().id == .int(0))
        kill(daemon.process.processIdentifier, SIGTERM)
        var acknowledged = ["k0"]
        while let reply = try? connection.readReply() {
            #expect(reply.ok)
            #expect(reply.id == .int(Int64(acknowledged.count)))
            acknowledged.append("k\(acknowledged.count)")
        }
        #expect(try daemon.waitForExit() == 0)
        // Every acknowledged write is in the database.
        let queue = try DatabaseQueue(path: daemon.databasePath)
        let stored = try queue.read { try Set(String.fetchAll($0, sql: "SELECT key FROM idempotency_key")) }
        #expect(Set(acknowledged).isSubset(of: stored), "lost \(Set(acknowledged).subtracting(stored).count) acknowledged writes")
        #expect(!FileManager.default.fileExists(atPath: daemon.servicePath))
    }

    @Test func aStaleSocketFileIsReplaced() throws {
        let dir = TestDaemon.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A socket bound and then abandoned, as a crashed daemon leaves it.
        for name in ["soudan.sock", "admin.sock"] { try bindAndAbandon(dir + "/" + name) }
        let daemon = try TestDaemon(dataDir: dir)
        #expect(try daemon.call("sys.ping", on: .service).ok)
    }

    @Test func aLiveDaemonsSocketIsNeverStolen() throws {
        let first = try TestDaemon()
        let second = try TestDaemon(dataDir: first.dataDir, waitForReady: false)
        #expect(try second.waitForExit() != 0)
        #expect(second.log.contains("another soudand"))
        // Another database, the same sockets: still refused, by the socket check.
        let third = try TestDaemon(dataDir: first.dataDir, arguments: ["--db", first.dataDir + "/other.sqlite3"], waitForReady: false)
        #expect(try third.waitForExit() != 0)
        #expect(third.log.contains("another soudand is serving"))
        #expect(try first.call("sys.ping", on: .service).ok)
    }

    @Test func aSocketPathOverTheLimitIsRefusedClearly() throws {
        let long = "/tmp/" + String(repeating: "s", count: 110) + ".sock"
        let daemon = try TestDaemon(arguments: ["--socket", long], waitForReady: false)
        #expect(try daemon.waitForExit() != 0)
        #expect(daemon.log.contains("over the limit of 107"))
    }

    @Test(arguments: [
        ("[limits]\nmax_in_flight = \"many\"", "limits.max_in_flight"),
        (
            "[office]\nhours = { mon = [[\"10:00\",\"17:00\"]] }\n[[counselors]]\ncounselor_id = \"c1\"\nname = \"n\"\nmeeting = { join_url = \"https://zoom.us/j/1\", meeting_id = \"1\", passcode = \"p\" }\nweekly = { tue = [[\"10:00\",\"11:00\"]] }",
            "counselors[0].weekly.tue"
        ),
        ("[retention]\ndays = -1", "retention.days"),
        ("unknown_top = 1", "unknown_top"),
        ("this is = not toml =", "not TOML"),
    ])
    func aBadConfigIsRefusedAtStartWithOneLineNamingTheKey(config: String, key: String) throws {
        let daemon = try TestDaemon(config: config, waitForReady: false)
        #expect(try daemon.waitForExit() != 0)
        let lines = daemon.log.split(separator: "\n")
        #expect(lines.count == 1, "\(daemon.log)")
        #expect(daemon.log.contains(key), "\(daemon.log)")
    }

    @Test func anUnwritableDataDirIsRefusedAtStart() throws {
        let daemon = try TestDaemon(dataDir: "/proc/soudan-cannot-be-here", waitForReady: false)
        #expect(try daemon.waitForExit() != 0)
        #expect(daemon.log.contains("data dir"))
    }

    func bindAndAbandon(_ path: String) throws {
        close(try boundUnixSocket(path))
    }
}
