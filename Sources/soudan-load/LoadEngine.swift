import CSoudanShim
import Foundation
import Histogram
import SoudanClient
import SoudanProtocol
import Synchronization

/// Drives every connection of a plan from one thread with epoll, the way
/// redis-benchmark drives its clients.
///
/// Why not a thread per connection: every reply then wakes a thread of its own,
/// and on a small machine the load generator's context switches compete with the
/// daemon it measures. One loop sees many replies per wake-up, as the daemon sees
/// many requests, and costs a few microseconds per request.
///
/// Open loop: each connection starts its flows on a fixed schedule (a timerfd
/// with nanosecond resolution wakes the loop), and a flow's first latency counts
/// from when it should have started, so a stall shows instead of hiding.
final class LoadEngine {
    /// One socket of a session and the requests awaiting their replies on it:
    /// id → the instant its latency counts from.
    private struct Endpoint {
        var socket: LoadSocket
        var session: Int
        var pending: [Int64: UInt64] = [:]
        var watchingOutput = false
    }

    private struct Session {
        var script: FlowScript
        var service: Int
        var admin: Int?
        var flowsInFlight = 0
        var nextIntended: UInt64
        var failure: String?
    }

    private let plan: LoadPlan
    private let counters: LoadCounters
    private let width: Int
    private let interval: UInt64?
    private let deadline: UInt64?
    private var endpoints: [Endpoint] = []
    private var sessions: [Session] = []
    private var exhausted = false
    /// When a reply last came in: a daemon that answers nothing for the plan's
    /// `replyTimeout` fails the flows waiting on it, as the blocking client's
    /// socket timeout did.
    private var lastReply: UInt64 = 0
    private let replyTimeout: UInt64
    private let epoll: Int32
    private let timer: Int32
    private var report = WorkerTotals()

    struct WorkerTotals {
        var replies = 0
        var flows = 0
        var errors: [String: Int] = [:]
        var latency = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
    }

    /// Connects every session (a failed connect is counted, as the old per-thread
    /// client did, and that session sits out).
    init(plan: LoadPlan, counters: LoadCounters, start: UInt64) {
        self.plan = plan
        self.counters = counters
        let pipelined = plan.rate == nil && (plan.scenario == .ping || plan.scenario == .read)
        width = pipelined ? plan.pipeline : 1
        replyTimeout = UInt64(plan.replyTimeout * 1e9)
        interval = plan.rate.map { UInt64(Double(plan.connections) / $0 * 1e9) }
        if case .afterSeconds(let seconds) = plan.stop { deadline = start + UInt64(seconds * 1e9) } else { deadline = nil }
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        timer = timerfd_create(CLOCK_MONOTONIC, Int32(TFD_CLOEXEC | TFD_NONBLOCK))
        watch(timer, token: UInt64.max, events: EPOLLIN.rawValue)
        let hands = FlowScript.deal(plan.inherited, scenario: plan.scenario, connections: plan.connections)
        for worker in 0..<plan.connections {
            let script = FlowScript(
                scenario: plan.scenario, worker: worker, week: plan.week, ackLog: plan.ackLog, inherited: hands[worker] ?? [])
            // Spread the connections' schedules over one interval.
            let first = start + (interval ?? 0) * UInt64(worker) / UInt64(plan.connections)
            do {
                let service = try add(LoadSocket(path: plan.socket), session: sessions.count)
                let admin = script.books ? try add(LoadSocket(path: plan.adminSocket), session: sessions.count) : nil
                sessions.append(Session(script: script, service: service, admin: admin, nextIntended: first))
            } catch {
                report.errors["client: connect", default: 0] += 1
            }
        }
    }

    deinit {
        close(timer)
        close(epoll)
    }

    /// Runs until the plan's end and every flow begun has finished.
    func run() -> WorkerTotals {
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        lastReply = Self.now()
        startFlows(now: lastReply)
        while keepsGoing {
            armTimer()
            let count = events.withUnsafeMutableBufferPointer { epoll_wait(epoll, $0.baseAddress, Int32($0.count), 1000) }
            if count < 0 && errno != EINTR { break }
            for event in events.prefix(max(0, Int(count))) {
                let token = event.data.u64
                if token == UInt64.max {
                    var expirations: UInt64 = 0
                    _ = read(timer, &expirations, 8)
                    continue
                }
                serve(endpoint: Int(token), events: event.events)
            }
            let now = Self.now()
            startFlows(now: now)
            if now &- lastReply > replyTimeout {
                for index in sessions.indices where sessions[index].flowsInFlight > 0 {
                    fail(session: index, "\(ClientError.timedOut)")
                }
            }
        }
        for session in sessions {
            if let failure = session.failure { report.errors["client: \(failure)", default: 0] += 1 }
        }
        return report
    }

    /// CLOCK_MONOTONIC in nanoseconds: the clock the timerfd runs on.
    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    private var keepsGoing: Bool {
        var anyAlive = false
        for session in sessions where session.failure == nil {
            if session.flowsInFlight > 0 { return true }
            anyAlive = true
        }
        return anyAlive && !exhausted
    }

    private func add(_ socket: LoadSocket, session: Int) -> Int {
        endpoints.append(Endpoint(socket: socket, session: session))
        watch(socket.fd, token: UInt64(endpoints.count - 1), events: EPOLLIN.rawValue)
        return endpoints.count - 1
    }

    private func watch(_ fd: Int32, token: UInt64, events: UInt32, modify: Bool = false) {
        var event = epoll_event()
        event.events = events
        event.data.u64 = token
        _ = epoll_ctl(epoll, modify ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event)
    }

