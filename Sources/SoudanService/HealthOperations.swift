import Foundation
import GRDB
import SoudanDomain
import SoudanProtocol
import SoudanStore

/// `sys.health`: is the daemon fit to serve? For `soudanctl health` and monitors.
enum HealthOperations {
    static func make(_ env: ServiceEnvironment) -> [Operation] {
        [
            Operation("sys.health", sockets: Sockets.admin, .write { db, context in
                // Reaching here inside a batch that commits proves the store takes writes.
                try db.run(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('health_probe', ?)",
                               arguments: [String(context.now.seconds)])
                let drift = context.now.seconds - Int64(Date().timeIntervalSince1970)
                let clockOK = env.clock.mode == .manual || abs(drift) <= 5
                let maxLag = context.args.int("max_consumer_lag") ?? 10_000
                let last = try EventLog.lastSeq(in: db)
                var lag = JSONObject()
                var consumersOK = true
                for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT consumer, acked_seq FROM event_consumer ORDER BY consumer")) {
                    let behind = last - (row[1] as Int64)
                    lag[row[0]] = .int(behind)
                    if behind > maxLag { consumersOK = false }
                }
                return [
                    "ok": .bool(clockOK && consumersOK),
                    "checks": [
                        "store": ["ok": true],
                        "clock": ["ok": .bool(clockOK), "mode": .string(env.clock.mode == .manual ? "manual" : "system"),
                                  "now": .time(context.now), "drift_s": .int(env.clock.mode == .manual ? 0 : drift)],
                        "consumers": ["ok": .bool(consumersOK), "max_lag": .int(maxLag), "lag": .object(lag)],
                    ],
                ]
            })
        ]
    }
}
