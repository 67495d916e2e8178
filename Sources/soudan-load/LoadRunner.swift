import Dispatch
import Foundation
import Histogram
import SoudanClient
import SoudanProtocol
import SoudanSync
import Synchronization

/// What to send, how hard, and for how long.
struct LoadPlan: Sendable {
    enum Stop: Sendable {
        case afterSeconds(Double)
        case afterRequests(Int)
    }

    var socket: String
    var adminSocket: String
    var scenario: Scenario
    var connections: Int
    var pipeline: Int
    var stop: Stop
    /// Flows per second in total (open loop), or nil (closed loop).
    var rate: Double?
    /// Where acknowledged writes are logged (crash tests check each is kept).
    var ackLog: AckLog?
}

/// Lines of `kind id` for every write the daemon acknowledged, appended as the
/// replies arrive (this process is not the one killed, so its buffers survive).
final class AckLog: Sendable {
    private let handle: LockedValue<FileHandle>

    init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        self.handle = LockedValue(handle)
    }

    func record(_ kind: String, _ id: String) {
        handle.withLock { $0.write(Data("\(kind) \(id)\n".utf8)) }
    }
}

/// The outcome of a run: counts, errors by code, latency.
struct LoadReport {
    var seconds: Double
    var replies: Int
    var flows: Int
    var errors: [String: Int]
    var latency: Histogram<UInt64>

