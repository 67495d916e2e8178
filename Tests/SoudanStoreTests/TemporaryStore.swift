import Foundation
import GRDB
import Logging
import SoudanProtocol
@testable import SoudanStore

/// A real SQLite file in a fresh temporary directory, removed afterwards.
final class TemporaryStore: Sendable {
    let directory: String
    let pool: DatabasePool
    let path: String

    init(now: Instant = Instant(seconds: 1_796_086_800)) throws {
        directory = NSTemporaryDirectory() + "soudan-store-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/soudan.sqlite3"
        pool = try Store.open(path: path, now: now)
    }

    deinit {
        try? pool.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func writer(hooks: SingleWriter.Hooks = .init()) -> SingleWriter {
        SingleWriter(pool: pool, logger: Logger(label: "test"), hooks: hooks)
    }
}
