import ArgumentParser
import Foundation
import SoudanClient
import SoudanProtocol

struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Read the event log as a named consumer (what the notifier does).",
        subcommands: [Fetch.self, Ack.self, Forget.self])

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Events after the consumer's acknowledged position.")
        @OptionGroup var options: ConnectionOptions
        @Option(help: "The consumer's name.") var consumer: String
        @Option(help: "At most this many (1-1000).") var max: Int = 100
        @Option(name: .customLong("wait-ms"), help: "Wait this long for the first one.") var waitMs: Int = 0

        func run() throws {
            let result = try options.call(
                "events.fetch", ["consumer": .string(consumer), "max": .int(Int64(max)), "wait_ms": .int(Int64(waitMs))])
            options.show(result) { result in
                for event in result["events"]?.arrayValue ?? [] { Watch.printEvent(event) }
            }
        }
    }

    struct Ack: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move the consumer's position to SEQ.")
        @OptionGroup var options: ConnectionOptions
        @Option(help: "The consumer's name.") var consumer: String
        @Argument(help: "The last seq handled.") var seq: Int64

        func run() throws {
            let result = try options.call("events.ack", ["consumer": .string(consumer), "seq": .int(seq)])
            options.show(result) { print("\(Output.cell($0["consumer"])) at \(Output.cell($0["seq"]))") }
        }
    }

    struct Forget: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a consumer that is gone for good (sys.health stops judging it).")
        @OptionGroup var options: ConnectionOptions
        @Argument(help: "The consumer's name.") var consumer: String

        func run() throws {
            let result = try options.call("events.forget", ["consumer": .string(consumer)])
            options.show(result) { result in
                print(result["forgotten"] == .bool(true) ? "forgot \(consumer)" : "\(consumer) had no position")
            }
        }
    }
}

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow events live, as they are committed (Ctrl-C to stop).",
        discussion: """
            Uses its own consumer (watch-HOST-PID unless --consumer), starting at the newest event \
            unless --from-start. It never moves another consumer's position.
            """)
    @OptionGroup var options: ConnectionOptions
    @Option(help: "The consumer to follow as.") var consumer: String?
    @Flag(name: .customLong("from-start"), help: "Show every event from the first.") var fromStart = false

    static func printEvent(_ event: JSONValue) {
        let data = (event["data"]?.objectValue ?? [:]).members.map { "\($0.key)=\(Output.cell($0.value))" }.joined(separator: " ")
        print("\(Output.cell(event["seq"]))  \(Output.cell(event["at"]))  \(Output.cell(event["type"]))  \(data)")
    }

    func run() throws {
        let name = consumer ?? "watch-\(ProcessInfo.processInfo.hostName)-\(getpid())"
        let connection: SoudanConnection
        do {
            connection = try SoudanConnection(path: options.socketPath, timeout: 40)
        } catch {
            Output.error("\(error)")
            throw ExitCode(3)
        }
        if !fromStart {
            // Jump to the newest event: an ack past the end is refused with the last seq.
            let probe = try connection.call("events.ack", ["consumer": .string(name), "seq": .int(Int64.max / 2)])
            if let last = probe.errorDetails["last_seq"]?.intValue {
                _ = try connection.call("events.ack", ["consumer": .string(name), "seq": .int(last)])
            }
        }
        while true {
            let reply = try connection.call("events.fetch", ["consumer": .string(name), "max": 100, "wait_ms": 25_000])
            guard reply.ok else {
                Output.error("error \(reply.errorCode ?? "?"): \(reply.errorMessage ?? "")")
                throw ExitCode(1)
            }
            let events = reply.result["events"]?.arrayValue ?? []
            for event in events {
                if options.json { print(JSONWriter.string(event)) } else { Self.printEvent(event) }
            }
            fflush(nil)  // a pipe (| grep) sees each event at once
            if let last = events.last?["seq"] {
                _ = try connection.call("events.ack", ["consumer": .string(name), "seq": last])
            }
        }
    }
}
