import Foundation
import SoudanProtocol
import Testing

/// `docs/operations.md` explains every key of the config file: a key added to the
/// schema without a line there fails here.
@Suite struct OperationsDocTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func everyConfigKeyIsDocumented() throws {
        let doc = try String(contentsOf: Self.root.appendingPathComponent("docs/operations.md"), encoding: .utf8)
        let schema = try #require(ProtocolSchemas.embedded.config.source["properties"]?.objectValue)
        var keys: [String] = []
        for (section, value) in schema {
            let properties = value["properties"]?.objectValue ?? value["items"]?["properties"]?.objectValue
            if value["type"] == "array" {
                keys.append(section)
                continue
            }
            for (key, _) in properties ?? [:] { keys.append("\(section).\(key)") }
        }
        #expect(keys.count > 15)
        for key in keys {
            #expect(doc.contains("`\(key)`"), "docs/operations.md does not explain \(key)")
        }
    }
}
