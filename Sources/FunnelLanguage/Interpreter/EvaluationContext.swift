#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FunnelEngine
import FunnelPostgres

/// What evaluation needs from outside the session: the date `today` means, and whether the user
/// pressed Ctrl-C.
public struct EvaluationContext: Sendable {
    public var today: Int32
    public var isCancelled: @Sendable () -> Bool
    /// What evaluation noticed about the data that changes what a number means (a value read
    /// from the first of several linked rows); the statement that caused it says it once.
    let dataNotes = DataNotes()
    /// Where plans run, over the session's relations and links: the in-memory backend unless
    /// another is given (a test's recording one, later a database).
    public var makeBackend: @Sendable (_ relations: [String: TableValue], _ links: [Link]) -> any Backend
    /// The plans run while a statement is explained.
    let planLog = PlanLog()
    /// An environment variable's value (`env("CRM_URL")`); the process's unless a test gives its own.
    public var environment: @Sendable (String) -> String? = { name in getenv(name).map { String(cString: $0) } }

    public init(today: Int32, isCancelled: @escaping @Sendable () -> Bool = { false },
                makeBackend: (@Sendable (_ relations: [String: TableValue], _ links: [Link]) -> any Backend)? = nil) {
        self.today = today
        self.isCancelled = isCancelled
        // Plans over database tables go to the database; the rest run in memory.
        self.makeBackend = makeBackend ?? { relations, links in DatabaseBackend(relations: relations, links: links, isCancelled: isCancelled) }
    }

    /// Runs a plan on a backend, noting it for `explain plan` and passing on what the backend noticed.
    func execute(_ plan: LogicalPlan, on backend: any Backend) throws(PlanError) -> ResultTable {
        planLog.record(plan, tableOf: { backend.schema(of: $0)?.table })
        defer { for note in backend.takeNotes() { dataNotes.add(note) } }
        return try backend.execute(plan)
    }

    /// The rows `selection` holds of a view's table (every row when nil), in its order, with all
    /// its columns: a scan of the view bound for the statement.
    func rows(of view: TableValue, _ selection: Selection?) throws(Diagnostic) -> Table {
        let name = selection.map { "\(view.sourceName) (\(CountText.of($0.count, "row")))" } ?? view.sourceName
        let backend = makeBackend([name: TableValue(table: view.table, selection: selection, sourceName: view.sourceName)], [])
        do { return try execute(.scan(name, columns: nil), on: backend).table } catch {
            throw Diagnostic.plan(error, at: nil)
        }
    }

    /// The rows a row plan keeps, as a view, noted like `execute`.
    func view(_ plan: LogicalPlan, on backend: any Backend) throws(PlanError) -> TableValue {
        planLog.record(plan, tableOf: { backend.schema(of: $0)?.table })
        defer { for note in backend.takeNotes() { dataNotes.add(note) } }
        return try backend.view(plan)
    }

    func checkCancelled() throws(Diagnostic) {
        if isCancelled() { throw Diagnostic(.error, .cancelled, "cancelled") }
    }
}

/// Notes gathered while one statement runs, taken by the interpreter when it ends. Used from the
/// one thread that runs statements.
final class DataNotes: @unchecked Sendable {
    private let pending = PlanNotes()
    /// Per table (name, rows, as-of date): whether any of its rows is dated after the as-of
    /// date (looked at once), and whether that was said.
    private var lateRows: [String: (any: Bool, said: Bool)] = [:]

    func lateRows(_ key: String) -> (any: Bool, said: Bool)? { lateRows[key] }
    func setLateRows(_ key: String, any: Bool, said: Bool) { lateRows[key] = (any, said) }

    func add(_ note: String) { pending.add(note) }

    func take() -> [String] { pending.take() }
}

/// The plans a statement ran, kept while `explain plan` records them; and per loaded table the
/// columns every plan of the session read (what a load needs to parse). Used from one thread.
final class PlanLog: @unchecked Sendable {
    private(set) var plans: [LogicalPlan] = []
    private var depth = 0
    private(set) var columnsByTable: [String: Set<String>] = [:]

    /// `tableOf` names the loaded table a relation's rows are of.
    func record(_ plan: LogicalPlan, tableOf: (String) -> String?) {
        if depth > 0 { plans.append(plan) }
        for (relation, columns) in plan.columnsRead {
            columnsByTable[tableOf(relation) ?? relation, default: []].formUnion(columns)
        }
    }

    /// Columns a statement read outside a plan (a link's keys; a table shown whole).
    func note(_ columns: Set<String>, of table: String) {
        columnsByTable[table, default: []].formUnion(columns)
    }

    /// Records the plans `body` runs, and gives them back.
    func recording<T>(_ body: () throws(Diagnostic) -> T) throws(Diagnostic) -> (T, [LogicalPlan]) {
        let before = plans.count
        depth += 1
        defer {
            depth -= 1
            if depth == 0 { plans = [] }
        }
        let result = try body()
        return (result, Array(plans[before...]))
    }
}

/// The session's backend as the analytics use it: each plan noted for `explain plan`, and what
/// the backend noticed passed on to the statement's notes.
struct RecordedBackend: Backend {
    let inner: any Backend
    let context: EvaluationContext

    init(_ inner: any Backend, context: EvaluationContext) {
        self.inner = inner
        self.context = context
    }

    func schema(of relation: String) -> RelationSchema? { inner.schema(of: relation) }
    func execute(_ plan: LogicalPlan) throws(PlanError) -> ResultTable { try context.execute(plan, on: inner) }
    func view(_ plan: LogicalPlan) throws(PlanError) -> TableValue { try context.view(plan, on: inner) }
    func takeNotes() -> [String] { [] }
    func funnelCounts(_ funnel: FunnelQuery, _ request: FunnelCountsRequest) throws(PlanError) -> FunnelGroupCounts? { try inner.funnelCounts(funnel, request) }
    func funnelDurations(_ funnel: FunnelQuery, by keys: [PlanExpression]) throws(PlanError) -> FunnelGroupDurations? { try inner.funnelDurations(funnel, by: keys) }
    func preview(of relation: String, rows: Int) throws(PlanError) -> Table? { try inner.preview(of: relation, rows: rows) }
    func funnelStaleRows(_ funnel: FunnelQuery, stage: Int, staleBefore: Int64) throws(PlanError) -> Selection? {
        try inner.funnelStaleRows(funnel, stage: stage, staleBefore: staleBefore)
    }
}
