import Foundation
import SoudanClient
import SoudanProtocol
import Testing

/// Debian's libfaketime, where its package puts it.
let fakeTimeLibrary = [
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1", "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1",
].first { FileManager.default.fileExists(atPath: $0) }

/// The system clock stepping backwards (an NTP correction, an operator's
/// `date -s`) under a daemon on the system clock.
///
/// libfaketime (Debian's `faketime`) fakes the wall clock of soudand alone, read
/// afresh from a file on every call, and leaves the monotonic clock real. Timers
/// (the 1 s rules tick, idle timeouts, long-poll deadlines) run on monotonic
/// time, so a step back must not stall them; the rules read the office clock, so
/// what already happened stays as it was.
@Suite(
    .enabled(if: fakeTimeLibrary != nil, "needs libfaketime (apt-get install faketime)"),
    // ASan's clock_gettime interceptor and libfaketime's recurse into each other.
    .disabled(if: ProcessInfo.processInfo.environment["SOUDAN_SANITIZER"] != nil, "libfaketime does not load under a sanitizer"))
struct ClockStepTests {
    /// The wall clock soudand sees, set by rewriting one file.
    final class FakeWallClock: Sendable {
        let file = "/tmp/sd-clock-" + String(UUID().uuidString.prefix(8))

        init(_ utc: String) throws { try set(utc) }
        deinit { try? FileManager.default.removeItem(atPath: file) }

        /// `utc` as "YYYY-MM-DD hh:mm:ss"; the clock runs on from there.
        func set(_ utc: String) throws { try "@\(utc)\n".write(toFile: file, atomically: true, encoding: .utf8) }

        var environment: [String: String] {
            [
                "LD_PRELOAD": fakeTimeLibrary ?? "", "FAKETIME_TIMESTAMP_FILE": file, "FAKETIME_NO_CACHE": "1",
                "FAKETIME_DONT_FAKE_MONOTONIC": "1", "TZ": "UTC",
            ]
        }
    }

    /// Waits (long-poll, the daemon's own signal) for the next events of `consumer`
    /// and acknowledges them.
    private func nextEvents(_ b: Booking, consumer: String, waitMs: Int64 = 15_000) throws -> [JSONValue] {
        let reply = try b.admin.call("events.fetch", ["consumer": .string(consumer), "wait_ms": .int(waitMs)])
        let events = reply.result["events"]?.arrayValue ?? []
        if let last = events.last?["seq"] {
            #expect(try b.admin.call("events.ack", ["consumer": .string(consumer), "seq": last]).ok)
        }
        return events
    }

    /// Accepts the system clock's time after a held jump; the reply's `now`.
    private func accept(_ b: Booking) throws -> String {
        let reply = try b.admin.call("clock.accept")
        #expect(reply.result["accepted"] == .bool(true))
        return reply.result["now"]?.stringValue ?? ""
    }

    private func clockStatus(_ b: Booking) throws -> JSONValue? {
        try b.admin.call("sys.health").result["checks"]?["clock"]?["status"]
    }

    @Test func aJumpIsHeldUntilAcceptedAndAStepBackUndoesNothing() throws {
        let wall = try FakeWallClock("2026-11-30 00:00:00")  // Monday 09:00 in Tokyo
        let daemon = try TestDaemon(config: "[limits]\nidle_timeout_ms = 300", clock: "system", environment: wall.environment)
        let b = try Booking(daemon: daemon)
        #expect(try b.admin.call("sys.ping").result["now"] == "2026-11-30T09:00:00+09:00")
        let early = try b.booked(1, "2026-12-01T10:00:00+09:00")
        let late = try b.booked(2, "2026-12-01T11:00:00+09:00")
        _ = try nextEvents(b, consumer: "t", waitMs: 0)
        #expect(try clockStatus(b) == "ok")

        // The wall clock leaps a day and a quarter ahead, to Tuesday 10:15. It is
        // held, not obeyed: the office clock goes on from Monday, and no time rule
        // runs (the first consultation would otherwise be a no-show).
        try wall.set("2026-12-01 01:15:00")
        let held = try b.admin.call("sys.ping").result["now"]?.stringValue ?? ""
        #expect(held < "2026-11-30T09:05", "the office clock reads \(held)")
        #expect(try clockStatus(b) == "clock_jump")
        let health = try b.admin.call("sys.health").result
        #expect(health["ok"] == .bool(false))
        #expect(health["clock_jump"] == .bool(true))
        #expect(try nextEvents(b, consumer: "t", waitMs: 2_500).isEmpty)
        #expect(try b.consultation(early)["status"] == "scheduled")

        // Staff accept the new time: the rules resume, and the no-show the accepted
        // time makes due is applied before the reply.
        #expect(try accept(b) > "2026-12-01T10:14")
        #expect(try clockStatus(b) == "ok")
        let first = try nextEvents(b, consumer: "t", waitMs: 0)
        #expect(first.map { $0["type"] } == ["consultation.no_show"])
        #expect(first.first?["data"]?["consultation_id"] == .string(early))

        // The clock steps back an hour and a quarter: held too, then accepted.
        try wall.set("2026-12-01 00:00:00")
        #expect(try clockStatus(b) == "clock_jump")
        let stepped = try accept(b)
        // (libfaketime lands within a few seconds of the time written.)
        #expect(stepped > "2026-12-01T08:55" && stepped < "2026-12-01T09:05", "the office clock reads \(stepped)")
        // What happened stays done: no second no-show, no undoing it.
        #expect(try b.consultation(early)["status"] == "no_show")
        #expect(try b.seeker(1).result["seeker"]?["no_show_count"] == .int(1))
        #expect(try b.consultation(late)["status"] == "scheduled")
        // A long-poll deadline is monotonic: 300 ms is 300 ms, not 300 ms plus the step.
        let polled = DispatchTime.now()
        #expect(try nextEvents(b, consumer: "t", waitMs: 300).isEmpty)
        #expect(DispatchTime.now().uptimeNanoseconds - polled.uptimeNanoseconds < 5_000_000_000)
        // So is the idle timeout: half a frame is cut off after 300 ms.
        let slow = try b.daemon.connect(.service)
        try slow.sendRaw([0, 0, 0, 20, UInt8(ascii: "{")])
        #expect(slow.isClosedByPeer())

        // The clock is set to 11:15 and accepted: the tick applies the second
        // no-show, and only that one.
        try wall.set("2026-12-01 02:15:00")
        _ = try accept(b)
        let second = try nextEvents(b, consumer: "t")
        #expect(second.map { $0["type"] } == ["consultation.no_show"])
        #expect(second.first?["data"]?["consultation_id"] == .string(late))
        #expect(try b.seeker(1).result["seeker"]?["no_show_count"] == .int(1))
        #expect(try b.admin.call("audit.verify").result["ok"] == .bool(true))
        #expect(daemon.log.contains("wall clock jump held"))
    }
}
