/// `soudanctl --socket X today` as well as `soudanctl today --socket X`: the
/// options every subcommand shares may come first, as with git, kubectl or
/// systemctl.
///
/// ArgumentParser gives options to the command that declares them, and here that
/// is each subcommand (`ConnectionOptions`); the root has none. So the leading
/// run of shared options is moved behind the subcommand's own arguments (before
/// a `--`, if there is one), where the subcommand parses them as usual.
enum GlobalOptions {
    /// The shared options, and whether each takes a value.
    static let takesValue: [String: Bool] = ["--socket": true, "--timeout": true, "--json": false]

    static func reordered(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            guard let hasValue = takesValue[name] else { break }
            leading.append(argument)
            index += 1
            if hasValue, !argument.contains("="), index < arguments.endIndex {
                leading.append(arguments[index])
                index += 1
            }
        }
        guard !leading.isEmpty else { return arguments }
        var rest = Array(arguments[index...])
        let end = rest.firstIndex(of: "--") ?? rest.endIndex
        rest.insert(contentsOf: leading, at: end)
        return rest
    }
}
