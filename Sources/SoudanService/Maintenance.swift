import Synchronization

/// Requests for work that must run after a commit, outside any transaction.
public final class Maintenance: Sendable {
    private let checkpointWanted = Atomic<Bool>(false)

    public init() {}

    /// After a purge: checkpoint and truncate the WAL, so that the old page images
    /// holding erased values leave the WAL file too (secure_delete handles the
    /// database file).
    public func requestCheckpoint() { checkpointWanted.store(true, ordering: .relaxed) }

    /// True once per request.
    public func takeCheckpointRequest() -> Bool { checkpointWanted.exchange(false, ordering: .relaxed) }
}
