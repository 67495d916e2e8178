/// Why a byte string is not a JSON document we accept.
public enum JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidUTF8(offset: Int)
    case syntax(offset: Int, expected: String)
    case tooDeep(limit: Int)
    case duplicateKey(String)
    case numberOutOfRange(offset: Int)

    public var description: String {
        switch self {
        case .invalidUTF8(let offset): "not UTF-8 (byte \(offset))"
        case .syntax(let offset, let expected): "not JSON: expected \(expected) at byte \(offset)"
        case .tooDeep(let limit): "not accepted: nested deeper than \(limit) levels"
        case .duplicateKey: "not accepted: an object has a duplicate key"
        case .numberOutOfRange(let offset): "not accepted: number out of range at byte \(offset)"
        }
    }
}

/// A strict RFC 8259 parser over bytes.
///
/// Refuses what a lenient parser would guess at: trailing commas, comments, leading
/// zeros, lone surrogates, invalid UTF-8, duplicate keys (which JSON leaves
/// undefined, and which would let a client and the server read different requests),
/// non-finite numbers, and nesting beyond `maxDepth` (so that a hostile document
/// cannot exhaust the stack).
public struct JSONParser {
    public static let defaultMaxDepth = 64

    public static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        // Frame bodies are arrays already: parse them in place, copy anything else once.
        if let result = bytes.withContiguousStorageIfAvailable({ buffer in
            Result { () throws(JSONParseError) in try parse(buffer, maxDepth: maxDepth) }
        }) {
            return try result.get()
        }
        return try Array(bytes).withUnsafeBufferPointer { buffer throws(JSONParseError) in try parse(buffer, maxDepth: maxDepth) }
    }

    private static func parse(_ buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(buffer: buffer, maxDepth: maxDepth)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == buffer.count else { throw parser.syntaxError("end of input") }
        return value
    }

    private let buffer: UnsafeBufferPointer<UInt8>
    private let maxDepth: Int
    private var index = 0

    private init(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.buffer = buffer
        self.maxDepth = maxDepth
    }

    private func syntaxError(_ expected: String) -> JSONParseError {
        // A byte that can never start UTF-8 is reported as such, so that "not UTF-8"
        // wins over "not JSON" for binary garbage.
        if index < buffer.count, buffer[index] >= 0x80, String(validating: buffer[index...].prefix(4), as: UTF8.self) == nil,
            String(validating: buffer, as: UTF8.self) == nil
        {
            return .invalidUTF8(offset: index)
        }
        return .syntax(offset: index, expected: expected)
    }

    private mutating func skipWhitespace() {
        while index < buffer.count {
            switch buffer[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard index < buffer.count else { throw syntaxError("a value") }
        switch buffer[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw syntaxError("a value")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= buffer.count else { throw syntaxError("\(literal)") }
        for offset in 0..<count where buffer[index + offset] != literal.utf8Start[offset] {
            throw syntaxError("\(literal)")
        }
        index += count
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw .tooDeep(limit: maxDepth) }
        index += 1
        var object = JSONObject()
        skipWhitespace()
        if index < buffer.count, buffer[index] == UInt8(ascii: "}") {
            index += 1
            return .object(object)
        }
        // Duplicate keys: a look through the keys so far while the object is small
        // (requests are), a set once it is not, so a hostile object with a
        // million keys stays linear.
        var seen: Set<String>?
        while true {
            skipWhitespace()
            guard index < buffer.count, buffer[index] == UInt8(ascii: "\"") else { throw syntaxError("a key") }
            let key = try parseString()
            if seen == nil, object.count >= 16 { seen = Set(object.keys) }
            if seen != nil {
                guard seen!.insert(key).inserted else { throw .duplicateKey(key) }
            } else if object.members.contains(where: { $0.key == key }) {
                throw .duplicateKey(key)
            }
            skipWhitespace()
            guard index < buffer.count, buffer[index] == UInt8(ascii: ":") else { throw syntaxError("':'") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            object.appendUnchecked(key, value)
            skipWhitespace()
            guard index < buffer.count else { throw syntaxError("',' or '}'") }
            if buffer[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if buffer[index] == UInt8(ascii: "}") {
                index += 1
                return .object(object)
            }
            throw syntaxError("',' or '}'")
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw .tooDeep(limit: maxDepth) }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < buffer.count, buffer[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < buffer.count else { throw syntaxError("',' or ']'") }
            if buffer[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if buffer[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            throw syntaxError("',' or ']'")
        }
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        index += 1  // opening quote
        // Most strings (every key, every op name) have no escape: they become a
        // String straight from the input, without a buffer of their own.
        // ASCII needs no validation, and `String(decoding:)` has a fast path for
        // it; `String(validating:)` is generic all the way down (its metadata was
        // looked up on every call) and is kept for the rest.
        let start = index
        var high: UInt8 = 0
        while index < buffer.count {
            let byte = buffer[index]
            if byte == UInt8(ascii: "\"") {
                let bytes = UnsafeBufferPointer(rebasing: buffer[start..<index])
                let decoded = high < 0x80 ? String(decoding: bytes, as: UTF8.self) : String(validating: bytes, as: UTF8.self)
                guard let string = decoded else { throw .invalidUTF8(offset: start) }
                index += 1
                return string
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            high |= byte
            index += 1
        }
        index = start
        var bytes: [UInt8] = []
        var runStart = index
        while true {
            guard index < buffer.count else { throw syntaxError("'\"'") }
            let byte = buffer[index]
            if byte == UInt8(ascii: "\"") {
                bytes.append(contentsOf: buffer[runStart..<index])
                index += 1
                break
            }
            if byte < 0x20 { throw syntaxError("no control character in a string") }
            if byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: buffer[runStart..<index])
                try parseEscape(into: &bytes)
                runStart = index
                continue
            }
            index += 1
        }
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw .invalidUTF8(offset: runStart)
        }
        return string
    }

    private mutating func parseEscape(into bytes: inout [UInt8]) throws(JSONParseError) {
        index += 1
        guard index < buffer.count else { throw syntaxError("an escape") }
        let byte = buffer[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): bytes.append(0x22)
        case UInt8(ascii: "\\"): bytes.append(0x5C)
        case UInt8(ascii: "/"): bytes.append(0x2F)
        case UInt8(ascii: "b"): bytes.append(0x08)
        case UInt8(ascii: "f"): bytes.append(0x0C)
        case UInt8(ascii: "n"): bytes.append(0x0A)
        case UInt8(ascii: "r"): bytes.append(0x0D)
        case UInt8(ascii: "t"): bytes.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard index + 1 < buffer.count, buffer[index] == UInt8(ascii: "\\"), buffer[index + 1] == UInt8(ascii: "u")
                else { throw syntaxError("a low surrogate") }
                index += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw syntaxError("a low surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw syntaxError("no lone low surrogate")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw syntaxError("a Unicode scalar") }
            bytes.append(contentsOf: Array(String(Character(unicode)).utf8))
        default:
            index -= 1
            throw syntaxError("a valid escape")
        }
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= buffer.count else { throw syntaxError("four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = buffer[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw syntaxError("a hex digit")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        var isInteger = true
        if buffer[index] == UInt8(ascii: "-") { index += 1 }
        guard index < buffer.count, isDigit(buffer[index]) else { throw syntaxError("a digit") }
        if buffer[index] == UInt8(ascii: "0") {
            index += 1
            if index < buffer.count, isDigit(buffer[index]) { throw syntaxError("no leading zero") }
        } else {
            while index < buffer.count, isDigit(buffer[index]) { index += 1 }
        }
        if index < buffer.count, buffer[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < buffer.count, isDigit(buffer[index]) else { throw syntaxError("a digit after '.'") }
            while index < buffer.count, isDigit(buffer[index]) { index += 1 }
        }
        if index < buffer.count, buffer[index] == UInt8(ascii: "e") || buffer[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < buffer.count, buffer[index] == UInt8(ascii: "+") || buffer[index] == UInt8(ascii: "-") { index += 1 }
            guard index < buffer.count, isDigit(buffer[index]) else { throw syntaxError("a digit in the exponent") }
            while index < buffer.count, isDigit(buffer[index]) { index += 1 }
        }
        // The text is ASCII by construction.
        let text = String(decoding: buffer[start..<index], as: UTF8.self)
        if isInteger, let integer = Int64(text) { return .int(integer) }
        guard let double = Double(text), double.isFinite else { throw .numberOutOfRange(offset: start) }
        return .double(double)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
