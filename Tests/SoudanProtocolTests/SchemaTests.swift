import Testing

@testable import SoudanProtocol

@Suite struct SchemaTests {
    let schema = try! Schema.compile(
        try! JSONParser.parse(
            Array(
                #"""
                {
                  "type": "object", "additionalProperties": false, "required": ["seeker_no", "preferences"],
                  "properties": {
                    "seeker_no": { "type": "string", "pattern": "^\\d{5}-\\d{8}$" },
                    "preferences": { "type": "array", "minItems": 1, "maxItems": 3, "items": { "type": "string", "format": "date-time" } },
                    "meeting": { "$ref": "#/$defs/meeting" },
                    "minutes": { "type": "integer", "minimum": 0 },
                    "channel": { "enum": ["web", "phone"] },
                    "flag": { "const": true }
                  },
                  "$defs": { "meeting": { "type": "object", "additionalProperties": false, "required": ["join_url"],
                                          "properties": { "join_url": { "type": "string", "minLength": 1 } } } }
                }
                """#.utf8)))

    func field(_ args: JSONObject) -> String? {
        do {
            try schema.validate(.object(args))
            return nil
        } catch {
            #expect(error.code == .invalidArgs)
            return error.details["field"]?.stringValue
        }
    }

    let valid: JSONObject = ["seeker_no": "13100-12345678", "preferences": ["2026-12-01T10:00:00+09:00"]]

    @Test func acceptsValidArgs() {
        #expect(field(valid) == nil)
    }

    @Test func namesTheOffendingFieldAsADottedPathWithIndexes() {
        var args = valid
        args["preferences"] = ["2026-12-01T10:00:00+09:00", "tomorrow"]
        #expect(field(args) == "preferences[1]")
        args = valid
        args["meeting"] = ["join_url": ""]
        #expect(field(args) == "meeting.join_url")
        args["meeting"] = ["join_url": "x", "typo": 1]
        #expect(field(args) == "meeting.typo")
    }

    @Test func refusesUnknownFieldsBeforeMissingOnes() {
        #expect(field(["seekr_no": "13100-12345678"]) == "seekr_no")
        #expect(field(["seeker_no": "13100-12345678"]) == "preferences")
    }

    @Test(arguments: ["1310012345678", "13100-1234567", "a3100-12345678", "13100-123456789", " 13100-12345678"])
    func checksPatterns(seekerNo: String) {
        var args = valid
        args["seeker_no"] = .string(seekerNo)
        #expect(field(args) == "seeker_no")
    }

    @Test func checksTypesRangesEnumsConstAndCounts() {
        for (key, value) in [
            ("minutes", JSONValue.int(-1)), ("minutes", .double(1.5)), ("minutes", "3"),
            ("channel", "fax"), ("flag", false), ("preferences", .array([])),
        ] {
            var args = valid
            args[key] = value
            #expect(field(args) == key, "\(key) = \(value)")
        }
        var args = valid
        args["preferences"] = .array(Array(repeating: "2026-12-01T10:00:00+09:00", count: 4))
        #expect(field(args) == "preferences")
    }

    @Test func refusesKeywordsItDoesNotImplement() {
        #expect(throws: Schema.CompileError.self) {
            try Schema.compile(["type": "object", "oneOf": []])
        }
    }

    @Test func everyEmbeddedProtocolSchemaCompilesAndForbidsUnknownArgs() throws {
        let schemas = ProtocolSchemas.embedded
        #expect(!schemas.operations.isEmpty)
        for (name, op) in schemas.operations {
            #expect(op.document["additionalProperties"] == .bool(false), "\(name) must refuse unknown args")
            #expect(op.document["title"] == .string(name), "\(name).json must be titled with its name")
            do {
                try op.schema.validate(.object(["surely_not_a_field": 1]))
                Issue.record("\(name) accepted an unknown field")
            } catch {
                #expect(error.details["field"] == "surely_not_a_field")
            }
        }
    }
}
