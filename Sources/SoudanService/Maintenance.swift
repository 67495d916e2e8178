import Dispatch
import Logging
import SoudanStore
import SoudanSync
import Synchronization

/// Requests for work that must run after a commit, outside any transaction.
public final class Maintenance: Sendable {
    private let checkpointWanted = Atomic<Bool>(false)

    /// Tries of the post-purge checkpoint, one a second.
    static let truncateAttempts = 60

    public init() {}

    /// After a purge: checkpoint and truncate the WAL, so that the old page images
    /// holding erased values leave the WAL file too (secure_delete handles the
    /// database file).
    public func requestCheckpoint() { checkpointWanted.store(true, ordering: .relaxed) }

    /// True once per request.
    public func takeCheckpointRequest() -> Bool { checkpointWanted.exchange(false, ordering: .relaxed) }

    /// Truncates the WAL, retrying while a reader holds an older snapshot.
    ///
    /// Why retried: a TRUNCATE checkpoint cannot finish while any reader still
    /// reads a snapshot from before the purge, and a failed one left the erased
    /// values in `-wal` until some later checkpoint happened to restart it. Each
    /// try runs with no busy wait, so it never holds the writer up; a reader's
    /// snapshot lasts one request, so a second later it is gone. After a minute
    /// of failures it gives up and says so.
    static func truncateWAL(_ store: Store, logger: Logger, attempt: Int = 1) {
        do {
            try store.truncateWAL()
            if attempt > 1 { logger.notice("WAL truncated after a purge", metadata: ["attempts": "\(attempt)"]) }
        } catch {
            guard attempt < truncateAttempts else {
                logger.warning(
                    "WAL not truncated after a purge: erased values may stay in the -wal file until a later checkpoint",
                    metadata: ["error": "\(error)"])
                return
            }
            TimerThread.shared.schedule(after: .seconds(1)) { truncateWAL(store, logger: logger, attempt: attempt + 1) }
        }
    }
}
