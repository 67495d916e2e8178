import ArgumentParser
import SoudanProtocol

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show connections, requests, errors, commits and latency since the daemon started.")

    @OptionGroup var options: ConnectionOptions

    func run() throws {
        let result = try options.call("sys.stats")
        options.show(result) { result in
            let c = result["connections"]
            let commits = result["commits"]
            let latency = result["latency_ms"]
            Output.fields([
                ("uptime", "\(Output.cell(result["uptime_s"])) s"),
                (
                    "connections",
                    "open \(Output.cell(c?["open"])), accepted \(Output.cell(c?["accepted"])), refused \(Output.cell(c?["refused"])), closed idle \(Output.cell(c?["closed_idle"])), closed stalled \(Output.cell(c?["closed_stalled"]))"
                ),
                ("requests", Output.cell(result["requests"]?["total"])),
                (
                    "commits",
                    "\(Output.cell(commits?["transactions"])) transactions, \(Output.cell(commits?["commands"])) commands, batch mean \(Output.cell(commits?["batch"]?["mean"])) max \(Output.cell(commits?["batch"]?["max"]))"
                ),
                ("latency ms", ["p50", "p90", "p99", "p999", "max"].map { "\($0) \(Output.cell(latency?[$0]))" }.joined(separator: "  ")),
            ])
            let byOp = result["requests"]?["by_op"]?.objectValue ?? [:]
            if !byOp.isEmpty {
                print()
                Output.table(["OPERATION", "REQUESTS"], byOp.members.map { [$0.key, Output.cell($0.value)] })
            }
            let errors = result["errors"]?.objectValue ?? [:]
            if !errors.isEmpty {
                print()
                Output.table(["ERROR", "COUNT"], errors.members.map { [$0.key, Output.cell($0.value)] })
            }
        }
    }
}
