import Foundation
import SoudanDomain
import SoudanProtocol
import SoudanStore

/// `sys.health`: is the daemon fit to serve? For `soudanctl health` and monitors.
enum HealthOperations {
    static func make(_ env: ServiceEnvironment) -> [Operation] {
        [
            Operation(
                "sys.health", sockets: Sockets.admin,
                .write { db, context in
                    // Reaching here inside a batch that commits proves the store takes writes.
                    try MetaStore.set("health_probe", to: String(context.now.seconds), in: db)
                    let jump = env.clock.heldJump
                    let drift = context.now.seconds - Int64(Date().timeIntervalSince1970)
                    let clockOK = env.clock.mode == .manual || (jump == nil && abs(drift) <= 5)
                    let maxLag = context.args.int("max_consumer_lag") ?? 10_000
                    let last = try EventLog.lastSeq(in: db)
                    var lag = JSONObject()
                    var consumersOK = true
                    // With `[events] consumers`, only those are judged (one not yet seen
                    // is behind by every event); else every consumer with a position.
                    var positions = Dictionary(
                        try EventLog.positions(in: db).map { ($0.consumer, $0.seq) }, uniquingKeysWith: { a, _ in a })
                    if let watched = env.watchedConsumers {
                        positions = Dictionary(uniqueKeysWithValues: watched.map { ($0, positions[$0] ?? 0) })
                    }
                    for (consumer, seq) in positions.sorted(by: { $0.key < $1.key }) {
                        let behind = last - seq
                        lag[consumer] = .int(behind)
                        if behind > maxLag { consumersOK = false }
                    }
                    return [
                        "ok": .bool(clockOK && consumersOK),
                        // A wall-clock jump being held (the time rules wait for clock.accept).
                        "clock_jump": .bool(jump != nil),
                        "checks": [
                            "store": ["ok": true],
                            "clock": [
                                "ok": .bool(clockOK), "mode": .string(env.clock.mode == .manual ? "manual" : "system"),
                                "now": .time(context.now), "drift_s": .int(env.clock.mode == .manual ? 0 : drift),
                                // A held jump: the time rules wait for clock.accept.
                                "status": .string(jump == nil ? "ok" : "clock_jump"),
                                "jump": jump.map {
                                    ["system_now": .time($0.systemNow), "held_now": .time($0.heldNow), "seconds": .int($0.seconds)]
                                }
                                    ?? .null,
                            ],
                            "consumers": ["ok": .bool(consumersOK), "max_lag": .int(maxLag), "lag": .object(lag)],
                        ],
                    ]
                })
        ]
    }
}
