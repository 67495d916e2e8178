public import SoudanProtocol

/// The rules of one connection, without sockets: framing, request order,
/// back-pressure, and when to give up on a peer.
///
/// libuv callbacks feed it events and carry out the actions it returns, so every
/// rule here is tested by feeding events and a manual clock (STYLE.md, practice 2).
public struct ConnectionStateMachine: Sendable {
    public struct Limits: Sendable, Equatable {
        public var maxFrame: Int
        /// Requests read whose replies have not yet been written, before reading stops.
        public var maxInFlight: Int
        /// Reply bytes the connection holds unsent, those held back to keep the
        /// request order included, before reading and dispatch stop (`[limits]
        /// max_reply_buffer`): a client that does not read must not grow our memory.
        public var maxReplyBuffer: Int
        /// What a reply not yet seen on this connection is assumed to weigh, when
        /// deciding how many requests may await their replies at once; the largest
        /// reply seen replaces it once larger. Without it, 1,024 pipelined requests
        /// would all be dispatched before the first reply shows how large they are.
        public var assumedReplyBytes: Int
        /// How long a frame may take to arrive whole (slowloris).
        public var idleTimeoutMs: UInt64
        /// How long reply bytes may sit unwritten because the peer does not read.
        public var stalledWriteTimeoutMs: UInt64

        /// No defaults here: the daemon's come from its config (`DaemonConfig.Limits`),
        /// the one place they are written.
        public init(
            maxFrame: Int, maxInFlight: Int, maxReplyBuffer: Int, assumedReplyBytes: Int = 64 << 10, idleTimeoutMs: UInt64,
            stalledWriteTimeoutMs: UInt64
        ) {
            self.maxFrame = maxFrame
            self.maxInFlight = maxInFlight
            self.maxReplyBuffer = maxReplyBuffer
            self.assumedReplyBytes = assumedReplyBytes
            self.idleTimeoutMs = idleTimeoutMs
            self.stalledWriteTimeoutMs = stalledWriteTimeoutMs
        }
    }

    public enum Action: Equatable, Sendable {
        /// Hand this frame to the responder; its reply comes back with the same `seq`.
        case dispatch(seq: UInt64, body: [UInt8])
        /// Answer a framing error with these reply bytes (built by the responder).
        case frameError(seq: UInt64, FrameError)
        case write([UInt8])
        case startReading
        case stopReading
        case close(CloseReason)
    }

    public enum CloseReason: Equatable, Sendable {
        case finished
        case frameError
        case idleInsideFrame
        case stalledWrites
    }

    enum Mode: Equatable {
        case open
        /// No more requests: answer what was read, then close.
        case finishing
        case closed
    }

    public let limits: Limits
    private var decoder: FrameDecoder
    private var mode: Mode = .open
    private var isReading = false
    private var nextSeq: UInt64 = 0
    private var nextToWrite: UInt64 = 0
    private var waitingReplies: [UInt64: [UInt8]] = [:]
    /// Bytes in `waitingReplies`.
    private var heldReplyBytes = 0
    private var largestReply = 0
    /// The seq of a framing error's reply; after it is written the connection closes.
    private var closeAfterSeq: UInt64?
    private var pendingWriteBytes = 0
    private var frameStartedAt: UInt64?
    private var writesStalledSince: UInt64?
    /// The server's input budget is spent: read nothing until it says otherwise.
    private var pausedForInputBudget = false

    public init(limits: Limits) {
        self.limits = limits
        self.decoder = FrameDecoder(maxFrame: limits.maxFrame)
    }

    public var requestsInFlight: Int { Int(nextSeq - nextToWrite) }
    /// Memory held by requests received and not yet dispatched (whole or partial
    /// frames), counted against the server's `max_input_buffer`.
    public var inputBytes: Int { decoder.reservedByteCount }
    /// Whether part of a frame has arrived but not all of it.
    public var isInsideFrame: Bool { decoder.isInsideFrame }
    /// Reply bytes held by this connection: waiting for their turn, or handed to
    /// the socket and not yet taken by the kernel.
    public var bufferedReplyBytes: Int { heldReplyBytes + pendingWriteBytes }
    /// Requests dispatched whose replies have not come back yet.
    public var awaitingReplies: Int { requestsInFlight - waitingReplies.count }
    public var isClosed: Bool { mode == .closed }
    public var reading: Bool { isReading }

    /// The connection was accepted: start reading.
    public mutating func opened() -> [Action] {
        isReading = true
        return [.startReading]
    }

    public mutating func bytesReceived(_ bytes: UnsafeRawBufferPointer, now: UInt64) -> [Action] {
        guard mode == .open else { return [] }
        decoder.append(bytes)
        var actions: [Action] = []
        pump(now: now, into: &actions)
        return actions
    }

    /// The peer closed its side: answer what it sent, then close.
    public mutating func peerClosed() -> [Action] {
        guard mode == .open else { return [] }
        mode = .finishing
        var actions: [Action] = []
        if isReading {
            isReading = false
            actions.append(.stopReading)
        }
        closeIfDone(into: &actions)
        return actions
    }

    /// The server is shutting down: read nothing more from the socket, answer every
    /// request already read (including whole frames still buffered), then close.
    public mutating func shutdown(now: UInt64) -> [Action] {
        guard mode == .open else { return [] }
        var actions: [Action] = []
        if isReading {
            isReading = false
            actions.append(.stopReading)
        }
        mode = .finishing
        dispatchBuffered(now: now, into: &actions)
        closeIfDone(into: &actions)
        return actions
    }

