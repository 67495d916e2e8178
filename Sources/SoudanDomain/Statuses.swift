/// A seeker's standing (Art. 4(3), 10(1)).
public enum SeekerStatus: String, Sendable, CaseIterable {
    case active
    /// Too many no-shows: no new requests until staff reinstate.
    case restricted
    /// Stopped by staff for conduct: future consultations cancelled, no new requests.
    case suspended
}

/// A request is not yet a booking (Art. 4(2)).
public enum RequestStatus: String, Sendable, CaseIterable {
    case requested
    case scheduled
    case withdrawn
    case rejected
    /// Its latest preference has started: nothing it asked for can be given.
    case expired

    public func canMove(to next: RequestStatus) -> Bool {
        self == .requested && next != .requested
    }
}

public enum ConsultationStatus: String, Sendable, CaseIterable {
    case scheduled
    case inProgress = "in_progress"
    case completed
    case cancelled
    case noShow = "no_show"
    /// Stopped by staff while in progress (Art. 10(1) 中止).
    case stopped

    /// Holds a counselor's slot and the seeker's time.
    public var isLive: Bool { self == .scheduled || self == .inProgress }

    public func canMove(to next: ConsultationStatus) -> Bool {
        switch (self, next) {
        case (.scheduled, .inProgress), (.scheduled, .cancelled), (.scheduled, .noShow), (.inProgress, .completed),
            (.inProgress, .stopped):
            true
        default: false
        }
    }
}

public enum RequestChannel: String, Sendable, CaseIterable {
    case web
    case phone
    case window
    /// Made by the counselor during a consultation in progress (Art. 4(1)).
    case inSession = "in_session"
}

/// Who cancelled: staff taking a call or a visit (Art. 4(3)), or the daemon
/// itself (a suspension, a consultation never held).
public enum CancelChannel: String, Sendable, CaseIterable {
    case phone
    case window
    case system
}
