import Foundation
import SoudanProtocol

/// Printing for people: tables that line up Japanese text, and one-line errors.
enum Output {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("soudanctl: \(message)\n".utf8))
    }

    /// A value as a table cell: strings bare, others as JSON, null as "-".
    static func cell(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: "-"
        case .string(let s)?: s
        case let other?: JSONWriter.string(other)
        }
    }

    static func table(_ headers: [String], _ rows: [[String]]) {
        var widths = headers.map(displayWidth)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], displayWidth(cell))
            }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - displayWidth(cell))
            }.joined(separator: "  ")
        }
        print(line(headers))
        print(line(widths.map { String(repeating: "-", count: $0) }))
        for row in rows { print(line(row)) }
    }

    /// Key–value lines for a single record.
    static func fields(_ pairs: [(String, String)]) {
        let width = pairs.map { displayWidth($0.0) }.max() ?? 0
        for (key, value) in pairs {
            print(key + String(repeating: " ", count: width - displayWidth(key)) + "  " + value)
        }
    }

    /// Terminal columns: East Asian wide and full-width characters take two.
    static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { width, scalar in
            let v = scalar.value
            let wide =
                (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1FAFF).contains(v) || (0x20000...0x3FFFD).contains(v)
            return width + (wide ? 2 : 1)
        }
    }
}
