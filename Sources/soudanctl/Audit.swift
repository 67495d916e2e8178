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
        @Option(
            name: .customLong("anchor-rows"),
            help: "With --anchor-head: the rows of an anchor line the daemon logged (audit anchor rows=N head=HEX).")
        var anchorRows: Int64?
        @Option(name: .customLong("anchor-head"), help: "The head of that anchor line: the log must still hold that row with that hash.")
        var anchorHead: String?

        func validate() throws {
            guard (anchorRows == nil) == (anchorHead == nil) else {
                throw ValidationError("--anchor-rows and --anchor-head go together")
            }
        }

        func run() throws {
            var args: JSONObject = [:]
            if let anchorRows, let anchorHead { args["anchor"] = ["rows": .int(anchorRows), "head": .string(anchorHead)] }
            let result = try options.call("audit.verify", args)
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
