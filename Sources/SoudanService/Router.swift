import SoudanProtocol

/// The second stage of the request path: which operation a request names, and
/// whether it may run here: known (`unknown_op`), served on the socket it came
/// in on (`forbidden`), with arguments its schema accepts (`invalid_args`).
/// Pure: it touches nothing, so every refusal is decided before any work.
struct Router: Sendable {
    let operations: [String: Operation]

    /// The one name under which statistics count every unknown op: a client must
    /// not grow a map, a metric label or a log line with names of its choosing.
    static let unknownOpName = "(unknown)"
    /// How much of an unknown op name a reply or the access log keeps.
    static let loggedOpBytes = 64

    init(_ operations: [Operation]) {
        var table: [String: Operation] = [:]
        for operation in operations {
            precondition(table[operation.name] == nil, "operation \(operation.name) is listed twice")
            table[operation.name] = operation
        }
        self.operations = table
    }

    func route(_ request: Request, socket: SocketRole) -> Result<Operation, WireError> {
        guard let operation = operations[request.op] else {
            let name = Self.clipped(request.op)
            return .failure(WireError(.unknownOp, "unknown operation \"\(name)\"", details: ["op": .string(name)]))
        }
        guard operation.sockets.contains(socket) else {
            let allowed = operation.sockets.map(\.rawValue).sorted().joined(separator: ", ")
            return .failure(
                WireError(
                    .forbidden, "\(request.op) is not served on the \(socket) socket (only: \(allowed))",
                    details: ["op": .string(request.op), "socket": .string(socket.rawValue)]))
        }
        do {
            try operation.schema.schema.validate(.object(request.args))
        } catch {
            return .failure(error)
        }
        return .success(operation)
    }

    /// The name statistics count a request under: its op, or `unknownOpName`.
    func countedName(_ op: String?) -> String? {
        op.map { operations[$0] == nil ? Self.unknownOpName : $0 }
    }

    /// At most `loggedOpBytes` of a client's op name, cut on a character boundary.
    static func clipped(_ op: String) -> String {
        guard op.utf8.count > loggedOpBytes else { return op }
        var end = op.utf8.index(op.utf8.startIndex, offsetBy: loggedOpBytes)
        while end > op.startIndex, !op.unicodeScalars.indices.contains(end) { end = op.utf8.index(before: end) }
        return String(op[..<end])
    }
}
