import SoudanProtocol

/// Typed reads of arguments the schema has already checked.
extension JSONObject {
    func string(_ key: String) -> String? { self[key]?.stringValue }
    func int(_ key: String) -> Int64? { self[key]?.intValue }
    func bool(_ key: String) -> Bool? { self[key]?.boolValue }
    func object(_ key: String) -> JSONObject? { self[key]?.objectValue }

    /// A required string (the schema guarantees it is there).
    func text(_ key: String) -> String { string(key) ?? "" }

    func instant(_ key: String) -> Instant? { string(key).flatMap(WireTime.parseInstant) }
    func date(_ key: String) -> CivilDate? { string(key).flatMap(WireTime.parseDate) }

    /// A required text field that must hold more than white space.
    func nonBlank(_ key: String) throws(WireError) -> String {
        let value = text(key)
        guard !value.allSatisfy(\.isWhitespace) else { throw .invalidArgs(field: key, "\(key) must not be blank") }
        return value
    }
}

extension JSONValue {
    static func time(_ instant: Instant?) -> JSONValue { instant.map { .string(WireTime.format($0)) } ?? .null }
}
