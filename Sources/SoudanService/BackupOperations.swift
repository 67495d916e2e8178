import Foundation
import SoudanProtocol
import SoudanStore

/// `sys.backup`: an online copy while the daemon keeps serving.
///
/// It runs on a reader: SQLite's backup API copies the pages of one read
/// snapshot (WAL), so the writer goes on committing meanwhile and the copy holds
/// exactly what had committed when the snapshot began.
enum BackupOperations {
    static func make(_ env: ServiceEnvironment) -> [Operation] {
        [
            Operation(
                "sys.backup", sockets: Sockets.admin, recording: [.replyWaitsForRecord, .seesEveryAnsweredRequest],
                .read { db, context in
                    let path = context.args.text("path")
                    let directory = (path as NSString).deletingLastPathComponent
                    var isDirectory: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                        throw WireError.invalidArgs(field: "path", "the directory \(directory) does not exist")
                    }
                    guard !FileManager.default.fileExists(atPath: path) else {
                        throw WireError(.conflict, "\(path) exists; choose a new name", details: ["field": "path"])
                    }
                    let partial = path + ".partial"
                    try? FileManager.default.removeItem(atPath: partial)
                    do {
                        try Store.copy(db, to: partial)
                        try FileManager.default.moveItem(atPath: partial, toPath: path)
                    } catch {
                        try? FileManager.default.removeItem(atPath: partial)
                        throw WireError(.unavailable, "the backup could not be written: \((error as NSError).localizedDescription)")
                    }
                    let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
                    return [
                        "path": .string(path), "bytes": .int(bytes), "last_event_seq": .int(try EventLog.lastSeq(in: db)),
                        "access_rows": .int(try Store.accessRows(in: db)),
                    ]
                })
        ]
    }
}
