import SoudanProtocol
import Testing

@testable import SoudanServer

@Suite struct ConnectionStateMachineTests {
    typealias Action = ConnectionStateMachine.Action

    func machine(_ limits: ConnectionStateMachine.Limits = .testing()) -> ConnectionStateMachine {
        var m = ConnectionStateMachine(limits: limits)
        #expect(m.opened() == [.startReading])
        return m
    }

    func feed(_ m: inout ConnectionStateMachine, _ bytes: [UInt8], now: UInt64 = 0) -> [Action] {
        bytes.withUnsafeBytes { m.bytesReceived($0, now: now) }
    }

    func frames(_ count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for index in 0..<count { FrameEncoder.appendFrame(Array("{\"id\":\(index)}".utf8), to: &bytes) }
        return bytes
    }

    func dispatched(_ actions: [Action]) -> [UInt64] {
        actions.compactMap { action -> UInt64? in
            guard case .dispatch(let seq, _) = action else { return nil }
            return seq
        }
    }

    func written(_ actions: [Action]) -> [UInt8] {
        actions.flatMap { action -> [UInt8] in
            guard case .write(let bytes) = action else { return [] }
            return bytes
        }
    }

    @Test func repliesLeaveInRequestOrderWhateverOrderTheyFinishIn() {
        var m = machine()
        #expect(dispatched(feed(&m, frames(3))) == [0, 1, 2])
        #expect(m.replyReady(seq: 2, bytes: [2], now: 0).isEmpty)
        #expect(m.replyReady(seq: 1, bytes: [1], now: 0).isEmpty)
        #expect(written(m.replyReady(seq: 0, bytes: [0], now: 0)) == [0, 1, 2])
        #expect(m.requestsInFlight == 0)
    }

    @Test func stopsReadingAtMaxInFlightAndResumesAsRepliesLeave() {
        var m = machine(.testing(maxInFlight: 2))
        let actions = feed(&m, frames(5))
        #expect(dispatched(actions) == [0, 1])
        #expect(actions.last == .stopReading)
        // A reply frees a place: one more buffered frame goes, reading stays off.
        let next = m.replyReady(seq: 0, bytes: [0], now: 0)
        #expect(dispatched(next) == [2])
        #expect(!next.contains(.startReading))
        #expect(dispatched(m.replyReady(seq: 1, bytes: [1], now: 0)) == [3])
        #expect(dispatched(m.replyReady(seq: 2, bytes: [2], now: 0)) == [4])
        #expect(!m.reading)
        // The buffer is empty and one request is in flight: read again.
        #expect(m.replyReady(seq: 3, bytes: [3], now: 0).contains(.startReading))
        #expect(m.reading)
    }

    @Test func stopsReadingWhenThePeerDoesNotTakeItsReplies() {
        var m = machine(.testing(maxReplyBuffer: 10, assumedReplyBytes: 1))
        _ = feed(&m, frames(1))
        let actions = m.replyReady(seq: 0, bytes: Array(repeating: 7, count: 10), now: 0)
        #expect(actions.contains(.stopReading))
        #expect(m.writeCompleted(byteCount: 10, now: 1).contains(.startReading))
    }

    @Test func aFramingErrorIsAnsweredAfterEarlierRepliesAndThenCloses() {
        var m = machine(.testing(maxFrame: 16))
        let actions = feed(&m, frames(1) + [0, 0, 0, 0] + frames(1))
        #expect(dispatched(actions) == [0])
        #expect(actions.contains(.frameError(seq: 1, .empty)))
        #expect(actions.contains(.stopReading))
        // The error's reply waits for seq 0, then both go, then the connection closes.
        #expect(m.replyReady(seq: 1, bytes: [9], now: 0).isEmpty)
        #expect(written(m.replyReady(seq: 0, bytes: [0], now: 0)) == [0, 9])
        #expect(m.writeCompleted(byteCount: 2, now: 0) == [.close(.frameError)])
    }

    @Test func closesAConnectionStuckInsideAFrame() {
        var m = machine(.testing(idleTimeoutMs: 100))
        _ = feed(&m, [0, 0, 0, 10, 1], now: 1000)
        #expect(m.tick(now: 1099).isEmpty)
        // Dripping bytes does not buy more time: the frame must arrive whole in time.
        _ = feed(&m, [2], now: 1050)
        #expect(m.tick(now: 1100) == [.close(.idleInsideFrame)])
    }

    @Test func anIdleConnectionBetweenFramesStaysOpen() {
        var m = machine(.testing(idleTimeoutMs: 100))
        _ = feed(&m, frames(1), now: 0)
        #expect(m.tick(now: 10_000).isEmpty)
    }

    @Test func closesAConnectionWhoseRepliesStall() {
        var m = machine(.testing(stalledWriteTimeoutMs: 500))
        _ = feed(&m, frames(2), now: 0)
        _ = m.replyReady(seq: 0, bytes: [0], now: 100)
        _ = m.writeCompleted(byteCount: 1, now: 200)
        _ = m.replyReady(seq: 1, bytes: [1, 1], now: 300)
        #expect(m.tick(now: 799).isEmpty)
        #expect(m.tick(now: 800) == [.close(.stalledWrites)])
    }

    @Test func shutdownAnswersEverythingAlreadyReadThenCloses() {
        var m = machine(.testing(maxInFlight: 1))
        #expect(dispatched(feed(&m, frames(3))) == [0])
        let actions = m.shutdown(now: 0)
        #expect(actions.contains(.stopReading) == false)  // already stopped by the in-flight limit
        #expect(dispatched(m.replyReady(seq: 0, bytes: [0], now: 0)) == [1])
        _ = m.writeCompleted(byteCount: 1, now: 0)
        #expect(dispatched(m.replyReady(seq: 1, bytes: [1], now: 0)) == [2])
        _ = m.writeCompleted(byteCount: 1, now: 0)
        _ = m.replyReady(seq: 2, bytes: [2], now: 0)
        #expect(m.writeCompleted(byteCount: 1, now: 0) == [.close(.finished)])
    }

