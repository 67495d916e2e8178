import ArgumentParser
import Foundation
import SoudanProtocol

/// Load generator: many simulated local services at once.
@main
struct SoudanLoad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soudan-load",
        abstract: "Drive soudand with many concurrent connections and report throughput and latency.",
        discussion: """
            Without --rate: closed loop, maximum throughput; each connection keeps --pipeline requests in \
            flight (ping and read; flows of several dependent requests run one at a time). With --rate: \
            open loop at that many flows per second in total; latency is measured from each flow's intended \
            start, so a stall shows in the figures instead of hiding (coordinated omission). Booking scenarios \
            need a daemon with --clock manual (they set it to the first Monday after the daemon's clock) and add \
            their own counselors. Throughput counts successful replies only; the run exits 1 when more than \
            1 % of the replies fail with a code other than slot_taken.
            """)

    @Option(help: "The service socket.") var socket = "./var/soudan.sock"
    @Option(name: .customLong("admin-socket"), help: "The admin socket (setup, scheduling).") var adminSocket = "./var/admin.sock"
    @Option(help: "ping, book, read, lookup (seeker.get: personal data, recorded before its reply) or mixed.") var scenario: Scenario =
        .ping
    @Option(help: "Concurrent connections.") var connections = 1
    @Option(help: "Requests in flight per connection (closed-loop ping and read).") var pipeline = 1
    @Option(help: "Seconds to run.") var duration: Double = 10
    @Option(help: "Stop after this many flows instead (closed loop).") var requests: Int?
    @Option(help: "Open loop: flows per second, in total.") var rate: Double?
    @Option(help: "Seconds without any reply after which the flows still waiting count as failed.") var timeout: Double = 60
    @Flag(help: "Print the summary as JSON.") var json = false
    @Option(
        name: .customLong("ack-log"),
        help:
            "Append every acknowledged write to this file, one per line: kind (seeker, request, consultation), id, and the milliseconds since 1970 when the reply came."
    )
    var ackLog: String?

    func validate() throws {
        guard connections >= 1, pipeline >= 1 else { throw ValidationError("--connections and --pipeline must be at least 1") }
        guard duration > 0, timeout > 0 else { throw ValidationError("--duration and --timeout must be positive") }
        if let rate, rate <= 0 { throw ValidationError("--rate must be positive") }
    }

    func run() throws {
        let (week, inherited): (LoadWeek, [String]) =
            switch scenario {
            case .book, .mixed: try LoadOffice.prepare(adminSocket: adminSocket)
            case .read: (try LoadOffice.week(socket: socket), [])
            // They read no slots: any week will do, and the daemon is not asked first.
            case .ping, .lookup: (LoadWeek(after: Instant(seconds: Int64(Date().timeIntervalSince1970))), [])
            }
        let runner = LoadRunner(
            plan: LoadPlan(
                socket: socket, adminSocket: adminSocket, week: week, scenario: scenario, connections: connections, pipeline: pipeline,
                stop: requests.map { .afterRequests($0) } ?? .afterSeconds(duration), rate: rate,
                replyTimeout: timeout, ackLog: try ackLog.map(AckLog.init(path:)), inherited: inherited))
        let report = runner.run(progress: isatty(2) == 1 && !json)
        if json {
            print(JSONWriter.string(.object(report.summary(scenario: scenario.rawValue, connections: connections))))
        } else {
            report.printForPeople(scenario: scenario.rawValue, connections: connections, pipeline: pipeline)
        }
        if report.failedTooOften {
            FileHandle.standardError.write(
                Data(
                    "soudan-load: \(report.unexpectedFailures) of \(report.replies) replies failed (other than slot_taken): over 1 %\n".utf8
                ))
            throw ExitCode(1)
        }
    }
}

extension Scenario: ExpressibleByArgument {}
