import ArgumentParser
import SoudanProtocol

struct Metrics: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the daemon's metrics in Prometheus text format (for a node_exporter textfile, say).")
    @OptionGroup var options: ConnectionOptions

    func run() throws {
        let result = try options.call("sys.metrics")
        options.show(result) { print(Output.cell($0["text"]), terminator: "") }
    }
}
