public import ArgumentParser
import Foundation
import Logging
import SoudanDomain
import SoudanProtocol
import SoudanServer
import SoudanService
public import SoudanStore

/// The daemon: parses its flags, opens the store, and runs the server until
/// SIGTERM or SIGINT.
@main
struct Soudand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soudand",
        abstract: "The booking worker of the online job consultation (オンライン職業相談).",
        discussion: """
            Serves length-prefixed JSON commands on two Unix sockets: the service socket \
            (mode 0660, for local services) and the admin socket (mode 0600, for staff). \
            Ready when both sockets accept. SIGTERM or SIGINT: answers every request \
            already read, commits, and exits 0.
            """,
        version: SoudanVersion.string)

    @Option(name: .customLong("data-dir"), help: "Directory for the database and sockets (created 0700 if missing).")
    var dataDir = "./var"

    @Option(help: "Database file (default: DATA_DIR/soudan.sqlite3).")
    var db: String?

    @Option(help: "Service socket (default: DATA_DIR/soudan.sock).")
    var socket: String?

    @Option(name: .customLong("admin-socket"), help: "Admin socket (default: DATA_DIR/admin.sock).")
    var adminSocket: String?

    @Option(help: "Config file (TOML). Without it, the demo office and the defaults.")
    var config: String?

    @Option(help: "system, manual (starts now) or manual:2026-12-01T09:00:00+09:00.")
    var clock = "system"

    // Parsed here rather than by conforming swift-log's type to ExpressibleByArgument
    // (a retroactive conformance another module could also declare).
    @Option(
        name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.",
        transform: { text in
            guard let level = Logger.Level(rawValue: text) else { throw ValidationError("unknown log level \(text)") }
            return level
        })
    var logLevel: Logger.Level = .info

    @Option(help: "full (default: an acknowledged write survives a power loss) or normal (survives a process crash only).")
    var synchronous: Durability = .full

    @Option(name: .customLong("check-config"), help: "Check a config file, print the effective settings, and exit (0: valid).")
    var checkConfig: String?

    @Option(
        name: .customLong("audit-key"),
        help: """
            The access log's HMAC key, kept outside the database (e.g. a systemd credential: \
            --audit-key ${CREDENTIALS_DIRECTORY}/audit.key); at least 32 bytes, no access for others. \
            Default: DATA_DIR/audit.key, created 0600 with a random key.
            """)
    var auditKey: String?

    @Option(help: "Put a backup (from `soudanctl backup`) in place of the database, then exit. The daemon must be stopped.")
    var restore: String?

    func validate() throws {
        guard OfficeClock.parse(clock) != nil else {
            throw ValidationError("--clock must be system, manual or manual:<ISO 8601 time with offset>, not \(clock)")
        }
    }

    func run() throws {
        umask(0o077)  // database, WAL and sockets: the service account's alone
        resetStopSignals()
        signal(SIGPIPE, SIG_IGN)  // a vanished peer is an EPIPE on its write, not a dead daemon
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "soudand")

        if let checkConfig {
            do {
                print(try DaemonConfig.load(path: checkConfig).effectiveTOML)
                return
            } catch {
                fail("config \(checkConfig): \(error)")
            }
        }
        var settings = DaemonConfig()
        if let config {
            do {
                settings = try DaemonConfig.load(path: config)
            } catch {
                fail("config \(config): \(error)")
            }
        }
        let paths = DaemonPaths(dataDir: dataDir, db: db, socket: socket, adminSocket: adminSocket)
        var staffGroup: UInt32?
        do {
            try paths.prepare()
            if let name = settings.access.staffGroup {
                let group = try DaemonPaths.groupID(named: name)
                try paths.grantStaffTraversal(group: group)
                staffGroup = group
            }
        } catch {
            fail("\(error)")
        }
        if let restore {
            do {
                print(try Restore.run(backup: restore, paths: paths))
                return
            } catch {
                fail("\(error)")
            }
        }
        let daemon: Daemon
        do {
            let key = try auditKey.map(AuditKey.load) ?? AuditKey.loadOrCreate(path: paths.auditKey)
            daemon = try Daemon(
                paths: paths, settings: settings, clock: OfficeClock.parse(clock)!, durability: synchronous, staffGroup: staffGroup,
                auditKey: key, logger: logger)
        } catch {
            fail("\(error)")
        }
        do {
            try daemon.run()
        } catch {
            fail("\(error)")
        }
    }

    /// A blocked or ignored signal survives `exec`: whatever started us (a test
    /// runner, a shell script, a supervisor) may have left SIGTERM/SIGINT blocked,
    /// and then the daemon could never be stopped cleanly. Reset both before any
    /// other thread exists, so every thread inherits the clean mask.
    private func resetStopSignals() {
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
        signal(SIGTERM, SIG_DFL)
        signal(SIGINT, SIG_DFL)
    }

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("soudand: \(message)\n".utf8))
        Foundation.exit(1)
    }
}

extension Durability: ExpressibleByArgument {}
