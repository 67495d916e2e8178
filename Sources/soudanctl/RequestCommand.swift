import ArgumentParser
import SoudanProtocol

struct RequestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request",
        abstract: "Take a consultation request (Art. 4(1)), e.g. from a phone call or at the window.",
        discussion: """
            Example: soudanctl request --seeker-no 13100-12345678 --name 山田太郎 --phone 090-1234-5678 \
            --preference 2026-12-01T10:00:00+09:00 --channel phone --companion interpreter:通訳者名
            """)

    @OptionGroup var options: ConnectionOptions
    @Option(name: .customLong("seeker-no"), help: "The job-seeker number, NNNNN-NNNNNNNN.") var seekerNo: String
    @Option(help: "The seeker's name.") var name: String
    @Option(help: "The seeker's phone number.") var phone: String
    @Option(name: .customLong("preference"), help: "A desired start (1 to 3, in order), ISO 8601.") var preferences: [String]
    @Option(help: "web, phone, window or in_session.") var channel = "phone"
    @Option(name: .customLong("companion"), help: "ROLE:NAME, role interpreter or assistant (Art. 10(3)).") var companions: [String] = []
    @Option(help: "Other needed information.") var note: String?
    @Option(name: .customLong("during"), help: "With --channel in_session: the consultation in progress.") var during: String?

    func run() throws {
        var args: JSONObject = [
            "seeker_no": .string(seekerNo), "name": .string(name), "phone": .string(phone),
            "preferences": .array(preferences.map { .string($0) }), "channel": .string(channel),
        ]
        if !companions.isEmpty {
            args["companions"] = .array(
                try companions.map { entry in
                    let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
                    guard parts.count == 2 else { throw ValidationError("--companion takes ROLE:NAME, not \(entry)") }
                    return ["role": .string(parts[0]), "name": .string(parts[1])]
                })
        }
        if let note { args["note"] = .string(note) }
        if let during { args["during_consultation"] = .string(during) }
        let result = try options.call("booking.request", args)
        options.show(result) { Records.request($0["request"]) }
    }
}
