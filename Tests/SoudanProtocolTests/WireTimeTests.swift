import Testing

@testable import SoudanProtocol

@Suite struct WireTimeTests {
    @Test func parsesOffsetsAndZ() {
        let tokyo = WireTime.parseInstant("2026-12-01T10:00:00+09:00")
        #expect(tokyo == WireTime.parseInstant("2026-12-01T01:00:00Z"))
        #expect(tokyo == WireTime.parseInstant("2026-11-30T20:00:00-05:00"))
        #expect(tokyo == WireTime.parseInstant("2026-12-01T10:00:00.250+09:00"))
        #expect(tokyo?.seconds == 1_796_086_800)
    }

    @Test(arguments: [
        "2026-12-01T10:00:00", "2026-12-01 10:00:00Z", "2026-02-30T10:00:00Z", "2026-12-01T24:00:00Z",
        "2026-12-01T10:00:00+9:00", "2026-12-01T10:00Z", "", "2026-12-01T10:00:00+09:00x",
    ])
    func refusesOtherShapes(text: String) {
        #expect(WireTime.parseInstant(text) == nil)
    }

    @Test func formatsInOfficeTime() {
        #expect(WireTime.format(Instant(seconds: 1_796_086_800)) == "2026-12-01T10:00:00+09:00")
        #expect(WireTime.format(Instant(seconds: 0)) == "1970-01-01T09:00:00+09:00")
    }

    /// `append` writes the bytes of `format`, behind what the buffer holds,
    /// including for years `format` spells the long way.
    @Test(arguments: [0, -1, 1_796_086_800, 1_796_086_800 + 86_399, -62_135_596_801, 253_402_300_800] as [Int64])
    func appendWritesWhatFormatSays(seconds: Int64) {
        var bytes = Array("x".utf8)
        WireTime.append(Instant(seconds: seconds), to: &bytes)
        #expect(bytes == Array("x".utf8) + Array(WireTime.format(Instant(seconds: seconds)).utf8))
    }

    @Test func datesRoundTripAndKnowTheirWeekday() {
        let date = CivilDate(year: 2026, month: 12, day: 1)
        #expect(CivilDate(daysSinceEpoch: date.daysSinceEpoch) == date)
        #expect(date.weekday == 2)  // a Tuesday
        #expect(CivilDate(year: 2024, month: 2, day: 29).adding(days: 1) == CivilDate(year: 2024, month: 3, day: 1))
        #expect(WireTime.parseDate("2025-02-29") == nil)
        #expect(WireTime.parseDate("2024-02-29") == CivilDate(year: 2024, month: 2, day: 29))
    }

    @Test func timesOfDay() {
        #expect(WireTime.parseTimeOfDay("09:30") == 570)
        #expect(WireTime.parseTimeOfDay("24:00") == 1440)
        #expect(WireTime.parseTimeOfDay("24:30") == nil)
        #expect(WireTime.parseTimeOfDay("9:30") == nil)
        #expect(WireTime.formatTimeOfDay(570) == "09:30")
    }
}
