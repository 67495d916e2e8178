import ArgumentParser
import Foundation
import SoudanProtocol

/// Load generator: many simulated local services at once, closed loop.
@main
struct SoudanLoad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soudan-load",
        abstract: "Drive soudand with many concurrent connections and report throughput and latency.",
        discussion: """
            Each connection keeps --pipeline requests in flight (closed loop: a reply \
            makes room for the next request). Latency is measured per request from its \
            send to its reply, into an HDR histogram.
            """)

    @Option(help: "The service socket.")
    var socket = "./var/soudan.sock"

    @Option(name: .customLong("admin-socket"), help: "The admin socket (for scenarios that set up through it).")
    var adminSocket = "./var/admin.sock"

    @Option(help: "Scenario: ping.")
    var scenario: Scenario = .ping

    @Option(help: "Concurrent connections.")
    var connections = 1

    @Option(help: "Requests in flight per connection.")
    var pipeline = 1

    @Option(help: "Seconds to run (ignored with --requests).")
    var duration: Double = 5

    @Option(help: "Total requests to send, instead of a duration.")
    var requests: Int?

    @Flag(help: "Print the summary as JSON.")
    var json = false

    enum Scenario: String, ExpressibleByArgument, CaseIterable {
        case ping
    }

    func validate() throws {
        guard connections >= 1, pipeline >= 1 else { throw ValidationError("--connections and --pipeline must be at least 1") }
        guard duration > 0 else { throw ValidationError("--duration must be positive") }
    }

    func run() throws {
        let plan = LoadPlan(
            socket: socket, connections: connections, pipeline: pipeline,
            stop: requests.map { .afterRequests($0) } ?? .afterSeconds(duration),
            makeRequest: { id in ["id": .int(id), "op": "sys.ping"] })
        let report = try LoadRunner(plan: plan).run()
        let summary = report.summary(scenario: scenario.rawValue, connections: connections)
        if json {
            print(JSONWriter.string(.object(summary)))
        } else {
            report.printForPeople(scenario: scenario.rawValue, connections: connections, pipeline: pipeline)
        }
    }
}
