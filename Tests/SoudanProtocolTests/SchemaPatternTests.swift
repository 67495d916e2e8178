import Testing

@testable import SoudanProtocol

/// `pattern` as JSON Schema 2020-12 means it (ECMA-262 semantics), through `Regex`.
@Suite struct SchemaPatternTests {
    func pattern(_ text: String) throws -> SchemaPattern { try #require(SchemaPattern(text)) }

    /// The hand-written matcher accepted this pattern and then refused "aa":
    /// it never backtracked into `a*`.
    @Test func aStarThenAMatchesByBacktracking() throws {
        let p = try pattern("^a*a$")
        #expect(p.matches("a"))
        #expect(p.matches("aa"))
        #expect(p.matches("aaaa"))
        #expect(!p.matches(""))
        #expect(!p.matches("ab"))
    }

    @Test func digitsAreAsciiOnly() throws {
        let seekerNo = try pattern("^\\d{5}-\\d{8}$")
        #expect(seekerNo.matches("13010-12345678"))
        #expect(!seekerNo.matches("１３０１０-12345678"))  // full-width digits
        #expect(!seekerNo.matches("١٣٠١٠-12345678"))  // Arabic-Indic digits
    }

    @Test func dollarDoesNotMatchBeforeATrailingNewline() throws {
        #expect(!(try pattern("^\\d{5}-\\d{8}$")).matches("13010-12345678\n"))
        #expect(!(try pattern("^https://.+$")).matches("https://\n"))
    }

    @Test func characterClassesCountCodePointsNotGraphemes() throws {
        let ids = try pattern("^[A-Za-z0-9_-]{1,3}$")
        #expect(ids.matches("a_-"))
        // "e" + COMBINING ACUTE ACCENT: one Character, two code points; the accent is not in the class.
        #expect(!ids.matches("e\u{301}"))
    }

    @Test func anUnanchoredPatternMatchesAnywhere() throws {
        #expect(try pattern("b+").matches("abbc"))
        #expect(!(try pattern("^b+")).matches("abbc"))
    }

    @Test func aPatternThatIsNotARegularExpressionIsRefusedAtCompileTime() throws {
        #expect(SchemaPattern("^[a-") == nil)
        #expect(throws: Schema.CompileError.self) { try Schema.compile(["type": "string", "pattern": "(unclosed"]) }
    }
}

/// `enum` and `const` compare numbers by value, as JSON Schema does.
@Suite struct SchemaEqualityTests {
    @Test func oneAndOnePointZeroAreTheSameEnumValue() throws {
        let schema = try Schema.compile(["enum": [1, "a"]])
        #expect(throws: Never.self) { try schema.validate(.double(1.0)) }
        #expect(throws: WireError.self) { try schema.validate(.double(1.5)) }
        let constant = try Schema.compile(["const": [["n": 2.0]]])
        #expect(throws: Never.self) { try constant.validate([["n": 2]]) }
        #expect(throws: WireError.self) { try constant.validate([["n": 3]]) }
    }
}
