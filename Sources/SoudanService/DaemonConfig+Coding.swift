import SoudanDomain

// The config file's keys (snake_case), and its defaults: a key left out keeps
// the value `DaemonConfig()` has. Encoding writes every key.

extension DaemonConfig {
    enum CodingKeys: String, CodingKey {
        case officeSection = "office"
        case rules, retention, limits, access, events
        case counselorEntries = "counselors"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        officeSection = try c.decodeIfPresent(Office.self, forKey: .officeSection) ?? officeSection
        rules = try c.decodeIfPresent(Rules.self, forKey: .rules) ?? rules
        retention = try c.decodeIfPresent(Retention.self, forKey: .retention) ?? retention
        limits = try c.decodeIfPresent(Limits.self, forKey: .limits) ?? limits
        access = try c.decodeIfPresent(Access.self, forKey: .access) ?? access
        events = try c.decodeIfPresent(Events.self, forKey: .events) ?? events
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
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? name
        hours = try c.decodeIfPresent(WeeklyHours.self, forKey: .hours) ?? hours
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
        noShowThreshold = try c.decodeIfPresent(Int.self, forKey: .noShowThreshold) ?? noShowThreshold
        openRequestLimit = try c.decodeIfPresent(Int.self, forKey: .openRequestLimit) ?? openRequestLimit
        autoScheduleOnRelease = try c.decodeIfPresent(Bool.self, forKey: .autoScheduleOnRelease) ?? autoScheduleOnRelease
    }
}

extension DaemonConfig.Retention {
    enum CodingKeys: String, CodingKey {
        case days
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        days = try c.decodeIfPresent(Int.self, forKey: .days) ?? days
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
        func value(_ key: CodingKeys, _ current: Int) throws -> Int { try c.decodeIfPresent(Int.self, forKey: key) ?? current }
        maxFrame = try value(.maxFrame, maxFrame)
        maxConnections = try value(.maxConnections, maxConnections)
        maxConnectionsPerUID = try value(.maxConnectionsPerUID, maxConnectionsPerUID)
        maxInFlight = try value(.maxInFlight, maxInFlight)
        idleTimeoutMs = try value(.idleTimeoutMs, idleTimeoutMs)
        stalledWriteTimeoutMs = try value(.stalledWriteTimeoutMs, stalledWriteTimeoutMs)
        maxReplyBuffer = try value(.maxReplyBuffer, maxReplyBuffer)
        maxWaitingPolls = try value(.maxWaitingPolls, maxWaitingPolls)
        adminReserved = try value(.adminReserved, adminReserved)
        maxInputBuffer = try value(.maxInputBuffer, maxInputBuffer)
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

extension DaemonConfig.Counselor.Meeting {
    enum CodingKeys: String, CodingKey {
        case joinURL = "join_url"
        case meetingID = "meeting_id"
        case passcode
    }
}
