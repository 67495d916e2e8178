/// Who is on the other end of a connection, as the kernel says (SO_PEERCRED).
public struct PeerInfo: Sendable, Equatable {
    public let role: SocketRole
    public let uid: UInt32
    public let pid: Int32
    /// The connection, for limits kept per connection (waiting long-polls).
    public let connectionID: UInt64

    public init(role: SocketRole, uid: UInt32, pid: Int32, connectionID: UInt64) {
        self.role = role
        self.uid = uid
        self.pid = pid
        self.connectionID = connectionID
    }
}

/// What the server hands up, one per reply it owes: a request's body, a frame it
/// could not read (the connection closes after the reply), or a connection it
/// refused over a limit (never a connection: the reply is its only write).
public enum Inbound: Sendable {
    case request([UInt8])
    case unreadable(FrameError)
    case refused(reason: String)
}

/// The server's whole API towards the layer above: one closure, called on the
/// loop thread, that must not block. It answers through `reply` exactly once, with
/// the framed bytes, from whichever thread has them; for `.unreadable` and
/// `.refused` it answers before returning (the server writes that reply at once).
public typealias FrameHandler = @Sendable (_ inbound: Inbound, _ peer: PeerInfo, _ reply: @escaping @Sendable ([UInt8]) -> Void) -> Void
