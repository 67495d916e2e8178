import Foundation
import SoudanClient
import SoudanProtocol
import Testing

@Suite struct WireFormatTests {
    @Test func aZeroLengthFrameGetsBadFrameWithNullIdThenClose() throws {
        let daemon = try TestDaemon()
        let connection = try daemon.connect(.service)
        try connection.sendRaw([0, 0, 0, 0])
        let reply = try connection.readReply()
        #expect(reply.code == "bad_frame")
        #expect(reply.id == .null)
        #expect(connection.isClosedByPeer())
    }

    @Test func aFrameOverMaxFrameGetsFrameTooLargeThenClose() throws {
        let daemon = try TestDaemon(config: "[limits]\nmax_frame = 2048")
        let connection = try daemon.connect(.service)
        try connection.sendRaw([0, 0, 0x08, 0x01])  // 2049
        let reply = try connection.readReply()
        #expect(reply.code == "frame_too_large")
        #expect(reply.id == .null)
        #expect(connection.isClosedByPeer())
        // A length of 2^32-1 is refused the same way, without waiting for its body.
        let other = try daemon.connect(.service)
        try other.sendRaw([0xFF, 0xFF, 0xFF, 0xFF])
        #expect(try other.readReply().code == "frame_too_large")
    }

    @Test func errorsInsideAWellFormedFrameLeaveTheConnectionUsable() throws {
        let daemon = try TestDaemon()
        let connection = try daemon.connect(.service)
        let cases: [(String, String, JSONValue)] = [
            ("{not json", "bad_json", .null),
            ("\u{FF}", "bad_json", .null),
            ("[1]", "bad_request", .null),
            (#"{"op":"sys.ping"}"#, "bad_request", .null),
            (#"{"id":1.5,"op":"sys.ping"}"#, "bad_request", .null),
            (#"{"id":"a","op":7}"#, "bad_request", "a"),
            (#"{"id":"b","op":"sys.ping","args":[]}"#, "bad_request", "b"),
            (#"{"id":"c","op":"sys.ping","idempotency_key":""}"#, "bad_request", "c"),
            (#"{"id":"d","op":"no.such"}"#, "unknown_op", "d"),
            (#"{"id":"e","op":"sys.ping","args":{"x":1}}"#, "invalid_args", "e"),
            (#"{"id":9,"op":"sys.ping"}"#, "ok", 9),
        ]
        for (text, code, id) in cases {
            let body: [UInt8] = text == "\u{FF}" ? [0xFF, 0xFE] : Array(text.utf8)
            try connection.sendRaw(FrameEncoder.frame(body))
            let reply = try connection.readReply()
            #expect(reply.code == code, "\(text)")
            #expect(reply.id == id, "\(text)")
        }
        let invalid = try connection.call("sys.ping", ["typo": true])
        #expect(invalid.errorDetails["field"] == "typo")
    }

    @Test func tenThousandPipelinedRequestsInOneWriteComeBackCompleteAndInOrder() throws {
        let daemon = try TestDaemon()
        let connection = try daemon.connect(.service, timeout: 60)
        var bytes: [UInt8] = []
        for index in 0..<10_000 {
            let op = index % 3 == 0 ? "terms.current" : "sys.ping"
            FrameEncoder.appendFrame(JSONWriter.bytes(["id": .int(Int64(index)), "op": .string(op)]), to: &bytes)
        }
        try connection.sendRaw(bytes)
        for index in 0..<10_000 {
            let reply = try connection.readReply()
            guard reply.id == .int(Int64(index)), reply.ok else {
                Issue.record("reply \(index) was \(reply.raw)")
                return
            }
        }
    }

    @Test func aQuickReadDoesNotOvertakeAnEarlierWrite() throws {
        let daemon = try TestDaemon()
        let connection = try daemon.connect(.admin)
        var bytes: [UInt8] = []
        for index in 0..<200 {
            let request: JSONValue =
                index % 2 == 0
                ? ["id": .int(Int64(index)), "op": "clock.advance", "args": ["minutes": 1]]
                : ["id": .int(Int64(index)), "op": "sys.ping"]
            FrameEncoder.appendFrame(JSONWriter.bytes(request), to: &bytes)
        }
        try connection.sendRaw(bytes)
        for index in 0..<200 {
            let reply = try connection.readReply()
            #expect(reply.id == .int(Int64(index)))
            #expect(reply.ok)
        }
    }

    @Test func stringAndIntegerIdsAreEchoedExactly() throws {
        let daemon = try TestDaemon()
        let connection = try daemon.connect(.service)
        for id: JSONValue in ["x-1", "", "日本", .int(0), .int(-5), .int(Int64.max)] {
            try connection.send(["id": id, "op": "sys.ping"])
            #expect(try connection.readReply().id == id)
        }
    }
}
