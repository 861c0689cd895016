import FunnelAnalytics
import FunnelEngine

/// Evaluates formulas over aggregates (KPIs, select items), optionally sliced by dimensions.
/// Each aggregate is computed over its own table, grouped by the same dimension names, and the
/// formula is then combined per key: this is what lets `romi by source` mix deals and spend.
struct Aggregation {
    let session: Session
    let context: EvaluationContext
    /// The rows of a whole table already grouped by the statement's keys (a funnel's breakdown):
    /// aggregates over that table use it instead of grouping again.
    var knownGrouping: KnownGrouping? = nil

    struct KnownGrouping {
        var view: TableValue
        var grouping: Grouping
        var dimensions: [Dimension]
        var undated: Int

        /// Whether `other` holds exactly the rows this grouping was made over.
        func covers(_ other: TableValue) -> Bool {
            view.selection == nil && other.selection == nil && view.sourceName == other.sourceName
                && view.table.name == other.table.name && view.table.rowCount == other.table.rowCount
        }
    }

    /// A formula with its aggregates replaced by slots.
    indirect enum Node {
        case constant(Value)
        case aggregate(Int)
        case key(Int)
        case unary(UnaryOperator, Node)
        case binary(BinaryOperator, Node, Node, SourceRange)
        case isNull(Node, negated: Bool)
        case call(String, [Node], SourceRange)
        /// A KPI's formula, planned once per statement and evaluated once per row of the result,
        /// however many formulas use it (`kpi k9 = k8 + k7` must not plan k7 twice per level).
        case shared(Int)
    }

    /// The values of shared nodes for one row of the result, computed when first needed.
    private final class SharedValues {
        let nodes: [Node]
        var values: [Value?]
        init(_ nodes: [Node]) {
            self.nodes = nodes
            values = Array(repeating: nil, count: nodes.count)
        }
    }

    struct AggregateSpec {
        var function: AggregateFunction
        var groupingKey: String
        var view: TableValue
        /// The view's name in the backend.
        var relation: String
        var joins: [LinkJoin]
        var filter: PlanExpression?
        var argument: PlanExpression?
        var argumentType: ColumnType?
        var range: SourceRange
    }

    struct Dimension {
        var expr: Expr
        var name: String
        /// Set when the key is a period of the table's time column (`by month`).
        var period: DateUnit?
    }

    struct Sliced {
        var keyColumns: [Column]
        var values: [[Value]]
        /// Said under the result, e.g. rows left out of a period breakdown for want of a date.
        var notes: [String] = []
        /// Whether each key is a period (month, quarter, …), for charts.
        var periodKeys: [Bool] = []
    }

    /// How deep KPIs may be built on KPIs (each level is a recursion of the planner).
    static let maxKPIDepth = 1_000

    private final class Plan {
        var aggregates: [AggregateSpec] = []
        /// Views bound for this statement, by the name plans scan them by.
        var relations: [String: TableValue] = [:]
        let origins = RowEvaluator.Origins()
        var kpiStack: [String] = []
        var sharedNodes: [Node] = []
        var kpiSlots: [String: Int] = [:]
    }

    /// `by` keys as dimensions, named as their columns will be: `source`, `deals.stage` → `stage`,
    /// anything else by its text. Periods are found when grouping.
    static func dimensions(_ keys: [Expr]) -> [Dimension] {
        keys.map { expr in
            if case .name(let n) = expr.kind { return Dimension(expr: expr, name: n, period: nil) }
            if case .member(_, let c) = expr.kind { return Dimension(expr: expr, name: c, period: nil) }
            return Dimension(expr: expr, name: expr.range.file.slice(expr.range), period: nil)
        }
    }

    static let periodNames: [String: DateUnit] = ["day": .day, "week": .week, "month": .month, "quarter": .quarter, "year": .year]

    // MARK: Entry points

    func scalarAggregate(name: String, args: [Expr], distinct: Bool, defaultTable: TableValue?, range: SourceRange) throws(Diagnostic) -> Value {
        let plan = Plan()
        let node = try planCall(name: name, args: args, distinct: distinct, range: range, plan: plan, defaultTable: defaultTable, dimensions: [])
        let sliced = try compute(nodes: [node], plan: plan, dimensions: [])
        return sliced.values.first?.first ?? .null
    }

    func evaluate(_ formulas: [Expr], by dimensionExprs: [Expr], defaultTable: TableValue?) throws(Diagnostic) -> Sliced {
        let dimensions = Aggregation.dimensions(dimensionExprs)
        let plan = Plan()
        var nodes: [Node] = []
        for formula in formulas {
            nodes.append(try planNode(formula, plan: plan, defaultTable: defaultTable, dimensions: dimensions))
        }
        return try compute(nodes: nodes, plan: plan, dimensions: dimensions)
    }

    /// Whether an expression contains an aggregate call (or a KPI, which always does).
    func containsAggregate(_ expr: Expr, rowTable: String? = nil) -> Bool {
        switch expr.kind {
        case .call(let name, let args, _):
            if Functions.aggregates.contains(name.lowercased()) {
                // count(orders) on leads, with orders linked to leads, is a value per lead.
                if let rowTable, let first = args.first, let table = Aggregation.tableNamed(in: first, session: session),
                   session.links.contains(where: { $0.fromTable == session.tables[table]?.sourceName && $0.toTable == rowTable }) {
                    return false
                }
                return true
            }
            return args.contains { containsAggregate($0, rowTable: rowTable) }
        case .name(let n): return session.kpis[n] != nil
        case .unary(_, let a), .isNull(let a, _): return containsAggregate(a, rowTable: rowTable)
        case .binary(_, let a, let b): return containsAggregate(a, rowTable: rowTable) || containsAggregate(b, rowTable: rowTable)
        case .between(let a, let b, let c, _):
            return containsAggregate(a, rowTable: rowTable) || containsAggregate(b, rowTable: rowTable) || containsAggregate(c, rowTable: rowTable)
        case .inList(let a, let items, _): return containsAggregate(a, rowTable: rowTable) || items.contains { containsAggregate($0, rowTable: rowTable) }
        default: return false
        }
    }

