import Foundation
import SoudanProtocol
import SoudanStore

/// `audit.verify`: is the access log as the daemon wrote it?
enum AuditOperations {
    static func make(_ env: ServiceEnvironment) -> [Operation] {
        [
            Operation(
                "audit.verify", sockets: Sockets.admin, recording: .seesEveryAnsweredRequest,
                .read { db, context in
                    let check = try AccessLog.verify(key: env.auditKey, anchor: anchor(context.args["anchor"]), in: db)
                    return [
                        "ok": .bool(check.ok), "rows": .int(Int64(check.rows)),
                        "first_broken": JSONValue(check.firstBroken.map(Int64.init)),
                    ]
                })
        ]
    }

    /// The schema has checked the shape: `rows` an integer, `head` 64 hex digits.
    static func anchor(_ value: JSONValue?) -> AccessLog.Anchor? {
        guard let object = value?.objectValue, let rows = object["rows"]?.intValue, let head = object["head"]?.stringValue else {
            return nil
        }
        var bytes = Data()
        var digits = head.utf8.makeIterator()
        while let high = digits.next(), let low = digits.next() {
            bytes.append(UInt8(hexDigit(high) << 4 | hexDigit(low)))
        }
        return AccessLog.Anchor(rows: Int(rows), head: bytes)
    }

    private static func hexDigit(_ c: UInt8) -> UInt8 { c <= UInt8(ascii: "9") ? c - UInt8(ascii: "0") : c - UInt8(ascii: "a") + 10 }
}
