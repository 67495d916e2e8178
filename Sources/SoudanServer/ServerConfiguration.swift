/// What the server needs to know: where to listen and how much to take.
public struct ServerConfiguration: Sendable {
    public var servicePath: String
    public var adminPath: String
    public var connectionLimits: ConnectionStateMachine.Limits
    /// Connections of both sockets together.
    public var maxConnections: Int
    /// Connections one uid may hold on one socket (each socket counts apart).
    public var maxConnectionsPerUID: Int
    /// Connections only the admin socket may take, so staff are never locked out
    /// by services holding the rest.
    public var adminReserved: Int
    /// Memory all connections together may hold in requests received but not
    /// yet dispatched, partial frames included (`[limits] max_input_buffer`).
    public var maxInputBuffer: Int
    /// The admin socket's group (`[access] staff_group`): then mode 0660, so that
    /// each staff member connects as their own uid; else mode 0600.
    public var adminGroup: UInt32?
    /// Listening sockets inherited from systemd (socket activation), used instead
    /// of binding the paths; their files and modes belong to systemd.
    public var inheritedServiceFD: Int32?
    public var inheritedAdminFD: Int32?
    /// Called on the loop thread when shutdown begins (SIGTERM, SIGINT), before
    /// connections drain: whatever holds a reply back (a long-poll) answers now.
    public var onShutdown: @Sendable () -> Void = {}

    /// Every limit given: the daemon's defaults live in its config (`DaemonConfig.Limits`).
    public init(
        servicePath: String, adminPath: String, connectionLimits: ConnectionStateMachine.Limits, maxConnections: Int,
        maxConnectionsPerUID: Int, adminReserved: Int, maxInputBuffer: Int
    ) {
        self.servicePath = servicePath
        self.adminPath = adminPath
        self.connectionLimits = connectionLimits
        self.maxConnections = maxConnections
        self.maxConnectionsPerUID = maxConnectionsPerUID
        self.adminReserved = adminReserved
        self.maxInputBuffer = maxInputBuffer
    }
}
