/// A request id as the client wrote it: the reply carries it back unchanged.
public enum RequestID: Sendable, Equatable, Hashable {
    case string(String)
    case int(Int64)

    public var json: JSONValue {
        switch self {
        case .string(let s): .string(s)
        case .int(let i): .int(i)
        }
    }
}

/// A decoded request: `{"id", "op", "args"?, "idempotency_key"?}`.
public struct Request: Sendable, Equatable {
    public var id: RequestID
    public var op: String
    public var args: JSONObject
    public var idempotencyKey: String?

    public init(id: RequestID, op: String, args: JSONObject = [:], idempotencyKey: String? = nil) {
        self.id = id
        self.op = op
        self.args = args
        self.idempotencyKey = idempotencyKey
    }

    public static let envelopeFields: Set<String> = ["id", "op", "args", "idempotency_key"]

    /// Decodes a frame body. On failure the error carries the id when one could be
    /// read from a JSON object, so the client can match the reply.
    public static func decode(_ body: [UInt8], maxDepth: Int = JSONParser.defaultMaxDepth) -> Result<Request, EnvelopeError> {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body, maxDepth: maxDepth)
        } catch {
            return .failure(EnvelopeError(id: nil, error: WireError(.badJSON, error.description)))
        }
        return decode(json)
    }

    public static func decode(_ json: JSONValue) -> Result<Request, EnvelopeError> {
        guard case .object(let object) = json else {
            return .failure(EnvelopeError(id: nil, error: WireError(.badRequest, "a request must be a JSON object")))
        }
        let id: RequestID
        switch object["id"] {
        case .string(let s)?: id = .string(s)
        case .int(let i)?: id = .int(i)
        case nil:
            return .failure(EnvelopeError(id: nil, error: WireError(.badRequest, "the request has no \"id\"", details: ["field": "id"])))
        default:
            return .failure(
                EnvelopeError(id: nil, error: WireError(.badRequest, "\"id\" must be a string or an integer", details: ["field": "id"])))
        }
        func fail(_ message: String, field: String) -> Result<Request, EnvelopeError> {
            .failure(EnvelopeError(id: id, error: WireError(.badRequest, message, details: ["field": .string(field)])))
        }
        guard let opValue = object["op"] else { return fail("the request has no \"op\"", field: "op") }
        guard case .string(let op) = opValue else { return fail("\"op\" must be a string", field: "op") }
        var args = JSONObject()
        if let argsValue = object["args"] {
            guard case .object(let a) = argsValue else { return fail("\"args\" must be an object", field: "args") }
            args = a
        }
        var key: String?
        if let keyValue = object["idempotency_key"] {
            guard case .string(let k) = keyValue, (1...128).contains(k.count) else {
                return fail("\"idempotency_key\" must be a string of 1 to 128 characters", field: "idempotency_key")
            }
            key = k
        }
        if let unknown = object.keys.first(where: { !envelopeFields.contains($0) }) {
            return fail("unknown envelope field \"\(unknown)\" (allowed: id, op, args, idempotency_key)", field: unknown)
        }
        return .success(Request(id: id, op: op, args: args, idempotencyKey: key))
    }
}

/// An envelope that could not be decoded, and the id to answer it with (nil: `null`).
public struct EnvelopeError: Error, Sendable, Equatable {
    public var id: RequestID?
    public var error: WireError
}

/// A reply on the wire.
public enum Reply {
    /// The framed bytes of a reply body (`{"ok", "result"|"error"}`) under `id`,
    /// with `id` first as people read replies: one pass, no intermediate object.
    ///
    /// Written straight into one buffer, which starts large enough for most
    /// replies: growing an empty array to a ping's reply reallocated it five times.
    public static func frame(id: RequestID?, body: JSONObject, maxBody: Int = maxFrameBody) -> [UInt8] {
        var bytes = framePrefix()
        bytes.append(contentsOf: #"{"id":"#.utf8)
        JSONWriter.write(id?.json ?? .null, into: &bytes)
        for (key, value) in body where key != "id" {
            bytes.append(UInt8(ascii: ","))
            JSONWriter.writeString(key, into: &bytes)
            bytes.append(UInt8(ascii: ":"))
            JSONWriter.write(value, into: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
        guard bytes.count - 4 <= maxBody else {
            // A frame's length is 32 bits: say so rather than trap.
            let error = WireError(
                .overloaded, "the reply would be \(bytes.count - 4) bytes, more than a frame can carry; ask for less",
                details: ["max_reply": .int(Int64(maxBody))])
            return frame(id: id, body: ["ok": false, "error": error.json])
        }
        writeLength(into: &bytes)
        return bytes
    }

    /// The largest body a frame's 32-bit length can announce.
    public static let maxFrameBody = Int(UInt32.max)

    static let typicalReplySize = 256

    private static func framePrefix() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(typicalReplySize)
        for _ in 0..<4 { bytes.append(0) }
        return bytes
    }

    /// Fills in the length prefix that `framePrefix` left as zeros.
    private static func writeLength(into bytes: inout [UInt8]) {
        precondition(bytes.count - 4 <= maxFrameBody, "a reply over 4 GiB must be refused before it is framed")
        let length = UInt32(bytes.count - 4)
        bytes[0] = UInt8(truncatingIfNeeded: length >> 24)
        bytes[1] = UInt8(truncatingIfNeeded: length >> 16)
        bytes[2] = UInt8(truncatingIfNeeded: length >> 8)
        bytes[3] = UInt8(truncatingIfNeeded: length)
    }
}
