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
    /// The week of the daemon's clock that the flows read and book in.
    var week: LoadWeek
    var scenario: Scenario
    var connections: Int
    var pipeline: Int
    var stop: Stop
    /// Flows per second in total (open loop), or nil (closed loop).
    var rate: Double?
    /// Seconds without any reply before the flows waiting fail.
    var replyTimeout: Double = 60
    /// Where acknowledged writes are logged (crash tests check each is kept).
    var ackLog: AckLog?
    /// Consultations earlier runs left scheduled, dealt out to the booking
    /// connections for their cancellations (`LoadOffice.prepare`).
    var inherited: [String] = []
}

/// Lines of `kind id milliseconds` for every write the daemon acknowledged (the
/// wall-clock time the reply arrived, in milliseconds since 1970), appended as
/// the replies arrive (this process is not the one killed, so its buffers
/// survive). The time lets a replication test say how old the newest lost
/// write was.
final class AckLog: Sendable {
    private let handle: LockedValue<FileHandle>

    init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        self.handle = LockedValue(handle)
    }

    func record(_ kind: String, _ id: String) {
        let milliseconds = Int64(Date().timeIntervalSince1970 * 1000)
        handle.withLock { $0.write(Data("\(kind) \(id) \(milliseconds)\n".utf8)) }
    }
}

/// The outcome of a run: counts, errors by code, latency.
struct LoadReport {
    var seconds: Double
    var replies: Int
    var flows: Int
    var errors: [String: Int]
    var latency: Histogram<UInt64>

    /// Replies that did what they asked: only these count as throughput.
    var succeeded: Int { replies - errors.values.reduce(0, +) }

    /// Replies that failed for another reason than losing a slot to another
    /// seeker (`slot_taken`, which the booking scenario causes on purpose).
    var unexpectedFailures: Int { errors.filter { $0.key != "slot_taken" }.values.reduce(0, +) }

    /// More than 1 % of the replies failed unexpectedly: the figures measured
    /// refusals, not work, and the run exits non-zero.
    var failedTooOften: Bool { unexpectedFailures * 100 > max(replies, 1) }

    func summary(scenario: String, connections: Int) -> JSONObject {
        func ms(_ percentile: Double) -> JSONValue { .double(Double(latency.valueAtPercentile(percentile)) / 1000) }
        return [
            "scenario": .string(scenario), "connections": .int(Int64(connections)),
            "duration_s": .double((seconds * 1000).rounded() / 1000), "requests": .int(Int64(replies)), "flows": .int(Int64(flows)),
            "succeeded": .int(Int64(succeeded)), "throughput": .double((Double(succeeded) / seconds).rounded()),
            "latency_ms": ["p50": ms(50), "p90": ms(90), "p99": ms(99), "p999": ms(99.9), "max": .double(Double(latency.max) / 1000)],
            "errors": .object(JSONObject(errors.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })),
        ]
    }

    func printForPeople(scenario: String, connections: Int, pipeline: Int) {
        let rate = Double(succeeded) / seconds
        print("scenario \(scenario): \(connections) connection(s) × pipeline \(pipeline), \(String(format: "%.2f", seconds)) s")
        print("  \(replies) replies, \(succeeded) succeeded, \(String(format: "%.0f", rate)) per second")
        let p = [50.0, 90, 99, 99.9].map {
            String(format: "p%@ %.3f", String($0).replacingOccurrences(of: ".0", with: ""), Double(latency.valueAtPercentile($0)) / 1000)
        }
        print("  latency ms: " + p.joined(separator: "  ") + String(format: "  max %.3f", Double(latency.max) / 1000))
        if !errors.isEmpty {
            print("  errors: " + errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
    }
}

/// Runs a plan on one event loop (`LoadEngine`) while a second thread, on a
/// terminal, prints the progress line.
final class LoadRunner: Sendable {
    let plan: LoadPlan

    init(plan: LoadPlan) {
        self.plan = plan
    }

    func run(progress: Bool) -> LoadReport {
        let budget = if case .afterRequests(let count) = plan.stop { count } else { Int.max }
        let counters = LoadCounters(budget: budget)
        let start = LoadEngine.now()
        let finished = Atomic<Bool>(false)
        if progress {
            Thread {
                while !finished.load(ordering: .relaxed) {
                    Thread.sleep(forTimeInterval: 1)
                    let elapsed = Double(LoadEngine.now() - start) / 1e9
                    let replies = counters.replies.load(ordering: .relaxed)
                    let line = String(
                        format: "\r  %6.1f s  %9d replies  %8.0f /s  errors %d ", elapsed, replies,
                        Double(replies) / elapsed, counters.errors.load(ordering: .relaxed))
                    FileHandle.standardError.write(Data(line.utf8))
                }
                FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
            }.start()
        }
        let totals = LoadEngine(plan: plan, counters: counters, start: start).run()
        finished.store(true, ordering: .relaxed)
        let seconds = Double(LoadEngine.now() - start) / 1e9
        return LoadReport(seconds: seconds, replies: totals.replies, flows: totals.flows, errors: totals.errors, latency: totals.latency)
    }
}

extension ClientReply {
    var code: String { ok ? "ok" : (errorCode ?? "?") }
}
