public import SoudanDomain
public import SoudanStore
import SoudanSync

/// Work the writer does on its own at the start of every batch: the time rules
/// (so every write sees no-shows already applied), and, at most once a minute of
/// office time, expiring idempotency keys past their retention.
///
/// The time rules run once per second of office time, not once per batch: they
/// depend on `now` in whole seconds and on consultations that only the clock can
/// make due (no write creates a consultation that started in the past), so a
/// second run in the same second finds nothing. A batch that rolls back takes
/// their effect with it, and the next batch runs them again.
public final class Housekeeping: Sendable {
    private let clock: OfficeClock
    private let office: OfficeSettings
    private let key: AuditKey
    private let maintenance: Maintenance
    private let lastExpiry = LockedValue<Int64?>(nil)
    private let lastTimeRules = LockedValue<Int64?>(nil)

    public init(clock: OfficeClock, office: OfficeSettings, key: AuditKey, maintenance: Maintenance) {
        self.clock = clock
        self.office = office
        self.key = key
        self.maintenance = maintenance
    }

    public func run(_ db: StoreTransaction) throws {
        let now = clock.now()
        // A wall-clock jump is held, not obeyed: no no-show, expiry or retention
        // runs on a time that may be wrong, until staff accept it (`clock.accept`).
        if clock.heldJump != nil { return }
        let rulesDue = lastTimeRules.withLock { last -> Bool in
            if last == now.seconds { return false }
            last = now.seconds
            return true
        }
        if rulesDue { try TimeRules.apply(db, now: now, office: office, key: key, maintenance: maintenance) }
        let due = lastExpiry.withLock { last -> Bool in
            if let last, now.seconds - last < 60 { return false }
            last = now.seconds
            return true
        }
        if due { try Idempotency.expire(before: now.adding(seconds: -Idempotency.retentionSeconds), in: db) }
    }

    /// The batch did not commit: what ran in it did not happen.
    public func batchRolledBack() {
        lastTimeRules.withLock { $0 = nil }
        lastExpiry.withLock { $0 = nil }
    }
}
