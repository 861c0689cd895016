// The golden scripts on PostgreSQL: each script whose tables are the golden CSV files runs a
// second time with those tables in a database (created from the files, with the types funnel
// reads them as), and must print exactly what it prints from the files. Runs when
// FUNNEL_TEST_DATABASE names a server (Scripts/test starts a throwaway one); the password comes
// from PGPASSWORD, as for any libpq tool.
import FunnelEngine
import FunnelLanguage
import FunnelRender
@testable import FunnelPostgres
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

struct DatabaseGoldenTests {
    static let url: String? = getenv("FUNNEL_TEST_DATABASE").map { String(cString: $0) }

    /// The CSV files copied into the database, as tables named golden_<file>.
    static let tables = ["leads", "deals", "tiny", "spend", "sessions"]
    /// The funnel folder's own hand-made files (funnel/data/), as tables named golden_funnel_<file>.
    static let funnelTables = ["leads", "orders", "spend", "sqls", "plan", "lifecycle", "touches"]

    /// The repository's root (examples/ is there).
    static var repositoryRoot: String { String(GoldenTests.root.dropLast("/Tests/Golden".count)) }

    /// Each table to create: its name and the CSV file it is made from.
    static var sources: [(table: String, path: String)] {
        tables.map { ("golden_\($0)", GoldenTests.root + "/data/\($0).csv") }
            + funnelTables.map { ("golden_funnel_\($0)", GoldenTests.root + "/funnel/data/\($0).csv") }
            + [("review_leads", repositoryRoot + "/examples/data/leads.csv")]
    }

    /// Scripts that cannot run the same on a database, and why.
    static let excluded: [String: String] = [:]

    /// The golden scripts whose every load is one of `tables`' files with at most a time column.
    static func scripts() -> [String] {
        GoldenTests.scripts().filter { path in
            guard !path.contains("/errors/"), !path.contains("/include"), let text = GoldenHarness.read(path) else { return false }
            if excluded[String(path.dropFirst(GoldenTests.root.count + 1))] != nil { return false }
            if text.contains(" to \"") || text.contains("include ") || text.contains("# set:") { return false }
            let loads = text.components(separatedBy: "load ").count - 1
            return loads > 0 && rewritten(text, path: path) != nil
        }
    }

