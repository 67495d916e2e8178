public import GRDB
public import SoudanDomain
import SoudanStore
import SoudanSync

/// Work the writer does on its own at the start of every batch: the time rules
/// (so every write sees no-shows already applied), and, at most once a minute of
/// office time, expiring idempotency keys past their retention.
public final class Housekeeping: Sendable {
    private let clock: OfficeClock
    private let office: OfficeSettings
    private let lastExpiry = LockedValue<Int64?>(nil)

    public init(clock: OfficeClock, office: OfficeSettings) {
        self.clock = clock
        self.office = office
    }

    public func run(_ db: Database) throws {
        let now = clock.now()
        try TimeRules.apply(db, now: now, office: office)
        let due = lastExpiry.withLock { last -> Bool in
            if let last, now.seconds - last < 60 { return false }
            last = now.seconds
            return true
        }
        if due { try Idempotency.expire(before: now.adding(seconds: -Idempotency.retentionSeconds), in: db) }
    }
}
