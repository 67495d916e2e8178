import ArgumentParser
import SoudanProtocol

struct CounselorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "counselor",
        abstract: "Counselors: who they are, their Zoom meeting, when they work, when they are away.",
        subcommands: [List.self, Add.self, Hours.self, Absence.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every counselor with meeting and weekly hours.")
        @OptionGroup var options: ConnectionOptions
        func run() throws {
            let result = try options.call("counselor.list")
            options.show(result) { result in
                let rows = (result["counselors"]?.arrayValue ?? []).map { c -> [String] in
                    let hours = (c["weekly"]?.objectValue ?? [:]).members.map { member -> String in
                        let spans: [String] = (member.value.arrayValue ?? []).map { interval in
                            let from = Output.cell(interval.arrayValue?.first)
                            let to = Output.cell(interval.arrayValue?.last)
                            return from + "-" + to
                        }
                        return member.key + " " + spans.joined(separator: ",")
                    }.joined(separator: "; ")
                    return [Output.cell(c["counselor_id"]), Output.cell(c["name"]), Output.cell(c["meeting"]?["join_url"]), hours]
                }
                Output.table(["ID", "NAME", "MEETING", "HOURS"], rows)
            }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a counselor; they start on the office hours (change them with `counselor hours`).")
        @OptionGroup var options: ConnectionOptions
        @Argument(help: "A short id, e.g. c04.") var counselorID: String
        @Option(help: "The counselor's name.") var name: String
        @Option(name: .customLong("join-url"), help: "Their Zoom meeting's join URL (https://…).") var joinURL: String
        @Option(name: .customLong("meeting-id"), help: "The Zoom meeting ID.") var meetingID: String
        @Option(help: "The Zoom passcode.") var passcode: String

        func run() throws {
            let result = try options.call(
                "counselor.add",
                [
                    "counselor_id": .string(counselorID), "name": .string(name),
                    "meeting": ["join_url": .string(joinURL), "meeting_id": .string(meetingID), "passcode": .string(passcode)],
                ])
            options.show(result) { print("added \(Output.cell($0["counselor"]?["counselor_id"]))") }
        }
    }

    struct Hours: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a counselor's weekly hours (inside office hours).",
            discussion: "Example: soudanctl counselor hours c01 --day mon=10:00-12:00,13:00-17:00 --day tue=13:00-17:00")
        @OptionGroup var options: ConnectionOptions
        @Argument(help: "The counselor.") var counselorID: String
        @Option(name: .customLong("day"), help: "DAY=HH:MM-HH:MM[,HH:MM-HH:MM…], day mon…sun; repeat per day.") var days: [String]
        @Flag(help: "Move consultations the new hours leave uncovered to other counselors (else the change is refused).") var reassign =
            false

        func run() throws {
            var weekly = JSONObject()
            for entry in days {
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw ValidationError("--day takes DAY=HH:MM-HH:MM, not \(entry)") }
                weekly[parts[0]] = .array(
                    try parts[1].split(separator: ",").map { interval in
                        let bounds = interval.split(separator: "-").map { JSONValue.string(String($0)) }
                        guard bounds.count == 2 else { throw ValidationError("an interval is HH:MM-HH:MM, not \(interval)") }
                        return .array(bounds)
                    })
            }
            let result = try options.call(
                "counselor.set_hours",
                [
                    "counselor_id": .string(counselorID), "weekly": .object(weekly), "reassign": .bool(reassign),
                ])
            options.show(result) { result in
                print(
                    "hours of \(Output.cell(result["counselor"]?["counselor_id"])): \(JSONWriter.string(result["counselor"]?["weekly"] ?? .null))"
                )
                Absence.printMoved(result)
            }
        }
    }

    struct Absence: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record days a counselor is away (both dates included).")
        @OptionGroup var options: ConnectionOptions
        @Argument(help: "The counselor.") var counselorID: String
        @Option(help: "First day, YYYY-MM-DD.") var from: String
        @Option(help: "Last day, YYYY-MM-DD.") var to: String
        @Flag(help: "Move consultations booked with the counselor then to other counselors (else the absence is refused).") var reassign =
            false

        func run() throws {
            let result = try options.call(
                "counselor.add_absence",
                [
                    "counselor_id": .string(counselorID), "from": .string(from), "to": .string(to), "reassign": .bool(reassign),
                ])
            options.show(result) { result in
                print(
                    "\(Output.cell(result["counselor_id"])) away \(Output.cell(result["absence"]?["from"])) to \(Output.cell(result["absence"]?["to"]))"
                )
                Self.printMoved(result)
            }
        }

        /// The consultations a change moved to other counselors, one a line.
        static func printMoved(_ result: JSONObject) {
            let moved = result["reassigned"]?.arrayValue ?? []
            guard !moved.isEmpty else { return }
            print("moved to other counselors:")
            Output.table(
                ["consultation", "start", "from", "to"],
                moved.map { m in
                    [Output.cell(m["consultation_id"]), Output.cell(m["start"]), Output.cell(m["from"]), Output.cell(m["to"])]
                })
        }
    }
}
