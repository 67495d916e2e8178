public import GRDB
public import SoudanDomain
import SoudanStore
import Synchronization

/// Work the writer does on its own at the start of a batch, at most once a minute
/// of office time: expiring idempotency keys past their retention.
public final class Housekeeping: Sendable {
    private let clock: OfficeClock
    private let lastRun = Mutex<Int64?>(nil)

    public init(clock: OfficeClock) { self.clock = clock }

    public func run(_ db: Database) throws {
        let now = clock.now()
        let due = lastRun.withLock { last -> Bool in
            if let last, now.seconds - last < 60 { return false }
            last = now.seconds
            return true
        }
        guard due else { return }
        try Idempotency.expire(before: now.adding(seconds: -Idempotency.retentionSeconds), in: db)
    }
}
