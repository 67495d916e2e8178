import GRDB
import SoudanProtocol
import SoudanStore

/// `terms.current` (and, with the booking rules, `terms.publish`).
enum TermsOperations {
    static func make(_ env: ServiceEnvironment) -> [Operation] {
        [
            Operation("terms.current", sockets: Sockets.both, .read { db, context in
                let terms = try TermsStore.current(at: context.now, in: db)
                return ["version": .string(terms.version), "effective_at": .string(WireTime.format(terms.effectiveAt))]
            }),
            Operation("terms.publish", sockets: Sockets.admin, .write { db, context in
                let version = context.args.text("version")
                let summary = try context.args.nonBlank("summary")
                if try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM terms WHERE version = ?)"), arguments: [version]) == true {
                    throw WireError(.conflict, "terms version \(version) exists", details: ["field": "version"])
                }
                // An effective time in the past means now.
                let effective = max(context.args.instant("effective_at") ?? context.now, context.now)
                try db.run(sql: "INSERT INTO terms(version, effective_at, summary, published_at) VALUES (?, ?, ?, ?)",
                               arguments: [version, effective.seconds, summary, context.now.seconds])
                try EventLog.append("terms.published", at: context.now,
                                    data: ["version": .string(version), "effective_at": .time(effective)], in: db)
                return ["version": .string(version), "effective_at": .time(effective), "summary": .string(summary)]
            }),
        ]
    }
}
