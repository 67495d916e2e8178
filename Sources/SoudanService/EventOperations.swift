import GRDB
import SoudanProtocol
import SoudanStore

/// `events.fetch`, `events.ack`: the message-queue side, for the notifier and
/// other local services. At least once, in `seq` order; positions survive restarts.
enum EventOperations {
    static func make(_ env: ServiceEnvironment) -> [Operation] {
        [
            Operation("events.fetch", sockets: Sockets.both, .longPoll(LongPoll(
                read: { db, context in
                    let consumer = context.args.text("consumer")
                    let max = Int(context.args.int("max") ?? 100)
                    let after = try EventLog.position(of: consumer, in: db)
                    return ["events": .array(try EventLog.fetch(after: after, max: max, in: db))]
                },
                isEmpty: { $0["events"]?.arrayValue?.isEmpty ?? true },
                waitMilliseconds: { Int($0.int("wait_ms") ?? 0) }))),
            Operation("events.ack", sockets: Sockets.both, .write { db, context in
                let consumer = context.args.text("consumer")
                let seq = context.args.int("seq") ?? 0
                let last = try EventLog.lastSeq(in: db)
                guard seq <= last else {
                    throw WireError.invalidArgs(field: "seq", "seq \(seq) is beyond the last event, \(last)", details: ["last_seq": .int(last)])
                }
                let position = try EventLog.acknowledge(consumer, upTo: seq, in: db)
                return ["consumer": .string(consumer), "seq": .int(position)]
            }),
        ]
    }
}