    /// Whether another flow may begin: before the deadline, and while the
    /// `--requests` budget lasts.
    private func mayStart(now: UInt64) -> Bool {
        if exhausted { return false }
        if let deadline, now >= deadline {
            exhausted = true
            return false
        }
        if counters.remaining.subtract(1, ordering: .relaxed).newValue < 0 {
            exhausted = true
            return false
        }
        return true
    }

    private func startFlows(now: UInt64) {
        for index in sessions.indices where sessions[index].failure == nil {
            startFlows(session: index, now: now)
        }
    }

    private func startFlows(session index: Int, now: UInt64) {
        if let interval {
            // Open loop: one flow at a time, each at its scheduled instant or, if
            // the previous one ran late, at once — its latency still counts from
            // its schedule.
            guard sessions[index].flowsInFlight == 0, sessions[index].nextIntended <= now, mayStart(now: now) else { return }
            let intended = sessions[index].nextIntended
            sessions[index].nextIntended += interval
            begin(session: index, latencyFrom: intended)
        } else {
            while sessions[index].flowsInFlight < width, sessions[index].failure == nil, mayStart(now: now) {
                begin(session: index, latencyFrom: now)
            }
        }
    }

    private func begin(session index: Int, latencyFrom: UInt64) {
        sessions[index].flowsInFlight += 1
        let step = sessions[index].script.begin()
        send(step, session: index, latencyFrom: latencyFrom)
    }

    private func send(_ step: Step, session index: Int, latencyFrom: UInt64) {
        guard let endpoint = step.toAdmin ? sessions[index].admin : sessions[index].service else { return }
        let id = endpoints[endpoint].socket.queue(step.op, step.args)
        endpoints[endpoint].pending[id] = latencyFrom
        flush(endpoint)
    }

    private func flush(_ endpoint: Int) {
        do {
            try endpoints[endpoint].socket.flush()
        } catch {
            fail(session: endpoints[endpoint].session, "\(error)")
            return
        }
        let waiting = endpoints[endpoint].socket.hasPendingOutput
        if waiting != endpoints[endpoint].watchingOutput {
            endpoints[endpoint].watchingOutput = waiting
            watch(
                endpoints[endpoint].socket.fd, token: UInt64(endpoint),
                events: EPOLLIN.rawValue | (waiting ? EPOLLOUT.rawValue : 0), modify: true)
        }
    }

    private func serve(endpoint: Int, events: UInt32) {
        let session = endpoints[endpoint].session
        guard sessions[session].failure == nil else { return }
        if events & EPOLLOUT.rawValue != 0 { flush(endpoint) }
        guard events & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 else { return }
        do throws(ClientError) {
            try endpoints[endpoint].socket.receive { reply throws(ClientError) in
                try handle(reply, on: endpoint)
            }
        } catch {
            fail(session: session, "\(error)")
        }
    }

    private func handle(_ reply: ClientReply, on endpoint: Int) throws(ClientError) {
        let session = endpoints[endpoint].session
        guard let id = reply.id.intValue, let from = endpoints[endpoint].pending.removeValue(forKey: id) else {
            // A reply to no request of ours (`overloaded` at connect, a framing error).
            note(reply.code, 0)
            throw .badReply("a reply with id \(reply.id) answers no request in flight")
        }
        let now = Self.now()
        lastReply = now
        note(FlowScript.countedCode(reply), (now &- from) / 1000)
        if let next = sessions[session].script.advance(after: reply) {
            send(next, session: session, latencyFrom: now)
        } else {
            sessions[session].flowsInFlight -= 1
            report.flows += 1
            startFlows(session: session, now: now)
        }
    }

    private func note(_ code: String, _ micros: UInt64) {
        report.replies += 1
        _ = report.latency.record(max(1, micros))
        counters.replies.add(1, ordering: .relaxed)
        if code != "ok" {
            report.errors[code, default: 0] += 1
            counters.errors.add(1, ordering: .relaxed)
        }
    }

    private func fail(session index: Int, _ reason: String) {
        guard sessions[index].failure == nil else { return }
        sessions[index].failure = reason
        sessions[index].flowsInFlight = 0
        for endpoint in [sessions[index].service, sessions[index].admin].compactMap({ $0 }) {
            _ = epoll_ctl(epoll, EPOLL_CTL_DEL, endpoints[endpoint].socket.fd, nil)
        }
    }

    /// Open loop: wakes the loop when the earliest idle connection's next flow is due.
    private func armTimer() {
        guard interval != nil, !exhausted else { return }
        var earliest = UInt64.max
        for session in sessions where session.failure == nil && session.flowsInFlight == 0 {
            earliest = min(earliest, session.nextIntended)
        }
        guard earliest != UInt64.max else { return }
        var spec = itimerspec()
        spec.it_value = timespec(tv_sec: Int(earliest / 1_000_000_000), tv_nsec: Int(earliest % 1_000_000_000))
        if spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0 { spec.it_value.tv_nsec = 1 }
        _ = timerfd_settime(timer, Int32(TFD_TIMER_ABSTIME), &spec, nil)
    }
}

/// What the progress line reads while the engine runs, and the shared
/// `--requests` budget.
final class LoadCounters: Sendable {
    let remaining: Atomic<Int>
    let replies = Atomic<Int>(0)
    let errors = Atomic<Int>(0)

    init(budget: Int) {
        remaining = Atomic(budget)
    }
}
