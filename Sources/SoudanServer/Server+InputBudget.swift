import Logging

/// The memory all connections together may hold in requests not yet dispatched.
extension Server {
    var inputBudgetSpent: Bool { inputBytes > configuration.maxInputBuffer }

    /// A connection's decoder grew or shrank by `delta` bytes.
    ///
    /// Why: every connection may hold up to `max_frame` of a frame not yet whole,
    /// so 250 connections each sending half of a 1 MiB frame held 290 MB. Past
    /// `maxInputBuffer` in all, each connection holding part of a frame stops
    /// being read (whole frames already read are still served, and connections
    /// between frames are not touched); below three quarters of it, they are
    /// read again. A paused connection still meets the idle timeout, so the
    /// attacker's connections close and give the room back.
    func inputChanged(_ connection: Connection, by delta: Int) {
        inputBytes += delta
        if inputBudgetSpent {
            if connection.isInsideFrame, pausedForInput.insert(connection.id).inserted {
                if pausedForInput.count == 1 {
                    logger.warning(
                        "input budget spent: connections holding part of a frame are paused",
                        metadata: ["max_input_buffer": "\(configuration.maxInputBuffer)"])
                }
                connection.pauseForInput()
            }
        } else if inputBytes <= configuration.maxInputBuffer / 4 * 3, !pausedForInput.isEmpty {
            let paused = pausedForInput
            pausedForInput = []
            for id in paused { connections[id]?.resumeInput() }
        }
    }
}