    /// A reply for `seq` is ready; replies leave in request order.
    public mutating func replyReady(seq: UInt64, bytes: [UInt8], now: UInt64) -> [Action] {
        guard mode != .closed else { return [] }
        waitingReplies[seq] = bytes
        heldReplyBytes += bytes.count
        largestReply = max(largestReply, bytes.count)
        var out: [UInt8] = []
        while let next = waitingReplies.removeValue(forKey: nextToWrite) {
            heldReplyBytes -= next.count
            if out.isEmpty { out = next } else { out.append(contentsOf: next) }
            nextToWrite += 1
        }
        guard !out.isEmpty else { return [] }
        if pendingWriteBytes == 0 { writesStalledSince = now }
        pendingWriteBytes += out.count
        var actions: [Action] = [.write(out)]
        if let closeAfterSeq, nextToWrite > closeAfterSeq {
            // The framing error's reply is on its way; nothing after it is read.
            mode = .finishing
            if isReading {
                isReading = false
                actions.append(.stopReading)
            }
        }
        pump(now: now, into: &actions)
        return actions
    }

    public mutating func writeCompleted(byteCount: Int, now: UInt64) -> [Action] {
        guard mode != .closed else { return [] }
        pendingWriteBytes -= byteCount
        writesStalledSince = pendingWriteBytes > 0 ? now : nil
        var actions: [Action] = []
        pump(now: now, into: &actions)
        closeIfDone(into: &actions)
        return actions
    }

    /// A write failed (the peer went away): nothing more can be said to it.
    public mutating func writeFailed() -> [Action] {
        guard mode != .closed else { return [] }
        mode = .closed
        return [.close(.finished)]
    }

    /// The server's input budget is spent: stop reading (what is buffered is
    /// still dispatched as the other limits allow). The idle timeout keeps
    /// running, so a slowloris holding part of a frame is still closed.
    public mutating func inputBudgetSpent() -> [Action] {
        guard mode == .open, !pausedForInputBudget else { return [] }
        pausedForInputBudget = true
        guard isReading else { return [] }
        isReading = false
        return [.stopReading]
    }

    /// The budget has room again: read as the other limits allow.
    public mutating func inputBudgetFreed(now: UInt64) -> [Action] {
        guard pausedForInputBudget else { return [] }
        pausedForInputBudget = false
        var actions: [Action] = []
        pump(now: now, into: &actions)
        return actions
    }

    /// Called periodically: closes a connection stuck inside a frame or unable to
    /// hand its replies to a peer that does not read them.
    public mutating func tick(now: UInt64) -> [Action] {
        guard mode != .closed else { return [] }
        if let since = writesStalledSince, pendingWriteBytes > 0, now - since >= limits.stalledWriteTimeoutMs {
            mode = .closed
            return [.close(.stalledWrites)]
        }
        if mode == .open, isReading || pausedForInputBudget, let started = frameStartedAt, now - started >= limits.idleTimeoutMs {
            mode = .closed
            return [.close(.idleInsideFrame)]
        }
        return []
    }

    /// Decodes and dispatches whole frames while the limits allow, and switches
    /// reading on or off to match.
    private mutating func pump(now: UInt64, into actions: inout [Action]) {
        if mode == .open {
            let completedAny = dispatchBuffered(now: now, into: &actions)
            if decoder.isInsideFrame {
                if frameStartedAt == nil || completedAny { frameStartedAt = now }
            } else {
                frameStartedAt = nil
            }
        } else if mode == .finishing {
            dispatchBuffered(now: now, into: &actions)
        }
        decoder.releaseIfEmpty()
        let wantReading = mode == .open && closeAfterSeq == nil && !overLimits && !pausedForInputBudget
        if wantReading != isReading {
            isReading = wantReading
            actions.append(wantReading ? .startReading : .stopReading)
        }
    }

    /// Whether one more request may be dispatched (and, when not, reading stops).
    ///
    /// Every reply of a request dispatched will come back and be held until the
    /// client reads it, so the bound on memory is on dispatch: replies held plus
    /// the replies awaited, each counted at the largest reply seen here (or
    /// `assumedReplyBytes`), stay within `maxReplyBuffer`. One request may always
    /// await its reply, so a client that reads is never stuck.
    private var overLimits: Bool {
        if requestsInFlight >= limits.maxInFlight || bufferedReplyBytes >= limits.maxReplyBuffer { return true }
        guard awaitingReplies > 0 else { return false }
        let perReply = max(limits.assumedReplyBytes, largestReply)
        return bufferedReplyBytes + (awaitingReplies + 1) * perReply > limits.maxReplyBuffer
    }

    @discardableResult
    private mutating func dispatchBuffered(now: UInt64, into actions: inout [Action]) -> Bool {
        var completedAny = false
        while closeAfterSeq == nil, !overLimits {
            do {
                guard let body = try decoder.next() else { break }
                actions.append(.dispatch(seq: nextSeq, body: body))
                nextSeq += 1
                completedAny = true
            } catch {
                closeAfterSeq = nextSeq
                actions.append(.frameError(seq: nextSeq, error))
                nextSeq += 1
                frameStartedAt = nil
            }
        }
        return completedAny
    }

    private mutating func closeIfDone(into actions: inout [Action]) {
        guard mode == .finishing, requestsInFlight == 0, pendingWriteBytes == 0 else { return }
        mode = .closed
        actions.append(.close(closeAfterSeq == nil ? .finished : .frameError))
    }
}
