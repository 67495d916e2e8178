import Testing
import SoudanProtocol
@testable import SoudanServer

@Suite struct ConnectionStateMachineTests {
    typealias Action = ConnectionStateMachine.Action

    func machine(_ limits: ConnectionStateMachine.Limits = .init()) -> ConnectionStateMachine {
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
        var m = machine(.init(maxInFlight: 2))
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
        var m = machine(.init(maxPendingWriteBytes: 10))
        _ = feed(&m, frames(1))
        let actions = m.replyReady(seq: 0, bytes: Array(repeating: 7, count: 10), now: 0)
        #expect(actions.contains(.stopReading))
        #expect(m.writeCompleted(byteCount: 10, now: 1).contains(.startReading))
    }

    @Test func aFramingErrorIsAnsweredAfterEarlierRepliesAndThenCloses() {
        var m = machine(.init(maxFrame: 16))
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
        var m = machine(.init(idleTimeoutMs: 100))
        _ = feed(&m, [0, 0, 0, 10, 1], now: 1000)
        #expect(m.tick(now: 1099).isEmpty)
        // Dripping bytes does not buy more time: the frame must arrive whole in time.
        _ = feed(&m, [2], now: 1050)
        #expect(m.tick(now: 1100) == [.close(.idleInsideFrame)])
    }

    @Test func anIdleConnectionBetweenFramesStaysOpen() {
        var m = machine(.init(idleTimeoutMs: 100))
        _ = feed(&m, frames(1), now: 0)
        #expect(m.tick(now: 10_000).isEmpty)
    }

    @Test func closesAConnectionWhoseRepliesStall() {
        var m = machine(.init(stalledWriteTimeoutMs: 500))
        _ = feed(&m, frames(2), now: 0)
        _ = m.replyReady(seq: 0, bytes: [0], now: 100)
        _ = m.writeCompleted(byteCount: 1, now: 200)
        _ = m.replyReady(seq: 1, bytes: [1, 1], now: 300)
        #expect(m.tick(now: 799).isEmpty)
        #expect(m.tick(now: 800) == [.close(.stalledWrites)])
    }

    @Test func shutdownAnswersEverythingAlreadyReadThenCloses() {
        var m = machine(.init(maxInFlight: 1))
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
}
