import Foundation
public import SoudanDomain
public import SoudanProtocol
import TOMLKit

/// The config file (its keys are in `docs/operations.md`), as one `Codable` type
/// whose defaults are the only ones the daemon has: an empty file is
/// `DaemonConfig()`, and `--check-config` prints a file back with TOMLKit's
/// encoder.
///
/// Checked whole at start: the TOML is checked against
/// `protocol/config.schema.json` (types, ranges, unknown keys), decoded with
/// TOMLKit's decoder, then held to the rules a schema cannot say (intervals in
/// order, counselor hours inside office hours, no counselor twice). Any failure
/// is one line naming the key. The server's limits (`Limits`) and the office's
/// settings (`office`) are handed out from here.
public struct DaemonConfig: Sendable, Equatable, Codable {
    /// `[office]`: the office's name and opening hours.
    public struct Office: Sendable, Equatable, Codable {
        public var name = "東京わかものハローワーク"
        public var hours = WeeklyHours.weekdays([("10:00", "17:00")])
    }

    /// `[rules]` (Art. 4, 10).
    public struct Rules: Sendable, Equatable, Codable {
        public var noShowThreshold = 2
        public var openRequestLimit = 2
        public var autoScheduleOnRelease = true
    }

    /// `[retention]` (Art. 6): days personal data is kept; 0 keeps it until a purge.
    public struct Retention: Sendable, Equatable, Codable {
        public var days = 365
    }

    /// `[limits]`: what one client may take of the daemon.
    public struct Limits: Sendable, Equatable, Codable {
        public var maxFrame = 1_048_576
        public var maxConnections = 1024
        public var maxConnectionsPerUID = 256
        public var maxInFlight = 1024
        public var idleTimeoutMs = 30_000
        public var stalledWriteTimeoutMs = 5_000
        /// Reply bytes a connection may hold unsent (held for order included)
        /// before the server stops reading and dispatching it.
        public var maxReplyBuffer = 8 << 20
        /// Long-polls that may wait at once on one connection.
        public var maxWaitingPolls = 4
        /// Connections kept for the admin socket whatever the service socket holds.
        public var adminReserved = 16
        /// Memory all connections together may hold in requests not yet
        /// dispatched, partial frames included.
        public var maxInputBuffer = 64 << 20
    }

    /// `[access]`
    public struct Access: Sendable, Equatable, Codable {
        /// A group whose members may connect to the admin socket as themselves.
        public var staffGroup: String?
    }

    /// `[events]`
    public struct Events: Sendable, Equatable, Codable {
        /// The consumers whose lag `sys.health` judges; nil: every consumer.
        public var consumers: [String]?
    }

    /// One `[[counselors]]` entry; `weekly` defaults to the office's hours.
    public struct Counselor: Sendable, Equatable, Codable {
        public var counselorID: String
        public var name: String
        public var meeting: CounselorSettings.Meeting
        public var weekly: WeeklyHours?
    }

    public var officeSection = Office()
    public var rules = Rules()
    public var retention = Retention()
    public var limits = Limits()
    public var access = Access()
    public var events = Events()
    /// Nil when the file lists none: the demo office's counselors are used.
    public var counselorEntries: [Counselor]?

    public init() {}

    /// The office's rules and hours, as the service uses them.
    public var office: OfficeSettings {
        OfficeSettings(
            name: officeSection.name, hours: officeSection.hours, noShowThreshold: rules.noShowThreshold,
            openRequestLimit: rules.openRequestLimit, autoScheduleOnRelease: rules.autoScheduleOnRelease,
            retentionDays: retention.days)
    }

    /// The file's counselors, nil when it lists none.
    public var counselors: [CounselorSettings]? {
        counselorEntries?.map { entry in
            CounselorSettings(
                counselorID: entry.counselorID, name: entry.name,
                meeting: entry.meeting,
                weekly: entry.weekly ?? officeSection.hours)
        }
    }

