import ArgumentParser
import SoudanProtocol

struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Give a request a time and a counselor (Art. 4(2)); the notifier then sends the meeting details.",
        discussion: """
            soudanctl schedule REQUEST_ID START [--counselor ID] [--override-cutoff REASON]
            soudanctl schedule REQUEST_ID --auto      (the first preference with a free counselor)
            soudanctl schedule --reschedule CONSULTATION_ID START [--counselor ID]
            """)

    @OptionGroup var options: ConnectionOptions
    @Argument(help: "The request (or, with --reschedule, the consultation).") var id: String
    @Argument(help: "The start, ISO 8601 (not with --auto).") var start: String?
    @Option(help: "The counselor; without it, the free one with the fewest consultations that day.") var counselor: String?
    @Option(name: .customLong("override-cutoff"), help: "Book after the cutoff; the reason is recorded with who did it.")
    var overrideCutoff: String?
    @Flag(help: "Pick the first preference that is still bookable with a free counselor.") var auto = false
    @Flag(help: "Move an existing consultation instead.") var reschedule = false

    func validate() throws {
        if auto && reschedule { throw ValidationError("--auto and --reschedule do not go together") }
        if !auto && start == nil { throw ValidationError("give a START, or --auto") }
    }

    func run() throws {
        let result: JSONObject
        if auto {
            result = try options.call("booking.auto_schedule", ["request_id": .string(id)])
        } else {
            var args: JSONObject = [reschedule ? "consultation_id" : "request_id": .string(id), "start": .string(start ?? "")]
            if let counselor { args["counselor_id"] = .string(counselor) }
            if let overrideCutoff { args["override_cutoff"] = ["reason": .string(overrideCutoff)] }
            result = try options.call(reschedule ? "booking.reschedule" : "booking.schedule", args)
        }
        options.show(result) { Records.consultation($0["consultation"]) }
    }
}
