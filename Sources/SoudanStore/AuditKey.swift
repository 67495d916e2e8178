import Crypto
public import Foundation
import SoudanSync

/// The key of the access log's hash chain, kept outside the database.
///
/// Why: a chain of plain SHA-256 hashes proves nothing against whoever holds the
/// database file, who can delete or rewrite rows and recompute every hash. With
/// each hash an HMAC under a key the file does not hold (`--audit-key FILE`,
/// e.g. a systemd credential, else `audit.key` beside the database, 0600), a
/// copy of the database alone cannot be rewritten undetected. The device-id
/// digest is keyed the same way: a bare SHA-256 of a device id can be reversed
/// by trying the ids there are.
public struct AuditKey: Sendable {
    private let box: KeyBox

    /// Holds an HMAC already keyed, made once: keying one pads and hashes the
    /// key twice and allocates four arrays, and this runs for every access
    /// record, on the writer. Each use copies it (its hash state is copy-on-
    /// write) and feeds the copy.
    private final class KeyBox: @unchecked Sendable {
        // @unchecked: neither `SymmetricKey` nor `HMAC` is marked Sendable, but
        // both are values never mutated after `init`: every use works on a copy
        // (swift-crypto copies a shared hash context before writing to it).
        let keyed: HMAC<SHA256>
        init(_ key: SymmetricKey) { keyed = HMAC<SHA256>(key: key) }
    }

    private func mac(_ bytes: some DataProtocol) -> HMAC<SHA256>.MAC {
        var mac = box.keyed
        mac.update(data: bytes)
        return mac.finalize()
    }

    public static let minimumBytes = 32

    public init(bytes: some ContiguousBytes) {
        box = KeyBox(SymmetricKey(data: bytes))
    }

    /// A fresh random key held in memory only (tests, the fuzz target).
    public static func ephemeral() -> AuditKey {
        AuditKey(bytes: SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
    }

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads a key file: at least `minimumBytes`, and no access for others.
    public static func load(path: String) throws -> AuditKey {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw Problem(description: SystemCallError("audit key \(path)").description)
        }
        guard info.st_mode & 0o007 == 0 else {
            throw Problem(
                description: "audit key \(path) is open to others (mode \(String(info.st_mode & 0o777, radix: 8))); chmod o-rwx it")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem(description: "audit key \(path) cannot be read")
        }
        guard data.count >= minimumBytes else {
            throw Problem(description: "audit key \(path) has \(data.count) bytes; it needs at least \(minimumBytes)")
        }
        return AuditKey(bytes: data)
    }

    /// Reads `path`, or creates it (0600, 32 random bytes) if it does not exist.
    public static func loadOrCreate(path: String) throws -> AuditKey {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            guard errno == EEXIST else {
                throw Problem(description: SystemCallError("cannot create audit key \(path)").description)
            }
            return try load(path: path)
        }
        defer { close(fd) }
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            unlink(path)
            throw Problem(description: SystemCallError("cannot write audit key \(path)").description)
        }
        return AuditKey(bytes: bytes)
    }

    /// A row's chained hash: HMAC-SHA256 of its encoded fields.
    func chainHash(_ bytes: [UInt8]) -> Data {
        Data(mac(bytes))
    }

    /// The device id as the log keeps it beside (and after a purge, instead of) the raw id.
    func deviceDigest(_ id: String) -> String {
        hex(mac(Array("device-id:\(id)".utf8)))
    }

    /// Names the key without revealing it, so that a database is never chained
    /// on with a different key than the one it was started with.
    public var fingerprint: String {
        hex(mac(Array("soudan audit key fingerprint v1".utf8)))
    }

    private func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
