import SoudanServer
import SoudanService

extension DaemonConfig.Limits {
    /// The server's side of `[limits]`: the server has no defaults of its own.
    func server(servicePath: String, adminPath: String) -> ServerConfiguration {
        ServerConfiguration(
            servicePath: servicePath, adminPath: adminPath,
            connectionLimits: .init(
                maxFrame: maxFrame, maxInFlight: maxInFlight, maxReplyBuffer: maxReplyBuffer, idleTimeoutMs: UInt64(idleTimeoutMs),
                stalledWriteTimeoutMs: UInt64(stalledWriteTimeoutMs)),
            maxConnections: maxConnections, maxConnectionsPerUID: maxConnectionsPerUID, adminReserved: adminReserved,
            maxInputBuffer: maxInputBuffer)
    }
}
