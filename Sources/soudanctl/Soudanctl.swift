import ArgumentParser

/// The staff CLI: every admin-socket operation, as a subcommand grouped the way
/// staff think of the work.
@main
struct Soudanctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soudanctl",
        abstract: "Staff CLI for soudand, over its admin socket.",
        discussion: """
            Talks to the daemon's admin socket (--socket, or SOUDAN_ADMIN_SOCKET, or \
            ./var/admin.sock), given before or after the subcommand. Shows tables for people; --json prints the daemon's \
            result as JSON for scripts. An error reply prints one line with its code \
            and exits 1; no daemon to talk to exits 3.
            """,
        subcommands: [
            Today.self, Slots.self, RequestCommand.self, Withdraw.self, Reject.self, ScheduleCommand.self, Cancel.self,
            Contact.self, Start.self, Complete.self, Stop.self, ConsultationCommand.self, SeekerCommand.self, CounselorCommand.self,
            TermsCommand.self, EventsCommand.self, Watch.self, ReportCommand.self, Audit.self, Disclose.self, Purge.self,
            Backup.self, Health.self, Metrics.self, ClockCommand.self, Stats.self, Describe.self, Ping.self,
        ])

    /// `--socket`, `--json` and `--timeout` may come before the subcommand too.
    static func main() {
        main(GlobalOptions.reordered(Array(CommandLine.arguments.dropFirst())))
    }
}
