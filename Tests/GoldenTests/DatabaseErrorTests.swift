// A database that is not there, refuses, lacks what the script names, or drops the connection:
// each a located error with the server's words and an exit code per sysexits, never a hang.
import FunnelEngine
import FunnelLanguage
@testable import FunnelPostgres
import Testing

#if canImport(Glibc)
import Glibc
#endif

struct DatabaseErrorTests {
    static var url: String? { DatabaseGoldenTests.url }

    /// The test server's address with another user, password or port.
    static func address(user: String = "funnel", port: String? = nil) -> String {
        guard let url, let at = url.firstIndex(of: "@"), let colon = url[at...].firstIndex(of: ":"), let slash = url[colon...].firstIndex(of: "/") else { return "" }
        return "postgresql://\(user)@" + url[url.index(after: at)..<colon] + ":" + (port ?? String(url[url.index(after: colon)..<slash])) + url[slash...]
    }

    func run(_ script: String) -> String {
        GoldenHarness.run(text: script, asScriptAt: GoldenTests.root + "/db.funnel", relativeTo: GoldenTests.root)
    }

    @Test(.enabled(if: DatabaseErrorTests.url != nil)) func unreachableServer() {
        let out = run("leads = load \"\(Self.address(port: "1"))\" table \"leads\"\n")
        #expect(out.contains("cannot connect to"), "\(out)")
        #expect(out.contains("db.funnel:1:9"), "\(out)")
        #expect(out.hasSuffix("-- exit 69 --\n"), "\(out)")
    }

    @Test(.enabled(if: DatabaseErrorTests.url != nil)) func wrongUserOrPassword() {
        let out = run("leads = load \"\(Self.address(user: "nobody"))\" table \"leads\"\n")
        #expect(out.contains("password authentication failed"), "\(out)")
        #expect(out.hasSuffix("-- exit 77 --\n"), "\(out)")
    }

    @Test(.enabled(if: DatabaseErrorTests.url != nil)) func missingTableListsThoseThere() throws {
        try DatabaseGoldenTests.prepare()
        let out = run("t = load env(\"FUNNEL_TEST_DATABASE\") table \"no_such_table\"\n")
        #expect(out.contains("has no table no_such_table"), "\(out)")
        #expect(out.contains("public.golden_leads"), "\(out)")
        #expect(out.hasSuffix("-- exit 66 --\n"), "\(out)")
    }

    @Test(.enabled(if: DatabaseErrorTests.url != nil)) func queryErrorsCarryTheServersMessage() throws {
        try DatabaseGoldenTests.prepare()
        let out = run("x = 1\nt = load env(\"FUNNEL_TEST_DATABASE\") query \"select no_such_column from golden_leads\"\n")
        #expect(out.contains("column \"no_such_column\" does not exist"), "\(out)")
        #expect(out.contains("db.funnel:2:5"), "\(out)")
        #expect(out.hasSuffix("-- exit 66 --\n"), "\(out)")
        let syntax = run("t = load env(\"FUNNEL_TEST_DATABASE\") query \"selec 1\"\n")
        #expect(syntax.contains("syntax error"), "\(syntax)")
        #expect(syntax.hasSuffix("-- exit 65 --\n"), "\(syntax)")
    }

    @Test(.enabled(if: DatabaseErrorTests.url != nil)) func timeColumnAndOptionsAreChecked() throws {
        try DatabaseGoldenTests.prepare()
        let missing = run("t = load env(\"FUNNEL_TEST_DATABASE\") table \"golden_leads\" time created\n")
        #expect(missing.contains("has no column 'created'") && missing.contains("created_at"), "\(missing)")
        let notTime = run("t = load env(\"FUNNEL_TEST_DATABASE\") table \"golden_leads\" time source\n")
        #expect(notTime.contains("not a date or timestamp"), "\(notTime)")
        let csvOption = run("t = load env(\"FUNNEL_TEST_DATABASE\") table \"golden_leads\" delimiter \";\"\n")
        #expect(csvOption.contains("this option is for CSV files"), "\(csvOption)")
        let neither = run("t = load env(\"FUNNEL_TEST_DATABASE\")\n")
        #expect(neither.contains("table \"public.leads\" or query"), "\(neither)")
    }