    /// The counselors to seed or upsert: the file's, else the demo office's.
    public var effectiveCounselors: [CounselorSettings] { counselors ?? DemoOffice.counselors }

    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public let key: String
        public let message: String
        public var description: String { key.isEmpty || message.hasPrefix(key) ? message : "\(key): \(message)" }
    }

    public static func load(path: String) throws(Invalid) -> DaemonConfig {
        // Not String(contentsOfFile:), which refuses /dev/null (the way to print the defaults).
        guard let handle = FileHandle(forReadingAtPath: path), let data = try? handle.readToEnd() ?? Data() else {
            throw Invalid(key: "", message: "cannot read \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw Invalid(key: "", message: "\(path) is not UTF-8") }
        return try parse(toml: text)
    }

    public static func parse(toml text: String, schemas: ProtocolSchemas = .embedded) throws(Invalid) -> DaemonConfig {
        let table: TOMLTable
        let json: JSONValue
        do {
            table = try TOMLTable(string: text)
            json = try JSONParser.parse(Array(table.convert(to: .json, options: []).utf8))
        } catch let error as TOMLParseError {
            throw Invalid(key: "", message: "not TOML: \(error.description) at line \(error.source.begin.line)")
        } catch {
            throw Invalid(key: "", message: "not TOML: \(error)")
        }
        do {
            try schemas.config.validate(json)
        } catch {
            throw Invalid(key: error.details["field"]?.stringValue ?? "", message: configMessage(error.message))
        }
        let config: DaemonConfig
        do {
            config = try TOMLDecoder(strictDecoding: true).decode(DaemonConfig.self, from: table)
        } catch let error as DecodingError {
            throw Invalid(decoding: error)
        } catch {
            throw Invalid(key: "", message: "\(error)")
        }
        try config.check()
        return config
    }

    /// What the schema cannot say: each counselor once, inside office hours.
    private func check() throws(Invalid) {
        var seen = Set<String>()
        for (index, entry) in (counselorEntries ?? []).enumerated() {
            let key = "counselors[\(index)]"
            guard seen.insert(entry.counselorID).inserted else {
                throw Invalid(key: "\(key).counselor_id", message: "duplicate counselor_id \(entry.counselorID)")
            }
            if let day = entry.weekly?.firstOutside(officeSection.hours) {
                throw Invalid(key: "\(key).weekly.\(day)", message: "counselor hours must lie inside office hours")
            }
        }
    }

    /// The settings in force, every key written out, as a config file says them
    /// (itself a valid config file).
    public var effectiveTOML: String {
        var written = self
        written.counselorEntries = effectiveCounselors.map { counselor in
            Counselor(
                counselorID: counselor.counselorID, name: counselor.name,
                meeting: counselor.meeting,
                weekly: counselor.weekly)
        }
        let text = (try? TOMLEncoder(options: [.allowLiteralStrings, .allowMultilineStrings, .allowUnicodeStrings]).encode(written)) ?? ""
        return counselorEntries == nil
            ? "# no [[counselors]] in the file: a new database gets the demo office's, shown here\n" + text : text
    }

    /// The schema speaks of "args"; a config file has keys.
    private static func configMessage(_ message: String) -> String {
        message.replacingOccurrences(of: "unknown field", with: "unknown key")
            .replacingOccurrences(of: "missing required field", with: "missing required key")
    }
}

extension DaemonConfig.Invalid {
    /// A decoding failure the schema let through (weekly hours out of order, on
    /// no half hour, overlapping), named by its key path: `office.hours.mon[0]`.
    init(decoding error: DecodingError) {
        let context: DecodingError.Context
        switch error {
        case .dataCorrupted(let c), .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c): context = c
        @unknown default:
            self.init(key: "", message: "\(error)")
            return
        }
        var key = ""
        for component in context.codingPath {
            if let index = component.intValue {
                key += "[\(index)]"
            } else {
                key += (key.isEmpty ? "" : ".") + component.stringValue
            }
        }
        self.init(key: key, message: context.debugDescription)
    }
}
