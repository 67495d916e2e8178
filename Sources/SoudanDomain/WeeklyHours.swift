public import SoudanProtocol

/// Working intervals per weekday, in minutes since midnight, office time.
/// Used for the office's hours and for each counselor's.
public struct WeeklyHours: Sendable, Equatable {
    public struct Interval: Sendable, Equatable {
        public var start: Int
        public var end: Int
        public init(start: Int, end: Int) {
            self.start = start
            self.end = end
        }
        public func contains(_ other: Interval) -> Bool { start <= other.start && other.end <= end }
    }

    /// The weekday keys as the config and the protocol spell them; index = weekday (0 = Sunday).
    public static let dayKeys = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    /// Index 0 = Sunday … 6 = Saturday; each day's intervals sorted and disjoint.
    public private(set) var days: [[Interval]]

    public init(days: [[Interval]] = Array(repeating: [], count: 7)) {
        precondition(days.count == 7)
        self.days = days
    }

    public enum ParseError: Error, Equatable {
        /// `field` is relative to the weekly object: `mon`, `mon[1]`.
        case invalid(field: String, message: String)
    }

    /// Reads `{"mon": [["10:00","12:00"], …], …}` (shape already checked by the
    /// schema): each interval must start before it ends, on a half-hour boundary,
    /// and not overlap another of the same day.
    public static func parse(_ object: JSONObject) throws(ParseError) -> WeeklyHours {
        var days: [[Interval]] = Array(repeating: [], count: 7)
        for (key, value) in object {
            guard let day = dayKeys.firstIndex(of: key) else { throw .invalid(field: key, message: "unknown weekday \(key)") }
            var intervals: [Interval] = []
            for (index, pair) in (value.arrayValue ?? []).enumerated() {
                let field = "\(key)[\(index)]"
                guard let bounds = pair.arrayValue, bounds.count == 2,
                    let start = bounds[0].stringValue.flatMap(WireTime.parseTimeOfDay),
                    let end = bounds[1].stringValue.flatMap(WireTime.parseTimeOfDay)
                else { throw .invalid(field: field, message: "must be [\"HH:MM\", \"HH:MM\"]") }
                guard start < end else { throw .invalid(field: field, message: "must start before it ends") }
                guard start % 30 == 0, end % 30 == 0 else {
                    throw .invalid(field: field, message: "must start and end on the hour or half hour")
                }
                intervals.append(Interval(start: start, end: end))
            }
            intervals.sort { $0.start < $1.start }
            for (a, b) in zip(intervals, intervals.dropFirst()) where b.start < a.end {
                throw .invalid(field: key, message: "intervals overlap")
            }
            days[day] = intervals
        }
        return WeeklyHours(days: days)
    }

    /// The first weekday key and interval of `self` that `outer` does not cover.
    public func firstOutside(_ outer: WeeklyHours) -> String? {
        for day in 0..<7 {
            for interval in days[day] where !outer.days[day].contains(where: { $0.contains(interval) }) {
                return Self.dayKeys[day]
            }
        }
        return nil
    }

    /// True when the half-hour starting `minute` on `weekday` lies inside an interval.
    public func covers(weekday: Int, slotStartMinute minute: Int, length: Int = 30) -> Bool {
        Self.covers(days[weekday], slotStartMinute: minute, length: length)
    }

    /// The same test on one day's intervals, for callers that look the day up once.
    public static func covers(_ intervals: [Interval], slotStartMinute minute: Int, length: Int = 30) -> Bool {
        intervals.contains { $0.start <= minute && minute + length <= $0.end }
    }

    public var json: JSONValue {
        var object = JSONObject()
        for day in [1, 2, 3, 4, 5, 6, 0] where !days[day].isEmpty {
            object[Self.dayKeys[day]] = .array(
                days[day].map {
                    .array([.string(WireTime.formatTimeOfDay($0.start)), .string(WireTime.formatTimeOfDay($0.end))])
                })
        }
        return .object(object)
    }

    /// Monday to Friday with the same intervals.
    public static func weekdays(_ intervals: [(String, String)]) -> WeeklyHours {
        let parsed = intervals.map { Interval(start: WireTime.parseTimeOfDay($0.0)!, end: WireTime.parseTimeOfDay($0.1)!) }
        return WeeklyHours(days: [[], parsed, parsed, parsed, parsed, parsed, []])
    }
}

/// In a config file: `{ mon = [["10:00", "12:00"], …], … }`, checked by `parse`;
/// a bad interval is a decoding error whose path names it (`hours.mon[0]`).
extension WeeklyHours: Codable {
    private struct DayKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: DayKey.self)
        var object = JSONObject()
        for key in container.allKeys {
            let intervals = try container.decode([[String]].self, forKey: key)
            object[key.stringValue] = .array(intervals.map { .array($0.map(JSONValue.string)) })
        }
        do {
            self = try Self.parse(object)
        } catch {
            switch error {
            case .invalid(let field, let message):
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath + [DayKey(stringValue: field)], debugDescription: message))
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: DayKey.self)
        for day in [1, 2, 3, 4, 5, 6, 0] where !days[day].isEmpty {
            try container.encode(
                days[day].map { [WireTime.formatTimeOfDay($0.start), WireTime.formatTimeOfDay($0.end)] },
                forKey: DayKey(stringValue: Self.dayKeys[day]))
        }
    }
}
