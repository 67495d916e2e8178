import CLibUV
import SoudanProtocol

/// One accepted client, bound to the loop thread: carries out what its
/// `ConnectionStateMachine` decides, with a libuv pipe handle.
final class Connection {
    let id: UInt64
    let peer: PeerInfo
    private let handle: UnsafeMutablePointer<uv_pipe_t>
    unowned let server: Server
    private var machine: ConnectionStateMachine
    private var closed = false
    /// Bytes written straight away by `uv_try_write` during `perform`, reported
    /// to the state machine once the actions in hand are done.
    private var writtenInline = 0
    /// The input memory last reported to the server's budget.
    private(set) var reportedInput = 0

    init(id: UInt64, peer: PeerInfo, handle: UnsafeMutablePointer<uv_pipe_t>, server: Server, limits: ConnectionStateMachine.Limits) {
        self.id = id
        self.peer = peer
        self.handle = handle
        self.server = server
        self.machine = ConnectionStateMachine(limits: limits)
        // The handle holds the connection until its close callback releases it.
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
    }

    func start() { perform(machine.opened()) }

    func deliver(seq: UInt64, bytes: [UInt8]) {
        perform(machine.replyReady(seq: seq, bytes: bytes, now: server.nowMs))
    }

    func shutdown() { perform(machine.shutdown(now: server.nowMs)) }

    func tick(now: UInt64) { perform(machine.tick(now: now)) }

    private func perform(_ actions: [ConnectionStateMachine.Action]) {
        for action in actions {
            guard !closed else { return }
            switch action {
            case .dispatch(let seq, let body):
                let sink = ReplySink(inbox: server.inbox, connectionID: id, seq: seq)
                server.handler(.request(body), peer) { sink.send($0) }
            case .frameError(let seq, let error):
                deliver(seq: seq, bytes: server.immediateReply(to: .unreadable(error), from: peer))
            case .write(let bytes):
                write(bytes)
            case .startReading:
                let rc = uv_read_start(asStream(handle), Server.allocateReadBuffer, Connection.onRead)
                if rc < 0 { close(reason: .finished) }
            case .stopReading:
                uv_read_stop(asStream(handle))
            case .close(let reason):
                close(reason: reason)
            }
        }
        if writtenInline > 0, !closed {
            let byteCount = writtenInline
            writtenInline = 0
            perform(machine.writeCompleted(byteCount: byteCount, now: server.nowMs))
        }
        let input = machine.inputBytes
        if input != reportedInput, !closed {
            let delta = input - reportedInput
            reportedInput = input
            server.inputChanged(self, by: delta)
        }
    }

    var isInsideFrame: Bool { machine.isInsideFrame }

    /// The server's input budget is spent (see `Server.inputChanged`).
    func pauseForInput() { perform(machine.inputBudgetSpent()) }

    func resumeInput() { perform(machine.inputBudgetFreed(now: server.nowMs)) }

    /// Writes at once what the socket takes (most replies: no request, no copy,
    /// no callback), and queues the rest with `uv_write`. libuv refuses a try
    /// while earlier writes are queued, so bytes never overtake each other.
    private func write(_ bytes: [UInt8]) {
        let written = bytes.withUnsafeBytes { raw -> Int32 in
            var buffer = uv_buf_init(
                UnsafeMutablePointer(mutating: raw.baseAddress?.assumingMemoryBound(to: CChar.self)), UInt32(raw.count))
            return uv_try_write(asStream(handle), &buffer, 1)
        }
        if written == Int32(bytes.count) {
            writtenInline += bytes.count
            return
        }
        if written >= 0 {
            writtenInline += Int(written)
            queueWrite(bytes[Int(written)...])
        } else if written == UV_EAGAIN.rawValue {
            queueWrite(bytes[...])
        } else {
            perform(machine.writeFailed())
        }
    }

    /// Bytes per `uv_write`. A write's completion is the only progress libuv
    /// reports, and the stall timer restarts on progress: a client reading a
    /// 50 MiB reply steadily must not look stalled because one write of all of
    /// it takes longer than the stall timeout.
    static let writeChunk = 256 << 10

    private func queueWrite(_ bytes: ArraySlice<UInt8>) {
        var start = bytes.startIndex
        while start < bytes.endIndex, !closed {
            let end = min(bytes.endIndex, start + Self.writeChunk)
            queueWrite(chunk: bytes[start..<end])
            start = end
        }
    }

    private func queueWrite(chunk bytes: ArraySlice<UInt8>) {
        let request = WriteRequest(bytes: bytes, connection: self)
        var buffer = uv_buf_init(request.storage.baseAddress?.assumingMemoryBound(to: CChar.self), UInt32(request.byteCount))
        let rc = uv_write(request.request, asStream(handle), &buffer, 1) { request, status in
            guard let request, let data = request.pointee.data else { return }
            let owner = Unmanaged<WriteRequest>.fromOpaque(data).takeRetainedValue()
            owner.connection.writeFinished(byteCount: owner.byteCount, status: status)
            owner.free()
        }
        if rc < 0 {
            request.release()
            perform(machine.writeFailed())
        }
    }

    private func writeFinished(byteCount: Int, status: Int32) {
        if closed { return }
        if status < 0 {
            perform(machine.writeFailed())
        } else {
            perform(machine.writeCompleted(byteCount: byteCount, now: server.nowMs))
        }
    }

    fileprivate func bytesRead(_ buffer: UnsafeRawBufferPointer) {
        perform(machine.bytesReceived(buffer, now: server.nowMs))
    }

    fileprivate func readEnded() { perform(machine.peerClosed()) }

    func close(reason: ConnectionStateMachine.CloseReason) {
        guard !closed else { return }
        closed = true
        server.connectionClosed(self, reason: reason)
        uv_read_stop(asStream(handle))
        closeAndFree(asHandle(handle))
    }

    private static let onRead: uv_read_cb = { stream, nread, buffer in
        guard let stream, let data = stream.pointee.data else { return }
        let connection = Unmanaged<Connection>.fromOpaque(data).takeUnretainedValue()
        if nread > 0, let base = buffer?.pointee.base {
            connection.bytesRead(UnsafeRawBufferPointer(start: base, count: nread))
            connection.server.drainInbox()
        } else if nread < 0 {
            // EOF or a reset: either way the peer sends nothing more.
            connection.readEnded()
        }
    }
}

@available(*, unavailable)
extension Connection: Sendable {}

/// A `uv_write_t` and the bytes it writes, in memory that does not move until
/// libuv calls back.
final class WriteRequest {
    let storage: UnsafeMutableRawBufferPointer
    let byteCount: Int
    let connection: Connection
    let request: UnsafeMutablePointer<uv_write_t>

    /// Copies the bytes once, into memory libuv may keep until it calls back.
    init(bytes: ArraySlice<UInt8>, connection: Connection) {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        bytes.withUnsafeBytes { storage.copyMemory(from: $0) }
        self.storage = storage
        self.connection = connection
        self.byteCount = bytes.count
        self.request = .allocate(capacity: 1)
        request.pointee.data = Unmanaged.passRetained(self).toOpaque()
    }

    /// Undoes the retain when libuv refused the write (no callback will come).
    func release() {
        Unmanaged<WriteRequest>.fromOpaque(request.pointee.data).release()
        free()
    }

    func free() {
        request.deallocate()
        storage.deallocate()
    }
}

@available(*, unavailable)
extension WriteRequest: Sendable {}
