public import SoudanProtocol
import Foundation
import SoudanSync

/// The daemon's one source of "now" for every rule, access record, idempotency
/// age and event time.
///
/// Why injectable: the no-show rule, the cutoff and term changes all turn on time.
/// With a manual clock that staff move forward, each of them can be exercised in a
/// test (or a training session) without waiting.
public final class OfficeClock: Sendable {
    public enum Mode: Sendable, Equatable {
        case system
        case manual
    }

    public enum MoveError: Error, Equatable {
        case notManual
        case backwards(current: Instant)
    }

    public let mode: Mode
    private let manualNow: LockedValue<Instant>

    public static func system() -> OfficeClock { OfficeClock(mode: .system, start: Instant(seconds: 0)) }

    public static func manual(startingAt start: Instant) -> OfficeClock { OfficeClock(mode: .manual, start: start) }

    private init(mode: Mode, start: Instant) {
        self.mode = mode
        self.manualNow = LockedValue(start)
    }

    public func now() -> Instant {
        switch mode {
        case .system: Instant(seconds: Int64(Date().timeIntervalSince1970.rounded(.down)))
        case .manual: manualNow.withLock { $0 }
        }
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
