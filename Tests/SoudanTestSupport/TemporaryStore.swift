import Foundation
package import GRDB
import Logging
package import SoudanProtocol
package import SoudanStore

/// A real SQLite file in a fresh temporary directory, removed afterwards: for the
/// tests of the Store and of the Service.
package final class TemporaryStore: Sendable {
    package let directory: String
    package let store: Store
    package let path: String
    /// GRDB's pool under the store, for setting up and inspecting rows directly.
    package var pool: DatabasePool { store.pool }

    package init(now: Instant = Instant(seconds: 1_796_086_800)) throws {
        directory = NSTemporaryDirectory() + "soudan-store-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/soudan.sqlite3"
        store = try Store.open(path: path, now: now)
    }

    deinit {
        try? store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    package func writer(hooks: SingleWriter.Hooks = .init()) -> SingleWriter {
        store.makeWriter(logger: Logger(label: "test"), hooks: hooks)
    }
}

/// Lets a test hand a GRDB connection to the stores, which take `in db:` as a
/// `StoreTransaction` (the writer's jobs and hooks already get one).
extension Database {
    package var tx: StoreTransaction { StoreTransaction(self) }
}

extension StoreTransaction {
    package var tx: StoreTransaction { self }
}
