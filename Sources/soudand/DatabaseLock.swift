import Foundation
import SoudanSync

/// An exclusive lock beside the database file, held for the daemon's life.
///
/// Why: two daemons on one database would each keep their own access-log chain
/// head and event waiters; SQLite would serialise their writes but not their
/// logic. The second one stops at start with a clear message instead.
final class DatabaseLock {
    private let fd: Int32

    struct Held: Error, CustomStringConvertible {
        let description: String
    }

    init(databasePath: String) throws {
        let path = databasePath + ".lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Held(description: SystemCallError("cannot open \(path)").description) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw Held(description: "another soudand is using \(databasePath) (lock \(path) is held)")
        }
    }

    deinit { close(fd) }
}
