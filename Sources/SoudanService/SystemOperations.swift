import SoudanProtocol
import SoudanStore

/// `sys.ping`, `sys.describe`, `sys.stats`.
enum SystemOperations {
    static func make(_ env: ServiceEnvironment) -> [Operation] {
        [
            Operation(
                "sys.ping", sockets: Sockets.both,
                .local { context in
                    ["pong": true, "now": .string(WireTime.format(context.now))]
                }),
            Operation("sys.describe", sockets: Sockets.both, .local { _ in describe(env) }),
            Operation(
                "sys.stats", sockets: Sockets.admin,
                .local { _ in
                    env.stats.snapshot(connections: env.connectionStats())
                }),
            Operation(
                "sys.metrics", sockets: Sockets.admin,
                .read { db, _ in
                    let lastSeq = try EventLog.lastSeq(in: db)
                    let backlog = try EventLog.positions(in: db).map { ($0.consumer, lastSeq - $0.seq) }
                    let noShows = try ConsultationStore.count(status: .noShow, in: db)
                    let text = env.stats.metrics.render(
                        connections: env.connectionStats(), backlog: backlog, lastSeq: lastSeq, noShows: noShows)
                    return ["text": .string(text)]
                }),
        ]
    }

    /// Built from the operations table and the schemas of `protocol/`, so it cannot
    /// drift from what the daemon accepts. Lists every operation, whichever socket
    /// asks, with the sockets that serve it.
    static func describe(_ env: ServiceEnvironment) -> JSONObject {
        let ops = Operations.all(env).sorted { $0.name < $1.name }.map { op -> JSONValue in
            let sockets = SocketRole.allCases.filter { op.sockets.contains($0) }.map { JSONValue.string($0.rawValue) }
            return .object(["name": .string(op.name), "sockets": .array(sockets), "args": op.schema.document])
        }
        return [
            "version": .string(SoudanVersion.string),
            "protocol": .int(SoudanVersion.protocolVersion),
            "ops": .array(ops),
        ]
    }
}
