import Foundation

/// Where the daemon keeps its files, from `--data-dir` and the per-path overrides.
struct DaemonPaths {
    let dataDir: String
    let database: String
    let serviceSocket: String
    let adminSocket: String

    init(dataDir: String, db: String?, socket: String?, adminSocket: String?) {
        self.dataDir = dataDir
        self.database = db ?? (dataDir as NSString).appendingPathComponent("soudan.sqlite3")
        self.serviceSocket = socket ?? (dataDir as NSString).appendingPathComponent("soudan.sock")
        self.adminSocket = adminSocket ?? (dataDir as NSString).appendingPathComponent("admin.sock")
    }

    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// Creates the data directory (0700) if missing and checks it can be written.
    func prepare() throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: dataDir, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw Problem(description: "data dir \(dataDir) exists and is not a directory") }
        } else {
            do {
                try FileManager.default.createDirectory(
                    atPath: dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw Problem(description: "cannot create data dir \(dataDir): \((error as NSError).localizedDescription)")
            }
        }
        guard access(dataDir, W_OK | X_OK) == 0 else {
            throw Problem(description: "data dir \(dataDir) is not writable: \(String(cString: strerror(errno)))")
        }
    }
}
