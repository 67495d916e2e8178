import Foundation
import GRDB
import Logging
import SoudanProtocol

@testable import SoudanStore

/// A real SQLite file in a fresh temporary directory, removed afterwards.
final class TemporaryStore: Sendable {
    let directory: String
    let store: Store
    let path: String
    /// GRDB's pool under the store, for setting up and inspecting rows directly.
    var pool: DatabasePool { store.pool }

    init(now: Instant = Instant(seconds: 1_796_086_800)) throws {
        directory = NSTemporaryDirectory() + "soudan-store-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/soudan.sqlite3"
        store = try Store.open(path: path, now: now)
    }

    deinit {
        try? store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func writer(hooks: SingleWriter.Hooks = .init()) -> SingleWriter {
        store.makeWriter(logger: Logger(label: "test"), hooks: hooks)
    }
}

/// Lets a test hand a GRDB connection to the stores, which take `in db:` as a
/// `StoreTransaction` (the writer's jobs and hooks already get one).
extension Database {
    var tx: StoreTransaction { StoreTransaction(self) }
}

extension StoreTransaction {
    var tx: StoreTransaction { self }
}
