public import SoudanProtocol
import Synchronization

/// Connection figures for `sys.stats`, written on the loop thread and read from
/// anywhere.
public final class ServerCounters: Sendable {
    let open = Atomic<Int>(0)
    let accepted = Atomic<Int>(0)
    let refused = Atomic<Int>(0)
    let closedIdle = Atomic<Int>(0)
    let closedStalled = Atomic<Int>(0)
    let closedFrameError = Atomic<Int>(0)

    public init() {}

    public var snapshot: JSONObject {
        [
            "open": .int(Int64(open.load(ordering: .relaxed))),
            "accepted": .int(Int64(accepted.load(ordering: .relaxed))),
            "refused": .int(Int64(refused.load(ordering: .relaxed))),
            "closed_idle": .int(Int64(closedIdle.load(ordering: .relaxed))),
            "closed_stalled": .int(Int64(closedStalled.load(ordering: .relaxed))),
            "closed_frame_error": .int(Int64(closedFrameError.load(ordering: .relaxed))),
        ]
    }
}
