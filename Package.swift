// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "funnel",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "funnel", targets: ["funnel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
    ],
    targets: [
        .target(name: "FunnelEngine"),
        .target(name: "FunnelAnalytics", dependencies: ["FunnelEngine"]),
        .target(name: "FunnelPostgres", dependencies: ["FunnelEngine", .product(name: "PostgresNIO", package: "postgres-nio")]),
        .target(name: "FunnelLanguage", dependencies: ["FunnelEngine", "FunnelAnalytics", "FunnelRender", "FunnelPostgres"]),
        .target(name: "FunnelRender", dependencies: ["FunnelEngine"]),
        .systemLibrary(name: "CEditLine", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        .target(name: "CEditLineShim", dependencies: ["CEditLine"]),
        .target(name: "FunnelShell", dependencies: ["FunnelLanguage", "FunnelRender", "CEditLine", "CEditLineShim"]),
        .target(name: "CMemoryPolicy"),
        .executableTarget(
            name: "funnel",
            dependencies: [
                "FunnelLanguage", "FunnelRender", "FunnelShell", "CMemoryPolicy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // The static binary carries ~114,000 relative relocations (Foundation, NIO). Packed
            // (DT_RELR: glibc 2.36+; lld, which the toolchain ships, since gold cannot pack them),
            // the loader no longer reads 2.7 MB of them at each start.
            linkerSettings: [.unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"])]
        ),
        .testTarget(name: "FunnelEngineTests", dependencies: ["FunnelEngine"]),
        .testTarget(name: "FunnelAnalyticsTests", dependencies: ["FunnelAnalytics"]),
        .testTarget(name: "FunnelPostgresTests", dependencies: ["FunnelPostgres"]),
        .testTarget(name: "FunnelLanguageTests", dependencies: ["FunnelLanguage"]),
        .testTarget(name: "FunnelRenderTests", dependencies: ["FunnelRender"]),
        .testTarget(name: "FunnelShellTests", dependencies: ["FunnelShell"]),
        .testTarget(name: "GoldenTests", dependencies: ["FunnelLanguage", "FunnelRender", "FunnelPostgres"]),
    ],
    swiftLanguageModes: [.v6]
)

// Coverage-guided fuzz targets (libFuzzer), built only by Scripts/fuzz with FUNNEL_FUZZ=1 and
// `-sanitize=fuzzer,address`, so that the ordinary `swift build` neither sees nor builds them.
// docs/fuzzing.md describes them.
if Context.environment["FUNNEL_FUZZ"] == "1" {
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("fuzz-csv", ["FunnelEngine"]),
        ("fuzz-parse", ["FunnelLanguage"]),
        ("fuzz-script", ["FunnelLanguage", "FunnelEngine", "FunnelRender"]),
        ("fuzz-values", ["FunnelLanguage", "FunnelEngine"]),
    ]
    // libFuzzer's driver as each target's main (FuzzMain.c says why).
    package.targets.append(.target(name: "FuzzMain", path: "Fuzz/Sources/FuzzMain"))
    for target in fuzzTargets {
        package.products.append(.executable(name: target.name, targets: [target.name]))
        package.targets.append(.executableTarget(
            name: target.name,
            dependencies: target.dependencies + ["FuzzMain"],
            path: "Fuzz/Sources/\(target.name)",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ))
    }
}
