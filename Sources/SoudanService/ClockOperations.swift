import SoudanDomain
import SoudanProtocol

/// `clock.set`, `clock.advance`: move a manual clock and apply what the move makes due.
///
/// They run in the writer, so that the move and the rules it triggers (no-shows)
/// commit together, before the reply and before any later request reads the time.
enum ClockOperations {
    static func make(_ env: ServiceEnvironment) -> [Operation] {
        [
            Operation(
                "clock.set", sockets: Sockets.admin,
                .write { db, context in
                    let target = WireTime.parseInstant(context.args["now"]?.stringValue ?? "")!
                    let now = try move(env.clock) { clock throws(OfficeClock.MoveError) in try clock.set(to: target) }
                    try TimeRules.apply(db, now: now, office: env.office, key: env.auditKey, maintenance: env.maintenance)
                    return ["now": .string(WireTime.format(now))]
                }),
            Operation(
                "clock.advance", sockets: Sockets.admin,
                .write { db, context in
                    let minutes = context.args["minutes"]?.intValue ?? 0
                    let now = try move(env.clock) { clock throws(OfficeClock.MoveError) in try clock.advance(minutes: minutes) }
                    try TimeRules.apply(db, now: now, office: env.office, key: env.auditKey, maintenance: env.maintenance)
                    return ["now": .string(WireTime.format(now))]
                }),
            // The system clock jumped and is held: staff accept its new time, and
            // what the accepted time makes due happens before the reply.
            Operation(
                "clock.accept", sockets: Sockets.admin,
                .write { db, _ in
                    let jump: OfficeClock.Jump?
                    do {
                        jump = try env.clock.accept()
                    } catch {
                        throw WireError(
                            .invalidState, "the daemon runs on a manual clock; move it with clock.set or clock.advance",
                            details: ["status": "manual"])
                    }
                    let now = env.clock.now()
                    try TimeRules.apply(db, now: now, office: env.office, key: env.auditKey, maintenance: env.maintenance)
                    return [
                        "now": .string(WireTime.format(now)), "accepted": .bool(jump != nil),
                        "jump_s": JSONValue(jump.map(\.seconds)),
                    ]
                }),
        ]
    }

    private static func move(_ clock: OfficeClock, _ body: (OfficeClock) throws(OfficeClock.MoveError) -> Instant) throws(WireError)
        -> Instant
    {
        do {
            return try body(clock)
        } catch {
            switch error {
            case .notManual:
                throw WireError(.clockNotManual, "the daemon runs on the system clock; start it with --clock manual to move time")
            case .backwards(let current):
                throw .invalidArgs(
                    field: "now", "now is earlier than the current time \(WireTime.format(current))",
                    details: ["current": .string(WireTime.format(current))])
            }
        }
    }
}
