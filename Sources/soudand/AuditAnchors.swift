import Dispatch
import Logging
import SoudanStore
import SoudanSync

/// Writes the access log's end (`audit anchor rows=N head=HEX`) to the daemon's
/// log, the journal, every 10 minutes and at shutdown.
///
/// Why: the HMAC chain stops anyone without the key from rewriting rows, but
/// cutting rows off the end leaves a shorter chain that still verifies. A line
/// outside the database that names the row count and the last hash lets
/// `audit.verify {"anchor"}` find a log truncated or rewound behind it.
struct AuditAnchors: Sendable {
    static let interval = DispatchTimeInterval.seconds(600)

    let store: Store
    let logger: Logger

    func log() {
        do {
            let head = try store.read { db in try AccessLog.head(in: db) }
            logger.notice("\(head.logLine)")
        } catch {
            logger.error("audit anchor unreadable", metadata: ["error": "\(error)"])
        }
    }

    /// Logs an anchor every `interval` from now on.
    func schedule() {
        TimerThread.shared.schedule(after: Self.interval) {
            log()
            schedule()
        }
    }
}