    /// The table an aggregate's argument is about: `orders`, `orders.amount`, `orders where paid`.
    static func tableNamed(in expr: Expr, session: Session) -> String? {
        switch expr.kind {
        case .name(let n): return session.tables[n] != nil ? n : nil
        case .member(let b, _): if case .name(let n) = b.kind, session.tables[n] != nil { return n }; return nil
        case .filter(let b?, _): return tableNamed(in: b, session: session)
        default: return nil
        }
    }

    // MARK: Planning

    private func planNode(_ expr: Expr, plan: Plan, defaultTable: TableValue?, dimensions: [Dimension]) throws(Diagnostic) -> Node {
        switch expr.kind {
        case .number(let n): return .constant(Literals.value(of: n))
        case .duration(let d): return .constant(.decimal(d))
        case .string(let s): return .constant(.text(s))
        case .date(let d): return .constant(.date(d))
        case .boolean(let b): return .constant(.boolean(b))
        case .null: return .constant(.null)
        case .name(let name):
            if let i = dimensions.firstIndex(where: { $0.name == name }) { return .key(i) }
            if let kpi = session.kpis[name] {
                if plan.kpiStack.contains(name) {
                    throw Diagnostic.error("KPI '\(name)' refers to itself: \((plan.kpiStack + [name]).joined(separator: " → "))", at: expr.range)
                }
                if let slot = plan.kpiSlots[name] { return .shared(slot) }
                if plan.kpiStack.count >= Aggregation.maxKPIDepth {
                    throw Diagnostic.error("KPIs built on KPIs go more than \(Aggregation.maxKPIDepth) levels deep here (\(Cycles.describe(plan.kpiStack + [name]))); "
                        + "funnel evaluates at most that many", at: expr.range)
                }
                plan.kpiStack.append(name)
                defer { plan.kpiStack.removeLast() }
                let node = try planNode(kpi.definition.formula, plan: plan, defaultTable: defaultTable, dimensions: dimensions)
                plan.sharedNodes.append(node)
                plan.kpiSlots[name] = plan.sharedNodes.count - 1
                return .shared(plan.sharedNodes.count - 1)
            }
            if let value = session.scalars[name] { return .constant(value) }
            if name == "today" { return .constant(.date(context.today)) }
            if session.tables[name] != nil {
                throw Diagnostic.error("'\(name)' is a table; a formula needs a number from it, such as count(\(name))", at: expr.range)
            }
            if session.funnels[name] != nil {
                throw Diagnostic.error("'\(name)' is a funnel; a formula can use one stage's count: count(\(name).stage) is not supported yet, use the stage's condition", at: expr.range)
            }
            if let table = defaultTable, table.table.hasColumn(name) {
                throw Diagnostic.error("'\(name)' is a column of \(table.sourceName); use an aggregate such as sum(\(name)) or add it to `by`", at: expr.range)
            }
            throw Diagnostic.error("unknown name '\(name)'", at: expr.range,
                                   suggestion: Suggestion.nearest(to: name, in: session.kpiOrder + session.scalars.keys.sorted() + session.tableOrder + (defaultTable?.table.columnNames ?? [])))
        case .unary(let op, let a):
            return .unary(op, try planNode(a, plan: plan, defaultTable: defaultTable, dimensions: dimensions))
        case .binary(let op, let a, let b):
            if op == .match || op == .notMatch, case .string(let pattern) = b.kind {
                do { _ = try TextMatcher(pattern: pattern) } catch {
                    throw Diagnostic.error("invalid regular expression \"\(Lexer.abbreviated(pattern))\"", at: b.range, notes: error.reason.map { [$0] } ?? [])
                }
            }
            return .binary(op, try planNode(a, plan: plan, defaultTable: defaultTable, dimensions: dimensions),
                           try planNode(b, plan: plan, defaultTable: defaultTable, dimensions: dimensions), expr.range)
        case .isNull(let a, let negated):
            return .isNull(try planNode(a, plan: plan, defaultTable: defaultTable, dimensions: dimensions), negated: negated)
        case .between(let a, let lo, let hi, let negated):
            let x = try planNode(a, plan: plan, defaultTable: defaultTable, dimensions: dimensions)
            let inside = Node.binary(.and, .binary(.greaterEqual, x, try planNode(lo, plan: plan, defaultTable: defaultTable, dimensions: dimensions), expr.range),
                                     .binary(.lessEqual, x, try planNode(hi, plan: plan, defaultTable: defaultTable, dimensions: dimensions), expr.range), expr.range)
            return negated ? .unary(.not, inside) : inside
        case .inList(let a, let items, let negated):
            let x = try planNode(a, plan: plan, defaultTable: defaultTable, dimensions: dimensions)
            var any = Node.constant(.boolean(false))
            for item in items {
                any = .binary(.or, any, .binary(.equal, x, try planNode(item, plan: plan, defaultTable: defaultTable, dimensions: dimensions), expr.range), expr.range)
            }
            return negated ? .unary(.not, any) : any
        case .call(let name, let args, let distinct):
            if name.lowercased() == Functions.wholeTable {
                return .constant(try wholeTableValue(args, range: expr.range, defaultTable: defaultTable))
            }
            if Functions.aggregates.contains(name.lowercased()) {
                return try planCall(name: name, args: args, distinct: distinct, range: expr.range, plan: plan, defaultTable: defaultTable, dimensions: dimensions)
            }
            let lowered = name.lowercased()
            if !containsAggregate(expr) {
                // A row function on constants is a constant: lower("ABC"), year(2025-07-01), today().
                let nothing = TableValue(table: Table(name: "", columns: [], rowCount: 1), selection: nil, sourceName: "")
                do {
                    if case .scalar(let v) = try RowEvaluator(session: session, view: nothing, context: context).evaluate(expr, selection: nil) {
                        return .constant(v)
                    }
                } catch {
                    if !error.message.hasPrefix("unknown column") { throw error }
                }
            }
            guard ["round", "abs", "coalesce"].contains(lowered) else {
                if Functions.rowFunctions.contains(lowered) {
                    throw Diagnostic.error("\(name)() works on each row of a table; here it needs a value for each group — put it inside an aggregate", at: expr.range)
                }
                throw Diagnostic.error("unknown function '\(name)'", at: expr.range, suggestion: Functions.suggestion(for: name))
            }
            var nodes: [Node] = []
            for arg in args { nodes.append(try planNode(arg, plan: plan, defaultTable: defaultTable, dimensions: dimensions)) }
            return .call(lowered, nodes, expr.range)
        case .member(let base, let column):
            if case .name(let t) = base.kind, session.tables[t] != nil {
                throw Diagnostic.error("\(t).\(column) is a column; a formula needs an aggregate of it, such as sum(\(t).\(column))", at: expr.range)
            }
            throw Diagnostic.error("unknown name '\(expr.range.file.slice(expr.range))'", at: expr.range)
        case .has, .load, .filter, .groupBy, .select, .sort, .top, .cohort, .versus, .confidence, .attributed, .running, .toDate, .wide:
            throw Diagnostic.error("expected a number or a formula here, found a table", at: expr.range)
        }
    }

