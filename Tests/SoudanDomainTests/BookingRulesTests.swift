import SoudanProtocol
import Testing

@testable import SoudanDomain

@Suite struct BookingRulesTests {
    let calendar = OfficeCalendar(hours: .weekdays([("10:00", "17:00")]))
    let now = WireTime.parseInstant("2026-12-01T09:00:00+09:00")!
    func at(_ text: String) -> Instant { WireTime.parseInstant(text)! }

    func code(_ body: () throws(WireError) -> Void) -> String {
        do {
            try body()
            return "ok"
        } catch {
            if let reason = error.details["reason"]?.stringValue { return "\(error.code.rawValue):\(reason)" }
            return error.code.rawValue
        }
    }

    static let good = SeekerFacts(myPage: true, webcamDevice: true, status: .active, consentedVersion: "2")

    @Test(
        arguments: [
            (nil, "not_eligible:not_registered"),
            (SeekerFacts(myPage: false, webcamDevice: false, status: .suspended, consentedVersion: nil), "not_eligible:no_my_page"),
            (SeekerFacts(myPage: true, webcamDevice: false, status: .suspended, consentedVersion: nil), "not_eligible:no_webcam_device"),
            (SeekerFacts(myPage: true, webcamDevice: true, status: .suspended, consentedVersion: nil), "consent_required"),
            (SeekerFacts(myPage: true, webcamDevice: true, status: .active, consentedVersion: "1"), "consent_required"),
            (SeekerFacts(myPage: true, webcamDevice: true, status: .suspended, consentedVersion: "2"), "seeker_suspended"),
            (SeekerFacts(myPage: true, webcamDevice: true, status: .restricted, consentedVersion: "2"), "seeker_restricted"),
            (good, "ok"),
        ] as [(SeekerFacts?, String)])
    func checksWhoMayRequestInTheContractsOrder(seeker: SeekerFacts?, expected: String) {
        #expect(code { () throws(WireError) in try BookingRules.checkMayRequest(seeker, currentTerms: "2") } == expected)
    }

    @Test func consentRequiredNamesTheVersionInForce() {
        do {
            try BookingRules.checkMayRequest(
                SeekerFacts(myPage: true, webcamDevice: true, status: .active, consentedVersion: nil), currentTerms: "3")
        } catch {
            #expect(error.details["current_version"] == "3")
        }
    }

    @Test(arguments: [
        ("2026-12-02T10:00:00+09:00", false, "ok"),
        ("2026-12-02T10:15:00+09:00", false, "invalid_args"),
        ("2026-12-02T10:00:30+09:00", false, "invalid_args"),
        ("2026-12-02T17:00:00+09:00", false, "outside_hours"),
        ("2026-12-05T10:00:00+09:00", false, "outside_hours"),
        ("2026-11-30T10:00:00+09:00", false, "in_past"),
        ("2026-11-30T10:00:00+09:00", true, "in_past"),
        ("2026-12-01T10:00:00+09:00", false, "past_cutoff"),
        ("2026-12-01T10:00:00+09:00", true, "ok"),
    ])
    func checksASlotInOrder(start: String, override: Bool, expected: String) {
        #expect(
            code { () throws(WireError) in
                try BookingRules.checkSlot(at(start), field: "start", calendar: calendar, now: now, overrideCutoff: override)
            } == expected)
    }

    @Test func theOpenLimitCountsUpToButNotIncludingTheLimit() {
        #expect(code { () throws(WireError) in try BookingRules.checkOpenLimit(open: 1, limit: 2) } == "ok")
        #expect(code { () throws(WireError) in try BookingRules.checkOpenLimit(open: 2, limit: 2) } == "limit_reached")
    }

    @Test func aConsultationMayStartFromFifteenMinutesBefore() {
        let start = at("2026-12-01T10:00:00+09:00")
        #expect(!BookingRules.mayStart(consultationAt: start, now: at("2026-12-01T09:44:59+09:00")))
        #expect(BookingRules.mayStart(consultationAt: start, now: at("2026-12-01T09:45:00+09:00")))
    }

    @Test func aNoShowIsTenMinutesPastTheStartWithoutContact() {
        let start = at("2026-12-01T10:00:00+09:00")
        #expect(!BookingRules.isNoShow(consultationAt: start, now: at("2026-12-01T10:09:59+09:00"), contacted: false))
        #expect(BookingRules.isNoShow(consultationAt: start, now: at("2026-12-01T10:10:00+09:00"), contacted: false))
        #expect(!BookingRules.isNoShow(consultationAt: start, now: at("2026-12-01T12:00:00+09:00"), contacted: true))
    }

    @Test(arguments: [
        (1, SeekerStatus.active, 2, SeekerStatus.active),
        (2, .active, 2, .restricted),
        (5, .active, 0, .active),
        (2, .suspended, 2, .suspended),
        (3, .restricted, 2, .restricted),
    ])
    func noShowsRestrictAtTheThreshold(count: Int, current: SeekerStatus, threshold: Int, expected: SeekerStatus) {
        #expect(BookingRules.status(after: count, current: current, threshold: threshold) == expected)
    }

    @Test func transitionsFollowTheStateMachines() {
        let allowed: Set<String> = [
            "scheduled>in_progress", "scheduled>cancelled", "scheduled>no_show", "in_progress>completed", "in_progress>stopped",
        ]
        for from in ConsultationStatus.allCases {
            for to in ConsultationStatus.allCases {
                #expect(from.canMove(to: to) == allowed.contains("\(from.rawValue)>\(to.rawValue)"))
            }
        }
        #expect(RequestStatus.requested.canMove(to: .scheduled))
        #expect(!RequestStatus.withdrawn.canMove(to: .scheduled))
        #expect(!RequestStatus.scheduled.canMove(to: .withdrawn))
        #expect(RequestStatus.requested.canMove(to: .expired) && !RequestStatus.expired.canMove(to: .scheduled))
        #expect(ConsultationStatus.inProgress.isLive && ConsultationStatus.scheduled.isLive && !ConsultationStatus.noShow.isLive)
    }
}
