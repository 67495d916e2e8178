public import Dispatch
import SoudanSync

/// Wakes `events.fetch` calls that wait for new events, without a thread or a
/// connection held while they wait.
///
/// Why it is shaped so: a waiting long-poll must cost nothing until an event
/// arrives (CONTRACT.md, "At the edges"). Waking every waiter on every commit
/// made 65,536 idle polls burn 134 % CPU, since the writer commits at least once
/// a second (the time rules' tick); and each re-wait left a timer of its own
/// pending. So a poll has one deadline timer for its whole life (`begin`), and
/// waiters wake only when the last committed event `seq` moves forward
/// (`advanced(to:)`), which only a committed event does.
///
/// A waiter registers with the `seq` it read before its snapshot; if an event
/// committed since, it wakes at once, so none is missed between a read and its
/// registration.
public final class EventSignal: Sendable {
    public typealias Wake = @Sendable (_ final: Bool) -> Void

    private struct Poll {
        var wake: Wake?
        /// The deadline, scheduled once and cancelled when the poll answers.
        var deadline: TimerThread.Token?
        var expired = false
        var connection: UInt64
    }

    private struct State {
        var seq: Int64 = 0
        var nextID: UInt64 = 0
        var polls: [UInt64: Poll] = [:]
        var pollsPerConnection: [UInt64: Int] = [:]
        var stopped = false
    }

    private let state = LockedValue(State())
    /// Long-polls that may wait at once on one connection; more are `overloaded`.
    public let maxWaitingPerConnection: Int

    public init(lastSeq: Int64 = 0, maxWaitingPerConnection: Int = 4) {
        self.maxWaitingPerConnection = maxWaitingPerConnection
        state.withLock { $0.seq = lastSeq }
    }

    /// The last event `seq` known to have committed.
    public var seq: Int64 { state.withLock { $0.seq } }

    /// Long-polls under way (for tests and statistics).
    public var waitingPolls: Int { state.withLock { $0.polls.count } }

    /// Starts a long poll that ends at `deadline`, or nil when `connection`
    /// already has `maxWaitingPerConnection` of them.
    public func begin(connection: UInt64, until deadline: DispatchTime) -> UInt64? {
        let id = state.withLock { state -> UInt64? in
            guard state.pollsPerConnection[connection, default: 0] < maxWaitingPerConnection else { return nil }
            state.pollsPerConnection[connection, default: 0] += 1
            state.nextID += 1
            state.polls[state.nextID] = Poll(connection: connection)
            return state.nextID
        }
        guard let id else { return nil }
        let timer = TimerThread.shared.schedule(at: deadline) { [self] in expire(id) }
        state.withLock { $0.polls[id]?.deadline = timer }
        return id
    }

    /// Calls `wake(false)` once an event has committed after `seen`, or
    /// `wake(true)` at the poll's deadline or at shutdown; exactly once.
    public func wait(_ id: UInt64, seen: Int64, _ wake: @escaping Wake) {
        let now = state.withLock { state -> Bool? in
            guard !state.stopped, let poll = state.polls[id], !poll.expired else { return true }
            if state.seq > seen { return false }
            state.polls[id]?.wake = wake
            return nil
        }
        if let final = now { wake(final) }
    }

    /// The poll has answered: its timer and its place go.
    public func end(_ id: UInt64) {
        let timer = state.withLock { state -> TimerThread.Token? in
            guard let poll = state.polls.removeValue(forKey: id) else { return nil }
            if let count = state.pollsPerConnection[poll.connection], count > 1 {
                state.pollsPerConnection[poll.connection] = count - 1
            } else {
                state.pollsPerConnection[poll.connection] = nil
            }
            return poll.deadline
        }
        if let timer { TimerThread.shared.cancel(timer) }
    }

    private func expire(_ id: UInt64) {
        let wake = state.withLock { state -> Wake? in
            state.polls[id]?.expired = true
            let wake = state.polls[id]?.wake
            state.polls[id]?.wake = nil
            return wake
        }
        wake?(true)
    }

    /// A batch committed with events up to `seq`: the waiters read again, if it moved.
    public func advanced(to seq: Int64) {
        let woken = state.withLock { state -> [Wake] in
            guard seq > state.seq else { return [] }
            state.seq = seq
            return Self.takeWaiting(&state)
        }
        for wake in woken { wake(false) }
    }

    /// Shutting down: answer every waiter now, and any later one at once.
    public func stop() {
        let woken = state.withLock { state -> [Wake] in
            state.stopped = true
            return Self.takeWaiting(&state)
        }
        for wake in woken { wake(true) }
    }

    /// The wakes of every poll waiting now; those polls wait no more.
    private static func takeWaiting(_ state: inout State) -> [Wake] {
        var woken: [Wake] = []
        for (id, poll) in state.polls {
            guard let wake = poll.wake else { continue }
            woken.append(wake)
            state.polls[id]?.wake = nil
        }
        return woken
    }
}
