/// Why the byte stream of a connection cannot go on: the server answers once with
/// `id: null` and closes, as the contract says.
public enum FrameError: Error, Equatable, Sendable {
    /// A header announced a zero-length frame (`bad_frame`).
    case empty
    /// A header announced more than `max_frame` bytes (`frame_too_large`).
    case tooLarge(length: UInt32, limit: Int)

    public var wireError: WireError {
        switch self {
        case .empty: WireError(.badFrame, "a frame of length 0 is not allowed")
        case .tooLarge(let length, let limit):
            WireError(
                .frameTooLarge, "frame of \(length) bytes is over the limit of \(limit)",
                details: ["length": .int(Int64(length)), "max_frame": .int(Int64(limit))])
        }
    }
}

/// An incremental decoder of length-prefixed frames: a 4-byte big-endian length,
/// then that many bytes.
///
/// Bytes arrive in whatever pieces the socket gives; `append` keeps them and `next`
/// yields whole frames. The length is checked against `maxFrame` the moment the
/// header is complete, before any room is made for the body, so a hostile header
/// costs nothing.
public struct FrameDecoder: Sendable {
    public enum State: Equatable, Sendable {
        case waitingForHeader
        case waitingForBody(length: Int)
    }

    public let maxFrame: Int
    public private(set) var state: State = .waitingForHeader
    private var buffer: [UInt8] = []
    private var readIndex = 0

    public init(maxFrame: Int) {
        precondition(maxFrame > 0)
        self.maxFrame = maxFrame
    }

    /// Bytes received but not yet returned as frames.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// True while part of a frame (header or body) has arrived but not all of it.
    public var isInsideFrame: Bool { bufferedByteCount > 0 }

    /// The memory the buffer holds (its capacity, not only the bytes in it), for
    /// a server that bounds what all its connections buffer together.
    public var reservedByteCount: Int { buffer.capacity }

    /// Lets go of the buffer's memory when it holds nothing: a connection that
    /// once received a large frame must not keep its room forever.
    public mutating func releaseIfEmpty() {
        if bufferedByteCount == 0, buffer.capacity > 64 << 10 {
            buffer = []
            readIndex = 0
        }
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compactIfWorthIt()
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        compactIfWorthIt()
        buffer.append(contentsOf: bytes)
    }

    /// The next whole frame's body, or nil until more bytes arrive.
    /// After an error the decoder is spent: the connection must close.
    public mutating func next() throws(FrameError) -> [UInt8]? {
        if case .waitingForHeader = state {
            guard bufferedByteCount >= 4 else { return nil }
            let length =
                UInt32(buffer[readIndex]) << 24 | UInt32(buffer[readIndex + 1]) << 16
                | UInt32(buffer[readIndex + 2]) << 8 | UInt32(buffer[readIndex + 3])
            if length == 0 { throw .empty }
            if length > maxFrame { throw .tooLarge(length: length, limit: maxFrame) }
            readIndex += 4
            state = .waitingForBody(length: Int(length))
        }
        guard case .waitingForBody(let length) = state, bufferedByteCount >= length else { return nil }
        let body = Array(buffer[readIndex..<readIndex + length])
        readIndex += length
        state = .waitingForHeader
        return body
    }

    /// Drops consumed bytes once they are the larger part of the buffer, so that a
    /// long pipelined stream neither grows the buffer forever nor copies on every read.
    private mutating func compactIfWorthIt() {
        if readIndex > 0, readIndex >= buffer.count / 2 {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }
}

/// Builds the bytes of one frame.
public enum FrameEncoder {
    public static func frame(_ body: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(body.count + 4)
        appendFrame(body, to: &bytes)
        return bytes
    }

    public static func appendFrame(_ body: [UInt8], to bytes: inout [UInt8]) {
        let length = UInt32(body.count)
        bytes.append(UInt8(truncatingIfNeeded: length >> 24))
        bytes.append(UInt8(truncatingIfNeeded: length >> 16))
        bytes.append(UInt8(truncatingIfNeeded: length >> 8))
        bytes.append(UInt8(truncatingIfNeeded: length))
        bytes.append(contentsOf: body)
    }
}
