import CLibUV

/// A libuv call that failed, with libuv's name for the error.
public struct UVError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let operation: String

    public var description: String {
        "\(operation): \(String(cString: uv_strerror(code)))"
    }
}

/// Checks a libuv return code once, at the edge.
@discardableResult
func uvCheck(_ result: Int32, _ operation: @autoclosure () -> String) throws(UVError) -> Int32 {
    guard result >= 0 else { throw UVError(code: result, operation: operation()) }
    return result
}

/// Casts between libuv's handle "subclasses", which share a common prefix.
@inline(__always)
func asHandle<T>(_ pointer: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<uv_handle_t> {
    UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: uv_handle_t.self)
}

@inline(__always)
func asStream<T>(_ pointer: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<uv_stream_t> {
    UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: uv_stream_t.self)
}

/// Allocates a handle that must not move while libuv knows it. It is freed only in
/// its `uv_close` callback (see `closeAndFree`).
func allocateHandle<T>(_ type: T.Type) -> UnsafeMutablePointer<T> {
    let pointer = UnsafeMutablePointer<T>.allocate(capacity: 1)
    UnsafeMutableRawPointer(pointer).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<T>.size)
    return pointer
}

/// Closes a handle; in its close callback, releases the owner stored in `data`
/// (if any) and frees the handle's memory.
func closeAndFree(_ handle: UnsafeMutablePointer<uv_handle_t>) {
    if uv_is_closing(handle) != 0 { return }
    uv_close(handle) { handle in
        guard let handle else { return }
        if let data = handle.pointee.data {
            Unmanaged<AnyObject>.fromOpaque(data).release()
        }
        handle.deallocate()
    }
}

/// Milliseconds on libuv's monotonic clock (never steps with the wall clock).
///
/// `uv_hrtime`, not `uv_now`: `uv_now` is the time cached when the loop last
/// woke, stale by however long the callbacks since have taken, which made the
/// stall timer count a reading client's progress as if it came late.
func monotonicMs(_ loop: UnsafeMutablePointer<uv_loop_t>) -> UInt64 {
    uv_hrtime() / 1_000_000
}
