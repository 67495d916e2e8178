import Foundation
import SoudanClient
import SoudanProtocol
import Testing

@Suite struct LimitsTests {
    @Test func connectionsOverThePerUserCapAreRefusedWithoutHurtingOthers() throws {
        let daemon = try TestDaemon(config: "[limits]\nmax_connections_per_uid = 3")
        let held = try (0..<3).map { _ in try daemon.connect(.service) }
        for connection in held { #expect(try connection.call("sys.ping").ok) }
        let extra = try daemon.connect(.service)
        let refusal = try extra.readReply()
        #expect(refusal.code == "overloaded")
        #expect(refusal.id == .null)
        #expect(extra.isClosedByPeer())
        for connection in held { #expect(try connection.call("sys.ping").ok) }
        held[0].close()
        // Its place comes free once the daemon has seen the close.
        var accepted = false
        for _ in 0..<200 where !accepted {
            let again = try daemon.connect(.service)
            accepted = (try? again.call("sys.ping").ok) == true
        }
        #expect(accepted)
    }

    @Test func connectionsOverTheTotalCapAreRefused() throws {
        let daemon = try TestDaemon(config: "[limits]\nmax_connections = 2")
        let a = try daemon.connect(.service)
        let b = try daemon.connect(.admin)
        #expect(try a.call("sys.ping").ok)
        #expect(try b.call("sys.ping").ok)
        let c = try daemon.connect(.admin)
        #expect(try c.readReply().code == "overloaded")
        #expect(try a.call("sys.ping").ok)
    }

    @Test func aSlowlorisClientIsClosed() throws {
        let daemon = try TestDaemon(config: "[limits]\nidle_timeout_ms = 300")
        let slow = try daemon.connect(.service)
        try slow.sendRaw([0, 0, 0, 20, UInt8(ascii: "{")])
        // The daemon closes it: the read ends, it does not time out.
        #expect(slow.isClosedByPeer())
        #expect(try daemon.call("sys.stats").result["connections"]?["closed_idle"] == .int(1))
        #expect(try daemon.call("sys.ping", on: .service).ok)
    }

    @Test func aClientThatDoesNotReadIsDisconnectedWhileOthersAreServed() throws {
        let daemon = try TestDaemon(config: "[limits]\nstalled_write_timeout_ms = 300")
        let greedy = try daemon.connect(.service)
        var bytes: [UInt8] = []
        for index in 0..<3000 {
            FrameEncoder.appendFrame(JSONWriter.bytes(["id": .int(Int64(index)), "op": "sys.describe"]), to: &bytes)
        }
        try greedy.sendRaw(bytes)
        // Generous timeouts: under ThreadSanitizer building 3,000 describe replies
        // keeps the loop busy for seconds; the point is being served at all.
        let polite = try daemon.connect(.service, timeout: 60)
        let staff = try daemon.connect(.admin, timeout: 60)
        var closedStalled: JSONValue?
        for _ in 0..<500 {
            #expect(try polite.call("sys.ping").ok)
            closedStalled = try staff.call("sys.stats").result["connections"]?["closed_stalled"]
            if closedStalled == .int(1) { break }
            usleep(20_000)  // polling a counter, not waiting for a guess
        }
        #expect(closedStalled == .int(1))
        #expect(greedy.isClosedByPeer())
        #expect(try polite.call("sys.ping").ok)
    }
}
