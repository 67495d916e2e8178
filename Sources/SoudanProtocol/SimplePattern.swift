/// A tiny anchored pattern matcher for the shapes the protocol's `pattern`
/// keywords use: `^`, `$`, literals, `\d`, character classes like `[0-9A-Za-z_-]`,
/// and the quantifiers `{n}`, `{n,m}`, `+`, `*`, `?` on a single atom.
///
/// Why not `Regex` or `NSRegularExpression`: validation runs on the loop thread for
/// every request, and these patterns are simple enough to match without
/// backtracking in a few lines we can read. A pattern outside this subset is
/// refused when the schema compiles, never half-matched.
struct SimplePattern: Sendable {
    private struct Atom: Sendable {
        var accepts: @Sendable (Unicode.Scalar) -> Bool
        var min: Int
        var max: Int
    }

    private let atoms: [Atom]

    init?(_ text: String) {
        var scalars = Array(text.unicodeScalars)
        guard scalars.first == "^", scalars.last == "$" else { return nil }
        scalars.removeFirst()
        scalars.removeLast()
        var atoms: [Atom] = []
        var i = 0
        while i < scalars.count {
            var accepts: @Sendable (Unicode.Scalar) -> Bool
            let c = scalars[i]
            if c == "\\" {
                guard i + 1 < scalars.count else { return nil }
                let e = scalars[i + 1]
                i += 2
                switch e {
                case "d": accepts = { ("0"..."9").contains($0) }
                case "s": accepts = { $0 == " " || $0 == "\t" }
                case "-", ".", "+", "(", ")", "[", "]", "{", "}", "\\", "/", "^", "$", "*", "?":
                    accepts = { $0 == e }
                default: return nil
                }
            } else if c == "[" {
                guard let close = scalars[(i + 1)...].firstIndex(of: "]") else { return nil }
                var ranges: [ClosedRange<Unicode.Scalar>] = []
                var j = i + 1
                var negate = false
                if j < close, scalars[j] == "^" { negate = true; j += 1 }
                while j < close {
                    var lo = scalars[j]
                    if lo == "\\", j + 1 < close {
                        lo = scalars[j + 1] == "d" ? "0" : scalars[j + 1]
                        if scalars[j + 1] == "d" { ranges.append("0"..."9"); j += 2; continue }
                        j += 1
                    }
                    if j + 2 < close, scalars[j + 1] == "-" {
                        ranges.append(lo...scalars[j + 2])
                        j += 3
                    } else {
                        ranges.append(lo...lo)
                        j += 1
                    }
                }
                let set = ranges
                let negated = negate
                accepts = { (scalar: Unicode.Scalar) -> Bool in
                    let inSet = set.contains { range in range.contains(scalar) }
                    return inSet != negated
                }
                i = close + 1
            } else if c == "." {
                accepts = { _ in true }
                i += 1
            } else if "(|)+*?{}".unicodeScalars.contains(c) {
                return nil
            } else {
                accepts = { $0 == c }
                i += 1
            }
            var min = 1
            var max = 1
            if i < scalars.count {
                switch scalars[i] {
                case "+": min = 1; max = Int.max; i += 1
                case "*": min = 0; max = Int.max; i += 1
                case "?": min = 0; max = 1; i += 1
                case "{":
                    guard let close = scalars[i...].firstIndex(of: "}") else { return nil }
                    let body = String(String.UnicodeScalarView(scalars[(i + 1)..<close]))
                    let parts = body.split(separator: ",", omittingEmptySubsequences: false)
                    guard let lo = Int(parts[0]) else { return nil }
                    min = lo
                    if parts.count == 1 { max = lo } else if parts[1].isEmpty { max = Int.max } else {
                        guard let hi = Int(parts[1]) else { return nil }
                        max = hi
                    }
                    i = close + 1
                default: break
                }
            }
            atoms.append(Atom(accepts: accepts, min: min, max: max))
        }
        self.atoms = atoms
    }

    /// Greedy matching is exact here because a pattern's atoms never need to give
    /// back what they took, as long as adjacent repeated atoms accept disjoint sets —
    /// true of every pattern in `protocol/` (checked by the tests).
    func matches(_ string: String) -> Bool {
        let scalars = Array(string.unicodeScalars)
        var position = 0
        for atom in atoms {
            var taken = 0
            while taken < atom.max, position < scalars.count, atom.accepts(scalars[position]) {
                taken += 1
                position += 1
            }
            if taken < atom.min { return false }
        }
        return position == scalars.count
    }
}