    @Test func peerHalfCloseStillGetsItsReplies() {
        var m = machine()
        _ = feed(&m, frames(1))
        #expect(m.peerClosed() == [.stopReading])
        #expect(written(m.replyReady(seq: 0, bytes: [5], now: 0)) == [5])
        #expect(m.writeCompleted(byteCount: 1, now: 0) == [.close(.finished)])
    }

    /// 1,024 pipelined requests must not all be dispatched before the first reply
    /// shows how large replies are: the requests awaiting replies, each counted at
    /// the assumed size, stay within the reply buffer.
    @Test func aPipelinedBurstIsDispatchedOnlyAsFarAsItsRepliesCanBeHeld() {
        var m = machine(.testing(maxReplyBuffer: 1000, assumedReplyBytes: 100))
        let first = feed(&m, frames(50))
        #expect(dispatched(first) == Array(0..<10))
        #expect(first.contains(.stopReading))
        // Replies larger than assumed narrow the window further.
        let next = m.replyReady(seq: 0, bytes: Array(repeating: 1, count: 300), now: 0)
        #expect(dispatched(next).isEmpty, "9 awaited at 300 bytes each, plus 300 held, is already over 1000")
        #expect(m.bufferedReplyBytes == 300)
    }

    /// Replies held back for order count against the buffer like written ones.
    @Test func repliesHeldForOrderCountAgainstTheReplyBuffer() {
        var m = machine(.testing(maxReplyBuffer: 100, assumedReplyBytes: 1))
        #expect(dispatched(feed(&m, frames(3))) == [0, 1, 2])
        // seq 0 has not answered: 1 and 2 are held, not written.
        #expect(written(m.replyReady(seq: 1, bytes: Array(repeating: 1, count: 60), now: 0)).isEmpty)
        let actions = m.replyReady(seq: 2, bytes: Array(repeating: 2, count: 60), now: 0)
        #expect(written(actions).isEmpty)
        #expect(m.bufferedReplyBytes == 120)
        // The decoder still holds frames, but nothing more is read or dispatched.
        #expect(dispatched(feed(&m, frames(1))).isEmpty)
        #expect(!m.reading)
        // Once everything has been taken by the kernel, reading resumes.
        _ = m.replyReady(seq: 0, bytes: [0], now: 0)
        let resumed = m.writeCompleted(byteCount: 121, now: 0)
        #expect(resumed.contains(.startReading) || dispatched(resumed) == [3])
    }

    /// A client that keeps reading a long reply is not stalled: every chunk the
    /// kernel takes restarts the stall timer.
    @Test func aClientReadingALongReplySteadilyIsNotCutOff() {
        var m = machine(.testing(maxReplyBuffer: 1 << 20, stalledWriteTimeoutMs: 500))
        _ = feed(&m, frames(1), now: 0)
        _ = m.replyReady(seq: 0, bytes: Array(repeating: 0, count: 4000), now: 0)
        for step in 1...7 {
            #expect(m.tick(now: UInt64(step) * 400).isEmpty)
            _ = m.writeCompleted(byteCount: 500, now: UInt64(step) * 400)
        }
        // It stops reading: the timer runs out 500 ms after the last progress.
        #expect(m.tick(now: 2800 + 499).isEmpty)
        #expect(m.tick(now: 2800 + 500) == [.close(.stalledWrites)])
    }

    @Test func aReplyTooLargeForAFrameIsRefusedNotTrapped() throws {
        let bytes = Reply.frame(
            id: .int(7), body: ["ok": true, "result": ["text": .string(String(repeating: "x", count: 500))]],
            maxBody: 200)
        let reply = try JSONParser.parse(Array(bytes.dropFirst(4)))
        #expect(reply["id"] == .int(7))
        #expect(reply["error"]?["code"] == "overloaded")
    }

    /// The server's input budget pauses a connection holding part of a frame;
    /// the idle timeout still closes it, and room again resumes reading.
    @Test func aConnectionPausedForTheInputBudgetStillMeetsItsIdleTimeout() {
        var m = machine(.testing(idleTimeoutMs: 100))
        _ = feed(&m, [0, 0, 0, 10, 1, 2], now: 0)
        #expect(m.isInsideFrame)
        #expect(m.inputBudgetSpent() == [.stopReading])
        #expect(!m.reading)
        #expect(m.tick(now: 99).isEmpty)
        #expect(m.tick(now: 100) == [.close(.idleInsideFrame)])

        var other = machine(.testing(idleTimeoutMs: 100))
        _ = feed(&other, [0, 0, 0, 10, 1], now: 0)
        _ = other.inputBudgetSpent()
        #expect(other.inputBudgetFreed(now: 50) == [.startReading])
        #expect(other.reading)
    }
}

extension ConnectionStateMachine.Limits {
    /// The daemon's defaults, but for the one limit a test is about.
    static func testing(
        maxFrame: Int = 1_048_576, maxInFlight: Int = 1024, maxReplyBuffer: Int = 8 << 20, assumedReplyBytes: Int = 64 << 10,
        idleTimeoutMs: UInt64 = 30_000, stalledWriteTimeoutMs: UInt64 = 5_000
    ) -> Self {
        Self(
            maxFrame: maxFrame, maxInFlight: maxInFlight, maxReplyBuffer: maxReplyBuffer, assumedReplyBytes: assumedReplyBytes,
            idleTimeoutMs: idleTimeoutMs, stalledWriteTimeoutMs: stalledWriteTimeoutMs)
    }
}
