import Testing

@testable import SoudanProtocol

@Suite struct EnvelopeTests {
    func decode(_ text: String) -> Result<Request, EnvelopeError> { Request.decode(Array(text.utf8)) }

    @Test func decodesAFullRequest() throws {
        let request = try decode(#"{"id":"r1","op":"sys.ping","args":{"x":1},"idempotency_key":"k"}"#).get()
        #expect(request == Request(id: .string("r1"), op: "sys.ping", args: ["x": 1], idempotencyKey: "k"))
    }

    @Test func argsMayBeOmitted() throws {
        #expect(try decode(#"{"id":3,"op":"sys.ping"}"#).get().args.isEmpty)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let text: String
        let code: ErrorCode
        let id: RequestID?
        var testDescription: String { text }
    }

    @Test(arguments: [
        Case(text: "{not json", code: .badJSON, id: nil),
        Case(text: "[1,2]", code: .badRequest, id: nil),
        Case(text: "\"str\"", code: .badRequest, id: nil),
        Case(text: #"{"op":"sys.ping"}"#, code: .badRequest, id: nil),
        Case(text: #"{"id":1.5,"op":"sys.ping"}"#, code: .badRequest, id: nil),
        Case(text: #"{"id":true,"op":"sys.ping"}"#, code: .badRequest, id: nil),
        Case(text: #"{"id":null,"op":"sys.ping"}"#, code: .badRequest, id: nil),
        Case(text: #"{"id":7}"#, code: .badRequest, id: .int(7)),
        Case(text: #"{"id":"x","op":5}"#, code: .badRequest, id: .string("x")),
        Case(text: #"{"id":"x","op":"sys.ping","args":[]}"#, code: .badRequest, id: .string("x")),
        Case(text: #"{"id":"x","op":"sys.ping","args":null}"#, code: .badRequest, id: .string("x")),
        Case(text: #"{"id":"x","op":"sys.ping","idempotency_key":""}"#, code: .badRequest, id: .string("x")),
        Case(text: #"{"id":"x","op":"sys.ping","idempotency_key":5}"#, code: .badRequest, id: .string("x")),
        Case(text: #"{"id":"x","op":"sys.ping","extra":1}"#, code: .badRequest, id: .string("x")),
    ])
    func refusesBadEnvelopes(c: Case) {
        guard case .failure(let failure) = decode(c.text) else {
            Issue.record("accepted \(c.text)")
            return
        }
        #expect(failure.error.code == c.code)
        #expect(failure.id == c.id)
    }

    @Test func idempotencyKeyLengthIsOneTo128Characters() throws {
        let ok = String(repeating: "k", count: 128)
        #expect(try decode(#"{"id":1,"op":"a","idempotency_key":"\#(ok)"}"#).get().idempotencyKey == ok)
        guard case .failure = decode(#"{"id":1,"op":"a","idempotency_key":"\#(ok)k"}"#) else {
            Issue.record("accepted a 129-character key")
            return
        }
    }

    @Test func replyFramesCarryTheLengthAndTheId() throws {
        let bytes = Reply.frame(id: .int(4), body: ["ok": false, "error": WireError(.notFound, "no", details: ["field": "x"]).json])
        let length = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        #expect(length == bytes.count - 4)
        let json = try JSONParser.parse(bytes[4...])
        #expect(json["id"] == .int(4))
        #expect(json["ok"] == .bool(false))
        #expect(json["error"]?["code"] == "not_found")
        #expect(json["error"]?["details"]?["field"] == "x")
    }
}