    @Test(.enabled(if: DatabaseErrorTests.url != nil)) func passwordsStayOutOfScripts() {
        let out = run("t = load \"postgresql://funnel:secret@127.0.0.1:1/x\" table \"leads\"\n")
        #expect(out.contains("a password written in a script"), "\(out)")
        #expect(!(out.split(separator: "\n").first ?? "").contains("secret"), "\(out)")
        let unset = run("t = load env(\"FUNNEL_NO_SUCH_VARIABLE\") table \"leads\"\n")
        #expect(unset.contains("the environment variable FUNNEL_NO_SUCH_VARIABLE is not set"), "\(unset)")
    }

    @Test(.enabled(if: DatabaseErrorTests.url != nil)) func typesFunnelHasNoneForReadAsText() throws {
        let out = run("""
        t = load env("FUNNEL_TEST_DATABASE") query "select 1::int4 as id, '{\\"a\\": 1}'::jsonb as payload, interval '2 days' as wait, 12.50::numeric(8,2) as amount, now()::timestamptz as at"
        t
        """)
        #expect(out.contains("payload") && out.contains("text, from PostgreSQL's jsonb"), "\(out)")
        #expect(out.contains("{\"a\": 1}"), "\(out)")
        #expect(out.contains("2 days"), "\(out)")
        #expect(out.contains("12.5"), "\(out)")
        #expect(!out.contains("-- exit"), "\(out)")
    }

    /// Names that need quoting, extreme and non-finite values, dates before 1970, an empty table:
    /// read and aggregated without a trap, ±infinity and NaN as nulls everywhere alike.
    @Test(.enabled(if: DatabaseErrorTests.url != nil)) func awkwardNamesAndValues() throws {
        guard let url = Self.url else { return }
        let address = try DatabaseAddress.parse(url, environment: ["PGPASSWORD": "funnel-test"], passwordFile: nil)
        let connection = DatabaseConnections.shared.connection(to: address)
        for statement in [
            "drop table if exists awkward",
            "create table awkward (\"Lead Source\" text, \"Ümlaut \"\"q\"\"\" int, big bigint, f float8, d date, t timestamptz, created timestamp, won timestamp)",
            "insert into awkward values ('a b', 1, 9223372036854775807, 'NaN', 'infinity', '-infinity', '1969-12-31 23:59:59', '1970-01-02'), "
                + "(null, null, -9223372036854775808, 'Infinity', '1900-02-28', '2100-01-01 12:00:00+05', '2025-01-01', null), "
                + "('ça', 3, 0, 1.5, '2025-06-30', '2025-06-30 23:59:59.999999+00', '2025-01-05', '2025-01-04'), "
                + "('a b', 4, 5, 2.5, '0001-01-01', '0001-01-01 00:00:00+00', '2025-02-01', '2025-02-10')",
            "drop table if exists awkward_empty",
            "create table awkward_empty (id int, at timestamp, s text)",
        ] {
            do { _ = try connection.scalarRows(statement, isCancelled: { false }) } catch {
                Issue.record("\(statement): \(error)")
                return
            }
        }
        let out = run("""
        n = load env("FUNNEL_TEST_DATABASE") table "awkward" time created
        n
        count(n) by `Lead Source`
        sum(n.`Ümlaut "q"`)
        sum(n.big)
        avg(n.f)
        min(n.d)
        max(n.t)
        min(n.created)
        funnel f on n {
          created at created
          won at won
        }
        f by `Lead Source`
        e = load env("FUNNEL_TEST_DATABASE") table "awkward_empty"
        e
        count(e)
        funnel g on e {
          a at at
        }
        g by s
        """)
        #expect(!out.contains("-- exit"), "\(out)")
        #expect(out.contains("f            decimal    2 nulls (50.0%)"), "\(out)")
        #expect(out.contains("t            timestamp  1 null (25.0%)"), "\(out)")
        #expect(out.contains("min(n.created) = 1969-12-31 23:59:59"), "\(out)")
        #expect(out.contains("sum(n.`Ümlaut \"q\"`) = 8"), "\(out)")
        #expect(out.contains("sum(n.big) = 4"), "\(out)")
        #expect(out.contains("avg(n.f) = 2"), "\(out)")
        #expect(out.contains("min(n.d) = 0001-01-01"), "\(out)")
        #expect(out.contains("max(n.t) = 2100-01-01 07:00:00"), "\(out)")
        #expect(out.contains("│ a b         │       2 │   2 │      100.0% │"), "\(out)")
        #expect(out.contains("e: 0 rows × 3 columns"), "\(out)")
        #expect(out.contains("count(e) = 0"), "\(out)")
    }

