import Dispatch
import Foundation
import Histogram
import SoudanClient
import SoudanProtocol
import Synchronization

/// What to send, how hard, and for how long.
struct LoadPlan: Sendable {
    enum Stop: Sendable {
        case afterSeconds(Double)
        case afterRequests(Int)
    }

    var socket: String
    var connections: Int
    var pipeline: Int
    var stop: Stop
    var makeRequest: @Sendable (Int64) -> JSONValue
}

/// The outcome of a run: counts, errors by code, latency.
struct LoadReport {
    var seconds: Double
    var replies: Int
    var errors: [String: Int]
    var latency: Histogram<UInt64>

    func summary(scenario: String, connections: Int) -> JSONObject {
        func ms(_ percentile: Double) -> JSONValue { .double(Double(latency.valueAtPercentile(percentile)) / 1000) }
        return [
            "scenario": .string(scenario), "connections": .int(Int64(connections)),
            "duration_s": .double((seconds * 1000).rounded() / 1000), "requests": .int(Int64(replies)),
            "throughput": .double((Double(replies) / seconds).rounded()),
            "latency_ms": ["p50": ms(50), "p90": ms(90), "p99": ms(99), "p999": ms(99.9), "max": .double(Double(latency.max) / 1000)],
            "errors": .object(JSONObject(errors.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })),
        ]
    }

    func printForPeople(scenario: String, connections: Int, pipeline: Int) {
        let rate = Double(replies) / seconds
        print("scenario \(scenario): \(connections) connection(s) × pipeline \(pipeline), \(String(format: "%.2f", seconds)) s")
        print("  \(replies) replies, \(String(format: "%.0f", rate)) per second")
        let p = [50.0, 90, 99, 99.9].map { String(format: "p%@ %.3f", String($0).replacingOccurrences(of: ".0", with: ""), Double(latency.valueAtPercentile($0)) / 1000) }
        print("  latency ms: " + p.joined(separator: "  ") + String(format: "  max %.3f", Double(latency.max) / 1000))
        if !errors.isEmpty { print("  errors: " + errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) }
    }
}

/// Runs a plan: one thread per connection (the client is blocking), each keeping
/// `pipeline` requests in flight until the plan says stop.
final class LoadRunner: Sendable {
    let plan: LoadPlan
    private let remaining: Atomic<Int>

    init(plan: LoadPlan) {
        self.plan = plan
        if case .afterRequests(let count) = plan.stop { remaining = Atomic(count) } else { remaining = Atomic(Int.max) }
    }

    struct WorkerResult: Sendable {
        var replies = 0
        var errors: [String: Int] = [:]
        var latencyMicros: [UInt64] = []
        var failure: String?
    }

    func run() throws -> LoadReport {
        let results = Mutex<[WorkerResult]>([])
        let group = DispatchGroup()
        let start = DispatchTime.now().uptimeNanoseconds
        let deadline: UInt64? = if case .afterSeconds(let s) = plan.stop { start + UInt64(s * 1e9) } else { nil }
        for worker in 0..<plan.connections {
            group.enter()
            let thread = Thread { [self] in
                let result = runConnection(worker: worker, deadline: deadline)
                results.withLock { $0.append(result) }
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var replies = 0
        var errors: [String: Int] = [:]
        for result in results.withLock({ $0 }) {
            if let failure = result.failure { errors["client:\(failure)", default: 0] += 1 }
            replies += result.replies
            for (code, count) in result.errors { errors[code, default: 0] += count }
            for micros in result.latencyMicros { _ = latency.record(max(1, micros)) }
        }
        return LoadReport(seconds: seconds, replies: replies, errors: errors, latency: latency)
    }

    private func takeTicket() -> Bool {
        remaining.subtract(1, ordering: .relaxed).newValue >= 0
    }

    private func runConnection(worker: Int, deadline: UInt64?) -> WorkerResult {
        var result = WorkerResult()
        let connection: SoudanConnection
        do {
            connection = try SoudanConnection(path: plan.socket, timeout: 60)
        } catch {
            result.failure = "connect"
            return result
        }
        var sentAt: [Int64: UInt64] = [:]
        var nextID = Int64(worker) << 40
        var inFlight = 0
        func sendOne() throws {
            let id = nextID
            nextID += 1
            sentAt[id] = DispatchTime.now().uptimeNanoseconds
            try connection.send(plan.makeRequest(id))
            inFlight += 1
        }
        do {
            while inFlight < plan.pipeline, takeTicket() { try sendOne() }
            while inFlight > 0 {
                let reply = try connection.readReply()
                let now = DispatchTime.now().uptimeNanoseconds
                inFlight -= 1
                if case .int(let id) = reply.id, let sent = sentAt.removeValue(forKey: id) {
                    result.latencyMicros.append((now - sent) / 1000)
                }
                result.replies += 1
                if !reply.ok { result.errors[reply.errorCode ?? "?", default: 0] += 1 }
                if let deadline, now >= deadline { continue }
                if takeTicket() { try sendOne() }
            }
        } catch {
            result.failure = "\(error)"
        }
        return result
    }
}
