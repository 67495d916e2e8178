import PropertyBased
import Testing

@testable import SoudanProtocol

/// The hand-written formatters on the reply path against the plain Swift they
/// replaced: same text for every input.
@Suite struct TextFormattingTests {
    static func referenceFormat(_ instant: Instant) -> String {
        let local = instant.seconds + 9 * 3600
        let days = Int(local >= 0 ? local / 86400 : (local - 86399) / 86400)
        let second = Int(local - Int64(days) * 86400)
        return
            "\(referenceDate(CivilDate(daysSinceEpoch: days)))T\(pad(second / 3600, 2)):\(pad(second / 60 % 60, 2)):\(pad(second % 60, 2))+09:00"
    }

    static func referenceDate(_ date: CivilDate) -> String { "\(pad(date.year, 4))-\(pad(date.month, 2))-\(pad(date.day, 2))" }

    @Test func instantsFormatAsBefore() async {
        // Years 0001 to 9999, and a few beyond either end (the slow path).
        await propertyCheck(count: 2000, input: Gen.int64(in: -62_135_596_800...253_402_300_799)) { seconds in
            #expect(WireTime.format(Instant(seconds: seconds)) == Self.referenceFormat(Instant(seconds: seconds)))
        }
        for seconds: Int64 in [-62_167_219_200, -62_167_219_201, 253_402_300_800, 0, -1, 86_399] {
            #expect(WireTime.format(Instant(seconds: seconds)) == Self.referenceFormat(Instant(seconds: seconds)))
        }
    }

    @Test func datesFormatAsBefore() async {
        await propertyCheck(count: 2000, input: Gen.int(in: -800_000...3_000_000)) { days in
            let date = CivilDate(daysSinceEpoch: days)
            #expect(date.description == Self.referenceDate(date))
        }
    }

    @Test func integersAreTheirDescription() async {
        await propertyCheck(count: 2000, input: Gen.int64(in: Int64.min...Int64.max)) { value in
            #expect(Decimal64.digits(of: value) { String(decoding: $0, as: UTF8.self) } == String(value))
        }
        for value: Int64 in [.min, .max, 0, -1, 9, 10, -10] {
            #expect(Decimal64.digits(of: value) { String(decoding: $0, as: UTF8.self) } == String(value))
        }
    }

    @Test func stringsSurviveTheWriterAndTheParser() async throws {
        let characters: [Character] = ["a", "\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "相", "👩‍💻", "/"]
        await propertyCheck(count: 1000, input: Gen.int(in: 0...(characters.count - 1)).array(of: 0...40)) { picks in
            let text = String(picks.map { characters[$0] })
            var bytes: [UInt8] = []
            JSONWriter.writeString(text, into: &bytes)
            #expect(!bytes.contains { $0 < 0x20 }, "control characters are escaped")
            #expect((try? JSONParser.parse(bytes)) == .string(text))
        }
    }
}