    /// The script with each `load "…/data/X.csv" [time c]` reading table golden_X (and in the
    /// funnel folder `load "data/X.csv"` table golden_funnel_X); nil when a load is anything else.
    static func rewritten(_ text: String, path scriptPath: String) -> String? {
        let inFunnelFolder = scriptPath.hasPrefix(GoldenTests.root + "/funnel/")
        var out: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard let range = line.range(of: "load \"") else { out.append(String(line)); continue }
            let rest = line[range.upperBound...]
            guard let close = rest.firstIndex(of: "\"") else { return nil }
            let path = rest[..<close]
            let after = rest[rest.index(after: close)...].trimmingPrefix(" ")
            guard after.isEmpty || (after.hasPrefix("time ") && !after.dropFirst(5).contains(" ")), path.hasSuffix(".csv") else { return nil }
            let stem = String(path.split(separator: "/").last?.dropLast(4) ?? "")
            let table: String
            // ../data/ from a folder of Tests/Golden is Tests/Golden/data (data/ is a folder of its own).
            if path.hasPrefix("../data/"), !path.dropFirst(8).contains("/"), tables.contains(stem) {
                table = "golden_\(stem)"
            } else if inFunnelFolder, path.hasPrefix("data/"), !path.dropFirst(5).contains("/"), funnelTables.contains(stem) {
                table = "golden_funnel_\(stem)"
            } else {
                return nil
            }
            out.append(String(line[..<range.lowerBound]) + "load env(\"FUNNEL_TEST_DATABASE\") table \"\(table)\"" + (after.isEmpty ? "" : " " + after))
        }
        return out.joined(separator: "\n")
    }

    static let prepared = Mutex<Result<Void, DatabaseError>?>(nil)

    /// Creates the tables once per test process.
    static func prepare() throws {
        try prepared.withLock { state in
            if state == nil { state = Result { () throws(DatabaseError) in try createTables() } }
            try state?.get()
        }
    }

    static func createTables() throws(DatabaseError) {
        guard let url else { return }
        let environment = ["PGPASSWORD": getenv("PGPASSWORD").map { String(cString: $0) } ?? ""]
        let address = try DatabaseAddress.parse(url, environment: environment, passwordFile: nil)
        let connection = DatabaseConnections.shared.connection(to: address)
        for (name, path) in sources {
            guard let loaded = try? CSVReader.load(path: path, name: name, options: CSVOptions()) else {
                throw DatabaseError(.missing, "cannot read \(path)")
            }
            let table = loaded.table
            let columns = table.columns
            let definitions = columns.map { "\(SQLText.identifier($0.name)) \(sqlType($0.type))" }
            _ = try connection.scalarRows("drop table if exists \(name)", isCancelled: { false })
            _ = try connection.scalarRows("create table \(name) (\(definitions.joined(separator: ", ")))", isCancelled: { false })
            var rows: [String] = []
            func flush() throws(DatabaseError) {
                guard !rows.isEmpty else { return }
                _ = try connection.scalarRows("insert into \(name) values \(rows.joined(separator: ", "))", isCancelled: { false })
                rows = []
            }
            for r in 0..<table.rowCount {
                rows.append("(" + columns.map { literal($0.value(at: r)) }.joined(separator: ", ") + ")")
                if rows.count == 500 { try flush() }
            }
            try flush()
        }
    }

    static func sqlType(_ type: ColumnType) -> String {
        switch type {
        case .integer: return "bigint"
        case .decimal: return "double precision"
        case .boolean: return "boolean"
        case .date: return "date"
        case .timestamp: return "timestamp"
        case .text: return "text"
        }
    }

    static func literal(_ value: Value) -> String {
        switch value {
        case .null: return "null"
        case .integer(let i): return String(i)
        case .decimal(let d): return "'\(d)'::float8"
        case .boolean(let b): return b ? "true" : "false"
        case .text(let s): return SQLText.literal(s)
        case .date(let d): return "date '\(CivilDate.format(days: Int(d)))'"
        case .timestamp(let t): return "timestamp '\(CivilDate.format(seconds: t))'"
        }
    }

    @Test("golden scripts on PostgreSQL print what they print from CSV", .enabled(if: DatabaseGoldenTests.url != nil),
          arguments: DatabaseGoldenTests.scripts())
    func sameOnDatabase(_ path: String) throws {
        try Self.prepare()
        guard let text = GoldenHarness.read(path), let database = Self.rewritten(text, path: path) else { return }
        let expected = GoldenHarness.run(scriptAt: path, relativeTo: GoldenTests.root)
        let actual = GoldenHarness.run(text: database, asScriptAt: path, relativeTo: GoldenTests.root)
        if actual != expected {
            Issue.record("\(path) on PostgreSQL differs from its run on CSV:\n\(GoldenHarness.diff(expected: expected, actual: actual))")
        }
    }

    /// With no row fetched by position, sorts and views of views are ordered and chosen by the
    /// server's SQL (the path of views larger than the golden tables): the same output again.
    @Test("golden scripts on PostgreSQL, rows ordered by the server, print what they print from CSV", .enabled(if: DatabaseGoldenTests.url != nil),
          arguments: DatabaseGoldenTests.scripts())
    func sameOnDatabaseWithoutFewRows(_ path: String) throws {
        try Self.prepare()
        guard let text = GoldenHarness.read(path), let database = Self.rewritten(text, path: path) else { return }
        let expected = GoldenHarness.run(scriptAt: path, relativeTo: GoldenTests.root)
        let actual = GoldenHarness.run(text: database, asScriptAt: path, relativeTo: GoldenTests.root) { relations, links in
            DatabaseBackend(relations: relations, links: links, isCancelled: { false }, rowsFetchedByPosition: 0)
        }
        if actual != expected {
            Issue.record("\(path) on PostgreSQL with every row plan on the server differs from its run on CSV:\n\(GoldenHarness.diff(expected: expected, actual: actual))")
        }
    }

    /// Whether two CSV outputs are the same, but for a mean of durations computed from the total
    /// of seconds on the server and from each day's double in memory: those may differ in the
    /// last binary digit (within 1e-13 of the value; docs/databases.md says so).
    static func sameDigits(_ expected: String, _ actual: String) -> Bool {
        if expected == actual { return true }
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false), b = actual.split(separator: "\n", omittingEmptySubsequences: false)
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where x != y {
            let cx = x.split(separator: ",", omittingEmptySubsequences: false), cy = y.split(separator: ",", omittingEmptySubsequences: false)
            guard cx.count == cy.count else { return false }
            for (u, v) in zip(cx, cy) where u != v {
                guard u.contains("."), v.contains("."), let p = Double(u), let q = Double(v), abs(p - q) <= 1e-13 * max(abs(p), abs(q)) else { return false }
            }
        }
        return true
    }

    /// Machine formats print every digit: the database's numbers are the in-memory engine's (a
    /// duration mean to within its last binary digit).
    @Test("golden scripts on PostgreSQL, as CSV, print every digit the CSV run prints", .enabled(if: DatabaseGoldenTests.url != nil),
          arguments: DatabaseGoldenTests.scripts())
    func sameDigitsOnDatabase(_ path: String) throws {
        try Self.prepare()
        guard let text = GoldenHarness.read(path), let database = Self.rewritten(text, path: path) else { return }
        let expected = GoldenHarness.run(text: text, asScriptAt: path, relativeTo: GoldenTests.root, format: .csv)
        let actual = GoldenHarness.run(text: database, asScriptAt: path, relativeTo: GoldenTests.root, format: .csv)
        if !Self.sameDigits(expected, actual) {
            Issue.record("\(path) on PostgreSQL, as CSV, differs from its run on CSV:\n\(GoldenHarness.diff(expected: expected, actual: actual))")
        }
    }

    /// The quarterly review (funnels, breakdowns, velocity, demand, runway, decay, what-if,
    /// reports) with its leads in the database prints what it prints from the CSV file.
    @Test(.enabled(if: DatabaseGoldenTests.url != nil)) func quarterlyReviewOnDatabase() throws {
        try Self.prepare()
        let path = Self.repositoryRoot + "/examples/quarterly-review.funnel"
        guard let text = GoldenHarness.read(path) else { Issue.record("no \(path)"); return }
        let line = "leads    = load \"data/leads.csv\" time created_at"
        #expect(text.contains(line))
        let database = text.replacingOccurrences(of: line, with: "leads    = load env(\"FUNNEL_TEST_DATABASE\") table \"review_leads\" time created_at")
        let expected = GoldenHarness.run(scriptAt: path, relativeTo: Self.repositoryRoot)
        let actual = GoldenHarness.run(text: database, asScriptAt: path, relativeTo: Self.repositoryRoot)
        #expect(expected.contains("velocity") && expected.contains("demand"))
        if actual != expected {
            Issue.record("the review on PostgreSQL differs from its run on CSV:\n\(GoldenHarness.diff(expected: expected, actual: actual))")
        }
    }

    @Test(.enabled(if: DatabaseGoldenTests.url != nil)) func manyScriptsRunOnBoth() {
        #expect(DatabaseGoldenTests.scripts().count >= 40)
    }
}
