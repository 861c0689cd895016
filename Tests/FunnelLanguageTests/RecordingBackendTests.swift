import FunnelEngine
import FunnelRender
import Testing

@testable import FunnelLanguage

#if canImport(Glibc)
import Glibc
#endif

/// The plans a backend was given, in order.
final class PlanRecord: @unchecked Sendable {
    // Appended to by the one thread that runs the script.
    var plans: [LogicalPlan] = []

    /// Per loaded table, the columns the recorded plans read (views bound for a statement, such as
    /// "leads (12 rows)", count as their table).
    func columnsRead(of tables: [String]) -> [String: Set<String>] {
        var read: [String: Set<String>] = [:]
        for plan in plans {
            for (relation, columns) in plan.columnsRead {
                let table = tables.first { relation == $0 || relation.hasPrefix($0 + " ") } ?? relation
                read[table, default: []].formUnion(columns)
            }
        }
        return read
    }
}

/// A second backend: one type conforming to `Backend`, with no change to the language or the
/// analytics. It records each plan and lets the in-memory backend answer.
struct RecordingBackend: Backend {
    let inner: InMemoryBackend
    let record: PlanRecord

    func schema(of relation: String) -> RelationSchema? { inner.schema(of: relation) }

    func execute(_ plan: LogicalPlan) throws(PlanError) -> ResultTable {
        record.plans.append(plan)
        return try inner.execute(plan)
    }

    func view(_ plan: LogicalPlan) throws(PlanError) -> TableValue {
        record.plans.append(plan)
        return try inner.view(plan)
    }

    func takeNotes() -> [String] { inner.takeNotes() }
}

@Suite struct RecordingBackendTests {
    static let leads = """
        id,created_at,score,title,country,source,mql_at,customer_at,notes
        1,2025-01-05,70,VP Sales,DE,ads,2025-01-09,2025-02-01,first
        2,2025-01-20,40,Intern,FR,seo,,,second
        3,2025-02-11,90,Director,DE,ads,2025-02-12,,third
        4,2025-02-14,65,Head of IT,US,email,2025-02-20,2025-03-30,fourth

        """
    static let deals = """
        contact_id,amount,stage,owner
        1,1000,won,ann
        3,500,lost,bob
        4,2500,won,ann

        """

    /// Runs `body` after the fixtures, with `makeBackend` as the session's backend; the printed text.
    static func run(_ body: String, makeBackend: @escaping @Sendable ([String: TableValue], [Link]) -> any Backend) -> String {
        runKeepingColumns(body, makeBackend: makeBackend).printed
    }

    /// The printed text, and per loaded table the columns the session's plans read.
    static func runKeepingColumns(_ body: String, makeBackend: @escaping @Sendable ([String: TableValue], [Link]) -> any Backend) -> (printed: String, columns: [String: Set<String>]) {
        let folder = ExportTests.temporaryFolder()
        for (name, text) in [("leads.csv", leads), ("deals.csv", deals)] {
            if let f = fopen(folder + "/" + name, "wb") { fputs(text, f); fclose(f) }
        }
        let script = """
            leads = load "\(folder)/leads.csv" time created_at
            deals = load "\(folder)/deals.csv"
            link deals.contact_id -> leads.id
            rule mql = score >= 60
            kpi won = sum(deals.amount where stage == "won")

            """ + body
        final class Text: @unchecked Sendable { var value = "" }
        let printed = Text()
        let renderer = OutputText(format: .csv, style: TerminalStyle(width: 100, maxRows: 40, color: false, unicode: true))
        let context = EvaluationContext(today: Int32(CivilDate.days(year: 2025, month: 12, day: 31)), makeBackend: makeBackend)
        let interpreter = Interpreter(context: context) { output in printed.value += renderer.render(output).1 }
        var runner = ScriptRunner(interpreter: interpreter) { diagnostic in printed.value += renderer.render(diagnostic) }
        runner.keepGoing = true
        _ = runner.run(SourceFile(path: "<recording>", text: script))
        return (printed.value, interpreter.columnsRead)
    }

    /// The columns the script's plans read, and what it printed.
    static func recorded(_ body: String) -> (read: [String: Set<String>], printed: String) {
        let record = PlanRecord()
        let printed = run(body) { relations, links in RecordingBackend(inner: InMemoryBackend(relations: relations, links: links), record: record) }
        return (record.columnsRead(of: ["leads", "deals"]), printed)
    }

    @Test func aFilterReadsItsConditionsColumnsOnly() {
        let (read, _) = Self.recorded("count(leads where mql and country == \"DE\")\n")
        #expect(read["leads"] == ["score", "country"])
        #expect(read["deals"] == nil)
    }

    @Test func aKPIByADimensionReadsTheLinkedTablesKeyAndDimension() {
        let (read, printed) = Self.recorded("won by source\n")
        #expect(read["deals"] == ["amount", "stage", "contact_id"])
        #expect(read["leads"] == ["id", "source"])
        #expect(printed.contains("ads,1000"))
        #expect(printed.contains("email,2500"))
    }

    @Test func aFunnelReadsItsStageTimesAndConditions() {
        let (read, _) = Self.recorded("""
            funnel inbound on leads {
              leads     at created_at
              mqls      at mql_at where mql
              customers at customer_at
            }
            inbound

            """)
        #expect(read["leads"] == ["created_at", "mql_at", "customer_at", "score"])
        #expect(read["leads"]?.contains("notes") == false)
        #expect(read["deals"] == nil)
    }

    @Test func theSessionKnowsWhichColumnsEachLoadNeeds() {
        let (printed, columns) = Self.runKeepingColumns("""
            count(leads where mql)
            won by source
            funnel inbound on leads {
              leads at created_at
              mqls  at mql_at where mql
            }
            inbound by source

            """) { InMemoryBackend(relations: $0, links: $1) }
        #expect(!printed.contains("error"))
        #expect(columns["leads"] == ["score", "id", "source", "created_at", "mql_at"])
        #expect(columns["deals"] == ["amount", "stage", "contact_id"])
        // Views bound for a statement count as their table.
        #expect(columns.keys.sorted() == ["deals", "leads"])
    }

    @Test func theRecordingBackendAnswersAsTheInMemoryOneDoes() {
        let body = """
            leads by month select n = count(), customers = count(where customer_at is not null)
            won by source
            leads where mql sort score desc select id, score
            funnel inbound on leads {
              leads at created_at
              mqls  at mql_at where mql
            }
            inbound by source

            """
        let direct = Self.run(body) { InMemoryBackend(relations: $0, links: $1) }
        let (_, recorded) = Self.recorded(body)
        #expect(!direct.isEmpty)
        #expect(recorded == direct)
    }
}
