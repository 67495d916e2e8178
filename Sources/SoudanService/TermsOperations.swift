import SoudanProtocol
import SoudanStore

/// `terms.current` (and, with the booking rules, `terms.publish`).
enum TermsOperations {
    static func make(_ env: ServiceEnvironment) -> [Operation] {
        [
            Operation("terms.current", sockets: Sockets.both, .read { db, context in
                let terms = try TermsStore.current(at: context.now, in: db)
                return ["version": .string(terms.version), "effective_at": .string(WireTime.format(terms.effectiveAt))]
            })
        ]
    }
}
