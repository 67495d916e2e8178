import Foundation
// swift-tools-version:6.1
//
// The layers, from the bottom up (dependencies point one way):
//   SoudanProtocol  framing, JSON, envelope, error codes, schema validation; pure, no I/O
//   SoudanDomain    the rules of DOMAIN.md: clock, office time, calendar; pure, no SQLite
//   SoudanStore     SQLite through GRDB: schema, migrations, the single writer, readers
//   SoudanService   the table of operations and their handlers (what `sys.describe` lists)
//   SoudanServer    libuv: loop thread, listeners, connections; knows one function, a frame in, a reply out
//   SoudanClient    a small blocking client for soudanctl, soudan-load and the tests
//   soudand / soudanctl / soudan-load   thin executables
import PackageDescription

/// scripts/fuzz sets SOUDAN_FUZZ=1: the fuzz target then links libFuzzer (which
/// brings `main`) and compiles with -DFUZZING; every other target gets coverage
/// and ASan from the script's -Xswiftc flags, without libFuzzer's `main`, which
/// would clash with the build tools' own.
let fuzzing = ProcessInfo.processInfo.environment["SOUDAN_FUZZ"] == "1"
let fuzzSwiftSettings: [SwiftSetting] = fuzzing ? [.unsafeFlags(["-sanitize=fuzzer,address"]), .define("FUZZING")] : []
let fuzzLinkerSettings: [LinkerSetting] = fuzzing ? [.unsafeFlags(["-sanitize=fuzzer,address"])] : []

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "soudan",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "soudand", targets: ["soudand"]),
        .executable(name: "soudanctl", targets: ["soudanctl"]),
        .executable(name: "soudan-load", targets: ["soudan-load"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C edges
        .systemLibrary(name: "CLibUV", pkgConfig: "libuv", providers: [.apt(["libuv1-dev"])]),
        .target(name: "CSoudanShim"),
        // A pthread-backed lock that ThreadSanitizer understands (see LockedValue).
        .target(name: "SoudanSync", swiftSettings: strict),

        // Embeds protocol/*.json into SoudanProtocol at build time: one source of truth.
        .executableTarget(name: "SchemaEmbedder", swiftSettings: strict),
        .plugin(name: "EmbedProtocolSchemas", capability: .buildTool(), dependencies: ["SchemaEmbedder"]),

        .target(
            name: "SoudanProtocol",
            swiftSettings: strict,
            plugins: ["EmbedProtocolSchemas"]),
        .target(name: "SoudanDomain", dependencies: ["SoudanProtocol", "SoudanSync"], swiftSettings: strict),
        .target(
            name: "SoudanStore",
            dependencies: [
                "SoudanProtocol", "SoudanDomain", "SoudanSync", "CSoudanShim",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "SoudanService",
            dependencies: [
                "SoudanProtocol", "SoudanDomain", "SoudanStore", "SoudanSync",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict),
        .target(
            name: "SoudanServer",
            dependencies: [
                "CLibUV", "CSoudanShim", "SoudanProtocol", "SoudanSync",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(name: "SoudanClient", dependencies: ["CSoudanShim", "SoudanProtocol", "SoudanSync"], swiftSettings: strict),

        .executableTarget(
            name: "soudand",
            dependencies: [
                "SoudanServer", "SoudanService", "SoudanStore", "SoudanDomain", "SoudanProtocol", "SoudanSync", "CSoudanShim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "soudanctl",
            dependencies: [
                "SoudanClient", "SoudanProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "soudan-load",
            dependencies: [
                "CSoudanShim", "SoudanClient", "SoudanDomain", "SoudanProtocol", "SoudanSync",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strict),

        // libFuzzer target over frames → envelope → arguments → dispatch → store
        // (scripts/fuzz); an ordinary build replays a corpus instead.
        .executableTarget(
            name: "soudan-fuzz",
            dependencies: [
                "SoudanService", "SoudanStore", "SoudanDomain", "SoudanProtocol", "CSoudanShim",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict + fuzzSwiftSettings,
            linkerSettings: fuzzLinkerSettings),

        .testTarget(
            name: "SoudanProtocolTests",
            dependencies: ["SoudanProtocol", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict),
        .testTarget(name: "SoudanDomainTests", dependencies: ["SoudanDomain", "SoudanSync"], swiftSettings: strict),
        // A temporary database for the tests of the Store and of the Service.
        .target(
            name: "SoudanTestSupport",
            dependencies: [
                "SoudanStore", "SoudanProtocol", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/SoudanTestSupport", swiftSettings: strict),
        .testTarget(
            name: "SoudanStoreTests",
            dependencies: [
                "SoudanStore", "SoudanTestSupport", "SoudanDomain", "SoudanProtocol", "SoudanSync", "CSoudanShim",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "SoudanServiceTests",
            dependencies: [
                "SoudanService", "SoudanStore", "SoudanTestSupport", "SoudanDomain", "SoudanProtocol", "SoudanSync", "CSoudanShim",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict),
        .testTarget(name: "SoudanServerTests", dependencies: ["SoudanServer", "SoudanProtocol"], swiftSettings: strict),
        .testTarget(
            name: "SoudanIntegrationTests",
            dependencies: [
                "SoudanClient", "SoudanProtocol", "SoudanSync", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict),
    ]
)
