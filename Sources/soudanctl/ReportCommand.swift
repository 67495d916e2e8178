import ArgumentParser
import SoudanProtocol

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Reports without seeker or device identifiers (Art. 5).",
        subcommands: [Usage.self])

    struct Usage: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Per day: requests, consultations by outcome, capacity and utilisation.")
        @OptionGroup var options: ConnectionOptions
        @Option(help: "First date, YYYY-MM-DD.") var from: String
        @Option(help: "Last date, YYYY-MM-DD (included).") var to: String

        func run() throws {
            let result = try options.call("report.usage", ["from": .string(from), "to": .string(to)])
            options.show(result) { result in
                let rows = (result["days"]?.arrayValue ?? []).map { day in
                    let share = (day["utilisation"]?.numberValue ?? 0) * 100
                    let bar = String(repeating: "█", count: Int((share / 5).rounded()))
                    return ["date", "requests", "consultations", "completed", "cancelled", "no_show", "capacity"].map { Output.cell(day[$0]) }
                        + [String(format: "%5.1f%% ", share) + bar]
                }
                Output.table(["DATE", "REQUESTS", "CONSULTATIONS", "COMPLETED", "CANCELLED", "NO-SHOW", "CAPACITY", "UTILISATION"], rows)
            }
        }
    }
}
