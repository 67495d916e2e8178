/// An instant, in whole seconds since 1970-01-01T00:00:00Z.
///
/// Every rule of the office works in minutes; whole seconds keep comparisons exact.
public struct Instant: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var seconds: Int64
    public init(seconds: Int64) { self.seconds = seconds }
    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.seconds < rhs.seconds }
    public func adding(minutes: Int64) -> Instant { Instant(seconds: seconds + minutes * 60) }
    public func adding(seconds delta: Int64) -> Instant { Instant(seconds: seconds + delta) }
    public var description: String { WireTime.format(self) }
}

/// A calendar date, proleptic Gregorian.
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Days since 1970-01-01 (negative before). Howard Hinnant's `days_from_civil`.
    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// Hinnant's `civil_from_days`.
    public init(daysSinceEpoch days: Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// 0 = Sunday … 6 = Saturday.
    public var weekday: Int {
        let d = daysSinceEpoch
        return ((d % 7) + 7 + 4) % 7  // 1970-01-01 was a Thursday
    }

    public func adding(days: Int) -> CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + days) }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    public var description: String {
        guard (0...9999).contains(year) else { return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))" }
        return String(unsafeUninitializedCapacity: 10) { text in
            writeDigits(of: self, into: text)
            return 10
        }
    }

    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    public static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// `YYYY-MM-DD` into the first 10 bytes, for a year of four digits: dates and
/// times are written by the thousand per `slots.available` reply, and string
/// interpolation of padded numbers cost more than the rest of the reply.
private func writeDigits(of date: CivilDate, into text: UnsafeMutableBufferPointer<UInt8>) {
    writeTwoDigits(date.year / 100, into: text, at: 0)
    writeTwoDigits(date.year % 100, into: text, at: 2)
    text[4] = UInt8(ascii: "-")
    writeTwoDigits(date.month, into: text, at: 5)
    text[7] = UInt8(ascii: "-")
    writeTwoDigits(date.day, into: text, at: 8)
}

private func writeTwoDigits(_ value: Int, into text: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
    text[offset] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value / 10)
    text[offset + 1] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value % 10)
}

