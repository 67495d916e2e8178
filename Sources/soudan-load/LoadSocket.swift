import CSoudanShim
import Foundation
import SoudanClient
import SoudanProtocol
import SoudanSync

/// A non-blocking connection that the engine polls: requests leave through an
/// outgoing buffer (whatever the socket does not take now is sent when it says
/// it can take more), replies come in through the daemon's own frame decoder.
final class LoadSocket {
    let fd: Int32
    private var decoder = FrameDecoder(maxFrame: 64 << 20)
    private var outgoing: [UInt8] = []
    private var sentOffset = 0
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    private var nextID: Int64 = 1

    init(path: String) throws(ClientError) {
        fd = soudan_connect_unix(path)
        guard fd >= 0 else { throw .connect(path: path, reason: SystemCallError("connect").reason) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit { close(fd) }

    /// True while bytes wait for the socket to take them.
    var hasPendingOutput: Bool { sentOffset < outgoing.count }

    /// Queues a request under a fresh id, which it returns.
    func queue(_ op: String, _ args: JSONObject) -> Int64 {
        let id = nextID
        nextID += 1
        if sentOffset == outgoing.count {
            outgoing.removeAll(keepingCapacity: true)
            sentOffset = 0
        }
        let body = JSONWriter.bytes(.object(["id": .int(id), "op": .string(op), "args": .object(args)]))
        FrameEncoder.appendFrame(body, to: &outgoing)
        return id
    }

    /// Sends what the socket takes now.
    func flush() throws(ClientError) {
        while sentOffset < outgoing.count {
            let n = outgoing[sentOffset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return }
                throw errno == EPIPE || errno == ECONNRESET ? .closedByPeer : .io(SystemCallError("send").description)
            }
            sentOffset += n
        }
    }

    /// Reads everything the socket holds and hands each whole reply to `body`.
    func receive(_ body: (ClientReply) throws(ClientError) -> Void) throws(ClientError) {
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { throw .closedByPeer }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { break }
                throw errno == ECONNRESET ? .closedByPeer : .io(SystemCallError("recv").description)
            }
            chunk.withUnsafeBytes { decoder.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            if n < chunk.count { break }
        }
        while true {
            let frame: [UInt8]?
            do { frame = try decoder.next() } catch { throw .badReply("\(error)") }
            guard let frame else { return }
            let reply: ClientReply
            do { reply = try ClientReply(JSONParser.parse(frame)) } catch { throw .badReply("\(error)") }
            try body(reply)
        }
    }
}
