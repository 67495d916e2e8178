import Foundation
import SoudanClient
import SoudanProtocol
import Testing

/// soudand started the way systemd starts it: listening sockets inherited as
/// fds 3 and 4 (LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES), readiness reported as
/// READY=1 on $NOTIFY_SOCKET.
@Suite struct SocketActivationTests {
    func listeningSocket(_ path: String) throws -> Int32 {
        let fd = try boundUnixSocket(path)
        guard listen(fd, 64) == 0 else { throw TestDaemon.Failure("cannot listen on \(path)") }
        // Out of the way of 3 and 4, where the child will find them.
        let high = fcntl(fd, F_DUPFD_CLOEXEC, 50)
        close(fd)
        return high
    }

    func notifySocket(_ path: String) throws -> Int32 {
        let fd = try boundUnixSocket(path, type: Int32(SOCK_DGRAM.rawValue))
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    func receive(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
    }

    /// posix_spawn with the two sockets dup'ed to 3 and 4; `exec` keeps the shell's
    /// pid, so LISTEN_PID=$$ names the daemon, as systemd sets it after fork.
    func spawn(dataDir: String, service: Int32, admin: Int32, notify: String, names: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, service, 3)
        posix_spawn_file_actions_adddup2(&actions, admin, 4)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let script = "LISTEN_PID=$$ LISTEN_FDS=2 LISTEN_FDNAMES=\(names) NOTIFY_SOCKET=\(notify) exec \"$0\" \"$@\""
        let arguments = ["/bin/sh", "-c", script, TestDaemon.binary, "--data-dir", dataDir, "--clock", TestDaemon.defaultClock]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var environment = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in environment { free(pointer) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/sh", &actions, nil, &argv, &environment) == 0 else { throw TestDaemon.Failure("spawn failed") }
        return pid
    }

    @Test(arguments: ["service:admin", "admin:service"])
    func inheritedSocketsAreServedAndReadinessIsNotified(names: String) throws {
        let dir = TestDaemon.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The order of the fds follows the names, as systemd's units would give them.
        let servicePath = dir + "/svc.sock"
        let adminPath = dir + "/adm.sock"
        let first = try listeningSocket(names.hasPrefix("service") ? servicePath : adminPath)
        let second = try listeningSocket(names.hasPrefix("service") ? adminPath : servicePath)
        let notify = try notifySocket(dir + "/notify")
        let pid = try spawn(dataDir: dir + "/data", service: first, admin: second, notify: dir + "/notify", names: names)
        close(first)
        close(second)
        defer {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            close(notify)
        }
        #expect(receive(notify).contains("READY=1"))
        #expect(try SoudanConnection(path: servicePath).call("sys.ping").ok)
        #expect(try SoudanConnection(path: servicePath).call("sys.stats").code == "forbidden")
        #expect(try SoudanConnection(path: adminPath).call("sys.stats").ok)
        // The daemon did not bind the default paths: systemd's sockets are the ones served.
        #expect(!FileManager.default.fileExists(atPath: dir + "/data/soudan.sock"))
        kill(pid, SIGTERM)
        #expect(receive(notify).contains("STOPPING=1"))
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        #expect(status == 0)
        // The socket files are systemd's: soudand leaves them in place.
        #expect(FileManager.default.fileExists(atPath: servicePath))
    }
}
