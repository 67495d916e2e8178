import CoreMetrics
import Prometheus
import SoudanProtocol
import SoudanSync

/// The daemon's figures in swift-metrics, exported in Prometheus text by
/// `sys.metrics`.
///
/// The registry is the daemon's own (no global bootstrap), so that nothing else
/// in the process can add to it or be surprised by it.
public final class ServiceMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let counters = LockedValue<[String: CoreMetrics.Counter]>([:])
    /// The per-reply handles, under one lock and without building a string key:
    /// this runs for every reply, pings included.
    private let replyHandles = LockedValue<[ReplyKey: (requests: CoreMetrics.Counter, duration: CoreMetrics.Timer)]>([:])

    private struct ReplyKey: Hashable {
        var op: String
        var code: String
    }
    private let batchSize: CoreMetrics.Recorder
    private let gauges = LockedValue<[String: CoreMetrics.Gauge]>([:])

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
        ]
        factory.valueHistogramBuckets["soudan_commit_batch_size"] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
        self.factory = factory
        batchSize = CoreMetrics.Recorder(label: "soudan_commit_batch_size", dimensions: [], aggregate: true, factory: factory)
    }

    public func reply(op: String?, code: String, latencyNanoseconds: UInt64) {
        let key = ReplyKey(op: op ?? "none", code: code)
        let handles = replyHandles.withLock { handles in
            if let found = handles[key] { return found }
            let made = (
                requests: CoreMetrics.Counter(
                    label: "soudan_requests_total", dimensions: [("op", key.op), ("code", code)], factory: factory),
                duration: CoreMetrics.Timer(label: "soudan_request_duration_seconds", dimensions: [("op", key.op)], factory: factory)
            )
            handles[key] = made
            return made
        }
        handles.requests.increment()
        handles.duration.recordNanoseconds(Int64(clamping: latencyNanoseconds))
    }

    public func batch(jobs: Int, committed: Bool) {
        counter("soudan_commits_total", [("outcome", committed ? "committed" : "failed")]).increment()
        if committed { batchSize.record(jobs) }
    }

    /// Sets the figures read at scrape time, then renders every metric.
    func render(connections: JSONObject, backlog: [(String, Int64)], lastSeq: Int64, noShows: Int64) -> String {
        func number(_ key: String) -> Double { Double(connections[key]?.intValue ?? 0) }
        gauge("soudan_connections_open", []).record(number("open"))
        gauge("soudan_connections_accepted", []).record(number("accepted"))
        gauge("soudan_connections_refused", []).record(number("refused"))
        for reason in ["idle", "stalled", "frame_error"] {
            gauge("soudan_connections_closed", [("reason", reason)]).record(number("closed_\(reason)"))
        }
        for (consumer, behind) in backlog { gauge("soudan_event_backlog", [("consumer", consumer)]).record(Double(behind)) }
        gauge("soudan_events_last_seq", []).record(Double(lastSeq))
        gauge("soudan_no_shows", []).record(Double(noShows))
        return registry.emitToString()
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Counter {
        handle(in: counters, label, dimensions) { CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory) }
    }

    private func gauge(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Gauge {
        handle(in: gauges, label, dimensions) { CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory) }
    }

    /// One handle per label and dimensions, made once: the registry lookup behind
    /// a swift-metrics constructor is not free, and replies come in by the thousand.
    private func handle<Handle: Sendable>(
        in cache: LockedValue<[String: Handle]>, _ label: String, _ dimensions: [(String, String)], make: () -> Handle
    ) -> Handle {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return cache.withLock { handles in
            if let handle = handles[key] { return handle }
            let handle = make()
            handles[key] = handle
            return handle
        }
    }
}
