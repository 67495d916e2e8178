import CSoudanShim
import Foundation

/// systemd's side of the daemon, without libsystemd: sockets passed by socket
/// activation, and readiness sent over $NOTIFY_SOCKET (for Type=notify).
enum SystemdIntegration {
    /// Listening sockets passed by systemd (sd_listen_fds(3)): `service` and `admin`,
    /// by LISTEN_FDNAMES when the .socket units name them, else in order (fd 3 is
    /// the service socket, fd 4 the admin socket).
    struct InheritedSockets {
        var service: Int32?
        var admin: Int32?
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let firstFD: Int32 = 3

    static func inheritedSockets() throws -> InheritedSockets {
        let environment = ProcessInfo.processInfo.environment
        guard let pidText = environment["LISTEN_PID"], let pid = Int32(pidText), pid == getpid(),
            let count = environment["LISTEN_FDS"].flatMap(Int32.init), count > 0
        else { return InheritedSockets() }
        // Consumed: children must not think the sockets are theirs.
        for name in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] { unsetenv(name) }
        let names = environment["LISTEN_FDNAMES"]?.split(separator: ":", omittingEmptySubsequences: false).map(String.init) ?? []
        var sockets = InheritedSockets()
        for index in 0..<count {
            let fd = firstFD + index
            guard soudan_is_listening_socket(fd) == 1 else {
                throw Failure(description: "fd \(fd) passed by systemd is not a listening socket")
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            // Named by FileDescriptorName= in the .socket units; unnamed (or one unit
            // for both): by position.
            let name = index < names.count ? names[Int(index)] : ""
            switch (name, index) {
            case ("service", _): sockets.service = fd
            case ("admin", _): sockets.admin = fd
            case (_, 0): sockets.service = fd
            case (_, 1): sockets.admin = fd
            default: throw Failure(description: "systemd passed \(count) sockets; soudand takes two, service and admin")
            }
        }
        return sockets
    }

    /// READY=1 once both sockets accept; STOPPING=1 when shutdown begins.
    static func notify(_ state: String) {
        _ = soudan_sd_notify(state)
    }
}
