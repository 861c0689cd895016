import FunnelEngine
import Synchronization

/// The backend of a session with database tables: plans over one database table that the
/// server can answer (`SQLCompiler`) are sent to it as SQL, and only the aggregates come back;
/// every other plan runs in memory (`InMemoryBackend`), its database columns fetched as needed.
/// Over CSV tables alone it is the in-memory backend.
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
        let columns: [Column]
        do {
            columns = try table.connection.columns(compiled.sql, isCancelled: isCancelled)
        } catch {
            throw PlanError(error.kind == .cancelled ? "cancelled" : "\(table.description): \(error.message)", notes: error.notes)
        }
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