func pad(_ value: Int, _ width: Int) -> String {
    let s = String(value)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

/// The textual forms of time on the wire: ISO 8601 timestamps with an offset, dates
/// `YYYY-MM-DD`, and `HH:MM` times of day. The server writes office time
/// (UTC+09:00: Japan has no daylight saving).
public enum WireTime {
    /// Asia/Tokyo: UTC+09:00 all year.
    public static let officeOffsetSeconds: Int64 = 9 * 3600

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`. Fractions of a second are
    /// accepted and dropped. Nil for anything else, including a missing offset.
    public static func parseInstant(_ text: String) -> Instant? {
        let b = Array(text.utf8)
        guard b.count >= 20, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
            let date = parseDate(bytes: b[0..<10]),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
            let hour = digits(b[11..<13]), let minute = digits(b[14..<16]), let second = digits(b[17..<19]),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var i = 19
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, isDigit(b[i]) { i += 1 }
            guard i > start else { return nil }
        }
        guard i < b.count else { return nil }
        var offset: Int64
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            offset = 0
            i += 1
        } else {
            guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), i + 6 == b.count, b[i + 3] == UInt8(ascii: ":"),
                let oh = digits(b[i + 1..<i + 3]), let om = digits(b[i + 4..<i + 6]), oh < 24, om < 60
            else { return nil }
            offset = Int64(oh * 3600 + om * 60)
            if b[i] == UInt8(ascii: "-") { offset = -offset }
            i += 6
        }
        guard i == b.count else { return nil }
        let local = Int64(date.daysSinceEpoch) * 86400 + Int64(hour * 3600 + minute * 60 + second)
        return Instant(seconds: local - offset)
    }

    /// `YYYY-MM-DDTHH:MM:SS+09:00`, office time.
    public static func format(_ instant: Instant) -> String {
        let (date, secondOfDay) = officeDateAndSecond(instant)
        guard (0...9999).contains(date.year) else {
            return "\(date)T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))+09:00"
        }
        return String(unsafeUninitializedCapacity: formattedLength) { text in
            write(date, secondOfDay, into: text)
            return formattedLength
        }
    }

    /// Appends the UTF-8 of `format(instant)` to `bytes`, without a String in
    /// between: for replies written in one pass (a month of slots has 1,000 times).
    public static func append(_ instant: Instant, to bytes: inout [UInt8]) {
        let (date, secondOfDay) = officeDateAndSecond(instant)
        guard (0...9999).contains(date.year) else {
            bytes.append(contentsOf: format(instant).utf8)
            return
        }
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: formattedLength))
        bytes.withUnsafeMutableBufferPointer { buffer in
            write(date, secondOfDay, into: UnsafeMutableBufferPointer(rebasing: buffer[start..<start + formattedLength]))
        }
    }

    private static let formattedLength = 25

    private static func officeDateAndSecond(_ instant: Instant) -> (CivilDate, Int) {
        let local = instant.seconds + officeOffsetSeconds
        let days = Int(local >= 0 ? local / 86400 : (local - 86399) / 86400)
        return (CivilDate(daysSinceEpoch: days), Int(local - Int64(days) * 86400))
    }

    /// The 25 bytes of a timestamp whose year has four digits.
    private static func write(_ date: CivilDate, _ secondOfDay: Int, into text: UnsafeMutableBufferPointer<UInt8>) {
        writeDigits(of: date, into: text)
        text[10] = UInt8(ascii: "T")
        writeTwoDigits(secondOfDay / 3600, into: text, at: 11)
        text[13] = UInt8(ascii: ":")
        writeTwoDigits(secondOfDay / 60 % 60, into: text, at: 14)
        text[16] = UInt8(ascii: ":")
        writeTwoDigits(secondOfDay % 60, into: text, at: 17)
        // "+09:00", byte by byte: iterating a String's UTF-8 view here cost as
        // much as the digits (a week of slots formats 140 times per read).
        text[19] = UInt8(ascii: "+")
        text[20] = UInt8(ascii: "0")
        text[21] = UInt8(ascii: "9")
        text[22] = UInt8(ascii: ":")
        text[23] = UInt8(ascii: "0")
        text[24] = UInt8(ascii: "0")
    }

    /// Parses `YYYY-MM-DD`, checking that the day exists.
    public static func parseDate(_ text: String) -> CivilDate? {
        let b = Array(text.utf8)
        guard b.count == 10 else { return nil }
        return parseDate(bytes: b[0..<10])
    }

    /// Parses `HH:MM` into minutes since midnight; `24:00` is allowed as the end of a day.
    public static func parseTimeOfDay(_ text: String) -> Int? {
        let b = Array(text.utf8)
        guard b.count == 5, b[2] == UInt8(ascii: ":"), let h = digits(b[0..<2]), let m = digits(b[3..<5]), m < 60,
            h < 24 || (h == 24 && m == 0)
        else { return nil }
        return h * 60 + m
    }

    public static func formatTimeOfDay(_ minutes: Int) -> String { "\(pad(minutes / 60, 2)):\(pad(minutes % 60, 2))" }

    private static func parseDate(bytes b: ArraySlice<UInt8>) -> CivilDate? {
        let s = b.startIndex
        guard b[s + 4] == UInt8(ascii: "-"), b[s + 7] == UInt8(ascii: "-"),
            let y = digits(b[s..<s + 4]), let m = digits(b[s + 5..<s + 7]), let d = digits(b[s + 8..<s + 10]),
            (1...12).contains(m), d >= 1, d <= CivilDate.daysIn(year: y, month: m)
        else { return nil }
        return CivilDate(year: y, month: m, day: d)
    }

    private static func digits(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in bytes {
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