    /// `all(formula)`: the formula over every row of its tables (those of the statement's filter,
    /// not of each group); the same value in every row of a grouped result.
    func wholeTableValue(_ args: [Expr], range: SourceRange, defaultTable: TableValue?) throws(Diagnostic) -> Value {
        guard args.count == 1, let formula = args.first else {
            throw Diagnostic.error("all() takes one formula: count() / all(count())", at: range)
        }
        guard containsAggregate(formula) else {
            throw Diagnostic.error("all() takes an aggregate formula, such as all(count()) or all(sum(amount))", at: formula.range)
        }
        let whole = Aggregation(session: session, context: context)
        return try whole.evaluate([formula], by: [], defaultTable: defaultTable).values.first?.first ?? .null
    }

    private func planCall(name: String, args: [Expr], distinct: Bool, range: SourceRange, plan: Plan, defaultTable: TableValue?, dimensions: [Dimension]) throws(Diagnostic) -> Node {
        let lowered = name.lowercased()
        var function: AggregateFunction
        var valueArgs = args
        switch lowered {
        case "count": function = .countRows
        case "sum": function = .sum
        case "avg": function = .avg
        case "min": function = .min
        case "max": function = .max
        case "median": function = .median
        case "p90": function = .percentile(0.9)
        default:
            guard args.count == 2 else {
                throw Diagnostic.error("percentile() takes a column and a fraction: percentile(x, 0.9) or percentile(x, 90%)", at: range)
            }
            guard case .number(let q) = args[1].kind, q.value >= 0, q.value <= 1 else {
                throw Diagnostic.error("the fraction must be a number from 0 to 1 (0.9 or 90%)", at: args[1].range)
            }
            function = .percentile(q.value)
            valueArgs = [args[0]]
        }
        if valueArgs.count > 1 {
            throw Diagnostic.error("\(lowered)() takes one argument, found \(valueArgs.count)", at: range)
        }
        let target = try aggregateTarget(valueArgs.first, function: lowered, defaultTable: defaultTable, range: range, plan: plan)
        if lowered == "count" {
            if target.argument != nil { function = distinct ? .countDistinct : .count } else if distinct {
                throw Diagnostic.error("count(distinct …) needs a column: count(distinct leads.email)", at: range)
            }
        } else if distinct {
            throw Diagnostic.error("distinct only goes with count", at: range)
        } else if target.argument == nil {
            throw Diagnostic.error("\(lowered)() needs a column, for example \(lowered)(deals.amount)", at: range)
        }
        if let column = target.argumentColumn {
            switch function {
            case .sum, .avg, .median, .percentile:
                // A column with no values at all (an empty export) reads as text; it sums to nothing.
                let empty = column.nullCount >= column.count
                if !(empty || column.type.isNumeric || column.type == .boolean || (column.type.isTemporal && function != .sum)) {
                    throw Diagnostic.error("\(lowered)() needs numbers, but \(valueArgs.first.map { $0.range.file.slice($0.range) } ?? "the column") is \(VectorOps.describe(column.type))", at: range,
                                           notes: target.view.table.typeNotes[column.name].map { [$0] } ?? [])
                }
            default: break
            }
        }
        plan.aggregates.append(AggregateSpec(function: function, groupingKey: target.key, view: target.view, relation: target.relation, joins: target.joins,
                                             filter: target.filter, argument: target.argument, argumentType: target.argumentColumn?.type, range: range))
        return .aggregate(plan.aggregates.count - 1)
    }

