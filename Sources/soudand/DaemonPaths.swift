import Foundation
import SoudanSync

/// Where the daemon keeps its files, from `--data-dir` and the per-path overrides.
struct DaemonPaths {
    let dataDir: String
    let database: String
    let serviceSocket: String
    let adminSocket: String
    /// Where the access log's key is created when `--audit-key` names none.
    var auditKey: String { (dataDir as NSString).appendingPathComponent("audit.key") }

    init(dataDir: String, db: String?, socket: String?, adminSocket: String?) {
        self.dataDir = dataDir
        self.database = db ?? (dataDir as NSString).appendingPathComponent("soudan.sqlite3")
        self.serviceSocket = socket ?? (dataDir as NSString).appendingPathComponent("soudan.sock")
        self.adminSocket = adminSocket ?? (dataDir as NSString).appendingPathComponent("admin.sock")
    }

    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// Creates the data directory (0700) if missing, and refuses one that is not
    /// ours alone; then checks the directories of any file kept outside it.
    ///
    /// Why: whoever can write to the directory holding a socket can replace the
    /// socket with a listener of their own and read what services and staff send
    /// (names, phone numbers). A data dir that is a symlink to a directory another
    /// uid can write was exactly that hole.
    func prepare() throws {
        var info = stat()
        if lstat(dataDir, &info) != 0 {
            guard errno == ENOENT else { throw Problem(description: SystemCallError("data dir \(dataDir)").description) }
            do {
                try FileManager.default.createDirectory(
                    atPath: dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw Problem(description: "cannot create data dir \(dataDir): \((error as NSError).localizedDescription)")
            }
            guard lstat(dataDir, &info) == 0 else { throw Problem(description: "data dir \(dataDir) vanished after it was created") }
        }
        try Self.checkDataDir(dataDir, info)
        guard access(dataDir, W_OK | X_OK) == 0 else {
            throw Problem(description: SystemCallError("data dir \(dataDir) is not writable").description)
        }
        for path in [database, serviceSocket, adminSocket] where !isInsideDataDir(path) {
            try Self.checkParent(of: path)
        }
    }

    static func checkDataDir(_ path: String, _ info: stat) throws {
        switch info.st_mode & S_IFMT {
        case S_IFDIR: break
        case S_IFLNK:
            throw Problem(description: "data dir \(path) is a symlink; refusing it (name the real directory)")
        default:
            throw Problem(description: "data dir \(path) exists and is not a directory")
        }
        guard info.st_uid == geteuid() else {
            throw Problem(
                description: "data dir \(path) is owned by uid \(info.st_uid), not by this daemon's uid \(geteuid()); refusing it")
        }
        guard info.st_mode & 0o022 == 0 else {
            throw Problem(
                description:
                    "data dir \(path) is writable by group or others (mode \(String(info.st_mode & 0o7777, radix: 8))); chmod go-w it")
        }
    }

    /// A file outside the data dir must sit in a directory owned by this uid or
    /// root that others cannot write to, or only with the sticky bit (as /tmp).
    static func checkParent(of path: String) throws {
        let parent = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        var info = stat()
        guard stat(parent, &info) == 0 else {
            throw Problem(description: SystemCallError("directory \(parent) of \(path)").description)
        }
        guard info.st_uid == geteuid() || info.st_uid == 0 else {
            throw Problem(
                description: "directory \(parent) of \(path) is owned by uid \(info.st_uid), not by this daemon or root; refusing it")
        }
        if info.st_mode & 0o022 != 0, info.st_mode & S_ISVTX == 0 {
            throw Problem(description: "directory \(parent) of \(path) is writable by others without the sticky bit; refusing it")
        }
    }

    /// `[access] staff_group`: the group's members must reach the admin socket,
    /// so the data dir gets that group with search permission only (0710): they
    /// can open a socket whose name they know, and list or read nothing.
    func grantStaffTraversal(group: UInt32) throws {
        guard isInsideDataDir(adminSocket) else { return }
        guard chown(dataDir, uid_t.max, group) == 0, chmod(dataDir, 0o710) == 0 else {
            throw Problem(description: SystemCallError("cannot give data dir \(dataDir) to the staff group").description)
        }
    }

    /// The gid of a group named in the config, or a problem naming the key.
    static func groupID(named name: String) throws -> UInt32 {
        guard let entry = getgrnam(name) else {
            throw Problem(description: "config access.staff_group: no group named \(name) on this machine")
        }
        return entry.pointee.gr_gid
    }

    private func isInsideDataDir(_ path: String) -> Bool {
        let directory = (path as NSString).deletingLastPathComponent
        return (directory as NSString).standardizingPath == (dataDir as NSString).standardizingPath
    }
}
