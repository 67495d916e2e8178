import ArgumentParser
import SoudanProtocol

struct ClockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clock",
        abstract: "Move a manual clock, or accept a system clock's jump.",
        discussion: """
            Moving the clock applies every time rule the move makes due (no-shows) before it answers. \
            On the system clock, a jump of more than 120 s is held until `clock accept`.
            """,
        subcommands: [Set.self, Advance.self, Accept.self])

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set the clock to a later time.")
        @OptionGroup var options: ConnectionOptions
        @Argument(help: "The new time, ISO 8601 with an offset: 2026-12-01T10:00:00+09:00.")
        var now: String

        func run() throws {
            let result = try options.call("clock.set", ["now": .string(now)])
            options.show(result) { print("now  \(Output.cell($0["now"]))") }
        }
    }

    struct Advance: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move the clock forward by some minutes.")
        @OptionGroup var options: ConnectionOptions
        @Argument(help: "Minutes to move forward (0 or more).")
        var minutes: Int

        func run() throws {
            let result = try options.call("clock.advance", ["minutes": .int(Int64(minutes))])
            options.show(result) { print("now  \(Output.cell($0["now"]))") }
        }
    }

    struct Accept: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Accept the system clock's time after a jump that soudand held (sys.health: clock_jump).")
        @OptionGroup var options: ConnectionOptions

        func run() throws {
            let result = try options.call("clock.accept")
            options.show(result) { result in
                if result["accepted"] == .bool(true) {
                    print("accepted a jump of \(Output.cell(result["jump_s"])) s; now \(Output.cell(result["now"]))")
                } else {
                    print("no jump was held; now \(Output.cell(result["now"]))")
                }
            }
        }
    }
}
