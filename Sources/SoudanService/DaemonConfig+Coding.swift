import SoudanDomain

// The config file's keys (snake_case), and its defaults: a key left out keeps
// the value `DaemonConfig()` has. Encoding writes every key.

extension KeyedDecodingContainer {
    /// The key's value, or `current` (the default) when the file leaves it out.
    fileprivate func value<T: Decodable>(_ key: Key, or current: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? current
    }
}

extension DaemonConfig {
    enum CodingKeys: String, CodingKey {
        case officeSection = "office"
        case rules, retention, limits, access, events
        case counselorEntries = "counselors"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        officeSection = try c.value(.officeSection, or: officeSection)
        rules = try c.value(.rules, or: rules)
        retention = try c.value(.retention, or: retention)
        limits = try c.value(.limits, or: limits)
        access = try c.value(.access, or: access)
        events = try c.value(.events, or: events)
        let entries = try c.decodeIfPresent([Counselor].self, forKey: .counselorEntries)
        counselorEntries = entries?.isEmpty == true ? nil : entries
    }
}

extension DaemonConfig.Office {
    enum CodingKeys: String, CodingKey {
        case name, hours
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        name = try c.value(.name, or: name)
        hours = try c.value(.hours, or: hours)
    }
}

extension DaemonConfig.Rules {
    enum CodingKeys: String, CodingKey {
        case noShowThreshold = "no_show_threshold"
        case openRequestLimit = "open_request_limit"
        case autoScheduleOnRelease = "auto_schedule_on_release"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        noShowThreshold = try c.value(.noShowThreshold, or: noShowThreshold)
        openRequestLimit = try c.value(.openRequestLimit, or: openRequestLimit)
        autoScheduleOnRelease = try c.value(.autoScheduleOnRelease, or: autoScheduleOnRelease)
    }
}

extension DaemonConfig.Retention {
    enum CodingKeys: String, CodingKey {
        case days
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        days = try c.value(.days, or: days)
    }
}

extension DaemonConfig.Limits {
    enum CodingKeys: String, CodingKey {
        case maxFrame = "max_frame"
        case maxConnections = "max_connections"
        case maxConnectionsPerUID = "max_connections_per_uid"
        case maxInFlight = "max_in_flight"
        case idleTimeoutMs = "idle_timeout_ms"
        case stalledWriteTimeoutMs = "stalled_write_timeout_ms"
        case maxReplyBuffer = "max_reply_buffer"
        case maxWaitingPolls = "max_waiting_polls"
        case adminReserved = "admin_reserved"
        case maxInputBuffer = "max_input_buffer"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        maxFrame = try c.value(.maxFrame, or: maxFrame)
        maxConnections = try c.value(.maxConnections, or: maxConnections)
        maxConnectionsPerUID = try c.value(.maxConnectionsPerUID, or: maxConnectionsPerUID)
        maxInFlight = try c.value(.maxInFlight, or: maxInFlight)
        idleTimeoutMs = try c.value(.idleTimeoutMs, or: idleTimeoutMs)
        stalledWriteTimeoutMs = try c.value(.stalledWriteTimeoutMs, or: stalledWriteTimeoutMs)
        maxReplyBuffer = try c.value(.maxReplyBuffer, or: maxReplyBuffer)
        maxWaitingPolls = try c.value(.maxWaitingPolls, or: maxWaitingPolls)
        adminReserved = try c.value(.adminReserved, or: adminReserved)
        maxInputBuffer = try c.value(.maxInputBuffer, or: maxInputBuffer)
    }
}

extension DaemonConfig.Access {
    enum CodingKeys: String, CodingKey {
        case staffGroup = "staff_group"
    }
}

extension DaemonConfig.Events {
    enum CodingKeys: String, CodingKey {
        case consumers
    }
}

extension DaemonConfig.Counselor {
    enum CodingKeys: String, CodingKey {
        case counselorID = "counselor_id"
        case name, meeting, weekly
    }
}
