import SoudanProtocol
import SoudanStore

/// `audit.verify` (and, with the records issue, `audit.disclose`).
enum AuditOperations {
    static func make(_ env: ServiceEnvironment) -> [Operation] {
        [
            Operation("audit.verify", sockets: Sockets.admin, recording: .seesEveryAnsweredRequest, .read { db, _ in
                let check = try AccessLog.verify(in: db)
                return ["ok": .bool(check.ok), "rows": .int(Int64(check.rows)), "first_broken": JSONValue(check.firstBroken.map(Int64.init))]
            })
        ]
    }
}
