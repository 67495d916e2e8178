import Foundation
public import SoudanDomain
public import SoudanProtocol
import TOMLKit

/// The config file (CONTRACT.md, "Config file"), checked whole at start.
///
/// The TOML is converted to JSON and checked against `protocol/config.schema.json`
/// (types, ranges, unknown keys), then against the rules a schema cannot say
/// (intervals in order, counselor hours inside office hours). Any failure is one
/// line naming the key.
public struct DaemonConfig: Sendable, Equatable {
    public struct Limits: Sendable, Equatable {
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

    public struct Access: Sendable, Equatable {
        /// A group whose members may connect to the admin socket as themselves.
        public var staffGroup: String?
    }

    public struct Events: Sendable, Equatable {
        /// The consumers whose lag `sys.health` judges; nil: every consumer.
        public var consumers: [String]?
    }

    public var office = OfficeSettings()
    public var limits = Limits()
    public var access = Access()
    public var events = Events()
    /// Nil when the file lists none: the demo office's counselors are used.
    public var counselors: [CounselorSettings]?

    public init() {}

    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public let key: String
        public let message: String
        public var description: String { key.isEmpty || message.hasPrefix(key) ? message : "\(key): \(message)" }
    }

    public static func load(path: String) throws(Invalid) -> DaemonConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Invalid(key: "", message: "cannot read \(path): \((error as NSError).localizedDescription)")
        }
        return try parse(toml: text)
    }

    public static func parse(toml text: String, schemas: ProtocolSchemas = .embedded) throws(Invalid) -> DaemonConfig {
        let json: JSONValue
        do {
            let table = try TOMLTable(string: text)
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
        return try build(from: json.objectValue ?? [:])
    }

    /// The schema speaks of "args"; a config file has keys.
    private static func configMessage(_ message: String) -> String {
        message.replacingOccurrences(of: "unknown field", with: "unknown key")
            .replacingOccurrences(of: "missing required field", with: "missing required key")
    }

    private static func build(from root: JSONObject) throws(Invalid) -> DaemonConfig {
        var config = DaemonConfig()
        if let office = root["office"]?.objectValue {
            if let name = office["name"]?.stringValue { config.office.name = name }
            if let hours = office["hours"]?.objectValue { config.office.hours = try weekly(hours, key: "office.hours") }
        }
        if let rules = root["rules"]?.objectValue {
            if let v = rules["no_show_threshold"]?.intValue { config.office.noShowThreshold = Int(v) }
            if let v = rules["open_request_limit"]?.intValue { config.office.openRequestLimit = Int(v) }
            if let v = rules["auto_schedule_on_release"]?.boolValue { config.office.autoScheduleOnRelease = v }
        }
        if let days = root["retention"]?["days"]?.intValue { config.office.retentionDays = Int(days) }
        if let limits = root["limits"]?.objectValue {
            func int(_ key: String) -> Int? { limits[key]?.intValue.map(Int.init) }
            if let v = int("max_frame") { config.limits.maxFrame = v }
            if let v = int("max_connections") { config.limits.maxConnections = v }
            if let v = int("max_connections_per_uid") { config.limits.maxConnectionsPerUID = v }
            if let v = int("max_in_flight") { config.limits.maxInFlight = v }
            if let v = int("idle_timeout_ms") { config.limits.idleTimeoutMs = v }
            if let v = int("stalled_write_timeout_ms") { config.limits.stalledWriteTimeoutMs = v }
            if let v = int("max_reply_buffer") { config.limits.maxReplyBuffer = v }
            if let v = int("max_waiting_polls") { config.limits.maxWaitingPolls = v }
            if let v = int("admin_reserved") { config.limits.adminReserved = v }
            if let v = int("max_input_buffer") { config.limits.maxInputBuffer = v }
        }
        if let group = root["access"]?["staff_group"]?.stringValue { config.access.staffGroup = group }
        if let consumers = root["events"]?["consumers"]?.arrayValue {
            config.events.consumers = consumers.compactMap(\.stringValue)
        }
        if let list = root["counselors"]?.arrayValue, !list.isEmpty {
            var counselors: [CounselorSettings] = []
            var seen = Set<String>()
            for (index, entry) in list.enumerated() {
                let key = "counselors[\(index)]"
                let object = entry.objectValue ?? [:]
                let id = object["counselor_id"]?.stringValue ?? ""
                guard seen.insert(id).inserted else { throw Invalid(key: "\(key).counselor_id", message: "duplicate counselor_id \(id)") }
                let meeting = object["meeting"]?.objectValue ?? [:]
                let hours =
                    try object["weekly"]?.objectValue.map { (w) throws(Invalid) in try weekly(w, key: "\(key).weekly") }
                    ?? config.office.hours
                if let day = hours.firstOutside(config.office.hours) {
                    throw Invalid(key: "\(key).weekly.\(day)", message: "counselor hours must lie inside office hours")
                }
                counselors.append(
                    CounselorSettings(
                        counselorID: id, name: object["name"]?.stringValue ?? "",
                        meeting: .init(
                            joinURL: meeting["join_url"]?.stringValue ?? "", meetingID: meeting["meeting_id"]?.stringValue ?? "",
                            passcode: meeting["passcode"]?.stringValue ?? ""),
                        weekly: hours))
            }
            config.counselors = counselors
        }
        return config
    }

    private static func weekly(_ object: JSONObject, key: String) throws(Invalid) -> WeeklyHours {
        do {
            return try WeeklyHours.parse(object)
        } catch {
            switch error {
            case .invalid(let field, let message): throw Invalid(key: "\(key).\(field)", message: message)
            }
        }
    }

    /// The counselors to seed or upsert: the file's, else the demo office's.
    public var effectiveCounselors: [CounselorSettings] { counselors ?? DemoOffice.counselors }
}
