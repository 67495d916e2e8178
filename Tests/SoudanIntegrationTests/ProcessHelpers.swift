import Foundation

/// A finished run of one of the built binaries.
struct ProcessRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a binary to its end, as an operator or a script would.
func runProcess(_ binary: String, _ arguments: [String], environment: [String: String]? = nil) throws -> ProcessRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessRun(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
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
