public import GRDB

extension Database {
    /// Runs one statement through GRDB's statement cache: on the writer's hot
    /// path every SQL text is parsed once per connection, not once per request.
    public func run(sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}
