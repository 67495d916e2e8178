import Crypto
public import Foundation
import GRDB
public import SoudanProtocol

/// One request as the access log keeps it (DOMAIN.md Art. 5).
public struct AccessRecord: Sendable, Equatable {
    public struct Device: Sendable, Equatable {
        public var id: String
        public var os: String?
        public var app: String?
        public init(id: String, os: String?, app: String?) {
            self.id = id
            self.os = os
            self.app = app
        }
    }

    public var at: Instant
    public var socket: SocketRole
    public var uid: UInt32
    public var pid: Int32
    public var op: String?
    public var code: String
    public var latencyMicros: Int64
    public var seekerNo: String?
    public var device: Device?
    public var legalBasis: String?
    public var requestedBy: String?

    public init(
        at: Instant, socket: SocketRole, uid: UInt32, pid: Int32, op: String?, code: String, latencyMicros: Int64,
        seekerNo: String? = nil, device: Device? = nil, legalBasis: String? = nil, requestedBy: String? = nil
    ) {
        self.at = at
        self.socket = socket
        self.uid = uid
        self.pid = pid
        self.op = op
        self.code = code
        self.latencyMicros = latencyMicros
        self.seekerNo = seekerNo
        self.device = device
        self.legalBasis = legalBasis
        self.requestedBy = requestedBy
    }
}

/// The access log: append-only, each row chained to the one before by an
/// HMAC-SHA256 (under the `AuditKey`, kept outside the database) over its
/// content and the previous row's hash, so that an edit, a deletion or a
/// reordering behind the daemon's back is found by `audit.verify`; a truncation
/// of the log's end is found against an anchor (`head`) logged outside it.
public enum AccessLog {
    static let genesis = Data(repeating: 0, count: 32)

    /// Appends one row. Runs on the writer, inside its batch: never a transaction
    /// of its own per request.
    public static func append(_ record: AccessRecord, key: AuditKey, in db: StoreTransaction) throws {
        try append(contentsOf: CollectionOfOne(record), key: key, in: db)
    }

