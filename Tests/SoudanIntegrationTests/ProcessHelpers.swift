import Foundation
import SoudanSync

/// A finished run of one of the built binaries.
struct ProcessRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a binary to its end, as an operator or a script would. One still running
/// after `timeout` seconds is killed (a daemon that should have refused to start
/// must fail its test, not hang it), and its status is then -1.
func runProcess(_ binary: String, _ arguments: [String], environment: [String: String]? = nil, timeout: Double = 120) throws -> ProcessRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Both pipes are drained while the process runs, so a chatty one never blocks.
    let output = LockedValue<(out: Data, err: Data)>((Data(), Data()))
    let drained = DispatchGroup()
    for (pipe, isOut) in [(out, true), (err, false)] {
        drained.enter()
        DispatchQueue.global().async {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            output.withLock { if isOut { $0.out = data } else { $0.err = data } }
            drained.leave()
        }
    }
    let finished = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        process.waitUntilExit()
        finished.signal()
    }
    if finished.wait(timeout: .now() + timeout) == .timedOut {
        kill(process.processIdentifier, SIGKILL)
        finished.wait()
        drained.wait()
        return ProcessRun(status: -1, stdout: "", stderr: "killed after \(timeout) s")
    }
    drained.wait()
    let (stdout, stderr) = output.withLock { $0 }
    return ProcessRun(
        status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
        stderr: String(decoding: stderr, as: UTF8.self))
}

/// Binds a new Unix socket of `type` to `path` (for tests that play systemd or a
/// crashed daemon); the descriptor, or an error.
func boundUnixSocket(_ path: String, type: Int32 = Int32(SOCK_STREAM.rawValue)) throws -> Int32 {
    let fd = socket(AF_UNIX, type, 0)
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
    }
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard bound == 0 else {
        close(fd)
        throw TestDaemon.Failure("cannot bind \(path)")
    }
    return fd
}
