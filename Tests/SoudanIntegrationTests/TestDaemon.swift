import Foundation
import SoudanClient
import SoudanProtocol
import SoudanSync
import Synchronization
import Testing

/// The real `soudand`, started in a temporary data dir for one test.
///
/// Readiness is the daemon's own "ready" log line (printed once both sockets
/// accept), never a sleep.
final class TestDaemon: @unchecked Sendable {
    // @unchecked: `process` is started and signalled from the test's thread only;
    // the mutable output lives behind a Mutex.
    static let defaultClock = "manual:2026-12-01T09:00:00+09:00"

    let dataDir: String
    var servicePath: String { dataDir + "/soudan.sock" }
    var adminPath: String { dataDir + "/admin.sock" }
    var databasePath: String { dataDir + "/soudan.sqlite3" }
    private let ownsDirectory: Bool
    private(set) var process: Process
    private let output = OutputBuffer()
    private var readySignal = DispatchSemaphore(value: 0)
    private var exited = DispatchSemaphore(value: 0)
    private var outputClosed = DispatchSemaphore(value: 0)
    /// RLIMIT_NOFILE for the daemon, set by a shell before it execs soudand.
    private let fileLimit: Int?
    /// Added to the daemon's environment (libfaketime's variables, say).
    private let environment: [String: String]

    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["SOUDAND_BIN"] { return path }
        // The test bundle is built next to the executables.
        let bundleDir = URL(
            fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        )
        .deletingLastPathComponent()
        return bundleDir.appendingPathComponent("soudand").path
    }

    /// Runs its arguments as a child, forwards SIGTERM/SIGINT, exits with its
    /// status; the child is killed with it if it is killed (the tests' SIGKILL).
    static let signalForwarder = """
        import ctypes, signal, subprocess, sys
        die_with_parent = lambda: ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        child = subprocess.Popen(sys.argv[1:], preexec_fn=die_with_parent)
        for s in (signal.SIGTERM, signal.SIGINT):
            signal.signal(s, lambda n, f: child.send_signal(n))
        sys.exit(child.wait())
        """

    static func makeTemporaryDirectory() -> String {
        // Short: socket paths must stay under 108 bytes.
        let path = "/tmp/sd-" + String(UUID().uuidString.prefix(8)).lowercased()
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Starts a daemon and waits until it is ready (or has exited).
    init(
        config: String? = nil, clock: String = TestDaemon.defaultClock, dataDir: String? = nil, arguments: [String] = [],
        fileLimit: Int? = nil, environment: [String: String] = [:], waitForReady: Bool = true
    ) throws {
        ownsDirectory = dataDir == nil
        self.fileLimit = fileLimit
        self.environment = environment
        self.dataDir = dataDir ?? Self.makeTemporaryDirectory()
        process = Process()
        try launch(config: config, clock: clock, arguments: arguments, waitForReady: waitForReady)
    }

    private func launch(config: String?, clock: String, arguments: [String], waitForReady: Bool) throws {
        var args = ["--data-dir", dataDir, "--clock", clock, "--log-level", "info"] + arguments
        if let config {
            let path = dataDir + "-config-\(UUID().uuidString.prefix(6)).toml"
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            args += ["--config", path]
        }
        readySignal = DispatchSemaphore(value: 0)
        exited = DispatchSemaphore(value: 0)
        outputClosed = DispatchSemaphore(value: 0)
        let outputClosed = self.outputClosed
        let process = Process()
        if fileLimit != nil || !environment.isEmpty {
            // A shell sets the limit and the environment, then execs soudand.
            let limit = fileLimit.map { "ulimit -n \($0) && " } ?? ""
            let exports = environment.sorted { $0.key < $1.key }.map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            // With LD_PRELOAD=libfaketime, a Swift program exec'd straight from a
            // process without it sees no arguments (CommandLine.arguments is empty);
            // started by a parent that has it loaded, it sees them. A small python
            // parent, which passes SIGTERM and SIGINT on and exits with the
            // daemon's status, is that parent.
            let parent = environment["LD_PRELOAD"] != nil ? "python3 -c '\(Self.signalForwarder)' " : ""
            process.arguments = ["-c", "\(limit)exec env \(exports) \(parent)\"$0\" \"$@\"", Self.binary] + args
        } else {
            process.executableURL = URL(fileURLWithPath: Self.binary)
            process.arguments = args
        }
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        let output = self.output
        let readySignal = self.readySignal
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                outputClosed.signal()
                return
            }
            let text = String(decoding: data, as: UTF8.self)
            let becameReady = output.text.withLock { all -> Bool in
                let was = all.contains("] ready")
                all += text
                return !was && all.contains("] ready")
            }
            if becameReady { readySignal.signal() }
        }
        let exited = self.exited
        process.terminationHandler = { _ in
            readySignal.signal()
            exited.signal()
        }
        try process.run()
        self.process = process
        if waitForReady {
            guard readySignal.wait(timeout: .now() + 30) == .success, process.isRunning else {
                throw Failure("soudand did not become ready:\n\(log)")
            }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    var log: String { output.text.withLock { $0 } }

    func connect(_ role: SocketRole = .admin, timeout: Double = 10) throws -> SoudanConnection {
        try SoudanConnection(path: role == .admin ? adminPath : servicePath, timeout: timeout)
    }

    /// Sends one request on a fresh admin connection and returns the reply.
    func call(_ op: String, _ args: JSONObject? = nil, on role: SocketRole = .admin) throws -> ClientReply {
        try connect(role).call(op, args)
    }

    /// Waits for the process to exit (after a signal or by itself); its status.
    func waitForExit(timeout: Double = 30) throws -> Int32 {
        guard exited.wait(timeout: .now() + timeout) == .success else { throw Failure("soudand did not exit:\n\(log)") }
        exited.signal()  // let later waits pass too
        // Everything it printed has been read once its end of the pipe closes.
        if outputClosed.wait(timeout: .now() + 5) == .success { outputClosed.signal() }
        return process.terminationStatus
    }

    func stop(signal: Int32 = SIGTERM) throws -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        return try waitForExit()
    }

    /// Starts the daemon again on the same data dir.
    func restart(config: String? = nil, clock: String = TestDaemon.defaultClock) throws {
        _ = try stop()
        output.text.withLock { $0 = "" }
        try launch(config: config, clock: clock, arguments: [], waitForReady: true)
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        if ownsDirectory { try? FileManager.default.removeItem(atPath: dataDir) }
    }
}

extension ClientReply {
    /// The error code, or "ok".
    var code: String { ok ? "ok" : (errorCode ?? "?") }
}

/// The daemon's combined output, appended from the pipe's reader.
final class OutputBuffer: Sendable {
    let text = LockedValue("")
}
