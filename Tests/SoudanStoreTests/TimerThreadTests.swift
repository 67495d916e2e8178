import Dispatch
import SoudanSync
import Testing

@Suite struct TimerThreadTests {
    @Test func runsWorkAtItsDeadlineInOrder() {
        let timers = TimerThread(name: "test.timers")
        let order = LockedValue<[Int]>([])
        let done = DispatchSemaphore(value: 0)
        for (n, ms) in [(3, 60), (1, 20), (2, 40)] {
            timers.schedule(after: .milliseconds(ms)) {
                order.withLock { $0.append(n) }
                if n == 3 { done.signal() }
            }
        }
        #expect(done.wait(timeout: .now() + 5) == .success)
        #expect(order.withLock { $0 } == [1, 2, 3])
    }

    /// Cancelled entries do not pile up until their deadlines: a client whose
    /// long-polls are answered at once, again and again, cannot grow the heap.
    @Test func cancelledEntriesDoNotPileUp() {
        let timers = TimerThread(name: "test.timers")
        for _ in 0..<10_000 {
            let token = timers.schedule(at: .now() + .seconds(3600)) {}
            timers.cancel(token)
        }
        #expect(timers.scheduledCount == 0)
        #expect(timers.heapCount <= 64 + 1)
        let ran = DispatchSemaphore(value: 0)
        timers.schedule(after: .milliseconds(10)) { ran.signal() }
        #expect(ran.wait(timeout: .now() + 5) == .success)
    }
}
