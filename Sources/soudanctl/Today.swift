import ArgumentParser
import SoudanProtocol

struct Today: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The counter's view of a day: every consultation, per counselor, with companions and status.",
        discussion: "Without --date, the daemon's today (its clock may be manual).")

    @OptionGroup var options: ConnectionOptions
    @Option(help: "The date, YYYY-MM-DD.") var date: String?

    func run() throws {
        let day = try date ?? String(Output.cell(options.call("sys.ping")["now"]).prefix(10))
        let result = try options.call("consultation.list", ["date": .string(day)])
        options.show(result) { result in
            let list = result["consultations"]?.arrayValue ?? []
            print("\(day): \(list.count) consultation(s)\n")
            let rows = list.sorted {
                (Output.cell($0["counselor_id"]), Output.cell($0["start"])) < (Output.cell($1["counselor_id"]), Output.cell($1["start"]))
            }
            .map { c in
                [
                    Output.cell(c["counselor_id"]), Records.clock(c["start"]), Output.cell(c["seeker_no"]), Output.cell(c["status"]),
                    c["contacted"] == .bool(true) ? "yes" : "-", Records.companions(c["companions"]), Output.cell(c["consultation_id"]),
                ]
            }
            Output.table(["COUNSELOR", "TIME", "SEEKER", "STATUS", "CONTACTED", "COMPANIONS", "CONSULTATION"], rows)
        }
    }
}
