import Foundation
import SoudanClient
import SoudanProtocol
import Testing

@Suite struct RolesAndFilesTests {
    @Test func everyAdminOnlyOpIsForbiddenOnTheServiceSocket() throws {
        let daemon = try TestDaemon()
        let describe = try daemon.call("sys.describe", on: .service)
        let ops = describe.result["ops"]?.arrayValue ?? []
        #expect(!ops.isEmpty)
        let service = try daemon.connect(.service)
        var adminOnly = 0
        for op in ops {
            let name = op["name"]?.stringValue ?? ""
            let sockets = op["sockets"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(!sockets.isEmpty, "\(name) serves no socket")
            if !sockets.contains("service") {
                adminOnly += 1
                let reply = try service.call(name, [:])
                #expect(reply.code == "forbidden", "\(name) on the service socket answered \(reply.raw)")
            }
        }
        #expect(adminOnly > 0)
    }

    @Test func describeListsEveryOpWithItsSchemaAndTheVersion() throws {
        let daemon = try TestDaemon()
        let fromService = try daemon.call("sys.describe", on: .service)
        let fromAdmin = try daemon.call("sys.describe", on: .admin)
        #expect(fromService.result == fromAdmin.result)
        #expect(fromService.result["protocol"] == .int(1))
        let names = fromService.result["ops"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        for op in ["sys.ping", "sys.describe", "sys.stats", "clock.set", "clock.advance", "terms.current", "audit.verify"] {
            #expect(names.contains(op))
        }
        let clockSet = fromService.result["ops"]?.arrayValue?.first { $0["name"] == "clock.set" }
        #expect(clockSet?["args"]?["required"] == ["now"])
        #expect(clockSet?["sockets"] == ["admin"])

        let version = Process()
        version.executableURL = URL(fileURLWithPath: TestDaemon.binary)
        version.arguments = ["--version"]
        let pipe = Pipe()
        version.standardOutput = pipe
        try version.run()
        version.waitUntilExit()
        let printed = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(printed.trimmingCharacters(in: .whitespacesAndNewlines) == fromService.result["version"]?.stringValue)
    }

    func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func socketDirAndDatabaseModes() throws {
        let parent = TestDaemon.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let daemon = try TestDaemon(dataDir: parent + "/data")
        #expect(try mode(daemon.dataDir) == 0o700)
        #expect(try mode(daemon.servicePath) == 0o660)
        #expect(try mode(daemon.adminPath) == 0o600)
        _ = try daemon.call("clock.advance", ["minutes": 1])
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: daemon.databasePath + suffix) {
            #expect(try mode(daemon.databasePath + suffix) == 0o600, "\(suffix)")
        }
    }

    @Test func theClockOpsNeedAManualClock() throws {
        let daemon = try TestDaemon(clock: "system")
        #expect(try daemon.call("clock.advance", ["minutes": 5]).code == "clock_not_manual")
        #expect(try daemon.call("clock.set", ["now": "2030-01-01T00:00:00Z"]).code == "clock_not_manual")
    }

    @Test func theManualClockMovesOnlyForwardAndEverythingReadsIt() throws {
        let daemon = try TestDaemon(clock: "manual:2026-12-01T09:00:00+09:00")
        #expect(try daemon.call("sys.ping").result["now"] == "2026-12-01T09:00:00+09:00")
        #expect(try daemon.call("clock.advance", ["minutes": 90]).result["now"] == "2026-12-01T10:30:00+09:00")
        let back = try daemon.call("clock.set", ["now": "2026-12-01T10:00:00+09:00"])
        #expect(back.code == "invalid_args")
        #expect(back.errorDetails["field"] == "now")
        #expect(try daemon.call("clock.set", ["now": "2026-12-02T01:00:00Z"]).result["now"] == "2026-12-02T10:00:00+09:00")
        #expect(try daemon.call("clock.advance", ["minutes": -1]).code == "invalid_args")
        #expect(try daemon.call("sys.ping", on: .service).result["now"] == "2026-12-02T10:00:00+09:00")
    }
}
