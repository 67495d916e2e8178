import Foundation
import Histogram
public import SoudanProtocol
import SoudanSync

/// Request, error, commit and latency figures for `sys.stats`.
public final class Stats: Sendable {
    private struct State {
        var requests = 0
        var byOp: [String: Int] = [:]
        var errors: [String: Int] = [:]
        var transactions = 0
        var failedTransactions = 0
        var committedJobs = 0
        var largestBatch = 0
        var batchCPUNanoseconds: UInt64 = 0
        var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    }

    private let state = LockedValue(State())
    private let started = Date()
    /// The same figures in swift-metrics, for `sys.metrics`.
    public let metrics = ServiceMetrics()

    public init() {}

    /// One reply sent: `code` is "ok" or an error code; latency in microseconds.
    public func recordReply(op: String?, code: String, latencyMicros: UInt64) {
        metrics.reply(op: op, code: code, latencyNanoseconds: latencyMicros * 1000)
        state.withLock { state in
            state.requests += 1
            state.byOp[op ?? "(none)", default: 0] += 1
            if code != "ok" { state.errors[code, default: 0] += 1 }
            _ = state.latency.record(max(1, latencyMicros))
        }
    }

    /// The CPU of the writer's completions (replies), read when a snapshot is taken.
    let completionCPU = LockedValue<@Sendable () -> UInt64>({ 0 })

    public func recordBatch(jobs: Int, committed: Bool, cpuNanoseconds: UInt64 = 0) {
        metrics.batch(jobs: jobs, committed: committed)
        state.withLock { state in
            state.batchCPUNanoseconds &+= cpuNanoseconds
            if committed {
                state.transactions += 1
                state.committedJobs += jobs
                state.largestBatch = max(state.largestBatch, jobs)
            } else {
                state.failedTransactions += 1
            }
        }
    }

    public func snapshot(connections: JSONObject) -> JSONObject {
        let completions = completionCPU.withLock { $0 }()
        return state.withLock { state in
            func ms(_ percentile: Double) -> JSONValue {
                .double((Double(state.latency.valueAtPercentile(percentile)) / 1000 * 1000).rounded() / 1000)
            }
            let mean = state.transactions == 0 ? 0 : Double(state.committedJobs) / Double(state.transactions)
            return [
                "uptime_s": .int(Int64(Date().timeIntervalSince(started))),
                "connections": .object(connections),
                "requests": .object([
                    "total": .int(Int64(state.requests)),
                    "by_op": .object(JSONObject(state.byOp.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })),
                ]),
                "errors": .object(JSONObject(state.errors.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })),
                "commits": .object([
                    "transactions": .int(Int64(state.transactions)),
                    "failed": .int(Int64(state.failedTransactions)),
                    "commands": .int(Int64(state.committedJobs)),
                    "batch": .object(["mean": .double((mean * 100).rounded() / 100), "max": .int(Int64(state.largestBatch))]),
                    // Since start: the writer thread's CPU in its batches, and the
                    // completion queue's in their replies.
                    "writer_cpu_us": .int(Int64(state.batchCPUNanoseconds / 1000)),
                    "reply_cpu_us": .int(Int64(completions / 1000)),
                ]),
                "latency_ms": .object([
                    "p50": ms(50), "p90": ms(90), "p99": ms(99), "p999": ms(99.9),
                    "max": .double(Double(state.latency.max) / 1000),
                ]),
            ]
        }
    }
}
