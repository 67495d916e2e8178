import Foundation
import SoudanClient
import SoudanProtocol

/// One request of a flow: where it goes and what it asks.
struct Step {
    var toAdmin: Bool
    var op: String
    var args: JSONObject
}

/// One connection's worth of a scenario, as a state machine: `begin` gives a
/// flow's first request, `advance` the next one given the reply, or nil when
/// the flow is over. The engine drives many of these from one thread, so a
/// script never blocks and never touches a socket.
struct FlowScript {
    private enum Stage {
        case idle, register, consent, request, schedule, withdraw, cancel, registerToLookUp
    }

    let scenario: Scenario
    let worker: Int
    /// The week it reads and books in (`LoadWeek`).
    let week: LoadWeek
    private let ackLog: AckLog?
    private let runTag = 10000 + Int(getpid()) % 89999
    private var flows = 0
    private var stage = Stage.idle
    private var seekerNo = ""
    /// `lookup`: whether the seeker it reads has been registered.
    private var registeredToLookUp = false
    private var slot = ""
    private var requestID: JSONValue = .null
    private var myConsultations: [String] = []
    private var random = SystemRandomNumberGenerator()

    /// - Parameter inherited: consultations of earlier runs this connection may
    ///   cancel as if it had booked them.
    init(scenario: Scenario, worker: Int, week: LoadWeek, ackLog: AckLog?, inherited: [String] = []) {
        self.scenario = scenario
        self.worker = worker
        self.week = week
        self.ackLog = ackLog
        myConsultations = inherited
    }

    /// Whether this connection books (in `mixed`, every other one reads), and so
    /// needs an admin connection too (scheduling and cancelling are staff's).
    var books: Bool { Self.books(scenario, worker: worker) }

    static func books(_ scenario: Scenario, worker: Int) -> Bool {
        scenario == .book || (scenario == .mixed && worker % 2 == 0)
    }

    /// `consultations` dealt out, one at a time, to the connections that book.
    static func deal(_ consultations: [String], scenario: Scenario, connections: Int) -> [Int: [String]] {
        let booking = (0..<connections).filter { books(scenario, worker: $0) }
        guard !booking.isEmpty else { return [:] }
        var hands: [Int: [String]] = [:]
        for (index, id) in consultations.enumerated() { hands[booking[index % booking.count], default: []].append(id) }
        return hands
    }

    private static let name: JSONValue = .string("負荷テスト")

    mutating func begin() -> Step {
        flows += 1
        switch scenario {
        case .ping:
            return Step(toAdmin: false, op: "sys.ping", args: [:])
        case .read:
            return Step(toAdmin: false, op: "slots.available", args: week.range)
        case .lookup:
            guard registeredToLookUp else {
                seekerNo = String(format: "%05d-%08d", runTag, worker)
                stage = .registerToLookUp
                return Step(
                    toAdmin: false, op: "seeker.register",
                    args: [
                        "seeker_no": .string(seekerNo), "name": Self.name, "phone": "03-0000-0000", "my_page": true, "webcam_device": true,
                    ])
            }
            return Step(toAdmin: false, op: "seeker.get", args: ["seeker_no": .string(seekerNo)])
        case .book, .mixed:
            guard books else { return Step(toAdmin: false, op: "slots.available", args: week.range) }
            // Unique per run and per flow: a seeker of an earlier run would be busy or at its limit.
            seekerNo = String(format: "%05d-%08d", runTag, worker * 1_000_000 + flows)
            stage = .register
            return Step(
                toAdmin: false, op: "seeker.register",
                args: [
                    "seeker_no": .string(seekerNo), "name": Self.name, "phone": "03-0000-0000", "my_page": true, "webcam_device": true,
                ])
        }
    }

    /// The code to count for `reply`: a request the waitlist scheduled meanwhile
    /// (a cancelled slot it had asked for) is a booking, not an error; likewise a
    /// request already withdrawn.
    static func countedCode(_ reply: ClientReply) -> String {
        let settled =
            reply.errorCode == "invalid_state"
            && ["scheduled", "withdrawn"].contains(reply.errorDetails["status"]?.stringValue ?? "")
        return settled ? "ok" : reply.code
    }

    mutating func advance(after reply: ClientReply) -> Step? {
        switch stage {
        case .idle:
            return nil
        case .registerToLookUp:
            registeredToLookUp = reply.ok
            return finish()
        case .register:
            if reply.ok { ackLog?.record("seeker", seekerNo) }
            stage = .consent
            return Step(
                toAdmin: false, op: "seeker.consent",
                args: [
                    "seeker_no": .string(seekerNo), "terms_version": "1", "zoom_terms": true,
                    "acknowledge": ["no_recording": true, "private_room": true, "device_ready": true],
                ])
        case .consent:
            // Few slots, many seekers: they collide.
            slot = week.slots[Int.random(in: 0..<week.slots.count, using: &random)]
            stage = .request
            return Step(
                toAdmin: false, op: "booking.request",
                args: [
                    "seeker_no": .string(seekerNo), "name": Self.name, "phone": "03-0000-0000",
                    "preferences": [.string(slot)], "channel": "web",
                ])
        case .request:
            guard let id = reply.result["request"]?["request_id"] else { return finish() }
            requestID = id
            ackLog?.record("request", id.stringValue ?? "")
            stage = .schedule
            return Step(toAdmin: true, op: "booking.schedule", args: ["request_id": id, "start": .string(slot)])
        case .schedule:
            if let id = reply.result["consultation"]?["consultation_id"]?.stringValue {
                myConsultations.append(id)
                ackLog?.record("consultation", id)
            }
            if reply.errorCode == "slot_taken" {
                // As a real client does: the seeker asks for another time later; this request goes.
                stage = .withdraw
                return Step(toAdmin: false, op: "booking.withdraw", args: ["request_id": requestID])
            }
            return cancelNowAndThen()
        case .withdraw:
            return cancelNowAndThen()
        case .cancel:
            return finish()
        }
    }

    /// Every third flow cancels one of its earlier consultations: slots come free.
    private mutating func cancelNowAndThen() -> Step? {
        guard flows % 3 == 0, !myConsultations.isEmpty else { return finish() }
        let victim = myConsultations.remove(at: Int.random(in: 0..<myConsultations.count, using: &random))
        stage = .cancel
        return Step(toAdmin: true, op: "booking.cancel", args: ["consultation_id": .string(victim), "channel": "phone"])
    }

    private mutating func finish() -> Step? {
        stage = .idle
        return nil
    }
}
