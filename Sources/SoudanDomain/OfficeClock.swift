import Dispatch
import Foundation
public import SoudanProtocol
import SoudanSync

/// The daemon's one source of "now" for every rule, access record, idempotency
/// age and event time.
///
/// Why injectable: the no-show rule, the cutoff and term changes all turn on time.
/// With a manual clock that staff move forward, each of them can be exercised in a
/// test (or a training session) without waiting.
///
/// Why a system clock is watched: a wall clock that jumps (a bad NTP server, an
/// operator's `date -s`, a VM resumed days later) would otherwise be obeyed: +4
/// days for 3 s turned two consultations into no-shows, restricted a seeker and
/// expired idempotency keys. Each reading is compared with the monotonic clock's
/// account of the time elapsed since the last reading that agreed; more than
/// `jumpTolerance` apart, the clock is *held*: it goes on from the last agreeing
/// reading at the monotonic clock's pace, `heldJump` says so, and the time rules
/// do not run, until staff accept the new time (`accept`) or the wall clock comes
/// back by itself. Slow drift (NTP slewing) never accumulates into a jump, since
/// every agreeing reading becomes the new reference.
public final class OfficeClock: Sendable {
    public enum Mode: Sendable, Equatable {
        case system
        case manual
    }

    public enum MoveError: Error, Equatable {
        case notManual
        case backwards(current: Instant)
    }

    /// A wall-clock jump being held.
    public struct Jump: Sendable, Equatable {
        /// What the system clock says.
        public var systemNow: Instant
        /// What the office clock says instead (the monotonic account).
        public var heldNow: Instant
        /// `systemNow − heldNow`, in seconds (negative: the wall clock stepped back).
        public var seconds: Int64 { systemNow.seconds - heldNow.seconds }
    }

    /// A change of the hold, for the daemon's log.
    public enum HoldChange: Sendable, Equatable {
        case held(Jump)
        case resumed(accepted: Bool, now: Instant)
    }

    /// How far the wall clock may move from the monotonic account before it is held.
    public static let jumpTolerance: Double = 120

    private struct Reference {
        var wall: Double
        var monotonicNanos: UInt64
        var held: Jump?
    }

    public let mode: Mode
    private let manualNow: LockedValue<Instant>
    private let reference: LockedValue<Reference>
    private let observer = LockedValue<(@Sendable (HoldChange) -> Void)?>(nil)
    private let wallClock: @Sendable () -> Double
    private let monotonicClock: @Sendable () -> UInt64

    public static func system() -> OfficeClock { OfficeClock(mode: .system, start: Instant(seconds: 0)) }

    /// A system clock reading the given clocks (tests).
    public static func system(wall: @escaping @Sendable () -> Double, monotonicNanos: @escaping @Sendable () -> UInt64) -> OfficeClock {
        OfficeClock(mode: .system, start: Instant(seconds: 0), wall: wall, monotonic: monotonicNanos)
    }

    public static func manual(startingAt start: Instant) -> OfficeClock { OfficeClock(mode: .manual, start: start) }

    private init(
        mode: Mode, start: Instant, wall: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
        monotonic: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }
    ) {
        self.mode = mode
        self.manualNow = LockedValue(start)
        self.wallClock = wall
        self.monotonicClock = monotonic
        self.reference = LockedValue(Reference(wall: wall(), monotonicNanos: monotonic(), held: nil))
    }

    /// Called (outside any lock) when a jump is first held and when it ends.
    public func observeHolds(_ body: @escaping @Sendable (HoldChange) -> Void) {
        observer.withLock { $0 = body }
    }

    public func now() -> Instant {
        switch mode {
        case .manual: return manualNow.withLock { $0 }
        case .system: return systemNow()
        }
    }

    /// The jump being held, if any (always nil on a manual clock).
    public var heldJump: Jump? {
        guard mode == .system else { return nil }
        _ = systemNow()
        return reference.withLock { $0.held }
    }

    private func systemNow() -> Instant {
        let wall = wallClock()
        let monotonic = monotonicClock()
        let (now, change) = reference.withLock { reference -> (Instant, HoldChange?) in
            let elapsed = Double(monotonic &- reference.monotonicNanos) / 1e9
            let expected = reference.wall + elapsed
            if abs(wall - expected) <= Self.jumpTolerance {
                let wasHeld = reference.held != nil
                reference = Reference(wall: wall, monotonicNanos: monotonic, held: nil)
                let now = Instant(seconds: Int64(wall.rounded(.down)))
                return (now, wasHeld ? .resumed(accepted: false, now: now) : nil)
            }
            let held = Instant(seconds: Int64(expected.rounded(.down)))
            let jump = Jump(systemNow: Instant(seconds: Int64(wall.rounded(.down))), heldNow: held)
            let first = reference.held == nil
            reference.held = jump
            return (held, first ? .held(jump) : nil)
        }
        if let change, let observe = observer.withLock({ $0 }) { observe(change) }
        return now
    }

    /// Staff accept the system clock's time after a jump: the rules resume from
    /// it. Returns the jump that was held, or nil if none was.
    public func accept() throws(MoveError) -> Jump? {
        guard mode == .system else { throw .notManual }
        let wall = wallClock()
        let monotonic = monotonicClock()
        _ = systemNow()
        let jump = reference.withLock { reference -> Jump? in
            let held = reference.held
            reference = Reference(wall: wall, monotonicNanos: monotonic, held: nil)
            return held
        }
        if jump != nil, let observe = observer.withLock({ $0 }) {
            observe(.resumed(accepted: true, now: Instant(seconds: Int64(wall.rounded(.down)))))
        }
        return jump
    }

    /// Moves a manual clock to `instant`; never backwards.
    @discardableResult
    public func set(to instant: Instant) throws(MoveError) -> Instant {
        guard mode == .manual else { throw .notManual }
        return try manualNow.withLock { (now: inout Instant) throws(MoveError) -> Instant in
            guard instant >= now else { throw .backwards(current: now) }
            now = instant
            return now
        }
    }

    @discardableResult
    public func advance(minutes: Int64) throws(MoveError) -> Instant {
        guard mode == .manual else { throw .notManual }
        return manualNow.withLock { now in
            now = now.adding(minutes: minutes)
            return now
        }
    }

    /// Parses the `--clock` flag: `system`, `manual` (starting now) or `manual:ISO-8601`.
    public static func parse(_ spec: String) -> OfficeClock? {
        if spec == "system" { return .system() }
        if spec == "manual" { return .manual(startingAt: OfficeClock.system().now()) }
        let prefix = "manual:"
        guard spec.hasPrefix(prefix), let start = WireTime.parseInstant(String(spec.dropFirst(prefix.count))) else {
            return nil
        }
        return .manual(startingAt: start)
    }
}