    @Test(.enabled(if: DatabaseErrorTests.url != nil)) func cancelStopsTheQueryOnTheServer() throws {
        guard let url = Self.url else { return }
        let address = try DatabaseAddress.parse(url, environment: ["PGPASSWORD": "funnel-test"], passwordFile: nil)
        let connection = DatabaseConnection(address: address)
        defer { connection.close() }
        let start = Clock.now
        #expect(throws: DatabaseError.self) {
            _ = try connection.columns("select pg_sleep(30)", isCancelled: { Clock.now - start > 0.3 })
        }
        do { _ = try connection.columns("select pg_sleep(30)", isCancelled: { Clock.now - start > 0.3 }) } catch {
            #expect(error.kind == .cancelled, "\(error)")
        }
        #expect(Clock.now - start < 10)
        // The connection is still usable.
        let after = try connection.columns("select 41 + 1 as answer", isCancelled: { false })
        #expect(after.first?.value(at: 0) == .integer(42))
    }

    @Test(.enabled(if: DatabaseErrorTests.url != nil)) func droppedConnectionIsAnErrorAndTheNextQueryReconnects() throws {
        guard let url = Self.url else { return }
        let address = try DatabaseAddress.parse(url, environment: ["PGPASSWORD": "funnel-test"], passwordFile: nil)
        let connection = DatabaseConnection(address: address)
        let killer = DatabaseConnection(address: address)
        defer { connection.close(); killer.close() }
        let pid = try connection.scalarRows("select pg_backend_pid()", isCancelled: { false }).first?.first ?? ""
        let thread = Thread { _ = try? killer.scalarRows("select pg_sleep(0.3), pg_terminate_backend(\(pid))", isCancelled: { false }) }
        thread.start()
        do {
            _ = try connection.columns("select pg_sleep(20)", isCancelled: { false })
            Issue.record("the query outlived its connection")
        } catch {
            #expect(error.kind == .connectionLost, "\(error)")
            #expect(error.message.contains("terminat") || error.message.contains("closed"), "\(error)")
        }
        thread.join()
        let after = try connection.columns("select 7 as n", isCancelled: { false })
        #expect(after.first?.value(at: 0) == .integer(7))
    }
}

/// Seconds on a monotonic clock.
enum Clock {
    static var now: Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}

/// A plain POSIX thread (a test's second client).
final class Thread: @unchecked Sendable {
    private let body: @Sendable () -> Void
    private var handle = pthread_t()

    init(_ body: @escaping @Sendable () -> Void) { self.body = body }

    func start() {
        let box = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&handle, nil, { raw in
            let thread = Unmanaged<Thread>.fromOpaque(raw!).takeRetainedValue()
            thread.body()
            return nil
        }, box)
    }

    func join() { pthread_join(handle, nil) }
}