    private struct Target {
        var key: String
        var view: TableValue
        /// The view's name in the backend.
        var relation: String
        var joins: [LinkJoin] = []
        var filter: PlanExpression? = nil
        var argument: PlanExpression? = nil
        /// The argument over no rows: its type, or the column itself when it is one.
        var argumentColumn: Column? = nil
    }

    /// An evaluator of row expressions over `view` whose errors are said through the plan's origins.
    private func evaluator(_ view: TableValue, plan: Plan) -> RowEvaluator {
        var evaluator = RowEvaluator(session: session, view: view, context: context)
        evaluator.origins = plan.origins
        return evaluator
    }

    /// The name a view goes by in the backend: its session name, or a name bound for this statement.
    private func bind(_ view: TableValue, name: String?, plan: Plan) -> String {
        if let name, session.tables[name] != nil { return name }
        if let loaded = session.tables[view.sourceName], loaded.selection == nil, view.selection == nil,
           loaded.table.name == view.table.name, loaded.table.rowCount == view.table.rowCount {
            return view.sourceName
        }
        if let bound = plan.relations.first(where: { $0.value.sourceName == view.sourceName && $0.value.table.name == view.table.name
                                                     && $0.value.selection == view.selection }) {
            return bound.key
        }
        var bound = "\(view.sourceName) view"
        var n = 1
        while session.tables[bound] != nil || plan.relations[bound] != nil {
            n += 1
            bound = "\(view.sourceName) view \(n)"
        }
        plan.relations[bound] = view
        return bound
    }

    /// Works out which table an aggregate runs over, its rows, and the column it reads.
    private func aggregateTarget(_ arg: Expr?, function: String, defaultTable: TableValue?, range: SourceRange, plan: Plan) throws(Diagnostic) -> Target {
        func requireDefault(_ at: SourceRange) throws(Diagnostic) -> TableValue {
            guard let defaultTable else {
                throw Diagnostic.error("\(function)() needs a table here, for example \(function)(leads)", at: at)
            }
            return defaultTable
        }
        func over(_ view: TableValue, key: String, name: String?, argument: Expr?) throws(Diagnostic) -> Target {
            var target = Target(key: key, view: view, relation: bind(view, name: name, plan: plan))
            if let argument {
                let evaluator = evaluator(view, plan: plan)
                let lowered = try evaluator.lower(argument)
                target.argument = lowered
                target.joins = evaluator.lowered.joins
                if case .column(let ref) = lowered.unwrapped, ref.relation == nil, view.table.isInDatabase, let type = view.table.type(of: ref.name) {
                    // Its type, not its rows: a database column is read only when a plan needs it.
                    target.argumentColumn = Column.standIn(type, name: ref.name)
                } else if case .column(let ref) = lowered.unwrapped, ref.relation == nil, let column = view.table.column(named: ref.name) {
                    target.argumentColumn = column
                } else {
                    // Over no rows: its type only.
                    var typed = VectorOps.materialize(try evaluator.evaluateLowered(lowered, selection: [], at: argument.range), rowCount: 0)
                    typed.validity = nil
                    typed.name = ""
                    target.argumentColumn = typed
                }
            }
            return target
        }
        guard let arg else {
            return try over(try requireDefault(range), key: "", name: nil, argument: nil)
        }
        switch arg.kind {
        case .filter(let base, let condition):
            var target: Target
            if let base {
                if case .name(let n) = base.kind, session.tables[n] == nil, defaultTable == nil {
                    throw Diagnostic.error("unknown table '\(n)'", at: base.range, suggestion: Suggestion.nearest(to: n, in: session.tableOrder))
                }
                target = try aggregateTarget(base, function: function, defaultTable: defaultTable, range: range, plan: plan)
            } else {
                target = try over(try requireDefault(arg.range), key: "", name: nil, argument: nil)
            }
            let evaluator = evaluator(target.view, plan: plan)
            let lowered = try evaluator.lower(condition)
            target.filter = target.filter.map { .binary(.and, $0, lowered) } ?? lowered
            for join in evaluator.lowered.joins where !target.joins.contains(join) { target.joins.append(join) }
            return target
        case .name(let name):
            if let table = session.tables[name], defaultTable?.table.hasColumn(name) != true {
                return try over(table, key: name, name: name, argument: nil)
            }
            if defaultTable == nil {
                throw Diagnostic.error("unknown table '\(name)'", at: arg.range, suggestion: Suggestion.nearest(to: name, in: session.tableOrder),
                                       notes: ["\(function)() needs a table here, for example \(function)(leads)"])
            }
            return try over(try requireDefault(arg.range), key: "", name: nil, argument: arg)
        case .member(let base, let columnName):
            if case .name(let tableName) = base.kind, let table = session.tables[tableName] {
                return try over(table, key: tableName, name: tableName, argument: Expr(.name(columnName), arg.range))
            }
            throw Diagnostic.error("unknown table in '\(arg.range.file.slice(arg.range))'", at: base.range,
                                   suggestion: { if case .name(let n) = base.kind { return Suggestion.nearest(to: n, in: session.tableOrder) }; return nil }())
        default:
            // A computed value: over the one table it names (deals.amount * 0.9), else the table in scope.
            let tables = referencedTables(arg)
            let key = tables.count == 1 ? tables[0] : ""
            if tables.count == 1, let named = session.tables[tables[0]] {
                return try over(named, key: key, name: tables[0], argument: arg)
            }
            return try over(try requireDefault(arg.range), key: key, name: nil, argument: arg)
        }
    }

