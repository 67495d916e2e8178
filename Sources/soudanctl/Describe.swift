import ArgumentParser
import SoudanProtocol

struct Describe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the operations the daemon serves, with their sockets and arguments.",
        discussion: "With --json, the full JSON Schema of each operation's arguments.")

    @OptionGroup var options: ConnectionOptions

    func run() throws {
        let result = try options.call("sys.describe")
        options.show(result) { result in
            print("soudand \(Output.cell(result["version"])), protocol \(Output.cell(result["protocol"]))\n")
            let rows = (result["ops"]?.arrayValue ?? []).map { op -> [String] in
                let sockets = (op["sockets"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",")
                let required = Set((op["args"]?["required"]?.arrayValue ?? []).compactMap(\.stringValue))
                let args = (op["args"]?["properties"]?.objectValue?.keys ?? []).map { required.contains($0) ? $0 : $0 + "?" }
                return [Output.cell(op["name"]), sockets, args.joined(separator: " ")]
            }
            Output.table(["OPERATION", "SOCKETS", "ARGS"], rows)
        }
    }
}
