import Foundation
import PackagePlugin

/// Embeds `protocol/ops/*.json` and `protocol/config.schema.json` into the target
/// as Swift string literals, so the daemon validates arguments with, and
/// `sys.describe` serves, exactly the files in `protocol/` — never a copy kept by hand.
@main
struct EmbedProtocolSchemas: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let protocolDir = context.package.directoryURL.appending(path: "protocol")
        let opsDir = protocolDir.appending(path: "ops")
        let opFiles = try FileManager.default
            .contentsOfDirectory(at: opsDir, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let configSchema = protocolDir.appending(path: "config.schema.json")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedSchemas.swift")
        return [
            .buildCommand(
                displayName: "Embedding protocol schemas",
                executable: try context.tool(named: "SchemaEmbedder").url,
                arguments: [output.path(), configSchema.path()] + opFiles.map { $0.path() },
                inputFiles: [configSchema] + opFiles,
                outputFiles: [output])
        ]
    }
}