    private func referencedTables(_ expr: Expr) -> [String] {
        var found: [String] = []
        func walk(_ e: Expr) {
            switch e.kind {
            case .member(let base, _):
                if case .name(let t) = base.kind, session.tables[t] != nil, !found.contains(t) { found.append(t) }
            case .unary(_, let a), .isNull(let a, _): walk(a)
            case .binary(_, let a, let b): walk(a); walk(b)
            case .between(let a, let b, let c, _): walk(a); walk(b); walk(c)
            case .inList(let a, let items, _): walk(a); items.forEach(walk)
            case .call(_, let args, _): args.forEach(walk)
            default: break
            }
        }
        walk(expr)
        return found
    }

    // MARK: Computing

    /// The aggregates of one relation, run as one plan: grouped by the statement's keys once,
    /// each aggregate over the rows its own filter keeps.
    private struct RelationPlan {
        var relation: String
        var view: TableValue
        var joins: [LinkJoin] = []
        /// Indices into the statement's aggregates.
        var aggregates: [Int] = []
    }

    private func compute(nodes: [Node], plan: Plan, dimensions: [Dimension]) throws(Diagnostic) -> Sliced {
        try context.checkCancelled()
        let backend = context.makeBackend(session.tables.merging(plan.relations) { $1 }, session.links)
        // One plan per relation (and grouping key), shared by the aggregates over subsets of it.
        var relationPlans: [RelationPlan] = []
        var planOf: [String: Int] = [:]
        for (i, spec) in plan.aggregates.enumerated() {
            let key = spec.groupingKey + "\u{1}" + spec.relation
            if planOf[key] == nil {
                planOf[key] = relationPlans.count
                relationPlans.append(RelationPlan(relation: spec.relation, view: spec.view))
            }
            guard let p = planOf[key] else { continue }
            relationPlans[p].aggregates.append(i)
            for join in spec.joins where !relationPlans[p].joins.contains(where: { $0.relation == join.relation }) { relationPlans[p].joins.append(join) }
        }
        var resolvedDimensions = dimensions
        var perAggregate = [[[Value]: Value]](repeating: [:], count: plan.aggregates.count)
        var allKeys = Set<[Value]>()
        var notes: [String] = []
        for relationPlan in relationPlans {
            let view = relationPlan.view
            var grouped: (keys: [[Value]], values: [[Value]], late: [Int], undated: Int)
            if !dimensions.isEmpty, let known = knownGrouping, known.covers(view) {
                grouped = try computeWithKnownGrouping(known, relationPlan, plan: plan, backend: backend)
                for i in resolvedDimensions.indices where i < known.dimensions.count { resolvedDimensions[i].period = resolvedDimensions[i].period ?? known.dimensions[i].period }
            } else {
                let (keys, resolved, keyJoins) = try groupKeys(view: view, dimensions: dimensions, plan: plan)
                // A dimension is a period when any table read it as one (a table with a column
                // called month and one without must agree on the labels).
                for i in resolvedDimensions.indices where i < resolved.count { resolvedDimensions[i].period = resolvedDimensions[i].period ?? resolved[i].period }
                grouped = try run(relationPlan, keys: keys, keyJoins: keyJoins, plan: plan, backend: backend)
            }
            if grouped.undated > 0, let timeName = view.table.timeColumn {
                notes.append("\(CountText.of(grouped.undated, "\(view.sourceName) row")) with no \(timeName) \(grouped.undated == 1 ? "is" : "are") in no period")
            }
            allKeys.formUnion(grouped.keys)
            for (j, i) in relationPlan.aggregates.enumerated() {
                var byKey: [[Value]: Value] = [:]
                for (g, key) in grouped.keys.enumerated() where j < grouped.values[g].count { byKey[key] = grouped.values[g][j] }
                perAggregate[i] = byKey
                if j < grouped.late.count { noteRowsAfterAsOf(plan.aggregates[i].view, late: grouped.late[j]) }
            }
        }
        if dimensions.isEmpty {
            let values = plan.aggregates.indices.map { Aggregation.filled(perAggregate[$0][[]] ?? .null, plan.aggregates[$0]) }
            let shared = SharedValues(plan.sharedNodes)
            var row: [Value] = []
            for node in nodes { row.append(try evaluateNode(node, aggregates: values, key: [], shared: shared)) }
            return Sliced(keyColumns: [], values: [row])
        }
        var keys = Array(allKeys)
        // Rows with no date belong to no period: they are counted in the note, not shown as a row.
        let periodIndices = resolvedDimensions.indices.filter { resolvedDimensions[$0].period != nil }
        if !periodIndices.isEmpty {
            keys.removeAll { key in periodIndices.contains { key[$0].isNull } }
        }
        if periodIndices.count == 1, let p = periodIndices.first, let unit = resolvedDimensions[p].period {
            keys = PeriodLabels.fillGaps(keys, periodIndex: p, unit: unit)
        }
        keys.sort(by: KeyOrder.less)
        var rows: [[Value]] = []
        rows.reserveCapacity(keys.count)
        for key in keys {
            var aggregateValues: [Value] = []
            for (i, spec) in plan.aggregates.enumerated() {
                aggregateValues.append(Aggregation.filled(perAggregate[i][key] ?? .null, spec))
            }
            var row: [Value] = []
            let shared = SharedValues(plan.sharedNodes)
            for node in nodes { row.append(try evaluateNode(node, aggregates: aggregateValues, key: key, shared: shared)) }
            rows.append(row)
        }
        notes += sameRowsRatioNotes(nodes, plan: plan, rows: rows)
        var keyColumns: [Column] = []
        for (d, dimension) in resolvedDimensions.enumerated() {
            let values = keys.map { $0[d] }
            if let unit = dimension.period {
                keyColumns.append(ColumnBuilder.column(from: values.map { PeriodLabels.label($0, unit: unit) }, name: dimension.name))
            } else {
                keyColumns.append(ColumnBuilder.column(from: values, name: dimension.name))
            }
        }
        return Sliced(keyColumns: keyColumns, values: rows, notes: notes, periodKeys: resolvedDimensions.map { $0.period != nil })
    }

