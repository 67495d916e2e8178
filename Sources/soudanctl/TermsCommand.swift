import ArgumentParser
import SoudanProtocol

struct TermsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "terms",
        abstract: "The terms of use in force, and publishing a new version (Art. 11).",
        subcommands: [Current.self, Publish.self])

    struct Current: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The version in force now.")
        @OptionGroup var options: ConnectionOptions
        func run() throws {
            let result = try options.call("terms.current")
            options.show(result) { print("version \(Output.cell($0["version"])), in force since \(Output.cell($0["effective_at"]))") }
        }
    }

    struct Publish: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish a new version; from its effective time, new requests need consent to it.")
        @OptionGroup var options: ConnectionOptions
        @Argument(help: "The new version, e.g. 2.") var version: String
        @Option(name: .customLong("effective-at"), help: "When it comes into force, ISO 8601 (a past time means now).") var effectiveAt:
            String
        @Option(help: "What changed, for people.") var summary: String

        func run() throws {
            let result = try options.call(
                "terms.publish",
                [
                    "version": .string(version), "effective_at": .string(effectiveAt), "summary": .string(summary),
                ])
            options.show(result) {
                print("published version \(Output.cell($0["version"])), in force from \(Output.cell($0["effective_at"]))")
            }
        }
    }
}
