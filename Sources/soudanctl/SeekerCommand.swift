import ArgumentParser
import SoudanProtocol

struct SeekerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seeker",
        abstract: "Look up, suspend or reinstate a seeker.",
        subcommands: [Show.self, Suspend.self, Reinstate.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A seeker's profile, open requests and coming consultations.")
        @OptionGroup var options: ConnectionOptions
        @Argument(help: "The job-seeker number.") var seekerNo: String

        func run() throws {
            let result = try options.call("seeker.get", ["seeker_no": .string(seekerNo)])
            options.show(result) { result in
                Records.seeker(result["seeker"])
                for request in result["requests"]?.arrayValue ?? [] { print(); Records.request(request) }
                for consultation in result["consultations"]?.arrayValue ?? [] { print(); Records.consultation(consultation) }
            }
        }
    }

    struct Suspend: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Suspend a seeker for conduct (Art. 10(1)): future consultations are cancelled, open requests rejected.")
        @OptionGroup var options: ConnectionOptions
        @Argument(help: "The job-seeker number.") var seekerNo: String
        @Option(help: "threat, abuse, non_job_purpose or other.") var reason: String
        @Option(help: "What happened.") var note: String?

        func run() throws {
            var args: JSONObject = ["seeker_no": .string(seekerNo), "reason": .string(reason)]
            if let note { args["note"] = .string(note) }
            let result = try options.call("seeker.suspend", args)
            options.show(result) { result in
                Records.seeker(result["seeker"])
                print("\ncancelled: \((result["cancelled"]?.arrayValue ?? []).map { Output.cell($0) }.joined(separator: ", "))")
                print("rejected:  \((result["rejected"]?.arrayValue ?? []).map { Output.cell($0) }.joined(separator: ", "))")
            }
        }
    }

    struct Reinstate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift a restriction or a suspension (the no-show count stays).")
        @OptionGroup var options: ConnectionOptions
        @Argument(help: "The job-seeker number.") var seekerNo: String
        @Option(help: "Why.") var note: String?

        func run() throws {
            var args: JSONObject = ["seeker_no": .string(seekerNo)]
            if let note { args["note"] = .string(note) }
            let result = try options.call("seeker.reinstate", args)
            options.show(result) { Records.seeker($0["seeker"]) }
        }
    }
}