    /// The plan of one relation's aggregates: its group keys, a measure per aggregate, the rows of
    /// each group (when a key is a period, to count the undated), and the rows after the as-of
    /// date (when the table has any).
    private func aggregatePlan(_ relationPlan: RelationPlan, keys: [GroupKey], keyJoins: [LinkJoin], plan: Plan) -> (LogicalPlan, measureOf: [Int], lateOf: [Int: Int], rows: Int?) {
        var input = LogicalPlan.scan(relationPlan.relation, columns: nil)
        var joined = Set<String>()
        for join in relationPlan.joins + keyJoins where joined.insert(join.relation).inserted { input = .join(input, join) }
        var measures: [Measure] = []
        // The same aggregate asked twice (`(revenue - sum(spend.amount)) / sum(spend.amount)`) is one measure.
        var known: [String: Int] = [:]
        var measureOf: [Int] = []
        var lateOf: [Int: Int] = [:]
        let late = lateCondition(relationPlan.view)
        func measure(_ m: Measure) -> Int {
            let text = PlanText.aggregate(m.function, m.argument) + (m.filter.map { " where " + PlanText.expression($0) } ?? "")
            if let i = known[text] { return i }
            measures.append(m)
            known[text] = measures.count - 1
            return measures.count - 1
        }
        for (j, i) in relationPlan.aggregates.enumerated() {
            let spec = plan.aggregates[i]
            measureOf.append(measure(Measure(name: Lexer.abbreviated(spec.range.file.slice(spec.range)), function: spec.function, argument: spec.argument, filter: spec.filter)))
            if let late {
                lateOf[j] = measure(Measure(name: "rows after the as-of date", function: .countRows, filter: spec.filter.map { .binary(.and, $0, late) } ?? late))
            }
        }
        let rows = keys.contains(where: { $0.period != nil }) ? measure(Measure(name: "rows", function: .countRows)) : nil
        return (.aggregate(input, keys: keys, measures: measures), measureOf, lateOf, rows)
    }

    private func run(_ relationPlan: RelationPlan, keys: [GroupKey], keyJoins: [LinkJoin], plan: Plan,
                     backend: any Backend) throws(Diagnostic) -> (keys: [[Value]], values: [[Value]], late: [Int], undated: Int) {
        let (logical, measureOf, lateOf, rowsMeasure) = aggregatePlan(relationPlan, keys: keys, keyJoins: keyJoins, plan: plan)
        let result: ResultTable
        do { result = try context.execute(logical, on: backend) } catch {
            throw evaluator(relationPlan.view, plan: plan).diagnostic(error, default: plan.aggregates[relationPlan.aggregates.first ?? 0].range)
        }
        let columns = result.table.columns
        let measureCount = relationPlan.aggregates.count
        var tuples: [[Value]] = []
        var values: [[Value]] = []
        var late = [Int](repeating: 0, count: measureCount)
        var undated = 0
        for g in 0..<result.table.rowCount {
            let key = (0..<keys.count).map { columns[$0].value(at: g) }
            tuples.append(key)
            values.append(measureOf.map { m in columns[keys.count + m].value(at: g) })
            for (j, m) in lateOf { late[j] += Int(columns[keys.count + m].value(at: g).number ?? 0) }
            if let r = rowsMeasure, keys.indices.contains(where: { keys[$0].period != nil && key[$0].isNull }) {
                undated += Int(columns[keys.count + r].value(at: g).number ?? 0)
            }
        }
        return (tuples, values, lateOf.isEmpty ? [] : late, undated)
    }

    /// A funnel breakdown's rows are grouped already: the aggregates over its table use that grouping.
    private func computeWithKnownGrouping(_ known: KnownGrouping, _ relationPlan: RelationPlan, plan: Plan,
                                          backend: any Backend) throws(Diagnostic) -> (keys: [[Value]], values: [[Value]], late: [Int], undated: Int) {
        let grouping = known.grouping
        var tuples: [[Value]] = []
        tuples.reserveCapacity(grouping.groupCount)
        for g in 0..<grouping.groupCount { tuples.append(grouping.keys.map { $0.value(at: g) }) }
        var values = [[Value]](repeating: [], count: grouping.groupCount)
        // Rows after the as-of date are counted, and said, as when the groups are found here.
        let lateRows = lateCondition(relationPlan.view)
        var late: [Int] = []
        for i in relationPlan.aggregates {
            let spec = plan.aggregates[i]
            var rows = LogicalPlan.scan(spec.relation, columns: [])
            for join in spec.joins { rows = .join(rows, join) }
            let computed: [Value]
            var lateCounts: [Value] = []
            do {
                computed = try GroupedRows.measure(Measure(name: "", function: spec.function, argument: spec.argument, filter: spec.filter), rows: rows,
                                                   rowCount: spec.view.table.rowCount, grouping: grouping, on: RecordedBackend(backend, context: context))
                if let lateRows {
                    lateCounts = try GroupedRows.measure(Measure(name: "", function: .countRows, filter: spec.filter.map { .binary(.and, $0, lateRows) } ?? lateRows),
                                                         rows: rows, rowCount: spec.view.table.rowCount, grouping: grouping, on: RecordedBackend(backend, context: context))
                }
            } catch {
                throw evaluator(spec.view, plan: plan).diagnostic(error, default: spec.range)
            }
            for g in 0..<grouping.groupCount { values[g].append(g < computed.count ? computed[g] : .null) }
            late.append(lateCounts.reduce(0) { $0 + Int($1.number ?? 0) })
        }
        return (tuples, values, lateRows == nil ? [] : late, known.undated)
    }

