import FunnelEngine
import Synchronization

/// The backend of a session with database tables: plans over one database table that the
/// server can answer (`SQLCompiler`) are sent to it as SQL, and only the aggregates come back;
/// funnels over one are counted and timed there (`FunnelSQL`); every other plan runs in memory
/// (`InMemoryBackend`), its database columns fetched as needed. Over CSV tables alone it is the
/// in-memory backend.
public struct DatabaseBackend: Backend {
    public let inMemory: InMemoryBackend
    let isCancelled: @Sendable () -> Bool

    public init(relations: [String: TableValue], links: [Link], isCancelled: @escaping @Sendable () -> Bool) {
        inMemory = InMemoryBackend(relations: relations, links: links)
        self.isCancelled = isCancelled
    }

    public func schema(of relation: String) -> RelationSchema? { inMemory.schema(of: relation) }
    public func view(_ plan: LogicalPlan) throws(PlanError) -> TableValue { try inMemory.view(plan) }
    public func takeNotes() -> [String] { inMemory.takeNotes() }

    public func execute(_ plan: LogicalPlan) throws(PlanError) -> ResultTable {
        guard let compiled = sql(for: plan), let table = databaseTables.values.first else {
            return try inMemory.execute(plan)
        }
        let columns = try Self.asked(table) { () throws(DatabaseError) in try table.connection.columns(compiled.sql, isCancelled: isCancelled) }
        // An average came as a sum and a count (one more column each, in the query's results).
        var named: [Column] = []
        var c = 0
        for (i, (name, type)) in compiled.types.enumerated() {
            if let average = compiled.averages.first(where: { $0.column == i }) {
                let sums = c < columns.count ? columns[c] : nil, counts = c + 1 < columns.count ? columns[c + 1] : nil
                let rows = sums?.count ?? 0
                let means: [Double?] = (0..<rows).map { r in
                    guard let sum = sums?.value(at: r).number, case .integer(let n)? = counts?.value(at: r), n > 0 else { return nil }
                    return average.integer ? sum / Double(n) : DecimalSum.mean(sum, count: Int(n))
                }
                named.append(Column(name: name, storage: .decimal(means.map { $0 ?? 0 }), validity: Validity(packing: means.map { $0 != nil })))
                c += 2
                continue
            }
            var column = c < columns.count ? columns[c] : DatabaseColumns.empty(type, name: name)
            column.name = name
            named.append(column)
            c += 1
        }
        let rowCount = named.first?.count ?? 0
        return ResultTable(table: Table(name: "result", columns: named, rowCount: rowCount))
    }

    public func funnelCounts(_ funnel: FunnelQuery, _ request: FunnelCountsRequest) throws(PlanError) -> FunnelGroupCounts? {
        guard let sql = funnelSQL(funnel) else { return try inMemory.funnelCounts(funnel, request) }
        switch request.grouping {
        case .period(let unit):
            guard request.measures.isEmpty, request.staleBefore == nil else { return try inMemory.funnelCounts(funnel, request) }
            return try Self.asked(sql.table) { () throws(DatabaseError) in try sql.countsByPeriod(unit, joint: request.joint, isCancelled: isCancelled) }
        case .entryPeriod(let unit):
            guard request.measures.isEmpty, request.staleBefore == nil, request.joint.isEmpty else { return try inMemory.funnelCounts(funnel, request) }
            return try Self.asked(sql.table) { () throws(DatabaseError) in try sql.cohortCounts(unit, isCancelled: isCancelled) }
        case .keys(let keys):
            guard let keySQL = Self.keySQL(keys, sql) else { return try inMemory.funnelCounts(funnel, request) }
            var lastStageWhere: String? = nil
            if let condition = request.lastStageWhere {
                guard let typed = sql.keySQL(condition), typed.type == .boolean else { return try inMemory.funnelCounts(funnel, request) }
                lastStageWhere = typed.sql
            }
            guard let aggregates = sql.aggregates(request.measures) else { return try inMemory.funnelCounts(funnel, request) }
            return try Self.asked(sql.table) { () throws(DatabaseError) in
                try sql.counts(keys: keySQL, joint: request.joint, lastStageWhere: lastStageWhere, withNotes: request.withNotes,
                               aggregates: aggregates, staleBefore: request.staleBefore, isCancelled: isCancelled)
            }
        }
    }

