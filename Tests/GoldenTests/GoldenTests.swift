import FunnelEngine
import FunnelLanguage
import FunnelRender
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs every script under Tests/Golden/ and compares what it prints with the `.out` file beside it.
/// `.out` holds stdout, then `-- stderr --` and stderr when there is any, then `-- exit N --` when N ≠ 0.
/// Set UPDATE_GOLDEN=1 to rewrite the expected files after checking the differences by hand.
struct GoldenTests {
    static let root: String = {
        let file = #filePath
        var parts = file.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(2)
        return parts.joined(separator: "/") + "/Golden"
    }()

    static func scripts() -> [String] {
        var found: [String] = []
        func walk(_ dir: String) {
            guard let handle = opendir(dir) else { return }
            defer { closedir(handle) }
            var names: [String] = []
            while let entry = readdir(handle) {
                let name = withUnsafePointer(to: entry.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
                if name.hasPrefix(".") { continue }
                names.append(name)
            }
            for name in names.sorted() {
                let path = dir + "/" + name
                var info = stat()
                guard stat(path, &info) == 0 else { continue }
                if (info.st_mode & S_IFMT) == S_IFDIR { walk(path) } else if name.hasSuffix(".funnel"), !dir.hasSuffix("/include") { found.append(path) }
            }
        }
        walk(root)
        return found
    }

    @Test("golden scripts", arguments: GoldenTests.scripts())
    func golden(_ path: String) throws {
        let actual = GoldenHarness.run(scriptAt: path, relativeTo: GoldenTests.root)
        let expectedPath = String(path.dropLast(".funnel".count)) + ".out"
        if getenv("UPDATE_GOLDEN") != nil {
            GoldenHarness.write(actual, to: expectedPath)
            return
        }
        guard let expected = GoldenHarness.read(expectedPath) else {
            Issue.record("missing \(expectedPath); run with UPDATE_GOLDEN=1 to create it, then check it by hand")
            return
        }
        if actual != expected {
            Issue.record("output of \(path) differs from \(expectedPath):\n\(GoldenHarness.diff(expected: expected, actual: actual))")
        }
    }

    /// The same outputs whichever columns the loads read at once: reading a column later
    /// gives the column the whole load would have (types, file-wide decisions, warnings).
    @Test("golden scripts, every column read at load", arguments: GoldenTests.scripts())
    func goldenReadingEveryColumn(_ path: String) throws {
        try compare(path, columnsAtLoad: .all)
    }

    @Test("golden scripts, each column read when first needed", arguments: GoldenTests.scripts())
    func goldenReadingColumnsLate(_ path: String) throws {
        try compare(path, columnsAtLoad: .none)
    }

    private func compare(_ path: String, columnsAtLoad: GoldenHarness.ColumnsAtLoad) throws {
        guard getenv("UPDATE_GOLDEN") == nil, let expected = GoldenHarness.read(String(path.dropLast(".funnel".count)) + ".out") else { return }
        let actual = GoldenHarness.run(scriptAt: path, relativeTo: GoldenTests.root, columnsAtLoad: columnsAtLoad)
        if actual != expected {
            Issue.record("output of \(path) with columns read \(columnsAtLoad == .all ? "at load" : "late") differs:\n\(GoldenHarness.diff(expected: expected, actual: actual))")
        }
    }

    @Test func thereAreGoldenScripts() {
        #expect(GoldenTests.scripts().count >= 10)
    }
}
