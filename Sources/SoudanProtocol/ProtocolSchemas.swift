/// The schemas of `protocol/`, compiled once: one per operation (its `args`) and
/// one for the config file.
///
/// They are embedded at build time by the `EmbedProtocolSchemas` plugin, so the
/// files in `protocol/` are what validates arguments and what `sys.describe` shows.
public struct ProtocolSchemas: Sendable {
    public struct Operation: Sendable {
        public let name: String
        public let document: JSONValue
        public let schema: Schema
    }

    public let operations: [String: Operation]
    public let config: Schema

    /// The schemas built into this binary. A broken schema file is a build mistake,
    /// not a runtime condition: it stops the program with the file's name.
    public static let embedded: ProtocolSchemas = {
        do {
            return try ProtocolSchemas(configText: EmbeddedSchemas.config, operationTexts: EmbeddedSchemas.operations)
        } catch {
            fatalError("protocol schemas do not compile: \(error)")
        }
    }()

    public init(configText: String, operationTexts: [(name: String, text: String)]) throws {
        config = try Schema.compile(try JSONParser.parse(Array(configText.utf8)))
        var operations: [String: Operation] = [:]
        for (name, text) in operationTexts {
            do {
                let document = try JSONParser.parse(Array(text.utf8))
                operations[name] = Operation(name: name, document: document, schema: try Schema.compile(document))
            } catch {
                throw Schema.CompileError(description: "protocol/ops/\(name).json: \(error)")
            }
        }
        self.operations = operations
    }
}
