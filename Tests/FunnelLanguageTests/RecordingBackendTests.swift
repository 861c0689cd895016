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
    func funnelCounts(_ funnel: FunnelQuery, _ request: FunnelCountsRequest) throws(PlanError) -> FunnelGroupCounts? { try inner.funnelCounts(funnel, request) }
    func funnelDurations(_ funnel: FunnelQuery, by keys: [PlanExpression]) throws(PlanError) -> FunnelGroupDurations? { try inner.funnelDurations(funnel, by: keys) }
    func preview(of relation: String, rows: Int) throws(PlanError) -> Table? { try inner.preview(of: relation, rows: rows) }
    func funnelStaleRows(_ funnel: FunnelQuery, stage: Int, staleBefore: Int64) throws(PlanError) -> Selection? { try inner.funnelStaleRows(funnel, stage: stage, staleBefore: staleBefore) }
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

    /// A backend that counts funnels where the rows are (as the database one does): the language
    /// sends it the funnel whole and prints what it answers, computing nothing of its own.
    struct CountingBackend: Backend {
        let inner: InMemoryBackend
        let asked: FunnelQueries

        func schema(of relation: String) -> RelationSchema? { inner.schema(of: relation) }
        func execute(_ plan: LogicalPlan) throws(PlanError) -> ResultTable { try inner.execute(plan) }
        func view(_ plan: LogicalPlan) throws(PlanError) -> TableValue { try inner.view(plan) }
        func takeNotes() -> [String] { inner.takeNotes() }
        func preview(of relation: String, rows: Int) throws(PlanError) -> Table? { nil }
        func funnelStaleRows(_ funnel: FunnelQuery, stage: Int, staleBefore: Int64) throws(PlanError) -> Selection? { nil }

        // Counts no table of the fixtures has (70 leads, 50 MQLs), so that the output shows whose they are.
        func funnelCounts(_ funnel: FunnelQuery, _ request: FunnelCountsRequest) throws(PlanError) -> FunnelGroupCounts? {
            asked.queries.append((funnel, request.grouping))
            let stages = funnel.stages.count
            let counts = Array([70, 50, 30].prefix(stages))
            switch request.grouping {
            case .keys(let keys) where !keys.isEmpty:
                return FunnelGroupCounts(keys: [[.text("ads")], [.text("seo")]], counts: [counts, counts.map { $0 / 10 }],
                                         notCounted: [Int](repeating: 0, count: stages), afterAsOf: 0, untimed: [Int](repeating: 0, count: stages))
            default:
                return FunnelGroupCounts(keys: [[]], counts: [counts], notCounted: [Int](repeating: 0, count: stages), afterAsOf: 0,
                                         untimed: [Int](repeating: 0, count: stages), rows: 70)
            }
        }

        func funnelDurations(_ funnel: FunnelQuery, by keys: [PlanExpression]) throws(PlanError) -> FunnelGroupDurations? {
            asked.queries.append((funnel, .keys(keys)))
            let step = FunnelDurations(count: 50, medianDays: 6.5, p90Days: 20, meanDays: 8)
            return FunnelGroupDurations(keys: [[]], steps: [[1: step]], endToEnd: [step])
        }
    }

    final class FunnelQueries: @unchecked Sendable {
        var queries: [(FunnelQuery, FunnelGroupBy)] = []
    }

    @Test func aBackendThatCountsFunnelsAnswersThemWhole() {
        let asked = FunnelQueries()
        let printed = Self.run("""
            funnel inbound on leads {
              within 90 days
              leads at created_at
              mqls  at mql_at where mql
            }
            inbound
            inbound by source
            inbound where country == "DE"
            velocity inbound

            """) { CountingBackend(inner: InMemoryBackend(relations: $0, links: $1), asked: asked) }
        #expect(!printed.contains("error"), "\(printed)")
        // The backend's counts, not the fixtures' (4 leads).
        #expect(printed.contains("leads,70"), "\(printed)")
        #expect(printed.contains("mqls,50"), "\(printed)")
        #expect(printed.contains("ads,70,50"), "\(printed)")
        #expect(printed.contains("seo,7,5"), "\(printed)")
        #expect(printed.contains("6.5"), "\(printed)")
        // What it was asked: the funnel's relation, stages and window, the where, the key.
        #expect(asked.queries.count >= 4)
        guard let first = asked.queries.first?.0 else { return }
        #expect(first.relation == "leads")
        #expect(first.stages.count == 2)
        #expect(first.stages[0].condition == nil && first.stages[1].condition != nil && first.stages[1].time != nil)
        #expect(first.window == Int64(90 * 86_400))
        #expect(asked.queries.contains { $0.0.filter != nil })
        #expect(asked.queries.contains { if case .keys(let keys) = $0.1 { keys.count == 1 } else { false } })
    }
}
