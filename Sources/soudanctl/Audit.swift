import ArgumentParser
import SoudanProtocol

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the access log (Art. 5).",
        subcommands: [Verify.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the access log's hash chain; exits 1 if a row was altered.")
        @OptionGroup var options: ConnectionOptions

        func run() throws {
            let result = try options.call("audit.verify")
            options.show(result) { result in
                if result["ok"] == .bool(true) {
                    print("ok: \(Output.cell(result["rows"])) rows, chain intact")
                } else {
                    print("BROKEN: first altered row is \(Output.cell(result["first_broken"])) of \(Output.cell(result["rows"]))")
                }
            }
            if result["ok"] != .bool(true) { throw ExitCode(1) }
        }
    }
}