    func summary(scenario: String, connections: Int) -> JSONObject {
        func ms(_ percentile: Double) -> JSONValue { .double(Double(latency.valueAtPercentile(percentile)) / 1000) }
        return [
            "scenario": .string(scenario), "connections": .int(Int64(connections)),
            "duration_s": .double((seconds * 1000).rounded() / 1000), "requests": .int(Int64(replies)), "flows": .int(Int64(flows)),
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

/// Runs a plan: one thread per connection (the client is blocking).
final class LoadRunner: Sendable {
    let plan: LoadPlan
    private let remaining: Atomic<Int>
    private let repliesSoFar = Atomic<Int>(0)
    private let errorsSoFar = Atomic<Int>(0)

    init(plan: LoadPlan) {
        self.plan = plan
        if case .afterRequests(let count) = plan.stop { remaining = Atomic(count) } else { remaining = Atomic(Int.max) }
    }

    struct WorkerResult: Sendable {
        var replies = 0
        var flows = 0
        var errors: [String: Int] = [:]
        var latencyMicros: [UInt64] = []
        var failure: String?
    }

    func run(progress: Bool) throws -> LoadReport {
        let results = LockedValue<[WorkerResult]>([])
        let group = DispatchGroup()
        let start = DispatchTime.now().uptimeNanoseconds
        let deadline: UInt64? = if case .afterSeconds(let s) = plan.stop { start + UInt64(s * 1e9) } else { nil }
        for worker in 0..<plan.connections {
            group.enter()
            let thread = Thread { [self] in
                let result = plan.rate == nil && plan.pipeline > 1 && (plan.scenario == .ping || plan.scenario == .read)
                    ? runPipelined(worker: worker, deadline: deadline)
                    : runFlows(worker: worker, start: start, deadline: deadline)
                results.withLock { $0.append(result) }
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        let finished = Atomic<Bool>(false)
        if progress {
            Thread { [self] in
                while !finished.load(ordering: .relaxed) {
                    Thread.sleep(forTimeInterval: 1)
                    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                    let line = String(format: "\r  %6.1f s  %9d replies  %8.0f /s  errors %d ", elapsed, repliesSoFar.load(ordering: .relaxed),
                                      Double(repliesSoFar.load(ordering: .relaxed)) / elapsed, errorsSoFar.load(ordering: .relaxed))
                    FileHandle.standardError.write(Data(line.utf8))
                }
                FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
            }.start()
        }
        group.wait()
        finished.store(true, ordering: .relaxed)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var latency = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        var replies = 0
        var flows = 0
        var errors: [String: Int] = [:]
        for result in results.withLock({ $0 }) {
            flows += result.flows
            if let failure = result.failure { errors["client: \(failure)", default: 0] += 1 }
            replies += result.replies
            for (code, count) in result.errors { errors[code, default: 0] += count }
            for micros in result.latencyMicros { _ = latency.record(max(1, micros)) }
        }
        return LoadReport(seconds: seconds, replies: replies, flows: flows, errors: errors, latency: latency)
    }

    private func takeTicket() -> Bool { remaining.subtract(1, ordering: .relaxed).newValue >= 0 }

    private func note(_ code: String, _ micros: UInt64, into result: inout WorkerResult) {
        result.replies += 1
        result.latencyMicros.append(micros)
        repliesSoFar.add(1, ordering: .relaxed)
        if code != "ok" {
            result.errors[code, default: 0] += 1
            errorsSoFar.add(1, ordering: .relaxed)
        }
    }

    /// One flow at a time; closed loop, or open loop at `rate / connections` flows
    /// per second with latency from each flow's intended start.
    private func runFlows(worker: Int, start: UInt64, deadline: UInt64?) -> WorkerResult {
        var result = WorkerResult()
        let runner: FlowRunner
        do {
            runner = try FlowRunner(scenario: plan.scenario, worker: worker, socket: plan.socket, adminSocket: plan.adminSocket,
                                    ackLog: plan.ackLog)
        } catch {
            result.failure = "connect"
            return result
        }
        let interval = plan.rate.map { UInt64(Double(plan.connections) / $0 * 1e9) }
        // Spread the connections' schedules over one interval.
        var intended = start + (interval ?? 0) * UInt64(worker) / UInt64(plan.connections)
        do {
            while takeTicket() {
                let now = DispatchTime.now().uptimeNanoseconds
                if let deadline, now >= deadline { break }
                var firstIntended: UInt64?
                if let interval {
                    if intended > now { Thread.sleep(forTimeInterval: Double(intended - now) / 1e9) }
                    firstIntended = intended
                    intended += interval
                }
                try runner.runFlow(firstIntended: firstIntended) { code, micros in note(code, micros, into: &result) }
                result.flows += 1
            }
        } catch {
            result.failure = "\(error)"
        }
        return result
    }

    /// Closed loop with `pipeline` single requests in flight.
    private func runPipelined(worker: Int, deadline: UInt64?) -> WorkerResult {
        var result = WorkerResult()
        let connection: SoudanConnection
        do {
            connection = try SoudanConnection(path: plan.socket, timeout: 60)
        } catch {
            result.failure = "connect"
            return result
        }
        let request: JSONObject = plan.scenario == .read ? ["from": "2026-12-01", "to": "2026-12-07"] : [:]
        let op = plan.scenario == .read ? "slots.available" : "sys.ping"
        var sentAt: [Int64: UInt64] = [:]
        var nextID = Int64(worker) << 40
        var inFlight = 0
        func sendOne() throws {
            let id = nextID
            nextID += 1
            sentAt[id] = DispatchTime.now().uptimeNanoseconds
            try connection.send(["id": .int(id), "op": .string(op), "args": .object(request)])
            inFlight += 1
        }
        do {
            while inFlight < plan.pipeline, takeTicket() { try sendOne() }
            while inFlight > 0 {
                let reply = try connection.readReply()
                let now = DispatchTime.now().uptimeNanoseconds
                inFlight -= 1
                let sent = reply.id.intValue.flatMap { sentAt.removeValue(forKey: $0) } ?? now
                note(reply.code, (now - sent) / 1000, into: &result)
                result.flows += 1
                if let deadline, now >= deadline { continue }
                if takeTicket() { try sendOne() }
            }
        } catch {
            result.failure = "\(error)"
        }
        return result
    }
}

extension ClientReply {
    var code: String { ok ? "ok" : (errorCode ?? "?") }
}
