public import SoudanProtocol

/// What the rules need to know of a seeker.
public struct SeekerFacts: Sendable, Equatable {
    public var myPage: Bool
    public var webcamDevice: Bool
    public var status: SeekerStatus
    public var consentedVersion: String?

    public init(myPage: Bool, webcamDevice: Bool, status: SeekerStatus, consentedVersion: String?) {
        self.myPage = myPage
        self.webcamDevice = webcamDevice
        self.status = status
        self.consentedVersion = consentedVersion
    }
}

/// The rules of DOMAIN.md as pure functions; each failure is the wire error the
/// contract names for it.
public enum BookingRules {
    /// How early a consultation may be started: 15 minutes before, that instant included.
    public static let startWindowSeconds: Int64 = 15 * 60
    /// Art. 4(3): no contact and 10 minutes past the start, that instant included.
    public static let noShowAfterSeconds: Int64 = 10 * 60

    /// Art. 2, 11 and 10(1), in the contract's order: eligibility (registered, My
    /// Page, webcam device), consent to the version in force, then status
    /// (suspended before restricted).
    public static func checkMayRequest(_ seeker: SeekerFacts?, currentTerms: String) throws(WireError) {
        guard let seeker else {
            throw WireError(.notEligible, "the seeker is not registered (Art. 2(1))", details: ["reason": "not_registered"])
        }
        guard seeker.myPage else {
            throw WireError(.notEligible, "the seeker has not opened My Page (Art. 2(1))", details: ["reason": "no_my_page"])
        }
        guard seeker.webcamDevice else {
            throw WireError(
                .notEligible, "the seeker has no device for web-camera calls (Art. 2(2))",
                details: ["reason": "no_webcam_device"])
        }
        guard seeker.consentedVersion == currentTerms else {
            throw WireError(
                .consentRequired, "the seeker must agree to the terms in force, version \(currentTerms) (Art. 2(3), 11)",
                details: ["current_version": .string(currentTerms)])
        }
        switch seeker.status {
        case .suspended: throw WireError(.seekerSuspended, "the seeker is suspended (Art. 10(1))")
        case .restricted: throw WireError(.seekerRestricted, "the seeker is restricted after no-shows (Art. 4(3))")
        case .active: break
        }
    }

    /// A requested or scheduled start: on a slot boundary (`invalid_args`), in office
    /// hours on a business day (`outside_hours`), not in the past (`in_past`), before
    /// the cutoff unless overridden (`past_cutoff`). `field` names the argument.
    public static func checkSlot(
        _ start: Instant, field: String, calendar: OfficeCalendar, now: Instant, overrideCutoff: Bool = false
    ) throws(WireError) {
        guard OfficeCalendar.isOnSlotBoundary(start) else {
            throw .invalidArgs(field: field, "\(field) must start on the hour or half hour, at second 0")
        }
        try checkSlotTime(start, field: field, calendar: calendar, now: now, overrideCutoff: overrideCutoff)
    }

    /// `checkSlot` without the boundary check (done with the other argument checks).
    public static func checkSlotTime(
        _ start: Instant, field: String, calendar: OfficeCalendar, now: Instant, overrideCutoff: Bool = false
    ) throws(WireError) {
        guard calendar.isOfficeSlot(start) else {
            throw WireError(
                .outsideHours, "\(WireTime.format(start)) is not in office hours on a business day",
                details: ["field": .string(field)])
        }
        guard start >= now else {
            throw WireError(.inPast, "\(WireTime.format(start)) is in the past", details: ["field": .string(field)])
        }
        if !overrideCutoff, OfficeCalendar.isPastCutoff(slot: start, now: now) {
            throw WireError(
                .pastCutoff, "bookings for \(WireTime.format(start)) closed at the end of the previous day (Art. 4(1))",
                details: ["field": .string(field), "cutoff": .string(WireTime.format(OfficeCalendar.cutoff(forSlotAt: start)))])
        }
    }

    /// Open requests plus scheduled consultations must stay under the limit.
    public static func checkOpenLimit(open: Int, limit: Int) throws(WireError) {
        guard open < limit else {
            throw WireError(
                .limitReached, "the seeker already has \(open) open requests and scheduled consultations (limit \(limit))",
                details: ["limit": .int(Int64(limit))])
        }
    }

    public static func mayStart(consultationAt start: Instant, now: Instant) -> Bool {
        now >= start.adding(seconds: -startWindowSeconds)
    }

    public static func isNoShow(consultationAt start: Instant, now: Instant, contacted: Bool) -> Bool {
        !contacted && now >= start.adding(seconds: noShowAfterSeconds)
    }

    /// After a no-show: restricted at the threshold (0 = never), unless suspended.
    public static func status(after noShows: Int, current: SeekerStatus, threshold: Int) -> SeekerStatus {
        guard current == .active, threshold > 0, noShows >= threshold else { return current }
        return .restricted
    }

    /// Whether a slot can still be booked now: an office slot, not past, before the cutoff.
    public static func isBookable(_ start: Instant, calendar: OfficeCalendar, now: Instant) -> Bool {
        calendar.isOfficeSlot(start) && start >= now && !OfficeCalendar.isPastCutoff(slot: start, now: now)
    }
}
