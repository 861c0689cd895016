// What a script run tells its loads before it runs (issue 13): the names it may read as
// columns, and the tables it shows whole. A hint only saves work; these tests check that it
// covers what the script reads, so that a run does not pay a second pass over a file.
import FunnelEngine
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import FunnelLanguage

@Suite struct ColumnHintTests {
    static func statements(_ text: String) -> [Statement] {
        Parser.parse(SourceFile(path: "<test>", text: text)).statements
    }

    @Test func namesCoverEveryIdentifierIncludingBackquotedOnes() {
        let file = SourceFile(path: "<test>", text: """
            leads = load "leads.csv" time created_at
            rule mql = score >= 60 and `Job Title` ~ "vp"
            funnel f on leads {
              leads at created_at
              mqls at mql_at where mql
            }
            f by source
            """)
        let names = ColumnHint.names(in: file, baseDirectory: ".", fileSystem: FileAccess())
        for name in ["created_at", "score", "Job Title", "mql_at", "source"] {
            #expect(names.contains(name), "\(name)")
        }
        #expect(!names.contains("vp"), "strings are not names")
    }

    @Test func tablesShownOrExportedWholeAndTheViewsOverThem() {
        let whole = ColumnHint.tablesReadWhole(in: Self.statements("""
            leads = load "leads.csv"
            deals = load "deals.csv"
            spend = load "spend.csv"
            plan = load "plan.csv"
            hot = leads where score > 90
            hot
            export deals where amount > 0 to "out/deals.csv"
            spend by channel select total = sum(amount)
            count(plan)
            """))
        #expect(whole == ["hot", "leads", "deals"])
    }

    /// The loaded `leads` of a script run, after it ran.
    static func leadsAfter(_ body: String) -> Table? {
        let folder = ExportTests.temporaryFolder()
        if let f = fopen(folder + "/leads.csv", "wb") { fputs(RecordingBackendTests.leads, f); fclose(f) }
        let interpreter = Interpreter(context: EvaluationContext(today: 0)) { _ in }
        var runner = ScriptRunner(interpreter: interpreter) { _ in }
        _ = runner.run(SourceFile(path: "<hint>", text: "leads = load \"\(folder)/leads.csv\" time created_at\n" + body))
        return runner.interpreter.session.tables["leads"]?.table
    }

    @Test func aLoadKeepsTheNamedColumnsAndTheTimeColumn() throws {
        let leads = try #require(Self.leadsAfter("count(leads where score > 50)\n"))
        #expect(Set(leads.columnsRead.map(\.name)) == ["created_at", "score"])
        #expect(leads.columnNames.count > 2)
    }

    @Test func aTableShownWholeIsReadWholeAtLoad() throws {
        let leads = try #require(Self.leadsAfter("leads where score > 50\n"))
        #expect(leads.unread == nil)
        #expect(leads.columnsRead.count == leads.columnNames.count)
    }
}
