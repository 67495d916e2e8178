import ArgumentParser
import SoudanProtocol

struct Cancel: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record a cancellation by phone or at the window (Art. 4(3)); the slot goes to the waitlist.")
    @OptionGroup var options: ConnectionOptions
    @Argument(help: "The consultation.") var consultationID: String
    @Option(help: "phone or window.") var channel = "phone"
    @Option(help: "Why, if the seeker said.") var reason: String?

    func run() throws {
        var args: JSONObject = ["consultation_id": .string(consultationID), "channel": .string(channel)]
        if let reason { args["reason"] = .string(reason) }
        let result = try options.call("booking.cancel", args)
        options.show(result) { Records.consultation($0["consultation"]) }
    }
}

struct Contact: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record that the seeker got in touch (running late…): the consultation is not a no-show.")
    @OptionGroup var options: ConnectionOptions
    @Argument(help: "The consultation.") var consultationID: String
    @Argument(help: "What they said.") var note: String

    func run() throws {
        let result = try options.call("booking.contact", ["consultation_id": .string(consultationID), "note": .string(note)])
        options.show(result) { Records.consultation($0["consultation"]) }
    }
}

struct Start: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start a consultation (from 15 minutes before its time).")
    @OptionGroup var options: ConnectionOptions
    @Argument(help: "The consultation.") var consultationID: String

    func run() throws {
        let result = try options.call("consultation.start", ["consultation_id": .string(consultationID)])
        options.show(result) { Records.consultation($0["consultation"]) }
    }
}

struct Complete: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Complete a consultation in progress.")
    @OptionGroup var options: ConnectionOptions
    @Argument(help: "The consultation.") var consultationID: String
    @Option(help: "A note for the record.") var note: String?

    func run() throws {
        var args: JSONObject = ["consultation_id": .string(consultationID)]
        if let note { args["note"] = .string(note) }
        let result = try options.call("consultation.complete", args)
        options.show(result) { Records.consultation($0["consultation"]) }
    }
}

struct Stop: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop a consultation in progress (Art. 10(1) 中止): threats, abuse, or use for other purposes than finding work.",
        discussion: "The seeker stays active; to refuse future consultations too, `soudanctl seeker suspend`.")
    @OptionGroup var options: ConnectionOptions
    @Argument(help: "The consultation.") var consultationID: String
    @Option(help: "threat, abuse, non_job_purpose or other.") var reason: String
    @Option(help: "What happened, for the record.") var note: String?

    func run() throws {
        var args: JSONObject = ["consultation_id": .string(consultationID), "reason": .string(reason)]
        if let note { args["note"] = .string(note) }
        let result = try options.call("consultation.stop", args)
        options.show(result) { Records.consultation($0["consultation"]) }
    }
}
