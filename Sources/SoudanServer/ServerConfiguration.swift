/// What the server needs to know: where to listen and how much to take.
public struct ServerConfiguration: Sendable {
    public var servicePath: String
    public var adminPath: String
    public var connectionLimits: ConnectionStateMachine.Limits
    public var maxConnections: Int
    public var maxConnectionsPerUID: Int
    /// Listening sockets inherited from systemd (socket activation), used instead
    /// of binding the paths; their files and modes belong to systemd.
    public var inheritedServiceFD: Int32?
    public var inheritedAdminFD: Int32?

    public init(
        servicePath: String, adminPath: String, connectionLimits: ConnectionStateMachine.Limits = .init(),
        maxConnections: Int = 1024, maxConnectionsPerUID: Int = 256
    ) {
        self.servicePath = servicePath
        self.adminPath = adminPath
        self.connectionLimits = connectionLimits
        self.maxConnections = maxConnections
        self.maxConnectionsPerUID = maxConnectionsPerUID
    }
}
