import ArgumentParser

struct Ping: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that the daemon answers, and show its clock.")

    @OptionGroup var options: ConnectionOptions

    func run() throws {
        let result = try options.call("sys.ping")
        options.show(result) { print("pong  \(Output.cell($0["now"]))") }
    }
}
