public import SoudanProtocol

/// A counselor as the office configures one (DOMAIN.md Art. 4(2)): who, their Zoom
/// meeting, and when they work.
public struct CounselorSettings: Sendable, Equatable {
    /// Codable as a config file writes it (`join_url`, `meeting_id`, `passcode`).
    public struct Meeting: Sendable, Equatable, Codable {
        enum CodingKeys: String, CodingKey {
            case joinURL = "join_url"
            case meetingID = "meeting_id"
            case passcode
        }

        public var joinURL: String
        public var meetingID: String
        public var passcode: String
        public init(joinURL: String, meetingID: String, passcode: String) {
            self.joinURL = joinURL
            self.meetingID = meetingID
            self.passcode = passcode
        }
        public var json: JSONValue {
            ["join_url": .string(joinURL), "meeting_id": .string(meetingID), "passcode": .string(passcode)]
        }
    }

    public var counselorID: String
    public var name: String
    public var meeting: Meeting
    public var weekly: WeeklyHours

    public init(counselorID: String, name: String, meeting: Meeting, weekly: WeeklyHours) {
        self.counselorID = counselorID
        self.name = name
        self.meeting = meeting
        self.weekly = weekly
    }
}

/// The office's rules and hours: the config file's `[office]`, `[rules]` and
/// `[retention]`. Their defaults live with the config (`DaemonConfig`), not here.
public struct OfficeSettings: Sendable, Equatable {
    public var name: String
    public var hours: WeeklyHours
    public var noShowThreshold: Int
    public var openRequestLimit: Int
    public var autoScheduleOnRelease: Bool
    /// Days personal data is kept (Art. 6); 0: until an explicit purge.
    public var retentionDays: Int

    public init(
        name: String, hours: WeeklyHours, noShowThreshold: Int, openRequestLimit: Int, autoScheduleOnRelease: Bool, retentionDays: Int
    ) {
        self.name = name
        self.hours = hours
        self.noShowThreshold = noShowThreshold
        self.openRequestLimit = openRequestLimit
        self.autoScheduleOnRelease = autoScheduleOnRelease
        self.retentionDays = retentionDays
    }
}

/// The demo office: what a fresh `scripts/run` serves, so it can take bookings at once.
public enum DemoOffice {
    public static let counselors: [CounselorSettings] = [
        CounselorSettings(
            counselorID: "c01", name: "相談員 A",
            meeting: .init(joinURL: "https://zoom.us/j/81000000001", meetingID: "810 0000 0001", passcode: "soudan01"),
            weekly: .weekdays([("10:00", "12:00"), ("13:00", "17:00")])),
        CounselorSettings(
            counselorID: "c02", name: "相談員 B",
            meeting: .init(joinURL: "https://zoom.us/j/81000000002", meetingID: "810 0000 0002", passcode: "soudan02"),
            weekly: .weekdays([("10:00", "12:00"), ("13:00", "17:00")])),
        CounselorSettings(
            counselorID: "c03", name: "相談員 C",
            meeting: .init(joinURL: "https://zoom.us/j/81000000003", meetingID: "810 0000 0003", passcode: "soudan03"),
            weekly: WeeklyHours.weekdays([("13:00", "17:00")])),
    ]
}
