import SoudanProtocol
import SoudanStore

/// `events.fetch`, `events.ack`: the message-queue side, for the notifier and
/// other local services. At least once, in `seq` order; positions survive restarts.
enum EventOperations {
    static func make(_ env: ServiceEnvironment) -> [Operation] {
        [
            Operation(
                "events.fetch", sockets: Sockets.both,
                .longPoll(
                    LongPoll(
                        read: { db, context in
                            let consumer = context.args.text("consumer")
                            let max = Int(context.args.int("max") ?? 100)
                            let after = try EventLog.position(of: consumer, in: db)
                            return ["events": .array(try EventLog.fetch(after: after, max: max, in: db))]
                        },
                        isEmpty: { $0["events"]?.arrayValue?.isEmpty ?? true },
                        waitMilliseconds: { Int($0.int("wait_ms") ?? 0) }))),
            Operation(
                "events.ack", sockets: Sockets.both,
                .write { db, context in
                    let consumer = context.args.text("consumer")
                    let seq = context.args.int("seq") ?? 0
                    let last = try EventLog.lastSeq(in: db)
                    guard seq <= last else {
                        throw WireError.invalidArgs(
                            field: "seq", "seq \(seq) is beyond the last event, \(last)", details: ["last_seq": .int(last)])
                    }
                    // Names are the client's: their number is bounded, like any stored
                    // key a client chooses.
                    if try !EventLog.isKnown(consumer, in: db), try EventLog.consumerCount(in: db) >= maxConsumers {
                        throw WireError(
                            .limitReached, "there are \(maxConsumers) event consumers already; events.forget one first",
                            details: ["max_consumers": .int(Int64(maxConsumers))])
                    }
                    let position = try EventLog.acknowledge(consumer, upTo: seq, in: db)
                    return ["consumer": .string(consumer), "seq": .int(position)]
                }),
            Operation(
                "events.forget", sockets: Sockets.admin,
                .write { db, context in
                    let consumer = context.args.text("consumer")
                    return ["consumer": .string(consumer), "forgotten": .bool(try EventLog.forget(consumer, in: db))]
                }),
        ]
    }

    /// Consumers with a stored position, at most.
    static let maxConsumers = 256
}
