import CLibUV
import SoudanProtocol
import SoudanSync

#if canImport(Glibc)
    import Glibc
#endif

/// Where a reply goes: the loop's inbox, addressed to a connection and a request.
struct ReplySink: Sendable {
    let inbox: LoopInbox
    let connectionID: UInt64
    let seq: UInt64

    /// Hands framed reply bytes to the loop thread. Safe from any thread.
    func send(_ bytes: [UInt8]) {
        inbox.post(.reply(connectionID: connectionID, seq: seq, bytes: bytes))
    }
}

/// The loop's mailbox: the one door into the loop thread from elsewhere.
///
/// Other threads append messages under a mutex and call `uv_async_send`, which
/// libuv documents as safe from any thread; calls coalesce, so the loop drains
/// the whole queue each time it wakes.
final class LoopInbox: @unchecked Sendable {
    // @unchecked: `async` is only passed to `uv_async_send` (thread-safe by libuv's
    // contract), and only while `open` is true under the lock; the loop thread
    // clears `open` under the same lock before it closes the handle.
    enum Message: Sendable {
        case reply(connectionID: UInt64, seq: UInt64, bytes: [UInt8])
    }

    private struct State {
        var messages: [Message] = []
        var open = true
    }

    private let state = LockedValue(State())
    private let async: UnsafeMutablePointer<uv_async_t>
    /// The loop thread, which creates the inbox.
    private let loopThread = pthread_self()

    /// On the loop thread.
    init(async: UnsafeMutablePointer<uv_async_t>) {
        self.async = async
    }

    func post(_ message: Message) {
        // A reply made on the loop thread itself (a ping) needs no wake-up: the
        // loop drains the inbox at the end of every read. Skipping it saves an
        // eventfd write and a loop turn per such reply.
        let onLoop = pthread_equal(pthread_self(), loopThread) != 0
        state.withLock { state in
            guard state.open else { return }
            let wasEmpty = state.messages.isEmpty
            state.messages.append(message)
            if wasEmpty && !onLoop { uv_async_send(async) }
        }
    }

    /// Loop thread only.
    func takeAll() -> [Message] {
        state.withLock { state in
            let messages = state.messages
            state.messages = []
            return messages
        }
    }

    /// Loop thread only, before the async handle is closed.
    func seal() {
        state.withLock { $0.open = false }
    }
}
