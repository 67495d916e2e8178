/// The error codes of the contract: stable strings that clients switch on.
public enum ErrorCode: String, Sendable, CaseIterable, Codable {
    case badFrame = "bad_frame"
    case frameTooLarge = "frame_too_large"
    case badJSON = "bad_json"
    case badRequest = "bad_request"
    case unknownOp = "unknown_op"
    case invalidArgs = "invalid_args"
    case forbidden
    case notFound = "not_found"
    case conflict
    case invalidState = "invalid_state"
    case notEligible = "not_eligible"
    case consentRequired = "consent_required"
    case seekerRestricted = "seeker_restricted"
    case seekerSuspended = "seeker_suspended"
    case pastCutoff = "past_cutoff"
    case outsideHours = "outside_hours"
    case inPast = "in_past"
    case slotTaken = "slot_taken"
    case seekerBusy = "seeker_busy"
    case noAvailability = "no_availability"
    case limitReached = "limit_reached"
    case idempotencyMismatch = "idempotency_mismatch"
    case clockNotManual = "clock_not_manual"
    case overloaded
    case unavailable
    case `internal`

    /// Replies that say nothing about the request itself, only about the server at
    /// that moment: an idempotent repeat must try again rather than get them back.
    public var isTransient: Bool {
        self == .overloaded || self == .unavailable || self == .internal
    }
}

/// An error as it goes on the wire: a code, a message for people, and details for
/// programs. Domain errors say which of these they become; the server never invents
/// a code outside `ErrorCode`.
public struct WireError: Error, Sendable, Equatable {
    public var code: ErrorCode
    public var message: String
    public var details: JSONObject

    public init(_ code: ErrorCode, _ message: String, details: JSONObject = [:]) {
        self.code = code
        self.message = message
        self.details = details
    }

    /// `invalid_args` naming the offending field as a dotted path with indexes.
    public static func invalidArgs(field: String, _ message: String, details: JSONObject = [:]) -> WireError {
        var all = details
        all["field"] = .string(field)
        return WireError(.invalidArgs, message, details: all)
    }

    public static func notFound(field: String, _ message: String) -> WireError {
        WireError(.notFound, message, details: ["field": .string(field)])
    }

    public static func invalidState(status: String, _ message: String) -> WireError {
        WireError(.invalidState, message, details: ["status": .string(status)])
    }

    public var json: JSONValue {
        var object: JSONObject = ["code": .string(code.rawValue), "message": .string(message)]
        if !details.isEmpty { object["details"] = .object(details) }
        return .object(object)
    }
}

/// Which socket a request came in on; each operation says which it serves.
public enum SocketRole: String, Sendable, CaseIterable {
    case service
    case admin
    /// The daemon itself, in access records of what it does on its own (retention).
    case system
}
