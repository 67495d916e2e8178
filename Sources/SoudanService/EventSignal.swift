public import Dispatch
import SoudanSync

/// Wakes `events.fetch` calls that wait for new events, without a thread or a
/// connection held while they wait.
///
/// A waiter registers with the generation it read under; every committed batch
/// bumps the generation and wakes all waiters, which read again. Registering
/// with an old generation wakes at once, so no event committed between a read
/// and its registration is missed.
public final class EventSignal: Sendable {
    public typealias Wake = @Sendable (_ final: Bool) -> Void

    private struct State {
        var generation: UInt64 = 0
        var nextID: UInt64 = 0
        var waiters: [UInt64: Wake] = [:]
        var stopped = false
    }

    private let state = LockedValue(State())

    public init() {}

    public var generation: UInt64 { state.withLock { $0.generation } }

    /// Calls `wake(false)` after the next commit, or `wake(true)` at `deadline` or
    /// at shutdown, exactly once.
    public func wait(seen generation: UInt64, until deadline: DispatchTime, _ wake: @escaping Wake) {
        let registered = state.withLock { state -> UInt64? in
            guard !state.stopped, state.generation == generation else { return nil }
            state.nextID += 1
            state.waiters[state.nextID] = wake
            return state.nextID
        }
        guard let id = registered else {
            wake(state.withLock { $0.stopped })
            return
        }
        DispatchQueue.global().asyncAfter(deadline: deadline) { [self] in
            if let waiter = state.withLock({ $0.waiters.removeValue(forKey: id) }) { waiter(true) }
        }
    }

    /// A batch committed: every waiter reads again.
    public func notify() {
        let woken = state.withLock { state -> [Wake] in
            state.generation += 1
            guard !state.waiters.isEmpty else { return [] }
            let all = Array(state.waiters.values)
            state.waiters = [:]
            return all
        }
        for wake in woken { wake(false) }
    }

    /// Shutting down: answer every waiter now, and any later one at once.
    public func stop() {
        let woken = state.withLock { state -> [Wake] in
            state.stopped = true
            let all = Array(state.waiters.values)
            state.waiters = [:]
            return all
        }
        for wake in woken { wake(true) }
    }
}
