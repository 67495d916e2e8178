import CSoudanShim
import Foundation
public import SoudanProtocol
import SoudanSync

/// What went wrong talking to the daemon (as opposed to an error reply, which is
/// a normal answer).
public enum ClientError: Error, CustomStringConvertible, Equatable {
    case connect(path: String, reason: String)
    case closedByPeer
    case timedOut
    case io(String)
    case badReply(String)

    public var description: String {
        switch self {
        case .connect(let path, let reason): "cannot connect to \(path): \(reason)"
        case .closedByPeer: "the daemon closed the connection"
        case .timedOut: "no reply in time"
        case .io(let reason): "socket error: \(reason)"
        case .badReply(let reason): "unreadable reply: \(reason)"
        }
    }
}

/// A reply as a client reads it.
public struct ClientReply: Sendable, Equatable {
    public var id: JSONValue
    public var ok: Bool
    public var result: JSONObject
    public var errorCode: String?
    public var errorMessage: String?
    public var errorDetails: JSONObject
    public var raw: JSONValue

    public init(_ json: JSONValue) throws(ClientError) {
        guard case .object(let object) = json, let ok = object["ok"]?.boolValue else {
            throw .badReply("not a reply object")
        }
        raw = json
        id = object["id"] ?? .null
        self.ok = ok
        result = object["result"]?.objectValue ?? [:]
        errorCode = object["error"]?["code"]?.stringValue
        errorMessage = object["error"]?["message"]?.stringValue
        errorDetails = object["error"]?["details"]?.objectValue ?? [:]
    }
}

/// A blocking connection to one of the daemon's sockets: frames out, frames in.
///
/// Small on purpose (soudanctl, soudan-load and the tests share it): one socket,
/// a timeout on every read and write, pipelining by sending several requests
/// before reading their replies.
public final class SoudanConnection {
    public let path: String
    private var fd: Int32
    private var readBuffer: [UInt8] = []
    private var nextID: Int64 = 1

    public init(path: String, timeout: Double = 30) throws(ClientError) {
        self.path = path
        fd = soudan_connect_unix(path)
        guard fd >= 0 else { throw .connect(path: path, reason: SystemCallError("connect").reason) }
        setTimeout(timeout)
    }

    deinit { close() }

    public func setTimeout(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    /// Sends raw bytes as they are (for tests of the framing itself).
    public func sendRaw(_ bytes: [UInt8]) throws(ClientError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw .timedOut }
                throw .io(SystemCallError("send").description)
            }
            offset += n
        }
    }

    /// Builds a request with a fresh integer id.
    public func makeRequest(_ op: String, args: JSONObject? = nil, idempotencyKey: String? = nil) -> JSONValue {
        var object: JSONObject = ["id": .int(nextID), "op": .string(op)]
        nextID += 1
        if let args { object["args"] = .object(args) }
        if let idempotencyKey { object["idempotency_key"] = .string(idempotencyKey) }
        return .object(object)
    }

    public func send(_ request: JSONValue) throws(ClientError) {
        try sendRaw(FrameEncoder.frame(JSONWriter.bytes(request)))
    }

    /// Reads one whole frame's body.
    public func readFrame() throws(ClientError) -> [UInt8] {
        try fill(4)
        let length = Int(readBuffer[0]) << 24 | Int(readBuffer[1]) << 16 | Int(readBuffer[2]) << 8 | Int(readBuffer[3])
        try fill(4 + length)
        let body = Array(readBuffer[4..<(4 + length)])
        readBuffer.removeFirst(4 + length)
        return body
    }

    public func readReply() throws(ClientError) -> ClientReply {
        let body = try readFrame()
        do {
            return try ClientReply(try JSONParser.parse(body))
        } catch let error as ClientError {
            throw error
        } catch {
            throw .badReply("\(error)")
        }
    }

    /// Sends one request and waits for its reply.
    public func call(_ op: String, _ args: JSONObject? = nil, idempotencyKey: String? = nil) throws(ClientError) -> ClientReply {
        try send(makeRequest(op, args: args, idempotencyKey: idempotencyKey))
        return try readReply()
    }

    /// Reads (and drops) whatever the daemon still sends until it closes its side:
    /// true on that end of stream, false if it stays open past the timeout.
    public func isClosedByPeer() -> Bool {
        while true {
            do {
                try fill(readBuffer.count + 1)
                readBuffer.removeAll(keepingCapacity: true)
            } catch {
                return error == .closedByPeer
            }
        }
    }

    private func fill(_ count: Int) throws(ClientError) {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while readBuffer.count < count {
            let n = chunk.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { throw .closedByPeer }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw .timedOut }
                if errno == ECONNRESET { throw .closedByPeer }
                throw .io(SystemCallError("recv").description)
            }
            readBuffer.append(contentsOf: chunk[0..<n])
        }
    }
}

@available(*, unavailable)
extension SoudanConnection: Sendable {}
