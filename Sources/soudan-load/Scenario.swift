import Foundation
import SoudanClient
import SoudanProtocol

/// What one simulated local service does, step by step.
enum Scenario: String, CaseIterable {
    /// `sys.ping`: the floor of the protocol's cost.
    case ping
    /// A seeker's whole flow: register, consent, request, schedule (with real
    /// contention for a few slots, so `slot_taken` happens and is counted), and
    /// now and then a cancellation, so slots keep coming free on long runs.
    case book
    /// `slots.available` for a week.
    case read
    /// Half the connections read while the other half book.
    case mixed
}

/// The office the scenarios book into: counselors added through the API, a
/// manual clock set to a Monday morning so that the week's slots are bookable.
struct LoadOffice {
    static let counselors = 10
    static let monday = "2026-11-30T09:00:00+09:00"
    /// Tuesday to Friday, 10:00 to 16:30: 14 slots a day.
    static let slots: [String] = ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"].flatMap { day in
        stride(from: 600, to: 1020, by: 30).map { minute in String(format: "%@T%02d:%02d:00+09:00", day, minute / 60, minute % 60) }
    }

    /// Adds the counselors (existing ones are kept) and sets a manual clock to Monday.
    static func prepare(adminSocket: String) throws {
        let admin = try SoudanConnection(path: adminSocket)
        for n in 1...counselors {
            let id = String(format: "load-%02d", n)
            let reply = try admin.call("counselor.add", [
                "counselor_id": .string(id), "name": .string("負荷 \(n)"),
                "meeting": ["join_url": .string("https://zoom.us/j/9\(n)"), "meeting_id": .string("9\(n)"), "passcode": "load"],
            ])
            guard reply.ok || reply.errorCode == "conflict" else { throw LoadError.setup("counselor.add: \(reply.raw)") }
        }
        let clock = try admin.call("clock.set", ["now": .string(monday)])
        guard clock.ok || clock.errorCode == "invalid_args" else {
            throw LoadError.setup("the daemon must run with --clock manual (earlier than \(monday)) for booking scenarios: \(clock.raw)")
        }
    }
}

enum LoadError: Error, CustomStringConvertible {
    case setup(String)
    var description: String {
        switch self {
        case .setup(let message): "setup failed: \(message)"
        }
    }
}

/// One connection's worth of a scenario: the steps of each flow, each a request
/// whose reply decides the next.
final class FlowRunner {
    let scenario: Scenario
    let service: SoudanConnection
    let admin: SoudanConnection?
    let worker: Int
    private var flows = 0
    private var random: SystemRandomNumberGenerator = .init()
    private var myConsultations: [String] = []
    private let ackLog: AckLog?

    init(scenario: Scenario, worker: Int, socket: String, adminSocket: String, ackLog: AckLog? = nil) throws {
        self.ackLog = ackLog
        self.scenario = scenario
        self.worker = worker
        service = try SoudanConnection(path: socket, timeout: 60)
        admin = scenario == .book || scenario == .mixed ? try SoudanConnection(path: adminSocket, timeout: 60) : nil
    }

    /// Whether this connection books (in `mixed`, every other one reads).
    var books: Bool { scenario == .book || (scenario == .mixed && worker % 2 == 0) }

    /// Runs one flow; `record` gets each reply's code and its latency in µs,
    /// measured from `firstIntended` for the first request (open loop), from
    /// its actual send for the rest.
    func runFlow(firstIntended: UInt64?, record: (String, UInt64) -> Void) throws {
        flows += 1
        func step(_ connection: SoudanConnection, _ op: String, _ args: JSONObject, intended: UInt64? = nil) throws -> ClientReply {
            let sent = intended ?? DispatchTime.now().uptimeNanoseconds
            let reply = try connection.call(op, args)
            // A request the waitlist scheduled meanwhile (a cancelled slot it had asked
            // for) is a booking, not an error; likewise a request already withdrawn.
            let settled = reply.errorCode == "invalid_state"
                && ["scheduled", "withdrawn"].contains(reply.errorDetails["status"]?.stringValue ?? "")
            record(settled ? "ok" : reply.code, (DispatchTime.now().uptimeNanoseconds - sent) / 1000)
            return reply
        }
        switch scenario {
        case .ping:
            _ = try step(service, "sys.ping", [:], intended: firstIntended)
        case .read:
            _ = try step(service, "slots.available", ["from": "2026-12-01", "to": "2026-12-07"], intended: firstIntended)
        case .book, .mixed:
            guard books else {
                _ = try step(service, "slots.available", ["from": "2026-12-01", "to": "2026-12-07"], intended: firstIntended)
                return
            }
            // Unique per run and per flow: a seeker of an earlier run would be busy or at its limit.
            let seekerNo = String(format: "%05d-%08d", 10000 + Int(getpid()) % 89999, worker * 1_000_000 + flows)
            let name: JSONValue = .string("負荷テスト")
            if try step(service, "seeker.register", ["seeker_no": .string(seekerNo), "name": name, "phone": "03-0000-0000",
                                                     "my_page": true, "webcam_device": true], intended: firstIntended).ok {
                ackLog?.record("seeker", seekerNo)
            }
            _ = try step(service, "seeker.consent", ["seeker_no": .string(seekerNo), "terms_version": "1", "zoom_terms": true,
                                                     "acknowledge": ["no_recording": true, "private_room": true, "device_ready": true]])
            // Few slots, many seekers: they collide.
            let start = LoadOffice.slots[Int.random(in: 0..<LoadOffice.slots.count, using: &random)]
            let request = try step(service, "booking.request", ["seeker_no": .string(seekerNo), "name": name, "phone": "03-0000-0000",
                                                                "preferences": [.string(start)], "channel": "web"])
            guard let requestID = request.result["request"]?["request_id"], let admin else { return }
            ackLog?.record("request", requestID.stringValue ?? "")
            let scheduled = try step(admin, "booking.schedule", ["request_id": requestID, "start": .string(start)])
            if let id = scheduled.result["consultation"]?["consultation_id"]?.stringValue {
                myConsultations.append(id)
                ackLog?.record("consultation", id)
            }
            if scheduled.errorCode == "slot_taken" {
                // As a real client does: the seeker asks for another time later; this request goes.
                _ = try step(service, "booking.withdraw", ["request_id": requestID])
            }
            // Every third flow cancels one of its earlier consultations: slots come free.
            if flows % 3 == 0, !myConsultations.isEmpty {
                let victim = myConsultations.remove(at: Int.random(in: 0..<myConsultations.count, using: &random))
                _ = try step(admin, "booking.cancel", ["consultation_id": .string(victim), "channel": "phone"])
            }
        }
    }
}
