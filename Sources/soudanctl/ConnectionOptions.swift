import ArgumentParser
import Foundation
import SoudanClient
import SoudanProtocol

/// The options every subcommand shares: where the daemon is, and how to print.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "The admin socket (default: $SOUDAN_ADMIN_SOCKET or ./var/admin.sock).")
    var socket: String?

    @Flag(name: .long, help: "Print the result as JSON (for scripts) instead of a table.")
    var json = false

    @Option(name: .long, help: "Seconds to wait for the reply.")
    var timeout: Double = 30

    var socketPath: String {
        socket ?? ProcessInfo.processInfo.environment["SOUDAN_ADMIN_SOCKET"] ?? "./var/admin.sock"
    }

    /// Sends one request; returns its result, or prints the error and exits.
    func call(_ op: String, _ args: JSONObject? = nil, idempotencyKey: String? = nil) throws -> JSONObject {
        let reply: ClientReply
        do {
            let connection = try SoudanConnection(path: socketPath, timeout: timeout)
            reply = try connection.call(op, args, idempotencyKey: idempotencyKey)
        } catch {
            Output.error("\(error)")
            throw ExitCode(3)
        }
        guard reply.ok else {
            var line = "error \(reply.errorCode ?? "?"): \(reply.errorMessage ?? "")"
            if !reply.errorDetails.isEmpty { line += " \(JSONWriter.string(.object(reply.errorDetails)))" }
            if json { print(JSONWriter.pretty(reply.raw)) }
            Output.error(line)
            throw ExitCode(1)
        }
        return reply.result
    }

    /// Prints `result` as JSON with --json, else as `human` says.
    func show(_ result: JSONObject, human: (JSONObject) -> Void) {
        if json { print(JSONWriter.pretty(.object(result))) } else { human(result) }
    }
}
