/// A compiled JSON Schema: the subset of draft 2020-12 that `protocol/` uses.
///
/// Keywords: `type` (one or a list), `properties`, `required`,
/// `additionalProperties` (false or a schema), `items`, `minItems`, `maxItems`,
/// `enum`, `const`, `minLength`, `maxLength`, `pattern`, `minimum`, `maximum`,
/// `format` (`date`, `date-time`, `time-of-day`), and `$ref` into the document's own
/// `$defs`. Any other keyword is refused when the schema is compiled, so a schema
/// can never promise a check the server does not make.
public final class Schema: Sendable {
    public let source: JSONValue
    let types: [String]?
    let properties: [(String, Schema)]
    let required: [String]
    let additionalProperties: AdditionalProperties
    let items: Schema?
    let minItems: Int?
    let maxItems: Int?
    let enumValues: [JSONValue]?
    let constValue: JSONValue?
    let minLength: Int?
    let maxLength: Int?
    let pattern: SchemaPattern?
    let minimum: Double?
    let maximum: Double?
    let format: Format?

    enum AdditionalProperties: Sendable {
        case allowed
        case forbidden
        case schema(Schema)
    }

    enum Format: String, Sendable {
        case date
        case dateTime = "date-time"
        case timeOfDay = "time-of-day"
    }

    public struct CompileError: Error, CustomStringConvertible {
        public let description: String
    }

    static let annotationKeywords: Set<String> = [
        "$schema", "$id", "$comment", "$defs", "title", "description", "examples", "default", "deprecated",
    ]

    /// Compiles a schema document.
    public static func compile(_ document: JSONValue) throws -> Schema {
        try compile(document, defs: document["$defs"]?.objectValue ?? [:], depth: 0)
    }

    static func compile(_ json: JSONValue, defs: JSONObject, depth: Int) throws -> Schema {
        guard depth < 32 else { throw CompileError(description: "schema nests too deeply (a $ref cycle?)") }
        if let ref = json["$ref"]?.stringValue {
            let prefix = "#/$defs/"
            guard ref.hasPrefix(prefix), let target = defs[String(ref.dropFirst(prefix.count))] else {
                throw CompileError(description: "unresolvable $ref \(ref)")
            }
            // Keywords beside $ref (a description, say) are annotations; the target decides.
            return try compile(target, defs: defs, depth: depth + 1)
        }
        return try Schema(json, defs: defs, depth: depth)
    }

