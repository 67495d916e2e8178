public import Dispatch
import Synchronization

/// Calls `body` every `interval` on the `TimerThread` until stopped: for work
/// that fires with time alone (the time rules), owned by the layer whose work
/// it is rather than by the network loop.
public final class Ticker: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let interval: DispatchTimeInterval
    private let body: @Sendable () -> Void

    /// Starts ticking at once: the first call comes after one `interval`.
    public init(every interval: DispatchTimeInterval, _ body: @escaping @Sendable () -> Void) {
        self.interval = interval
        self.body = body
        scheduleNext()
    }

    /// No call starts after this returns (one running may finish).
    public func stop() {
        stopped.store(true, ordering: .sequentiallyConsistent)
    }

    private func scheduleNext() {
        TimerThread.shared.schedule(after: interval) { [self] in
            guard !stopped.load(ordering: .sequentiallyConsistent) else { return }
            body()
            scheduleNext()
        }
    }
}
