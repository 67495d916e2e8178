#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A value shared between threads, reachable only while holding its lock.
///
/// Why not the standard library's `Mutex`: on Linux it is built on futexes
/// inside a module that ThreadSanitizer does not instrument, so TSan cannot see
/// it order anything and reports every access made under it as a race
/// (`scripts/test-sanitizers thread` showed it on a ten-line program). A
/// `pthread_mutex_t` is understood by TSan (it intercepts the calls), costs the
/// same uncontended, and keeps the sanitizer run meaningful. The same shape as
/// swift-nio's `NIOLockedValueBox`.
public final class LockedValue<Value> {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed: \(status)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock; never call back into the
    /// same `LockedValue` from `body` (the lock is not recursive).
    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}

// @unchecked: `value` is read and written only between lock and unlock of
// `mutex`, which is allocated once and never moves. Only for a Sendable value:
// a non-Sendable one (a class shared elsewhere) could still be reached without
// the lock, so the box must not make it look safe to share.
extension LockedValue: @unchecked Sendable where Value: Sendable {}
