import ArgumentParser
import SoudanProtocol

struct Withdraw: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Withdraw a request for the seeker (while it waits for a time).")
    @OptionGroup var options: ConnectionOptions
    @Argument(help: "The request.") var requestID: String

    func run() throws {
        let result = try options.call("booking.withdraw", ["request_id": .string(requestID)])
        options.show(result) { Records.request($0["request"]) }
    }
}

struct Reject: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Reject a request (Art. 4(2)), saying why.")
    @OptionGroup var options: ConnectionOptions
    @Argument(help: "The request.") var requestID: String
    @Option(help: "Why, for the record and the seeker.") var reason: String

    func run() throws {
        let result = try options.call("booking.reject", ["request_id": .string(requestID), "reason": .string(reason)])
        options.show(result) { Records.request($0["request"]) }
    }
}

struct ConsultationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consultation",
        abstract: "Look up consultations.",
        subcommands: [Show.self, List.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One consultation, with its meeting.")
        @OptionGroup var options: ConnectionOptions
        @Argument(help: "The consultation.") var consultationID: String
        func run() throws {
            let result = try options.call("consultation.get", ["consultation_id": .string(consultationID)])
            options.show(result) { Records.consultation($0["consultation"]) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Consultations, filtered by date, counselor, seeker or status.")
        @OptionGroup var options: ConnectionOptions
        @Option(help: "YYYY-MM-DD.") var date: String?
        @Option(help: "A counselor id.") var counselor: String?
        @Option(name: .customLong("seeker-no"), help: "A job-seeker number.") var seekerNo: String?
        @Option(help: "scheduled, in_progress, completed, cancelled or no_show.") var status: String?

        func run() throws {
            var args = JSONObject()
            if let date { args["date"] = .string(date) }
            if let counselor { args["counselor_id"] = .string(counselor) }
            if let seekerNo { args["seeker_no"] = .string(seekerNo) }
            if let status { args["status"] = .string(status) }
            let result = try options.call("consultation.list", args)
            options.show(result) { result in
                let rows = (result["consultations"]?.arrayValue ?? []).map { c in
                    [
                        Output.cell(c["start"]), Output.cell(c["counselor_id"]), Output.cell(c["seeker_no"]), Output.cell(c["status"]),
                        Output.cell(c["consultation_id"]),
                    ]
                }
                Output.table(["START", "COUNSELOR", "SEEKER", "STATUS", "CONSULTATION"], rows)
            }
        }
    }
}

struct Slots: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Free counselors per slot, and whether each slot can still be booked.")
    @OptionGroup var options: ConnectionOptions
    @Option(help: "First date, YYYY-MM-DD.") var from: String
    @Option(help: "Last date (at most 31 dates).") var to: String

    func run() throws {
        let result = try options.call("slots.available", ["from": .string(from), "to": .string(to)])
        options.show(result) { result in
            let rows = (result["slots"]?.arrayValue ?? []).map { s in
                [
                    String(Output.cell(s["start"]).prefix(16)).replacingOccurrences(of: "T", with: " "), Output.cell(s["free"]),
                    s["bookable"] == .bool(true) ? "yes" : "-",
                ]
            }
            Output.table(["SLOT", "FREE", "BOOKABLE"], rows)
        }
    }
}