    /// `row's time >= the day after the as-of date`, when the table has any such row (looked at
    /// once per session); nil when it has none or when that was said already.
    private func lateCondition(_ view: TableValue) -> PlanExpression? {
        guard let condition = afterAsOf(view.table) else { return nil }
        let key = lateKey(view)
        if let known = context.dataNotes.lateRows(key) { return known.any && !known.said ? condition : nil }
        // The whole table once per session: most have no such row, and then no figure looks again.
        let whole = TableValue(table: view.table, selection: nil, sourceName: view.sourceName)
        let backend = context.makeBackend(["table": whole], [])
        let plan = LogicalPlan.aggregate(.scan("table", columns: nil), keys: [], measures: [Measure(name: "late", function: .countRows, filter: condition)])
        let any = ((try? backend.execute(plan))?.table.columns.first?.value(at: 0).number ?? 0) > 0
        context.dataNotes.setLateRows(key, any: any, said: false)
        return any ? condition : nil
    }

    /// `row's time >= the day after the as-of date`; nil when the table has no time column.
    func afterAsOf(_ table: Table) -> PlanExpression? {
        guard let timeName = table.timeColumn, table.type(of: timeName)?.isTemporal == true else { return nil }
        return .binary(.greaterEqual, .column(ColumnRef(timeName)), .constant(.date(context.today &+ 1)))
    }

    /// A figure over every row of `view`'s table counted, in a pass of its own, `late` rows
    /// after the as-of date (`afterAsOf`): known for the session from now on, and said once, as a
    /// figure computed here says it.
    func countedRowsAfterAsOf(_ view: TableValue, late: Int) {
        let key = lateKey(view)
        if context.dataNotes.lateRows(key) == nil { context.dataNotes.setLateRows(key, any: late > 0, said: false) }
        noteRowsAfterAsOf(view, late: late)
    }

    private func lateKey(_ view: TableValue) -> String {
        "\(view.sourceName)\u{1}\(view.table.name)\u{1}\(view.table.rowCount)\u{1}\(context.today)"
    }

    /// Rows of a table dated (by its time column) after the as-of date are counted like the
    /// others; a figure over the table says so, once per session.
    private func noteRowsAfterAsOf(_ view: TableValue, late counted: Int) {
        guard counted > 0, let timeName = view.table.timeColumn else { return }
        let key = lateKey(view)
        if context.dataNotes.lateRows(key)?.said == true { return }
        context.dataNotes.setLateRows(key, any: true, said: true)
        context.dataNotes.add("\(CountText.of(counted, "\(view.sourceName) row")) \(counted == 1 ? "has" : "have") \(timeName) after the as-of date \(CivilDate.format(days: Int(context.today))) "
            + "and \(counted == 1 ? "is" : "are") counted (--set today=YYYY-MM-DD to change, or filter: where \(timeName) <= today)")
    }

    /// A ratio that is exactly 1 in every one of several groups most likely divides a group's
    /// figure by itself (`count() / count(leads)`, meant as a share of all leads): said in words.
    private func sameRowsRatioNotes(_ nodes: [Node], plan: Plan, rows: [[Value]]) -> [String] {
        guard rows.count >= 2 else { return [] }
        var notes: [String] = []
        for (i, node) in nodes.enumerated() {
            var root = node
            while case .shared(let slot) = root, slot < plan.sharedNodes.count { root = plan.sharedNodes[slot] }
            guard case .binary(.divide, _, _, let range) = root,
                  rows.allSatisfy({ i < $0.count && $0[i].number == 1 }) else { continue }
            let text = Lexer.abbreviated(range.file.slice(range))
            notes.append("\(text) is 100% in every group: its numerator and denominator count the same rows of each group; "
                + "for a share of the whole table divide by all(…), e.g. count() / all(count())")
        }
        return notes
    }

    /// An aggregate's value where it found no value: counts are 0, and so is a sum over rows
    /// that exist but match no filter or no group (a month with spend and no won deal has
    /// revenue 0, so ROMI −100%; a channel with no spend costs 0). Only a sum over a table with
    /// no rows at all is unknown; averages, minima and the like of nothing stay unknown.
    static func filled(_ value: Value, _ spec: AggregateSpec) -> Value {
        guard value.isNull else { return value }
        switch spec.function {
        case .countRows, .count, .countDistinct: return .integer(0)
        case .sum:
            guard spec.view.table.rowCount > 0 else { return .null }
            return spec.argumentType == .integer ? .integer(0) : .decimal(0)
        default: return .null
        }
    }