    private init(_ json: JSONValue, defs: JSONObject, depth: Int) throws {
        guard let object = json.objectValue else { throw CompileError(description: "a schema must be an object") }
        source = json
        let known: Set<String> = [
            "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "enum", "const",
            "minLength", "maxLength", "pattern", "minimum", "maximum", "format",
        ]
        if let unknown = object.keys.first(where: { !known.contains($0) && !Self.annotationKeywords.contains($0) }) {
            throw CompileError(description: "unsupported schema keyword \(unknown)")
        }
        switch object["type"] {
        case .string(let t)?: types = [t]
        case .array(let ts)?: types = ts.compactMap(\.stringValue)
        default: types = nil
        }
        properties = try (object["properties"]?.objectValue ?? [:]).members.map {
            ($0.key, try Schema.compile($0.value, defs: defs, depth: depth + 1))
        }
        required = object["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
        switch object["additionalProperties"] {
        case .bool(false)?: additionalProperties = .forbidden
        case .object?: additionalProperties = .schema(try Schema.compile(object["additionalProperties"]!, defs: defs, depth: depth + 1))
        default: additionalProperties = .allowed
        }
        items = try object["items"].map { try Schema.compile($0, defs: defs, depth: depth + 1) }
        minItems = object["minItems"]?.intValue.map(Int.init)
        maxItems = object["maxItems"]?.intValue.map(Int.init)
        enumValues = object["enum"]?.arrayValue
        constValue = object["const"]
        minLength = object["minLength"]?.intValue.map(Int.init)
        maxLength = object["maxLength"]?.intValue.map(Int.init)
        if let text = object["pattern"]?.stringValue {
            guard let compiled = SchemaPattern(text) else { throw CompileError(description: "pattern \(text) is not a regular expression") }
            pattern = compiled
        } else {
            pattern = nil
        }
        minimum = object["minimum"]?.numberValue
        maximum = object["maximum"]?.numberValue
        if let f = object["format"]?.stringValue {
            guard let format = Format(rawValue: f) else { throw CompileError(description: "unsupported format \(f)") }
            self.format = format
        } else {
            format = nil
        }
    }

    /// Checks a value; the error is `invalid_args` naming the first offending field.
    public func validate(_ value: JSONValue) throws(WireError) {
        try validate(value, path: "")
    }

    private func validate(_ value: JSONValue, path: String) throws(WireError) {
        let here = path.isEmpty ? "args" : path
        if let types, !types.contains(where: { Self.matches(value, type: $0) }) {
            throw .invalidArgs(field: path, "\(here) must be \(Self.describe(types)), not \(value.typeName)")
        }
        if let constValue, !Self.equal(value, constValue) {
            throw .invalidArgs(field: path, "\(here) must be \(JSONWriter.string(constValue))")
        }
        if let enumValues, !enumValues.contains(where: { Self.equal(value, $0) }) {
            let choices = enumValues.map { JSONWriter.string($0) }.joined(separator: ", ")
            throw .invalidArgs(field: path, "\(here) must be one of \(choices)")
        }
        switch value {
        case .string(let s): try validateString(s, path: path, here: here)
        case .int, .double: try validateNumber(value.numberValue!, path: path, here: here)
        case .array(let elements):
            if let minItems, elements.count < minItems {
                throw .invalidArgs(field: path, "\(here) needs at least \(minItems) item\(minItems == 1 ? "" : "s")")
            }
            if let maxItems, elements.count > maxItems {
                throw .invalidArgs(field: path, "\(here) takes at most \(maxItems) item\(maxItems == 1 ? "" : "s")")
            }
            if let items {
                for (index, element) in elements.enumerated() {
                    try items.validate(element, path: "\(path)[\(index)]")
                }
            }
        case .object(let object): try validateObject(object, path: path)
        // Requests are parsed, so they never hold `.encoded`, which only replies carry.
        case .null, .bool, .encoded: break
        }
    }

    private func validateObject(_ object: JSONObject, path: String) throws(WireError) {
        func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
        // Unknown fields first: a typo'd optional field should say so, not "missing".
        for (key, value) in object.members {
            if properties.contains(where: { $0.0 == key }) { continue }
            switch additionalProperties {
            case .allowed: break
            case .forbidden: throw .invalidArgs(field: child(key), "unknown field \"\(key)\"")
            case .schema(let schema): try schema.validate(value, path: child(key))
            }
        }
        for key in required where object[key] == nil {
            throw .invalidArgs(field: child(key), "missing required field \"\(key)\"")
        }
        for (key, schema) in properties {
            if let value = object[key] { try schema.validate(value, path: child(key)) }
        }
    }

    private func validateString(_ s: String, path: String, here: String) throws(WireError) {
        if minLength != nil || maxLength != nil {
            let length = s.unicodeScalars.count
            if let minLength, length < minLength {
                throw .invalidArgs(
                    field: path, minLength == 1 ? "\(here) must not be empty" : "\(here) must have at least \(minLength) characters")
            }
            if let maxLength, length > maxLength {
                throw .invalidArgs(field: path, "\(here) must have at most \(maxLength) characters")
            }
        }
        if let pattern, !pattern.matches(s) {
            throw .invalidArgs(field: path, "\(here) must match \(pattern.text)")
        }
        switch format {
        case .date?:
            if WireTime.parseDate(s) == nil { throw .invalidArgs(field: path, "\(here) must be a date YYYY-MM-DD") }
        case .dateTime?:
            if WireTime.parseInstant(s) == nil {
                throw .invalidArgs(field: path, "\(here) must be an ISO 8601 time with an offset, like 2026-12-01T10:00:00+09:00")
            }
        case .timeOfDay?:
            if WireTime.parseTimeOfDay(s) == nil { throw .invalidArgs(field: path, "\(here) must be a time HH:MM") }
        case nil: break
        }
    }

    private func validateNumber(_ n: Double, path: String, here: String) throws(WireError) {
        if let minimum, n < minimum { throw .invalidArgs(field: path, "\(here) must be at least \(Self.number(minimum))") }
        if let maximum, n > maximum { throw .invalidArgs(field: path, "\(here) must be at most \(Self.number(maximum))") }
    }

    private static func number(_ d: Double) -> String { JSONWriter.string(.double(d)) }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("integer", .int), ("number", .int), ("number", .double),
            ("string", .string), ("array", .array), ("object", .object):
            true
        default: false
        }
    }

    private static func describe(_ types: [String]) -> String {
        types.map { t in t == "integer" || t == "array" || t == "object" ? "an \(t)" : "a \(t)" }.joined(separator: " or ")
    }

    /// Equality as JSON Schema defines it for `enum` and `const`: numbers by
    /// value (`1` and `1.0` are equal), arrays and objects member by member.
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)):
            return y.rounded() == y && abs(y) < 9.2e18 && Int64(y) == x
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            return x.keys.count == y.keys.count && x.allSatisfy { member in y[member.key].map { equal(member.value, $0) } ?? false }
        default:
            return a == b
        }
    }
}
