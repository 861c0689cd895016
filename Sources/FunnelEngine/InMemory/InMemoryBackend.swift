/// Runs plans in memory on the columnar kernels: filters narrow selection vectors, text stays
/// dictionary codes, groups are found once per key set.
public struct InMemoryBackend: Backend {
    /// The relations plans scan, by name: loaded tables, views of them (a selection of rows), and
    /// small results bound for one statement.
    public var relations: [String: TableValue]
    public var links: [Link]
    /// What running a plan noticed that changes what a number means, in words.
    public let notes = PlanNotes()

    public init(relations: [String: TableValue] = [:], links: [Link] = []) {
        self.relations = relations
        self.links = links
    }

    public func schema(of relation: String) -> RelationSchema? {
        guard let view = relations[relation] else { return nil }
        // Names and types alone: columns a load left unread stay unread.
        let table = view.table
        return RelationSchema(columns: table.columnNames.map { ($0, table.type(of: $0) ?? .text) }, timeColumn: table.timeColumn, table: view.sourceName)
    }

    func link(_ step: LinkStep) -> Link? {
        links.first { $0.fromTable == step.fromTable && $0.fromColumn == step.fromColumn && $0.toTable == step.toTable && $0.toColumn == step.toColumn }
    }

    public func execute(_ plan: LogicalPlan) throws(PlanError) -> ResultTable {
        try readColumns(of: plan)
        if case .aggregate(let input, let keys, let measures) = plan {
            return try aggregate(input, keys: keys, measures: measures)
        }
        let (evaluation, kept) = try frame(plan)
        // All the rows in table order (no filter, no sort): the columns as they are, not copied.
        func output(_ column: Column) -> Column { kept.map { Gather.take(column, rows: $0) } ?? column }
        let rowCountOut = kept?.count ?? evaluation.view.table.rowCount
        let scanned: [Column]
        if let named = scanColumns(plan) {
            scanned = named.compactMap { evaluation.view.table.column(named: $0) }
        } else {
            scanned = evaluation.view.table.columns
        }
        var columns = scanned.map(output)
        for (ref, column) in derivedInOrder(plan, evaluation) {
            var out = output(column)
            out.name = ref.text
            columns.append(out)
        }
        var table = Table(name: evaluation.view.table.name, columns: columns, rowCount: rowCountOut, timeColumn: evaluation.view.table.timeColumn)
        table.typeNotes = evaluation.view.table.typeNotes
        return ResultTable(table: table)
    }

    public func takeNotes() -> [String] { notes.take() }

    // The rows are here: the analytics compute a funnel's reach from them (it serves every
    // other funnel statement too), and a table's summary reads them.
    public func funnelCounts(_ funnel: FunnelQuery, _ request: FunnelCountsRequest) throws(PlanError) -> FunnelGroupCounts? { nil }
    public func funnelDurations(_ funnel: FunnelQuery, by keys: [PlanExpression]) throws(PlanError) -> FunnelGroupDurations? { nil }
    public func funnelStaleRows(_ funnel: FunnelQuery, stage: Int, staleBefore: Int64) throws(PlanError) -> Selection? { nil }
    public func preview(of relation: String, rows: Int) throws(PlanError) -> Table? { nil }

    /// Reads, one pass per file, the columns the plan needs that their loads left unread (a
    /// column read on its own when first touched would cost a pass each).
    private func readColumns(of plan: LogicalPlan) throws(PlanError) {
        guard relations.values.contains(where: { $0.table.unread != nil }) else { return }
        for (name, columns) in plan.columnsRead {
            guard let table = relations[name]?.table, table.unread != nil else { continue }
            do throws(CSVError) {
                if columns.contains(LogicalPlan.allColumns) { try table.prepareAll() } else { try table.prepare(columns) }
            } catch {
                throw PlanError(error.message)
            }
        }
    }

    private func scanColumns(_ plan: LogicalPlan) -> [String]? {
        var node = plan
        while let input = node.input { node = input }
        if case .scan(_, let columns) = node { return columns }
        return nil
    }