    /// The statement's dimensions as group keys over one table's rows: `month` & co. as periods
    /// of its time column (unless it has a column of that name), anything else as a row expression.
    private func groupKeys(view: TableValue, dimensions: [Dimension], plan: Plan) throws(Diagnostic) -> ([GroupKey], [Dimension], [LinkJoin]) {
        let evaluator = evaluator(view, plan: plan)
        var keys: [GroupKey] = []
        var resolved = dimensions
        for (i, dimension) in dimensions.enumerated() {
            if case .name(let n) = dimension.expr.kind, !view.table.hasColumn(n), evaluator.linkedColumn(n) == nil,
               let unit = Aggregation.periodNames[n]
            {
                guard let timeName = view.table.timeColumn, view.table.hasColumn(timeName) else {
                    throw Diagnostic.error("\(view.sourceName) has no time column for `by \(n)`", at: dimension.expr.range,
                                           notes: ["name one when loading: \(view.sourceName) = load \"…\" time created_at"])
                }
                keys.append(GroupKey(name: n, expression: .column(ColumnRef(timeName)), period: unit))
                resolved[i].period = unit
                continue
            }
            do { keys.append(GroupKey(name: dimension.name, expression: try evaluator.lower(dimension.expr))) } catch {
                if case .name(let n) = dimension.expr.kind, error.message.hasPrefix("unknown column") {
                    throw Diagnostic.error("\(view.sourceName) has no column '\(n)' to break down by", at: dimension.expr.range,
                                           suggestion: error.suggestion, notes: ["a formula sliced by a dimension needs it in every table it reads (directly or through a link)"])
                }
                throw error
            }
        }
        return (keys, resolved, evaluator.lowered.joins)
    }

    /// Groups a table's view by the dimensions, resolving `month` & co. to its time column.
    func group(view: TableValue, dimensions: [Dimension], range: SourceRange) throws(Diagnostic) -> (Grouping, [Dimension], undated: Int) {
        let plan = Plan()
        let (keys, resolved, keyJoins) = try groupKeys(view: view, dimensions: dimensions, plan: plan)
        let evaluator = evaluator(view, plan: plan)
        var (rows, backend) = evaluator.scanned(view.selection)
        for join in keyJoins { rows = .join(rows, join) }
        do {
            let (grouping, undated) = try GroupedRows.group(keys, rows: rows, view: view, on: RecordedBackend(backend, context: context))
            return (grouping, resolved, undated)
        } catch {
            throw evaluator.diagnostic(error, default: range)
        }
    }

    private func evaluateNode(_ node: Node, aggregates: [Value], key: [Value], shared: SharedValues) throws(Diagnostic) -> Value {
        switch node {
        case .shared(let i):
            guard i < shared.nodes.count else { return .null }
            if let known = shared.values[i] { return known }
            let value = try evaluateNode(shared.nodes[i], aggregates: aggregates, key: key, shared: shared)
            shared.values[i] = value
            return value
        case .constant(let v): return v
        case .aggregate(let i): return i < aggregates.count ? aggregates[i] : .null
        case .key(let i): return i < key.count ? key[i] : .null
        case .unary(let op, let a):
            let v = try evaluateNode(a, aggregates: aggregates, key: key, shared: shared)
            do {
                return op == .negate ? try VectorOps.arithmeticScalars(.subtract, .integer(0), v) : try VectorOps.logicalScalars(.and, .boolean(true), v).negated
            } catch { throw Diagnostic.error(error.message, at: nil) }
        case .binary(let op, let a, let b, let range):
            let x = try evaluateNode(a, aggregates: aggregates, key: key, shared: shared), y = try evaluateNode(b, aggregates: aggregates, key: key, shared: shared)
            if op == .match || op == .notMatch {
                guard case .text(let s) = x, case .text(let p) = y else { return .null }
                guard let matcher = try? TextMatcher(pattern: p) else {
                    throw Diagnostic.error("invalid regular expression \"\(p)\"", at: range)
                }
                return .boolean(matcher.matches(s) != (op == .notMatch))
            }
            do {
                if op.isComparison { return try VectorOps.compareScalars(op, x, y) }
                if op == .and || op == .or { return try VectorOps.logicalScalars(op, x, y) }
                return try VectorOps.arithmeticScalars(op, x, y)
            } catch { throw Diagnostic.error(error.message, at: range) }
        case .isNull(let a, let negated):
            return .boolean(try evaluateNode(a, aggregates: aggregates, key: key, shared: shared).isNull != negated)
        case .call(let name, let args, let range):
            var values: [Value] = []
            for arg in args { values.append(try evaluateNode(arg, aggregates: aggregates, key: key, shared: shared)) }
            switch name {
            case "coalesce": return values.first { !$0.isNull } ?? .null
            case "abs":
                guard values.count == 1 else { throw Diagnostic.error("abs() takes one argument", at: range) }
                if case .integer(let i) = values[0] { return i == Int64.min ? .decimal(-Double(i)) : .integer(abs(i)) }
                return values[0].number.map { .decimal(abs($0)) } ?? .null
            default:
                guard (1...2).contains(values.count) else { throw Diagnostic.error("round() takes a number and optionally the decimals", at: range) }
                guard let x = values[0].number else { return .null }
                let places = values.count == 2 ? Int(values[1].number ?? 0) : 0
                var scale = 1.0
                for _ in 0..<max(0, min(places, 10)) { scale *= 10 }
                return .decimal((x * scale).rounded() / scale)
            }
        }
    }
}


extension Value {
    fileprivate var negated: Value {
        if case .boolean(let b) = self { return .boolean(!b) }
        return self
    }
}