    private static let insertSQL = """
        INSERT INTO access_log(at, socket, uid, pid, op, code, latency_us, seeker_no, device_id, device_id_hash,
                               device_os, device_app, legal_basis, requested_by, prev_hash, hash)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Appends rows in order, reading the chain's head once for all of them.
    ///
    /// Values are bound straight onto the cached statement: this runs for every
    /// request the daemon answers, and building GRDB's `StatementArguments` (an
    /// array of existentials per row) cost more than SQLite's insert itself.
    public static func append(contentsOf records: some Collection<AccessRecord>, key: AuditKey, in db: StoreTransaction) throws {
        guard !records.isEmpty else { return }
        var previous = try Data.fetchOne(db.cachedStatement(sql: "SELECT hash FROM access_log ORDER BY id DESC LIMIT 1")) ?? genesis
        let insert = try db.cachedStatement(sql: insertSQL)
        var row = RowBinder(insert.sqliteStatement)
        for record in records {
            let deviceID = record.device.map { storable($0.id) }
            let deviceHash = deviceID.map(key.deviceDigest)
            let fields = ChainedFields(
                at: record.at.seconds, socket: record.socket.rawValue, uid: Int64(record.uid), pid: Int64(record.pid),
                op: record.op.map(storable), code: record.code, latencyMicros: record.latencyMicros,
                seekerNo: record.seekerNo.map(storable), deviceIdHash: deviceHash, deviceOS: record.device?.os.map(storable),
                deviceApp: record.device?.app.map(storable), legalBasis: record.legalBasis.map(storable),
                requestedBy: record.requestedBy.map(storable))
            let hash = key.chainHash(fields.encoded(previous: previous))
            row.bind(fields.at)
            row.bind(fields.socket)
            row.bind(fields.uid)
            row.bind(fields.pid)
            row.bind(fields.op)
            row.bind(fields.code)
            row.bind(fields.latencyMicros)
            row.bind(fields.seekerNo)
            row.bind(deviceID)
            row.bind(deviceHash)
            row.bind(fields.deviceOS)
            row.bind(fields.deviceApp)
            row.bind(fields.legalBasis)
            row.bind(fields.requestedBy)
            row.bind(previous)
            row.bind(hash)
            try row.step(db.database, sql: insertSQL)
            previous = hash
        }
    }

    /// A client's text as the log keeps it: NUL, which SQLite's text reading stops
    /// at, becomes U+FFFD, so that what is hashed is what is read back.
    static func storable(_ text: String) -> String {
        guard text.utf8.contains(0) else { return text }
        let pieces = text.utf8.split(separator: 0, omittingEmptySubsequences: false)
        return String(decoding: Array(pieces.joined(separator: Array("\u{FFFD}".utf8))), as: UTF8.self)
    }

    public struct Verification: Sendable, Equatable {
        public var ok: Bool
        public var rows: Int
        /// 1-based position in log order of the first row whose hash does not hold.
        public var firstBroken: Int?
    }

    /// A point of the chain logged outside the database: how many rows the log
    /// had, and the hash of the last of them.
    public struct Anchor: Sendable, Equatable {
        public var rows: Int
        public var head: Data
        public init(rows: Int, head: Data) {
            self.rows = rows
            self.head = head
        }

        /// The line the daemon writes to its log (the journal) every 10 minutes
        /// and at shutdown.
        public var logLine: String { "audit anchor rows=\(rows) head=\(head.map { String(format: "%02x", $0) }.joined())" }
    }

    /// The chain's end as it stands.
    public static func head(in db: StoreTransaction) throws -> Anchor {
        let rows = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM access_log")) ?? 0
        let head = try Data.fetchOne(db.cachedStatement(sql: "SELECT hash FROM access_log ORDER BY id DESC LIMIT 1")) ?? genesis
        return Anchor(rows: rows, head: head)
    }

    /// Walks the whole chain. A row is broken when its stored previous hash is not
    /// the hash of the row before, when its own hash does not cover its content,
    /// or when a raw device id still present does not match its stored digest.
    /// With an anchor, the log must still hold row `anchor.rows` with hash
    /// `anchor.head`: if it has fewer rows, the first missing one is broken; if
    /// that row's hash differs, that row is.
    public static func verify(key: AuditKey, anchor: Anchor? = nil, in db: StoreTransaction) throws -> Verification {
        var count = 0
        var firstBroken: Int?
        var anchored = anchor == nil || anchor?.rows == 0
        try walk(in: db) { fields, rawDevice, storedPrevious, storedHash, previous in
            count += 1
            if let anchor, count == anchor.rows { anchored = storedHash == anchor.head }
            guard firstBroken == nil else { return }
            let deviceMatches = rawDevice.map { key.deviceDigest($0) == fields.deviceIdHash } ?? true
            if storedPrevious != previous || storedHash != key.chainHash(fields.encoded(previous: previous)) || !deviceMatches {
                firstBroken = count
            }
        }
        if let anchor, !anchored {
            let missing = count < anchor.rows ? count + 1 : anchor.rows
            firstBroken = min(firstBroken ?? missing, missing)
        }
        return Verification(ok: firstBroken == nil, rows: count, firstBroken: firstBroken)
    }

    /// Every row in log order, with the hash the row before it stored.
    private static func walk(
        in db: StoreTransaction,
        _ visit: (ChainedFields, _ rawDevice: String?, _ storedPrevious: Data, _ storedHash: Data, _ previous: Data) throws -> Void
    ) throws {
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT at, socket, uid, pid, op, code, latency_us, seeker_no, device_id, device_id_hash, device_os,
                           device_app, legal_basis, requested_by, prev_hash, hash
                    FROM access_log ORDER BY id
                    """))
        var previous = genesis
        while let row = try rows.next() {
            let fields = ChainedFields(
                at: row[0], socket: row[1], uid: row[2], pid: row[3], op: row[4], code: row[5], latencyMicros: row[6],
                seekerNo: row[7], deviceIdHash: row[9], deviceOS: row[10], deviceApp: row[11], legalBasis: row[12],
                requestedBy: row[13])
            let storedHash: Data = row[15]
            try visit(fields, row[8], row[14], storedHash, previous)
            previous = storedHash
        }
    }

}

/// The fields a row's hash covers, in a fixed order and an unambiguous encoding
/// (each field length-prefixed, absent fields marked), so no two contents share a hash.
struct ChainedFields {
    var at: Int64
    var socket: String
    var uid: Int64
    var pid: Int64
    var op: String?
    var code: String
    var latencyMicros: Int64
    var seekerNo: String?
    var deviceIdHash: String?
    var deviceOS: String?
    var deviceApp: String?
    var legalBasis: String?
    var requestedBy: String?

    /// The bytes a row's hash covers. One buffer: numbers are written as their
    /// decimal digits in place, without a String each (this runs once per
    /// request, on the writer).
    func encoded(previous: Data) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(previous.count + 256)
        bytes.append(contentsOf: previous)
        func put(_ text: String?) {
            guard let text else {
                bytes.append(0)
                return
            }
            var contiguous = text
            contiguous.withUTF8 { utf8 in
                putLength(utf8.count)
                bytes.append(contentsOf: utf8)
            }
        }
        func putLength(_ count: Int) {
            let length = UInt32(count)
            bytes.append(1)
            bytes.append(UInt8(length >> 24))
            bytes.append(UInt8(length >> 16 & 0xFF))
            bytes.append(UInt8(length >> 8 & 0xFF))
            bytes.append(UInt8(length & 0xFF))
        }
        func put(_ number: Int64) {
            Decimal64.digits(of: number) { digits in
                putLength(digits.count)
                bytes.append(contentsOf: digits)
            }
        }
        put(at)
        put(socket)
        put(uid)
        put(pid)
        put(op)
        put(code)
        put(latencyMicros)
        put(seekerNo)
        put(deviceIdHash)
        put(deviceOS)
        put(deviceApp)
        put(legalBasis)
        put(requestedBy)
        return bytes
    }
}