    /// The derived columns in the order the plan derives them.
    private func derivedInOrder(_ plan: LogicalPlan, _ evaluation: RowEvaluation) -> [(ColumnRef, Column)] {
        var names: [String] = []
        var node: LogicalPlan? = plan
        while let current = node {
            if case .derive(_, let name, _) = current { names.insert(name, at: 0) }
            node = current.input
        }
        return names.compactMap { name in evaluation.extra[ColumnRef(name)].map { (ColumnRef(name), $0) } }
    }

    /// The rows a plan of scans, joins, filters, derives, sorts and limits keeps, as a view of
    /// its relation (joined and derived columns are dropped).
    public func view(_ plan: LogicalPlan) throws(PlanError) -> TableValue {
        try readColumns(of: plan)
        let (evaluation, rows) = try frame(plan)
        var view = evaluation.view
        view.selection = rows
        return view
    }

    /// An evaluation over the plan's relation with its joined and derived columns, and the rows
    /// kept (nil: every row, in table order).
    public func frame(_ plan: LogicalPlan) throws(PlanError) -> (RowEvaluation, Selection?) {
        switch plan {
        case .scan(let name, _):
            guard let view = relations[name] else { throw PlanError("unknown relation '\(name)'") }
            return (RowEvaluation(view: view, backend: self), view.selection)
        case .join(let input, let join):
            var (evaluation, rows) = try frame(input)
            guard relations[join.relation] != nil else { throw PlanError("unknown relation '\(join.relation)'") }
            if evaluation.joins[join.relation] == nil { evaluation.joins[join.relation] = join }
            return (evaluation, rows)
        case .filter(let input, let condition):
            let (evaluation, rows) = try frame(input)
            return (evaluation, try evaluation.filter(condition, selection: rows.map(ascending)))
        case .derive(let input, let name, let expression):
            var (evaluation, rows) = try frame(input)
            var column = VectorOps.materialize(try evaluation.evaluate(expression, selection: rows.map(ascending)), rowCount: evaluation.view.table.rowCount)
            column.name = name
            evaluation.extra[ColumnRef(name)] = column
            return (evaluation, rows)
        case .sort(let input, let keys):
            let (evaluation, rows) = try frame(input)
            var sortKeys: [(column: Column, descending: Bool)] = []
            for key in keys {
                sortKeys.append((VectorOps.materialize(try evaluation.evaluate(key.expression, selection: rows.map(ascending)), rowCount: evaluation.view.table.rowCount), key.descending))
            }
            return (evaluation, Sort.order(keys: sortKeys, selection: rows, rowCount: evaluation.view.table.rowCount))
        case .limit(let input, let n):
            let (evaluation, rows) = try frame(input)
            let all = rows ?? (0..<Int32(evaluation.view.table.rowCount)).map { $0 }
            return (evaluation, Array(all.prefix(max(0, n))))
        case .aggregate:
            throw PlanError("an aggregate has no rows of a relation")
        }
    }

    /// Kernels expect ascending rows; a sorted view is not.
    private func ascending(_ rows: Selection) -> Selection {
        zip(rows, rows.dropFirst()).contains(where: { $0 >= $1 }) ? Array(Set(rows)).sorted() : rows
    }

    // MARK: Joins

    /// What reading `column` against a link means when `rows` rows of `relation` have several
    /// linking rows.
    public static func firstOfSeveralNote(rows: Int, of relation: String, link: LinkStep, column: String) -> String {
        "\(CountText.of(rows, "\(relation) row")) \(rows == 1 ? "has" : "have") several \(link.fromTable) rows: "
            + "\(column) is read from the first of them (in file order); an aggregate such as count(\(link.fromTable)) or max(\(link.fromTable).\(column)) reads them all"
    }

