/// A schema's `pattern`, compiled once with the standard library's `Regex`.
///
/// JSON Schema 2020-12 takes patterns as ECMA-262 regular expressions, matched
/// anywhere in the string unless anchored (every pattern in `protocol/` is
/// anchored with `^…$`). Three options bring `Regex` to those rules: matching
/// by Unicode scalar (code point), as ECMA-262 does, not by Character; `\d` as
/// ASCII digits only, so a full-width "１" is not a digit; and the default `$`,
/// which does not match before a trailing newline. `SchemaPatternTests` holds
/// each of these, and every pattern of `protocol/` compiles at build time of
/// the embedded schemas (`ProtocolSchemas.embedded`).
struct SchemaPattern: @unchecked Sendable {
    // @unchecked: `Regex` is not declared Sendable because its output type may not
    // be; `Substring` is, and a compiled `Regex` holds no state we mutate (its
    // lazily lowered program is published atomically by the library), so one
    // instance is matched from every thread.
    private let regex: Regex<Substring>
    let text: String

    /// Nil when the text is not a regular expression `Regex` accepts.
    init?(_ text: String) {
        guard let regex = try? Regex(text, as: Substring.self) else { return nil }
        self.regex = regex.asciiOnlyDigits().matchingSemantics(.unicodeScalar)
        self.text = text
    }

    /// Whether the pattern matches somewhere in `string` (JSON Schema's rule).
    func matches(_ string: String) -> Bool {
        (try? regex.firstMatch(in: string)) != nil
    }
}
