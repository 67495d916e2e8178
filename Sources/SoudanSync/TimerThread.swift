public import Dispatch
import Foundation

/// Runs work after a delay, on one thread of its own, timed by the monotonic clock.
///
/// Why not `asyncAfter` or a `DispatchSourceTimer`: under libfaketime, which
/// the clock-step tests run soudand with to move its wall clock, libdispatch's
/// timers never fire at all (measured: a 300 ms `asyncAfter` had not run after
/// 3 s), while a semaphore's timed wait keeps monotonic time. A long-poll
/// deadline or a delayed batch must not depend on the wall clock either way.
///
/// Entries sit in a binary heap by deadline; a cancelled entry is dropped when
/// it reaches the top. The thread starts on first use and lives as long as the
/// process.
public final class TimerThread: Sendable {
    public static let shared = TimerThread(name: "soudan.timers")

    public struct Token: Sendable, Hashable {
        fileprivate let id: UInt64
    }

    private struct Entry {
        var deadline: UInt64
        var id: UInt64
    }

    private struct State {
        var heap: [Entry] = []
        var work: [UInt64: @Sendable () -> Void] = [:]
        var nextID: UInt64 = 0
        var started = false
    }

    private let name: String
    private let state = LockedValue(State())
    private let wake = DispatchSemaphore(value: 0)

    public init(name: String) {
        self.name = name
    }

    /// Runs `work` at `deadline` (or at once if it has passed).
    @discardableResult
    public func schedule(at deadline: DispatchTime, _ work: @escaping @Sendable () -> Void) -> Token {
        let (token, earliest, start) = state.withLock { state -> (Token, Bool, Bool) in
            state.nextID += 1
            let entry = Entry(deadline: deadline.uptimeNanoseconds, id: state.nextID)
            state.work[entry.id] = work
            Self.push(entry, onto: &state.heap)
            let start = !state.started
            state.started = true
            return (Token(id: entry.id), state.heap.first?.id == entry.id, start)
        }
        if start {
            let thread = Thread { [self] in run() }
            thread.name = name
            thread.start()
        } else if earliest {
            wake.signal()
        }
        return token
    }

    public func schedule(after delay: DispatchTimeInterval, _ work: @escaping @Sendable () -> Void) {
        schedule(at: .now() + delay, work)
    }

    /// The work will not run (if it has not yet).
    ///
    /// Its heap entry would stay until its deadline (a long-poll's: 30 s), so a
    /// client answered quickly, again and again, could grow the heap: once
    /// cancelled entries outnumber live ones, the heap is rebuilt from the live.
    public func cancel(_ token: Token) {
        state.withLock { state in
            guard state.work.removeValue(forKey: token.id) != nil else { return }
            guard state.heap.count > 2 * state.work.count + 64 else { return }
            let live = state.heap.filter { state.work[$0.id] != nil }
            state.heap = []
            for entry in live { Self.push(entry, onto: &state.heap) }
        }
    }

    /// Entries scheduled and not yet run or dropped (for tests).
    public var scheduledCount: Int { state.withLock { $0.work.count } }

    /// Entries the heap holds, cancelled ones not yet dropped included (for tests).
    public var heapCount: Int { state.withLock { $0.heap.count } }

    private func run() {
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            let (due, next) = state.withLock { state -> ([@Sendable () -> Void], UInt64?) in
                var due: [@Sendable () -> Void] = []
                while let top = state.heap.first, top.deadline <= now || state.work[top.id] == nil {
                    Self.popTop(&state.heap)
                    if let work = state.work.removeValue(forKey: top.id) { due.append(work) }
                }
                return (due, state.heap.first?.deadline)
            }
            for work in due { work() }
            if due.isEmpty {
                _ = wake.wait(timeout: next.map { DispatchTime(uptimeNanoseconds: $0) } ?? .distantFuture)
            }
        }
    }

    private static func push(_ entry: Entry, onto heap: inout [Entry]) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].deadline < heap[parent].deadline else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private static func popTop(_ heap: inout [Entry]) {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].deadline < heap[smallest].deadline { smallest = left }
            if right < heap.count, heap[right].deadline < heap[smallest].deadline { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