    /// A column of a linked relation, brought into the rows of `view` along the join.
    func joined(_ name: String, along join: LinkJoin, into view: TableValue) throws(PlanError) -> Column {
        guard let link = link(join.link), let other = relations[join.relation], let column = other.table.column(named: name) else {
            throw PlanError("no column \(name) along \(join.link.text)")
        }
        let rowCount = view.table.rowCount
        var rows: [Int32]
        switch join.direction {
        case .toOne:
            guard link.target.count == rowCount else { throw PlanError("the link \(join.link.text) does not fit \(view.sourceName)") }
            rows = link.target
        case .firstLinking:
            // deals.mql_id -> mqls.mql_id lets an MQL read its deal's columns: its first deal, in file order.
            rows = [Int32](repeating: -1, count: rowCount)
            var several = Set<Int32>()
            for (r, t) in link.target.enumerated() where t >= 0 && Int(t) < rowCount {
                if rows[Int(t)] < 0 { rows[Int(t)] = Int32(r) } else { several.insert(t) }
            }
            if !several.isEmpty {
                notes.add(Self.firstOfSeveralNote(rows: several.count, of: view.sourceName, link: join.link, column: name))
            }
        }
        // Rows with no match read as null.
        let missing = rows.indices.filter { rows[$0] < 0 }
        for i in missing { rows[i] = 0 }
        var gathered = other.table.rowCount == 0 ? VectorOps.allNull(rowCount) : Gather.take(column, rows: rows)
        var validity = gathered.validity ?? Validity(count: rowCount, allValid: true)
        for i in missing { validity.clear(i) }
        gathered.validity = validity.nullCount == 0 ? nil : validity
        gathered.name = name
        return gathered
    }

    // MARK: Aggregation

    private func aggregate(_ input: LogicalPlan, keys: [GroupKey], measures: [Measure]) throws(PlanError) -> ResultTable {
        let (evaluation, rows) = try frame(input)
        let rowCount = evaluation.view.table.rowCount
        let selection = rows.map(ascending)
        var keyColumns: [Column] = []
        for key in keys {
            var column = VectorOps.materialize(try evaluation.evaluate(key.expression, selection: selection), rowCount: rowCount)
            if let unit = key.period {
                guard column.type.isTemporal || column.nullCount >= column.count else {
                    throw PlanError("`by \(unit.rawValue)` needs a date or timestamp, found \(VectorOps.describe(column.type))")
                }
                if column.type.isTemporal { column = DateKernels.truncate(column, to: unit, selection: selection) }
            }
            column.name = key.name
            keyColumns.append(column)
        }
        let grouping: Grouping? = keys.isEmpty ? nil : GroupBy.group(keys: keyColumns, selection: selection, rowCount: rowCount)
        var measureColumns: [Column] = []
        for measure in measures {
            let kept: Selection? = try measure.filter.map { f throws(PlanError) in try evaluation.filter(f, selection: selection) } ?? selection
            var column: Column? = nil
            if let argument = measure.argument {
                column = VectorOps.materialize(try evaluation.evaluate(argument, selection: kept), rowCount: rowCount)
            }
            let values = Aggregate.compute(measure.function, column: column, selection: kept, rowCount: rowCount, grouping: grouping)
            measureColumns.append(ColumnBuilder.column(from: values, name: measure.name))
        }
        let groupKeys = grouping?.keys.enumerated().map { i, column -> Column in
            var named = column
            named.name = keys[i].name
            return named
        } ?? []
        let resultRows = grouping?.groupCount ?? 1
        let table = Table(name: "result", columns: groupKeys + measureColumns, rowCount: resultRows, timeColumn: nil)
        return ResultTable(table: table)
    }
}

/// Notes gathered while plans run, taken by whoever runs the statement. Used from one thread.
public final class PlanNotes: @unchecked Sendable {
    private var pending: [String] = []

    public init() {}

    public func add(_ note: String) {
        if !pending.contains(note) { pending.append(note) }
    }

    public func take() -> [String] {
        defer { pending = [] }
        return pending
    }
}
