#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A system call that failed: what was being done, and errno with its text.
///
/// The one place errno becomes words, so that every failure the daemon or its
/// tools report reads the same way ("chmod /var/lib/soudan/admin.sock:
/// Operation not permitted"). Take it right after the call: errno is
/// overwritten by the next one.
public struct SystemCallError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let code: Int32

    /// With the calling thread's errno, as the failed call left it.
    public init(_ operation: String) {
        self.init(operation, errno: errno)
    }

    public init(_ operation: String, errno code: Int32) {
        self.operation = operation
        self.code = code
    }

    /// errno's text alone ("No such file or directory").
    public var reason: String { String(cString: strerror(code)) }

    public var description: String { "\(operation): \(reason)" }
}

/// Runs a system call that returns -1 and sets errno on failure; returns its
/// result, or throws what failed.
@discardableResult
public func checkedSystemCall(_ operation: @autoclosure () -> String, _ result: Int32) throws(SystemCallError) -> Int32 {
    guard result != -1 else { throw SystemCallError(operation()) }
    return result
}
