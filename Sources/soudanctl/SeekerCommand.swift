import ArgumentParser
import SoudanProtocol

struct SeekerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seeker",
        abstract: "Register, record consent for, look up, suspend or reinstate a seeker.",
        subcommands: [Show.self, Register.self, Consent.self, Suspend.self, Reinstate.self])

    struct Register: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register or update a seeker at the window (Art. 2): job-seeker number, My Page, webcam device.")
        @OptionGroup var options: ConnectionOptions
        @Argument(help: "The job-seeker number, NNNNN-NNNNNNNN.") var seekerNo: String
        @Option(help: "The seeker's name.") var name: String
        @Option(help: "The seeker's phone number.") var phone: String
        @Flag(name: .customLong("my-page"), help: "The seeker has opened My Page.") var myPage = false
        @Flag(name: .customLong("webcam-device"), help: "The seeker has a device for web-camera calls.") var webcamDevice = false

        func run() throws {
            let result = try options.call(
                "seeker.register",
                [
                    "seeker_no": .string(seekerNo), "name": .string(name), "phone": .string(phone),
                    "my_page": .bool(myPage), "webcam_device": .bool(webcamDevice),
                ])
            options.show(result) { result in
                print(result["created"] == .bool(true) ? "registered" : "updated")
                Records.seeker(result["seeker"])
            }
        }
    }

    struct Consent: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record that the seeker agreed to the terms in force and Zoom's, and acknowledged the rules (Art. 3, 10, 11).",
            discussion:
                "Ask first: no recording, a private room, a ready device. The version must be the one in force (`soudanctl terms current`)."
        )
        @OptionGroup var options: ConnectionOptions
        @Argument(help: "The job-seeker number.") var seekerNo: String
        @Option(name: .customLong("terms-version"), help: "The version of the terms the seeker agreed to.") var termsVersion: String

        func run() throws {
            let result = try options.call(
                "seeker.consent",
                [
                    "seeker_no": .string(seekerNo), "terms_version": .string(termsVersion), "zoom_terms": true,
                    "acknowledge": ["no_recording": true, "private_room": true, "device_ready": true],
                ])
            options.show(result) { Records.seeker($0["seeker"]) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "A seeker's profile, history (restrictions, suspensions, reinstatements and why), open requests and coming consultations.")
        @OptionGroup var options: ConnectionOptions
        @Argument(help: "The job-seeker number.") var seekerNo: String

        func run() throws {
            let result = try options.call("seeker.get", ["seeker_no": .string(seekerNo)])
            options.show(result) { result in
                Records.seeker(result["seeker"])
                let history = result["seeker"]?["history"]?.arrayValue ?? []
                if !history.isEmpty {
                    print()
                    Output.table(
                        ["at", "action", "reason", "note", "by"],
                        history.map { entry in
                            [
                                Output.cell(entry["at"]), Output.cell(entry["action"]), Output.cell(entry["reason"]),
                                Output.cell(entry["note"]),
                                entry["by"] == .null ? "system" : "uid \(Output.cell(entry["by"]?["uid"]))",
                            ]
                        })
                }
                for request in result["requests"]?.arrayValue ?? [] {
                    print()
                    Records.request(request)
                }
                for consultation in result["consultations"]?.arrayValue ?? [] {
                    print()
                    Records.consultation(consultation)
                }
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
