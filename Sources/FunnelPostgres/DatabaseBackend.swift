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

    /// The most rows of a view fetched by position (a preview, `top`, `sort` of a small view):
    /// beyond, a statement reads the columns whole or asks the server to order the rows.
    let rowsFetchedByPosition: Int

    public init(relations: [String: TableValue], links: [Link], isCancelled: @escaping @Sendable () -> Bool, rowsFetchedByPosition: Int = 50_000) {
        inMemory = InMemoryBackend(relations: relations, links: links)
        self.isCancelled = isCancelled
        self.rowsFetchedByPosition = rowsFetchedByPosition
    }

    public func schema(of relation: String) -> RelationSchema? { inMemory.schema(of: relation) }
    public func takeNotes() -> [String] { inMemory.takeNotes() }

    /// A filter of a whole database table is worked out on the server: the positions of the rows
    /// it keeps come back (in the order columns are fetched), not the columns it reads; the view
    /// keeps the condition (`TableValue.selectedBy`). Another plan over a few rows of one
    /// (`won sort amount desc`) runs on those rows alone; a sort (and `top`) of a whole table or
    /// of a view chosen on the server is ordered there.
    public func view(_ plan: LogicalPlan) throws(PlanError) -> TableValue {
        if let kept = try filteredOnServer(plan) { return kept }
        if let few = try fewRows(plan), let whole = inMemory.relations[plan.relation] {
            let kept = try onFewRows(few.backend) { b throws(PlanError) in try b.view(plan) }
            var view = whole
            view.selection = kept.selection.map { $0.map { Int($0) < few.positions.count ? few.positions[Int($0)] : 0 } } ?? whole.selection
            return view
        }
        if let sorted = try sortedOnServer(plan) { return sorted }
        return try inMemory.view(plan)
    }

    /// The relation a plan scans when it is a whole database table or a view of one chosen on the
    /// server (its rows in table order, where its condition holds): the view, its table, a frame
    /// to write SQL over it, and the condition.
    private func serverRows(_ name: String) -> (view: TableValue, table: DatabaseTable, frame: SQLCompiler.Frame, condition: PlanExpression?)? {
        guard let base = inMemory.relations[name], base.selection == nil || base.selectedBy != nil,
              let table = DatabaseTable.of(base.table), base.table.columnsRead.isEmpty, case .relation = table.source,
              table.rowCount <= Self.positionLimit,
              let frame = SQLCompiler.Frame(.scan(name, columns: nil), catalog: SQLCompiler.Catalog(tables: [name: table])) else { return nil }
        return (base, table, frame, base.selectedBy)
    }

    /// `where` over a whole table or a view chosen on the server: the rows where both hold.
    /// A condition that reads other tables along links chooses the rows, but the view does not
    /// keep it: what it means would change with those tables.
    private func filteredOnServer(_ plan: LogicalPlan) throws(PlanError) -> TableValue? {
        guard let (name, joins, filterConditions) = Self.filters(plan), let rows = serverRows(name) else { return nil }
        var scan = LogicalPlan.scan(name, columns: nil)
        for join in joins { scan = .join(scan, join) }
        guard let frame = SQLCompiler.Frame(scan, catalog: catalog) else { return nil }
        var sql = frame.conditions.map { "(\($0))" }
        for condition in filterConditions {
            guard let typed = frame.expression(condition), typed.type == .boolean || typed.type == nil else { return nil }
            sql.append("(\(typed.sql))")
        }
        let along = frame.joins.sql
        guard let positions = try positions(of: rows.table, where: sql.joined(separator: " and "), joins: along, orderBy: [], limit: nil) else { return nil }
        noteLinkReads(frame.joins.reads, relation: name)
        var view = rows.view
        guard along.isEmpty else {
            view.selection = positions
            return view
        }
        let conditions = (rows.condition.map { [$0] } ?? []) + filterConditions
        let chosenBy = conditions.dropFirst().reduce(conditions[0]) { PlanExpression.binary(.and, $0, $1) }
        view.select(positions, by: chosenBy)
        return view
    }

    /// What reading columns against a link from the first of several rows means, said once per
    /// statement as the in-memory join says it.
    private func noteLinkReads(_ reads: [LinkRead], relation: String) {
        let shown = inMemory.relations[relation]?.sourceName ?? relation
        for read in reads {
            inMemory.notes.add(InMemoryBackend.firstOfSeveralNote(rows: read.severalLinking, of: shown, link: read.link, column: read.column))
        }
    }

    /// `sort` (and `top`: a limit over it) of a whole table or a view chosen on the server, as
    /// the in-memory sort orders: each key ascending or descending with nulls last, text byte by
    /// byte, ties in table order.
    private func sortedOnServer(_ plan: LogicalPlan) throws(PlanError) -> TableValue? {
        var node = plan
        var limit: Int? = nil
        if case .limit(let input, let n) = node { (node, limit) = (input, max(0, n)) }
        guard case .sort(.scan(let name, _), let keys) = node, !keys.isEmpty, let rows = serverRows(name) else { return nil }
        var orderBy: [SortSQL] = []
        for key in keys {
            guard let typed = rows.frame.expression(key.expression), let type = typed.type else { return nil }
            orderBy.append((typed.sql, type == .text, key.descending))
        }
        let condition = try rows.condition.map { c throws(PlanError) -> String in
            guard let typed = rows.frame.expression(c) else { throw PlanError("the view's condition has no SQL form", cause: .data) }
            return "(\(typed.sql))"
        }
        guard let positions = try positions(of: rows.table, where: condition ?? "true", joins: "", orderBy: orderBy, limit: limit) else { return nil }
        var view = rows.view
        view.selection = positions
        return view
    }

    /// Row positions are 32-bit (`Selection`): rows of a larger table are not named by position.
    static let positionLimit = Int(Int32.max)

    /// A sort key in SQL: its expression, whether it is text (compared byte by byte), descending.
    typealias SortSQL = (sql: String, text: Bool, descending: Bool)

    /// The positions of `table`'s rows (in the order its columns are fetched) where `condition`
    /// holds, ordered by `orderBy` (nulls last) then position, at most `limit`; nil when the
    /// query is too long. The table's row count is checked: positions of a changed table would
    /// name other rows.
    private func positions(of table: DatabaseTable, where condition: String, joins: String, orderBy: [SortSQL], limit: Int?) throws(PlanError) -> Selection? {
        let keys = orderBy.enumerated().map { "(\($1.sql)) as funnel_key\($0)" }
        let order = orderBy.enumerated().map { i, key in
            "funnel_key\(i)\(key.text ? " collate \"C\"" : "")\(key.descending ? " desc" : "") nulls last, "
        }.joined()
        var sql = "select funnel_n, funnel_total from (\(table.numberedRows(["(\(condition)) as funnel_kept"] + keys, joins: joins))) as r "
            + "where funnel_kept order by \(order)funnel_n"
        if let limit { sql += " limit \(limit)" }
        guard sql.utf8.count <= SQLCompiler.maxLength else { return nil }
        let columns = try Self.asked(table) { () throws(DatabaseError) in try table.connection.columns(sql, isCancelled: isCancelled) }
        var positions: Selection = []
        let rows = columns.first?.count ?? 0
        positions.reserveCapacity(rows)
        for r in 0..<rows {
            guard case .integer(let n) = columns[0].value(at: r), case .integer(let total) = columns[1].value(at: r), total == table.rowCount, n >= 0, n < total else {
                throw Self.changed(table, now: columns.count > 1 ? columns[1].value(at: r) : .null)
            }
            positions.append(Int32(n))
        }
        return positions
    }

    /// `filter(… filter(join(… scan)))`: the relation, its joins and the conditions, innermost
    /// first; nil for any other plan.
    private static func filters(_ plan: LogicalPlan) -> (String, [LinkJoin], [PlanExpression])? {
        var conditions: [PlanExpression] = []
        var node = plan
        while case .filter(let input, let condition) = node {
            conditions.insert(condition, at: 0)
            node = input
        }
        var joins: [LinkJoin] = []
        while case .join(let input, let join) = node {
            joins.insert(join, at: 0)
            node = input
        }
        guard !conditions.isEmpty, case .scan(let name, _) = node else { return nil }
        return (name, joins, conditions)
    }

    private static func changed(_ table: DatabaseTable, now: Value) -> PlanError {
        PlanError("\(table.description) changed since it was loaded (\(table.rowCount) rows then\(now.number.map { ", \(Int($0)) now" } ?? "")); load it again",
                  cause: .data)
    }

    /// A row plan over a few rows of a database table (a preview, `top`, `sort`, the rows `stuck`
    /// lists): only those rows of the columns it reads are fetched, by position, and an in-memory
    /// backend runs the plan on them. `positions`: the table's row of each of those rows.
    private func fewRows(_ plan: LogicalPlan) throws(PlanError) -> (backend: InMemoryBackend, positions: [Int32])? {
        var node = plan
        if case .aggregate(let input, _, _) = node { node = input }
        while let input = node.input {
            switch node {
            case .join, .aggregate: return nil
            default: node = input
            }
        }
        guard case .scan(let name, _) = node, let view = inMemory.relations[name], let selection = view.selection,
              selection.count <= rowsFetchedByPosition, let table = DatabaseTable.of(view.table), case .relation = table.source,
              table.rowCount <= Self.positionLimit,
              let unread = view.table.unread else { return nil }
        let read = plan.columnsRead[name] ?? []
        let names = read.contains(LogicalPlan.allColumns) ? view.table.columnNames : view.table.columnNames.filter { read.contains($0) }
        // Columns already in memory cost nothing more to gather from.
        guard names.contains(where: { !unread.isRead($0) }) else { return nil }
        let positions = Array(Set(selection)).sorted()
        var fetched: [String: Column] = [:]
        if positions.isEmpty {
            for name in names { fetched[name] = Column.zeros(view.table.type(of: name) ?? .text, name: name, count: 0) }
        } else {
            let list = table.selectList(names)
            let wanted = "'{" + positions.map { String($0) }.joined(separator: ",") + "}'::int8[]"
            let sql = "select * from (\(table.numberedRows(list))) as r where funnel_n = any(\(wanted)) order by funnel_n"
            let columns = try Self.asked(table) { () throws(DatabaseError) in try table.connection.columns(sql, isCancelled: isCancelled) }
            guard columns.count == names.count + 2, columns[0].count == positions.count else { throw Self.changed(table, now: .null) }
            for r in 0..<positions.count {
                guard case .integer(let n) = columns[0].value(at: r), n == Int64(positions[r]), case .integer(let total) = columns[1].value(at: r), total == table.rowCount else {
                    throw Self.changed(table, now: columns[1].value(at: r))
                }
            }
            for (i, name) in names.enumerated() {
                var column = columns[i + 2]
                column.name = name
                fetched[name] = column
            }
        }
        let index = Dictionary(uniqueKeysWithValues: positions.enumerated().map { ($1, Int32($0)) })
        var few = Table(name: view.table.name, columns: names.compactMap { fetched[$0] }, rowCount: positions.count, timeColumn: view.table.timeColumn)
        few.typeNotes = view.table.typeNotes
        few.readAs = view.table.readAs
        var relations = inMemory.relations
        relations[name] = TableValue(table: few, selection: selection.map { index[$0] ?? 0 }, sourceName: view.sourceName)
        return (InMemoryBackend(relations: relations, links: inMemory.links), positions)
    }

    /// Values per row (`leads where won select id, deals = count(deals), closed_at`) that read
    /// other tables along links, for a few rows of a database table (or all of a small one):
    /// worked out on the server for those rows only, so that neither table's columns nor the
    /// link's keys are read whole. Nil for any other plan.
    /// Whether a plan reads rows of other tables along links (a join, a linked aggregate, `has`).
    private static func readsAlongLinks(_ plan: LogicalPlan) -> Bool {
        var node: LogicalPlan? = plan
        while let current = node {
            if case .join = current { return true }
            if current.expressions.contains(where: { !$0.links.isEmpty || $0.columns.contains { $0.relation != nil } }) { return true }
            node = current.input
        }
        return false
    }

    private func projectedAlongLinks(_ plan: LogicalPlan) throws(PlanError) -> ResultTable? {
        guard Self.readsAlongLinks(plan) else { return nil }
        var derived: [String] = []
        var node = plan
        walk: while true {
            switch node {
            case .derive(let input, let name, _):
                derived.insert(name, at: 0)
                node = input
            case .join(let input, _):
                node = input
            default:
                break walk
            }
        }
        guard !derived.isEmpty, case .scan(let name, let scanned) = node, let view = inMemory.relations[name],
              let table = DatabaseTable.of(view.table), case .relation = table.source, table.rowCount <= Self.positionLimit,
              (view.selection?.count ?? table.rowCount) <= rowsFetchedByPosition else { return nil }
        var catalog = catalog
        catalog.tables[name] = table
        catalog.rowConditions[name] = nil
        guard let frame = SQLCompiler.Frame(plan, catalog: catalog) else { return nil }
        let columnNames = scanned ?? view.table.columnNames
        var list = table.selectList(columnNames)
        var types: [ColumnType] = columnNames.map { view.table.type(of: $0) ?? .text }
        for (i, name) in derived.enumerated() {
            guard let typed = frame.derived[name], let type = typed.type else { return nil }
            list.append("\(typed.sql) as funnel_d\(i)")
            types.append(type)
        }
        let positions = view.selection.map { Array(Set($0)).sorted() }
        var sql = "select * from (\(table.numberedRows(list, joins: frame.joins.sql))) as r"
        if let positions { sql += " where funnel_n = any('{" + positions.map { String($0) }.joined(separator: ",") + "}'::int8[])" }
        sql += " order by funnel_n"
        guard sql.utf8.count <= SQLCompiler.maxLength else { return nil }
        let columns = try Self.asked(table) { () throws(DatabaseError) in try table.connection.columns(sql, isCancelled: isCancelled) }
        let expected = positions?.count ?? table.rowCount
        let names = columnNames + derived
        var fetched: [Column]
        if expected == 0 {
            fetched = zip(names, types).map { DatabaseColumns.empty($1, name: $0) }
        } else {
            guard columns.count == names.count + 2, columns[0].count == expected else { throw Self.changed(table, now: .null) }
            for r in 0..<expected {
                guard case .integer(let n) = columns[0].value(at: r), n == Int64(positions?[r] ?? Int32(r)),
                      case .integer(let total) = columns[1].value(at: r), total == table.rowCount else {
                    throw Self.changed(table, now: columns[1].value(at: r))
                }
            }
            fetched = Array(columns.dropFirst(2))
            for i in fetched.indices { fetched[i].name = names[i] }
        }
        noteLinkReads(frame.joins.reads, relation: name)
        // Back in the view's order (a sorted view is not in table order).
        if let selection = view.selection, let positions {
            let index = Dictionary(uniqueKeysWithValues: positions.enumerated().map { ($1, Int32($0)) })
            let rows = selection.map { index[$0] ?? 0 }
            fetched = fetched.map { Gather.take($0, rows: rows) }
        }
        var result = Table(name: view.table.name, columns: fetched, rowCount: view.selection?.count ?? table.rowCount, timeColumn: view.table.timeColumn)
        result.typeNotes = view.table.typeNotes
        return ResultTable(table: result)
    }

    /// Runs `body` on an in-memory backend for a few rows, passing on what it noticed.
    private func onFewRows<T>(_ backend: InMemoryBackend, _ body: (InMemoryBackend) throws(PlanError) -> T) throws(PlanError) -> T {
        defer { for note in backend.takeNotes() { inMemory.notes.add(note) } }
        return try body(backend)
    }

    public func execute(_ plan: LogicalPlan) throws(PlanError) -> ResultTable {
        // Errors name the table the plan's rows are of.
        guard let compiled = sql(for: plan),
              let table = inMemory.relations[plan.relation].flatMap({ DatabaseTable.of($0.table) }) ?? tablesAndViews.0.values.first else {
            if let projected = try projectedAlongLinks(plan) { return projected }
            if let few = try fewRows(plan) { return try onFewRows(few.backend) { b throws(PlanError) in try b.execute(plan) } }
            return try inMemory.execute(plan)
        }
        var columns = try Self.asked(table) { () throws(DatabaseError) in try table.connection.columns(compiled.sql, isCancelled: isCancelled) }
        if let check = compiled.positionsChecked {
            // Rows named by position: every one counted, in a table of the rows it had.
            let checks = columns.suffix(3)
            guard checks.count == 3, let counted = checks.first else { throw Self.changed(table, now: .null) }
            var rows = 0
            for r in 0..<counted.count {
                rows += FunnelSQL.int(counted.value(at: r))
                for total in checks.dropFirst() where !total.isNull(r) && FunnelSQL.int(total.value(at: r)) != check.tableRows {
                    throw Self.changed(table, now: total.value(at: r))
                }
            }
            guard rows == check.rows else { throw Self.changed(table, now: .null) }
            columns.removeLast(3)
        }
        noteLinkReads(compiled.linkReads, relation: plan.relation)
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
            return try answered(sql, funnel) { () throws(DatabaseError) in try sql.countsByPeriod(unit, joint: request.joint, isCancelled: isCancelled) }
        case .entryPeriod(let unit):
            guard request.measures.isEmpty, request.staleBefore == nil, request.joint.isEmpty else { return try inMemory.funnelCounts(funnel, request) }
            return try answered(sql, funnel) { () throws(DatabaseError) in try sql.cohortCounts(unit, isCancelled: isCancelled) }
        case .keys(let keys):
            guard let keySQL = Self.keySQL(keys, sql) else { return try inMemory.funnelCounts(funnel, request) }
            var lastStageWhere: String? = nil
            if let condition = request.lastStageWhere {
                guard let typed = sql.keySQL(condition), typed.type == .boolean else { return try inMemory.funnelCounts(funnel, request) }
                lastStageWhere = typed.sql
            }
            guard let aggregates = sql.aggregates(request.measures, amongEntrantsOf: request.measuresAmongEntrantsOf,
                                                  amongReachersOf: request.measuresAmongReachersOf) else {
                return try inMemory.funnelCounts(funnel, request)
            }
            return try answered(sql, funnel) { () throws(DatabaseError) in
                try sql.counts(keys: keySQL, joint: request.joint, lastStageWhere: lastStageWhere, withNotes: request.withNotes,
                               aggregates: aggregates, staleBefore: request.staleBefore, isCancelled: isCancelled)
            }
        }
    }

    public func funnelDurations(_ funnel: FunnelQuery, by keys: [PlanExpression]) throws(PlanError) -> FunnelGroupDurations? {
        guard let sql = funnelSQL(funnel), let keySQL = Self.keySQL(keys, sql) else { return try inMemory.funnelDurations(funnel, by: keys) }
        return try answered(sql, funnel) { () throws(DatabaseError) in try sql.durations(keys: keySQL, isCancelled: isCancelled) }
    }

    public func funnelStaleRows(_ funnel: FunnelQuery, stage: Int, staleBefore: Int64) throws(PlanError) -> Selection? {
        guard let sql = funnelSQL(funnel), case .relation = sql.table.source, sql.table.rowCount <= Self.positionLimit else {
            return try inMemory.funnelStaleRows(funnel, stage: stage, staleBefore: staleBefore)
        }
        let table = sql.table
        let (positions, total) = try answered(sql, funnel) { () throws(DatabaseError) in try sql.staleRows(stage: stage, staleBefore: staleBefore, isCancelled: isCancelled) }
        if let total, total != table.rowCount { throw Self.changed(table, now: .integer(total)) }
        guard positions.allSatisfy({ $0 >= 0 && $0 < table.rowCount }) else { throw Self.changed(table, now: .null) }
        return positions.map { Int32($0) }
    }

    public func preview(of relation: String, rows: Int) throws(PlanError) -> Table? {
        guard let view = inMemory.relations[relation], view.selection == nil, let table = DatabaseTable.of(view.table) else {
            return try inMemory.preview(of: relation, rows: rows)
        }
        return try Self.asked(table) { () throws(DatabaseError) in
            try table.summary(name: view.table.name, timeColumn: view.table.timeColumn, rows: rows, readAs: view.table.readAs, isCancelled: isCancelled)
        }
    }

    /// The funnel's SQL form: its rows are a whole database table (or a view chosen on the
    /// server) and every stage has one.
    private func funnelSQL(_ funnel: FunnelQuery) -> FunnelSQL? {
        let catalog = catalog
        guard catalog.tables[funnel.relation] != nil else { return nil }
        return FunnelSQL(funnel, catalog: catalog)
    }

    /// A funnel's answer from the server, with what its joins noticed.
    private func answered<T>(_ sql: FunnelSQL, _ funnel: FunnelQuery, _ body: () throws(DatabaseError) -> T) throws(PlanError) -> T {
        let answer = try Self.asked(sql.table, body)
        noteLinkReads(sql.frame.joins.reads, relation: funnel.relation)
        return answer
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
        var catalog = catalog
        // A few rows chosen in memory, aggregated with rows of other tables along links, are
        // named by position (without links, `fewRows` fetches their columns instead).
        if catalog.tables[plan.relation] == nil, Self.readsAlongLinks(plan), let view = inMemory.relations[plan.relation],
           let selection = view.selection, selection.count <= rowsFetchedByPosition, view.table.columnsRead.isEmpty,
           let table = DatabaseTable.of(view.table), table.rowCount <= Self.positionLimit {
            let positions = Array(Set(selection)).sorted()
            if positions.count == selection.count {
                catalog.tables[plan.relation] = table
                catalog.rowPositions[plan.relation] = positions
            }
        }
        guard !catalog.tables.isEmpty else { return nil }
        let connections = Set(catalog.tables.values.map { ObjectIdentifier($0.connection) })
        guard connections.count == 1 else { return nil }
        return SQLCompiler(catalog: catalog).compile(plan)
    }

    /// The relations plans may be sent over, and the session's links.
    private var catalog: SQLCompiler.Catalog {
        let (tables, rowConditions) = tablesAndViews
        var links: [LinkStep: Link] = [:]
        for link in inMemory.links where links[link.step] == nil { links[link.step] = link }
        return SQLCompiler.Catalog(tables: tables, rowConditions: rowConditions, links: links)
    }

    /// The relations a plan may be sent over: whole database tables, and views of them chosen by
    /// a condition on the server (their table's rows where it holds).
    private var tablesAndViews: ([String: DatabaseTable], [String: PlanExpression]) {
        var tables = databaseTables
        var rowConditions: [String: PlanExpression] = [:]
        for (name, view) in inMemory.relations where view.selection != nil {
            if let condition = view.selectedBy, let table = DatabaseTable.of(view.table), view.table.columnsRead.isEmpty {
                tables[name] = table
                rowConditions[name] = condition
            }
        }
        return (tables, rowConditions)
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
