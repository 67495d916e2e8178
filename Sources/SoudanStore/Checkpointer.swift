public import Dispatch
import GRDB
public import Logging

/// Copies the WAL back into the database file from a connection and a queue of
/// its own, every `interval`, so that the single writer never does.
///
/// Why: SQLite's automatic checkpoint runs inside the COMMIT that crosses 1,000
/// WAL pages. Under booking load that was several times a second, each copying
/// ~4 MB and syncing the database file while every write queued behind it: the
/// tail of booking latency. A PASSIVE checkpoint here takes no lock the writer
/// or the readers wait on; it copies what no reader still needs, and SQLite
/// starts the WAL over at the next write once everything is copied. The writer
/// connection has `wal_autocheckpoint = 0` (see `Store.open`).
public final class Checkpointer: @unchecked Sendable {
    // @unchecked: `timer` is set up in init and then only cancelled, which
    // Dispatch allows from any thread; the rest is immutable and Sendable.
    public static let interval = DispatchTimeInterval.milliseconds(200)

    private let connection: DatabaseQueue
    private let timer: any DispatchSourceTimer
    private let logger: Logger

    public init(path: String, durability: Durability, logger: Logger, interval: DispatchTimeInterval = Checkpointer.interval) throws {
        var config = Configuration()
        config.label = "soudan.checkpoint"
        config.prepareDatabase { db in
            try db.run(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
            try db.run(sql: "PRAGMA wal_autocheckpoint = 0")
        }
        connection = try DatabaseQueue(path: path, configuration: config)
        self.logger = logger
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "soudan.checkpoint", qos: .utility))
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(20))
        timer.setEventHandler { [connection, logger] in
            do {
                try connection.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
            } catch {
                logger.warning("checkpoint failed", metadata: ["error": "\(error)"])
            }
        }
        timer.resume()
    }

    /// Stops the timer and waits for a checkpoint under way.
    public func stop() {
        timer.cancel()
        connection.writeWithoutTransaction { _ in }
    }
}
