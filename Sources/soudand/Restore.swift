import Foundation
import SoudanStore

/// `soudand --restore FILE`: puts a backup in place of the database, while no
/// daemon runs, after checking that it is a sound soudan database.
///
/// The database it replaces is kept beside it (`….before-restore-TIME`), never
/// deleted: a restore must be undoable.
enum Restore {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func run(backup: String, paths: DaemonPaths) throws -> String {
        let lock = try DatabaseLock(databasePath: paths.database)  // no daemon may hold it
        defer { withExtendedLifetime(lock) {} }
        let check: String
        do {
            check = try Store.soundness(ofFile: backup)
        } catch {
            throw Failure(description: "cannot read backup \(backup): \(error)")
        }
        guard check == "ok" else { throw Failure(description: "backup \(backup) is not sound: \(check)") }
        let fileManager = FileManager.default
        var kept = ""
        if fileManager.fileExists(atPath: paths.database) {
            let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
            kept = paths.database + ".before-restore-" + stamp
            try fileManager.moveItem(atPath: paths.database, toPath: kept)
            for suffix in ["-wal", "-shm"] where fileManager.fileExists(atPath: paths.database + suffix) {
                try fileManager.moveItem(atPath: paths.database + suffix, toPath: kept + suffix)
            }
        }
        try fileManager.copyItem(atPath: backup, toPath: paths.database)
        chmod(paths.database, 0o600)
        return kept.isEmpty
            ? "restored \(backup) to \(paths.database)"
            : "restored \(backup) to \(paths.database); the previous database is kept as \(kept)"
    }
}
