import SoudanProtocol
import SoudanStore

/// `terms.current` (and, with the booking rules, `terms.publish`).
enum TermsOperations {
    static func make(_ env: ServiceEnvironment) -> [Operation] {
        [
            Operation(
                "terms.current", sockets: Sockets.both,
                .read { db, context in
                    let terms = try TermsStore.current(at: context.now, in: db)
                    return ["version": .string(terms.version), "effective_at": .string(WireTime.format(terms.effectiveAt))]
                }),
            Operation(
                "terms.publish", sockets: Sockets.admin,
                .write { db, context in
                    let version = context.args.text("version")
                    let summary = try context.args.nonBlank("summary")
                    if try TermsStore.exists(version, in: db) {
                        throw WireError(.conflict, "terms version \(version) exists", details: ["field": "version"])
                    }
                    // An effective time in the past means now.
                    let effective = max(context.args.instant("effective_at") ?? context.now, context.now)
                    try TermsStore.publish(version, effectiveAt: effective, summary: summary, at: context.now, in: db)
                    try EventLog.append(
                        "terms.published", at: context.now,
                        data: ["version": .string(version), "effective_at": .time(effective)], in: db)
                    return ["version": .string(version), "effective_at": .time(effective), "summary": .string(summary)]
                }),
        ]
    }
}