    public func funnelDurations(_ funnel: FunnelQuery, by keys: [PlanExpression]) throws(PlanError) -> FunnelGroupDurations? {
        guard let sql = funnelSQL(funnel), let keySQL = Self.keySQL(keys, sql) else { return try inMemory.funnelDurations(funnel, by: keys) }
        return try Self.asked(sql.table) { () throws(DatabaseError) in try sql.durations(keys: keySQL, isCancelled: isCancelled) }
    }

    public func preview(of relation: String, rows: Int) throws(PlanError) -> Table? {
        guard let view = inMemory.relations[relation], view.selection == nil, let table = DatabaseTable.of(view.table) else {
            return try inMemory.preview(of: relation, rows: rows)
        }
        return try Self.asked(table) { () throws(DatabaseError) in
            try table.summary(name: view.table.name, timeColumn: view.table.timeColumn, rows: rows, readAs: view.table.readAs, isCancelled: isCancelled)
        }
    }

    /// The funnel's SQL form: its rows are a whole database table and every stage has one.
    private func funnelSQL(_ funnel: FunnelQuery) -> FunnelSQL? {
        databaseTables[funnel.relation].flatMap { FunnelSQL(funnel, table: $0) }
    }

    /// The SQL of each key over the funnel's rows; nil when one has none.
    private static func keySQL(_ keys: [PlanExpression], _ sql: FunnelSQL) -> [(sql: String, type: ColumnType)]? {
        var out: [(sql: String, type: ColumnType)] = []
        for key in keys {
            guard let typed = sql.keySQL(key) else { return nil }
            out.append(typed)
        }
        return out
    }

    /// What the server answered, its errors said as plan errors naming the table.
    private static func asked<T>(_ table: DatabaseTable, _ body: () throws(DatabaseError) -> T) throws(PlanError) -> T {
        do {
            return try body()
        } catch {
            throw planError(error, table: table)
        }
    }

    /// A database error as a plan error, with the failure's kind kept for the exit code.
    public static func planError(_ error: DatabaseError, table: DatabaseTable?) -> PlanError {
        let cause: PlanError.Cause
        switch error.kind {
        case .badAddress, .server: cause = .data
        case .unreachable, .connectionLost: cause = .unavailable
        case .authentication: cause = .permission
        case .missing: cause = .missing
        case .cancelled: return PlanError("cancelled", cause: .cancelled)
        }
        var notes = error.notes
        if let state = error.sqlState, error.kind == .server { notes.append("SQLSTATE \(state)") }
        return PlanError(table.map { "\($0.description): \(error.message)" } ?? error.message, notes: notes, cause: cause)
    }

    /// The SQL the plan is sent as, or nil when it runs in memory.
    public func sql(for plan: LogicalPlan) -> SQLCompiler.Compiled? {
        let tables = databaseTables
        guard !tables.isEmpty else { return nil }
        let connections = Set(tables.values.map { ObjectIdentifier($0.connection) })
        guard connections.count == 1 else { return nil }
        return SQLCompiler(tables: tables).compile(plan)
    }

    /// The relations that are whole database tables (a view with a selection is answered in
    /// memory: its rows were chosen there).
    private var databaseTables: [String: DatabaseTable] {
        var out: [String: DatabaseTable] = [:]
        for (name, view) in inMemory.relations where view.selection == nil {
            if let source = view.table.unread?.source as? DatabaseColumnSource, view.table.columnsRead.isEmpty {
                out[name] = source.table
            }
        }
        return out
    }
}
