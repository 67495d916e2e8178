import CSoudanShim
import Dispatch
import Foundation
import SoudanClient
import SoudanProtocol
import Synchronization
import Testing

/// Clients that misbehave on purpose. Each test ends by checking that a
/// well-behaved client is still served.
@Suite struct HostileClientTests {
    func stillServes(_ daemon: TestDaemon) throws {
        #expect(try daemon.connect(.service).call("sys.ping").ok)
    }

    @Test func fiveThousandConnectionAttemptsAtOnce() throws {
        let daemon = try TestDaemon()
        let attempts = Atomic<Int>(0)
        let group = DispatchGroup()
        for _ in 0..<8 {
            group.enter()
            let path = daemon.servicePath
            Thread {
                for _ in 0..<625 {
                    let fd = soudan_connect_unix(path)
                    if fd >= 0 {
                        attempts.add(1, ordering: .relaxed)
                        close(fd)
                    }
                }
                group.leave()
            }.start()
        }
        group.wait()
        #expect(attempts.load(ordering: .relaxed) > 4000)
        // Refused with `overloaded` only until the daemon has seen those closes.
        var code = ""
        for _ in 0..<500 {
            code = (try? daemon.connect(.service).call("sys.ping"))?.code ?? "unreachable"
            if code == "ok" { break }
            usleep(10_000)
        }
        #expect(code == "ok")
    }

    @Test func aMillionPipelinedRequestsWithoutReadingTheReplies() throws {
        let daemon = try TestDaemon(config: "[limits]\nstalled_write_timeout_ms = 500")
        let greedy = try daemon.connect(.service, timeout: 5)
        var chunk: [UInt8] = []
        for index in 0..<10_000 { FrameEncoder.appendFrame(JSONWriter.bytes(["id": .int(Int64(index)), "op": "sys.ping"]), to: &chunk) }
        var sent = 0
        // The daemon stops reading, then drops the connection: sending fails or times out.
        while sent < 1_000_000 {
            do {
                try greedy.sendRaw(chunk)
                sent += 10_000
            } catch {
                break
            }
        }
        try stillServes(daemon)
        #expect(greedy.isClosedByPeer())
        try stillServes(daemon)
    }

    @Test func jsonNestedTenThousandDeep() throws {
        let daemon = try TestDaemon()
        let connection = try daemon.connect(.service)
        let deep =
            "{\"id\":1,\"op\":\"sys.ping\",\"args\":{\"a\":" + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
            + "}}"
        try connection.sendRaw(FrameEncoder.frame(Array(deep.utf8)))
        #expect(try connection.readReply().code == "bad_json")
        #expect(try connection.call("sys.ping").ok)
        try stillServes(daemon)
    }

    @Test func aStringFillingMaxFrame() throws {
        let daemon = try TestDaemon()
        let connection = try daemon.connect(.service)
        let prefix = "{\"id\":1,\"op\":\"seeker.get\",\"args\":{\"seeker_no\":\""
        let suffix = "\"}}"
        let filler = String(repeating: "A", count: 1_048_576 - prefix.utf8.count - suffix.utf8.count)
        try connection.sendRaw(FrameEncoder.frame(Array((prefix + filler + suffix).utf8)))
        let reply = try connection.readReply()
        #expect(reply.code == "invalid_args")
        #expect(reply.field == "seeker_no")
        #expect(try connection.call("sys.ping").ok)
        try stillServes(daemon)
    }

    @Test(arguments: [
        (#"{"id":1,"id":2,"op":"sys.ping"}"#, "bad_json"),
        (#"{"id":1,"op":"sys.ping","args":{"a":1,"a":1}}"#, "bad_json"),
        (#"{"id":1e400,"op":"sys.ping"}"#, "bad_json"),
        (#"{"id":99999999999999999999,"op":"sys.ping"}"#, "bad_request"),
        (#"{"id":1,"op":"clock.advance","args":{"minutes":100000000000000000000}}"#, "invalid_args"),
        (#"{"id":1,"op":"clock.advance","args":{"minutes":-9223372036854775808}}"#, "invalid_args"),
        (#"{"id":1,"op":"sys.ping","args":{"s":"\ud800"}}"#, "bad_json"),
    ])
    func hostileDocuments(text: String, code: String) throws {
        let daemon = try TestDaemon()
        let connection = try daemon.connect(.admin)
        try connection.sendRaw(FrameEncoder.frame(Array(text.utf8)))
        #expect(try connection.readReply().code == code)
        #expect(try connection.call("sys.ping").ok)
        try stillServes(daemon)
    }
}

@Suite struct PrivacyTests {
    @Test func noNamePhoneOrDeviceIdentifierReachesTheLog() throws {
        let b = try Booking(config: nil)
        let name = "秘密花子"
        let phone = "080-7777-6543"
        let device = "DEVICE-SERIAL-XYZ-991"
        _ = try b.service.call(
            "seeker.register",
            [
                "seeker_no": .string(Booking.seekerNo(7)), "name": .string(name), "phone": .string(phone),
                "my_page": true, "webcam_device": true,
            ])
        _ = try b.consent(7)
        let request = try b.request(
            7, ["2026-12-01T10:00:00+09:00"],
            extra: [
                "name": .string(name), "phone": .string(phone),
                "device": ["id": .string(device), "os": "iOS"],
            ])
        _ = try b.schedule(request.result["request"]?["request_id"]?.stringValue ?? "", "2026-12-01T10:00:00+09:00")
        _ = try b.request(
            7, ["2026-12-01T10:15:00+09:00"], extra: ["name": .string(name), "phone": .string(phone), "device": ["id": .string(device)]])
        _ = try b.service.call(
            "seeker.register", ["seeker_no": "bad", "name": .string(name), "phone": .string(phone), "my_page": true, "webcam_device": true])
        try b.service.sendRaw(FrameEncoder.frame(Array("{\"name\":\"\(name)\"".utf8)))
        _ = try? b.service.readReply()
        #expect(try b.daemon.stop() == 0)
        let log = b.daemon.log
        #expect(!log.isEmpty)
        for secret in [name, phone, device] { #expect(!log.contains(secret), "\(secret) appears in the log") }
    }
}
