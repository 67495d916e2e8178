import SoudanDomain
import SoudanProtocol

extension DaemonConfig {
    /// The settings in force, every key written out, as a config file would say them.
    public var effectiveTOML: String {
        func hours(_ weekly: WeeklyHours) -> String {
            let days = (weekly.json.objectValue ?? [:]).members.map { day, intervals in
                "\(day) = " + JSONWriter.string(intervals).replacingOccurrences(of: ",", with: ", ")
            }
            return "{ " + days.joined(separator: ", ") + " }"
        }
        func quoted(_ text: String) -> String { JSONWriter.string(.string(text)) }
        var lines = [
            "[office]", "name = \(quoted(office.name))", "hours = \(hours(office.hours))", "",
            "[rules]", "no_show_threshold = \(office.noShowThreshold)", "open_request_limit = \(office.openRequestLimit)",
            "auto_schedule_on_release = \(office.autoScheduleOnRelease)", "",
            "[limits]", "max_frame = \(limits.maxFrame)", "max_connections = \(limits.maxConnections)",
            "max_connections_per_uid = \(limits.maxConnectionsPerUID)", "max_in_flight = \(limits.maxInFlight)",
            "idle_timeout_ms = \(limits.idleTimeoutMs)", "stalled_write_timeout_ms = \(limits.stalledWriteTimeoutMs)",
            "max_reply_buffer = \(limits.maxReplyBuffer)", "max_waiting_polls = \(limits.maxWaitingPolls)",
            "admin_reserved = \(limits.adminReserved)", "max_input_buffer = \(limits.maxInputBuffer)", "",
            "[retention]", "days = \(office.retentionDays)",
        ]
        if let group = access.staffGroup { lines += ["", "[access]", "staff_group = \(quoted(group))"] }
        if let consumers = events.consumers {
            lines += ["", "[events]", "consumers = [" + consumers.map(quoted).joined(separator: ", ") + "]"]
        }
        if counselors == nil { lines += ["", "# no [[counselors]]: a new database gets the demo office's"] }
        for counselor in effectiveCounselors {
            lines += [
                "", "[[counselors]]", "counselor_id = \(quoted(counselor.counselorID))", "name = \(quoted(counselor.name))",
                "meeting = { join_url = \(quoted(counselor.meeting.joinURL)), meeting_id = \(quoted(counselor.meeting.meetingID)), passcode = \(quoted(counselor.meeting.passcode)) }",
                "weekly = \(hours(counselor.weekly))",
            ]
        }
        return lines.joined(separator: "\n")
    }
}
