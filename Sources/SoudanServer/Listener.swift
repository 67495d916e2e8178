import CLibUV
import CSoudanShim
import Foundation
import SoudanProtocol
import SoudanSync

/// Why the server could not start listening; each says what to do about it.
public struct ServerStartError: Error, CustomStringConvertible {
    public let description: String
}

/// A listening Unix socket for one role.
final class Listener {
    let role: SocketRole
    let path: String
    let handle: UnsafeMutablePointer<uv_pipe_t>
    private var inode: ino_t = 0
    /// Adopted from systemd: the socket file is not ours to remove.
    private let adopted: Bool

    /// Binds `path` with `mode`, replacing a stale socket file left by a crash and
    /// refusing to touch one that a live daemon still serves.
    /// With `group`, the socket file is given that group (for `[access] staff_group`).
    init(role: SocketRole, path: String, mode: mode_t, group: UInt32? = nil, loop: UnsafeMutablePointer<uv_loop_t>) throws {
        self.role = role
        self.path = path
        adopted = false
        let limit = Int(soudan_max_socket_path())
        // libuv 1.44 has no uv_pipe_bind2 and silently truncates longer paths.
        guard path.utf8.count <= limit else {
            throw ServerStartError(description: "\(role) socket path is \(path.utf8.count) bytes, over the limit of \(limit): \(path)")
        }
        try Self.clearStale(path: path, role: role)
        handle = allocateHandle(uv_pipe_t.self)
        do {
            try uvCheck(uv_pipe_init(loop, handle, 0), "uv_pipe_init")
        } catch {
            handle.deallocate()
            throw ServerStartError(description: "\(role) socket: \(error)")
        }
        do {
            try uvCheck(uv_pipe_bind(handle, path), "bind \(path)")
            try checkedSystemCall("chmod \(path)", chmod(path, mode))
            if let group { try checkedSystemCall("chgrp \(path) to gid \(group)", chown(path, uid_t.max, group)) }
            var info = stat()
            if stat(path, &info) == 0 { inode = info.st_ino }
        } catch {
            // A socket bound but not given its mode must not stay open.
            closeAndFree(asHandle(handle))
            throw ServerStartError(description: "\(role) socket: \(error)")
        }
    }

    /// Adopts a listening socket passed by systemd (socket activation).
    init(role: SocketRole, adopting fd: Int32, loop: UnsafeMutablePointer<uv_loop_t>) throws {
        self.role = role
        self.path = "fd \(fd)"
        adopted = true
        handle = allocateHandle(uv_pipe_t.self)
        do {
            try uvCheck(uv_pipe_init(loop, handle, 0), "uv_pipe_init")
            try uvCheck(uv_pipe_open(handle, fd), "uv_pipe_open \(fd)")
        } catch {
            closeAndFree(asHandle(handle))
            throw ServerStartError(description: "\(role) socket passed by systemd: \(error)")
        }
    }

    func listen(_ callback: uv_connection_cb) throws {
        do {
            try uvCheck(uv_listen(asStream(handle), 511, callback), "listen \(path)")
        } catch {
            throw ServerStartError(description: "\(role) socket: \(error)")
        }
    }

    /// Stops listening and removes the socket file, if it is still ours.
    func close() {
        closeAndFree(asHandle(handle))
        guard !adopted else { return }
        var info = stat()
        if stat(path, &info) == 0, info.st_ino == inode { unlink(path) }
    }

    private static func clearStale(path: String, role: SocketRole) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw ServerStartError(description: "\(role) socket path exists and is not a socket: \(path)")
        }
        switch soudan_probe_unix_socket(path) {
        case 1:
            throw ServerStartError(description: "another soudand is serving \(path); stop it first (refusing to take its socket)")
        case 0:
            unlink(path)  // stale: left by a daemon that did not exit cleanly
        default:
            if errno == ENOENT { return }
            throw ServerStartError(description: SystemCallError("cannot probe \(path)").description)
        }
    }
}

@available(*, unavailable)
extension Listener: Sendable {}
