import ArgumentParser
import Foundation
import SoudanProtocol

struct Disclose: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disclose",
        abstract: "Disclose raw access records to an authority demanding them under law (Art. 5(2)).",
        discussion: "The disclosure is itself recorded, with its legal basis and who asked.")
    @OptionGroup var options: ConnectionOptions
    @Option(help: "First date, YYYY-MM-DD.") var from: String
    @Option(help: "Last date, YYYY-MM-DD.") var to: String
    @Option(name: .customLong("seeker-no"), help: "Only this seeker's records.") var seekerNo: String?
    @Option(name: .customLong("legal-basis"), help: "The law under which it is demanded.") var legalBasis: String
    @Option(name: .customLong("requested-by"), help: "The authority or investigative body asking.") var requestedBy: String

    func run() throws {
        var args: JSONObject = [
            "from": .string(from), "to": .string(to), "legal_basis": .string(legalBasis), "requested_by": .string(requestedBy),
        ]
        if let seekerNo { args["seeker_no"] = .string(seekerNo) }
        let result = try options.call("audit.disclose", args)
        options.show(result) { result in
            let rows = (result["records"]?.arrayValue ?? []).map { r in
                [
                    Output.cell(r["at"]), Output.cell(r["op"]), Output.cell(r["socket"]), Output.cell(r["uid"]), Output.cell(r["code"]),
                    Output.cell(r["seeker_no"]), Output.cell(r["device"]?["id"]),
                ]
            }
            Output.table(["AT", "OP", "SOCKET", "UID", "CODE", "SEEKER", "DEVICE"], rows)
        }
    }
}

struct Purge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Erase personal data of what ended before a date (Art. 6); counts in reports stay.")
    @OptionGroup var options: ConnectionOptions
    @Option(
        help:
            "Erase what was created or started before this date, YYYY-MM-DD (with --dry-run: default, what the next retention run erases).")
    var before: String?
    @Flag(name: .customLong("dry-run"), help: "Count what would be erased; erase nothing.") var dryRun = false

    func validate() throws {
        guard before != nil || dryRun else { throw ValidationError("--before is required, except with --dry-run") }
    }

    func run() throws {
        var args: JSONObject = [:]
        if let before { args["before"] = .string(before) }
        if dryRun { args["dry_run"] = true }
        let result = try options.call("privacy.purge", args)
        options.show(result) { result in
            let p = result["purged"]
            let counts =
                "\(Output.cell(p?["requests"])) requests, \(Output.cell(p?["consultations"])) consultations, \(Output.cell(p?["access_records"])) device ids in access records"
            print(dryRun ? "would erase, before \(Output.cell(result["before"])): \(counts)" : "erased: \(counts)")
        }
    }
}

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Take a consistent online copy of the database while the daemon keeps serving.",
        discussion: """
            The daemon writes FILE itself (mode 0600), so give a path it can write. Restore with \
            `soudand --restore FILE` while the daemon is stopped. Nightly, from cron: \
            soudanctl backup /var/backups/soudan/soudan-$(date +%F).sqlite3
            """)
    @OptionGroup var options: ConnectionOptions
    @Argument(help: "Where to write the copy (a new file).") var file: String

    func run() throws {
        let path = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
        let result = try options.call("sys.backup", ["path": .string(path)])
        options.show(result) {
            print(
                "backed up to \(Output.cell($0["path"])) (\(Output.cell($0["bytes"])) bytes, events up to \(Output.cell($0["last_event_seq"])))"
            )
        }
    }
}

struct Health: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Exit 0 if the daemon is healthy: the store takes writes, the clock moves, consumers keep up.")
    @OptionGroup var options: ConnectionOptions
    @Option(name: .customLong("max-consumer-lag"), help: "Events a consumer may be behind.") var maxLag: Int = 10_000

    func run() throws {
        let result = try options.call("sys.health", ["max_consumer_lag": .int(Int64(maxLag))])
        options.show(result) { result in
            let checks = result["checks"]
            for name in ["store", "clock", "consumers"] {
                let check = checks?[name]
                var detail = ""
                if name == "clock" {
                    detail = "\(Output.cell(check?["mode"])) \(Output.cell(check?["now"])) drift \(Output.cell(check?["drift_s"])) s"
                }
                if name == "consumers" { detail = JSONWriter.string(check?["lag"] ?? .null) }
                print("\(check?["ok"] == .bool(true) ? "ok  " : "FAIL")  \(name)  \(detail)")
            }
        }
        if result["ok"] != .bool(true) { throw ExitCode(1) }
    }
}
