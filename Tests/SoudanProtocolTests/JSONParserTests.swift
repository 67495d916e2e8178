import Testing

@testable import SoudanProtocol

@Suite struct JSONParserTests {
    func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(#" {"s":"a\"b\\c\n\u00e9\ud83d\ude00","i":-42,"d":1.5e2,"t":true,"f":false,"n":null,"a":[1,[]],"o":{}} "#)
        #expect(value["s"] == .string("a\"b\\c\né😀"))
        #expect(value["i"] == .int(-42))
        #expect(value["d"] == .double(150))
        #expect(value["t"] == .bool(true))
        #expect(value["f"] == .bool(false))
        #expect(value["n"] == .null)
        #expect(value["a"] == .array([.int(1), .array([])]))
        #expect(value["o"] == .object([:]))
    }

    @Test func keepsIntegersApartFromOtherNumbers() throws {
        #expect(try parse("7") == .int(7))
        #expect(try parse("7.0") == .double(7))
        #expect(try parse("1e2") == .double(100))
        #expect(try parse("9223372036854775807") == .int(.max))
        #expect(try parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "tru", "\"abc", "{'a':1}", "[1] x", "/* c */ 1",
        "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "\"a\u{01}\"", "NaN", "{\"a\" 1}",
    ])
    func refusesWhatIsNotStrictJSON(text: String) {
        #expect(throws: JSONParseError.self) { try parse(text) }
    }

    @Test func refusesDuplicateKeys() {
        #expect(throws: JSONParseError.duplicateKey("a")) { try parse(#"{"a":1,"a":2}"#) }
    }

    /// Small objects are checked by a scan, large ones by a set: a duplicate is
    /// found on either side of the switch, and wherever it sits.
    @Test(arguments: [2, 15, 16, 17, 40, 5000])
    func refusesDuplicateKeysInObjectsOfAnySize(keys: Int) throws {
        let members = (0..<keys).map { "\"k\($0)\":\($0)" }
        #expect(try parse("{" + members.joined(separator: ",") + "}").objectValue?.count == keys)
        for duplicate in Set([0, keys / 2, keys - 1]) {
            let text = "{" + (members + ["\"k\(duplicate)\":0"]).joined(separator: ",") + "}"
            #expect(throws: JSONParseError.duplicateKey("k\(duplicate)")) { try parse(text) }
        }
    }

    @Test func refusesDeepNestingWithoutRecursingForever() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParseError.tooDeep(limit: JSONParser.defaultMaxDepth)) { try parse(deep) }
        let fine = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try parse(fine) }
    }

    @Test func refusesNumbersOutOfRange() {
        #expect(throws: JSONParseError.numberOutOfRange(offset: 0)) { try parse("1e400") }
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
        do {
            _ = try JSONParser.parse([0xC3, 0x28])
            Issue.record("accepted invalid UTF-8")
        } catch {
            #expect(error == .invalidUTF8(offset: 0))
        }
    }

    @Test func writerRoundTripsAndEscapes() throws {
        let value: JSONValue = ["b": "line\nquote\"tab\t\u{01}é", "a": [1, 2.5, true, nil], "c": ["x": -3]]
        let text = JSONWriter.string(value)
        #expect(try parse(text) == value)
        #expect(text.contains("\\u0001"))
        #expect(JSONWriter.string(value, sortedKeys: true).hasPrefix("{\"a\""))
    }
}
