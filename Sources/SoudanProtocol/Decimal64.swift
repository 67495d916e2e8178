/// An integer's decimal text (its `description`) as bytes, without making a
/// String: JSON replies and the access log's hash write numbers per request.
public enum Decimal64 {
    /// Calls `body` with the digits, a minus sign first if negative.
    public static func digits<R>(of value: Int64, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        var magnitude = value.magnitude
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var start = buffer.count
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude != 0
            if value < 0 {
                start -= 1
                buffer[start] = UInt8(ascii: "-")
            }
            return try body(UnsafeBufferPointer(rebasing: buffer[start...]))
        }
    }
}
