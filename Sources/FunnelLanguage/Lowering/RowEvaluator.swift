import FunnelEngine

/// Row expressions over one table view: lowers the language's expressions to plan expressions
/// (names resolved against the session: columns, linked columns, aliases, rules, parameters,
/// KPIs) and runs them on the in-memory backend.
struct RowEvaluator {
    let session: Session
    let view: TableValue
    let context: EvaluationContext
    /// Rules being expanded, to report a cycle instead of recursing forever.
    var ruleStack: [String] = []
    /// Rules whose expansion is large, lowered once and evaluated once over the whole view;
    /// shared by the copies this evaluator makes of itself.
    let sharedRules = SharedRuleValues()
    /// What a lowering records for its evaluation: the joins its columns need.
    let lowered = Lowered()
    /// The source range of each origin tag; shared with evaluators of linked rows.
    var origins = Origins()

    final class Lowered {
        var joins: [LinkJoin] = []
    }

    final class Origins {
        var ranges: [SourceRange] = []
    }

    var table: Table { view.table }
    var rowCount: Int { view.table.rowCount }

    init(session: Session, view: TableValue, context: EvaluationContext) {
        self.session = session
        self.view = view
        self.context = context
    }

    // MARK: Running

    /// The rows `selection` holds of this view's table (all of them when nil), as plans scan them:
    /// by the session's name for a loaded table read whole, else bound to a name for the statement.
    func scanned(_ selection: Selection?, columns: [String]? = []) -> (plan: LogicalPlan, backend: any Backend) {
        var relations = session.tables
        var name = view.sourceName
        let whole = session.tables[name].map { $0.selection == nil && $0.table.name == view.table.name && $0.table.rowCount == view.table.rowCount } ?? false
        if selection != nil || !whole {
            name = selection == nil ? "\(view.sourceName) (all rows)" : "\(view.sourceName) (\(CountText.of(selection?.count ?? 0, "row")))"
            // Over no rows of a database table only the types matter: nothing is fetched (but
            // a join along a link needs the table's own rows: links index them).
            if selection?.isEmpty == true && view.table.isInDatabase && lowered.joins.isEmpty {
                relations[name] = TableValue(table: view.table.typeStandIn(), selection: selection, sourceName: view.sourceName)
            } else if selection == view.selection {
                // The view itself: what chose its rows goes with it (`TableValue.selectedBy`).
                relations[name] = view
            } else {
                relations[name] = TableValue(table: view.table, selection: selection, sourceName: view.sourceName)
            }
        }
        var plan = LogicalPlan.scan(name, columns: columns)
        for join in lowered.joins { plan = .join(plan, join) }
        return (plan, context.makeBackend(relations, session.links))
    }

    /// The rows of `selection` (every row when nil), in its order, with all the table's columns.
    func rows(_ selection: Selection?) throws(Diagnostic) -> Table {
        try context.rows(of: view, selection)
    }

    /// One column per expression, named `names`, for each row of `selection` in its order.
    func project(_ exprs: [Expr], names: [String], selection: Selection?) throws(Diagnostic) -> Table {
        var lowered: [PlanExpression] = []
        for expr in exprs { lowered.append(try lower(expr)) }
        var (plan, backend) = scanned(selection)
        // Derived under names of their own: an item may be named like a column it reads.
        for (i, expression) in lowered.enumerated() { plan = .derive(plan, name: "item \(i)", expression) }
        do {
            var table = try context.execute(plan, on: backend).table
            for i in table.columns.indices where i < names.count { table.columns[i].name = names[i] }
            return table
        } catch {
            throw diagnostic(error, default: exprs.first?.range)
        }
    }

    /// The rows of `selection` ordered by `keys` (stable: ties keep their order).
    /// `limit`: only the first rows in that order (`sort … top N`).
    func sorted(_ selection: Selection?, by keys: [SortKey], limit: Int? = nil) throws(Diagnostic) -> Selection {
        var planKeys: [PlanSortKey] = []
        for key in keys { planKeys.append(PlanSortKey(try lower(key.expr), descending: key.descending)) }
        let (plan, backend) = scanned(selection)
        do {
            let sort = LogicalPlan.sort(plan, planKeys)
            let view = try context.view(limit.map { LogicalPlan.limit(sort, $0) } ?? sort, on: backend)
            return view.selection ?? (0..<Int32(view.table.rowCount)).map { $0 }
        } catch {
            throw diagnostic(error, default: keys.first?.expr.range)
        }
    }

    /// The rows of `selection` for which `condition` is true (null counts as not true).
    func filter(_ condition: Expr, selection: Selection?) throws(Diagnostic) -> Selection {
        try context.checkCancelled()
        let expression = try lower(condition)
        let (rows, backend) = scanned(selection)
        do {
            let kept = try context.view(.filter(rows, expression), on: backend)
            return kept.selection ?? (0..<Int32(kept.table.rowCount)).map { $0 }
        } catch {
            throw diagnostic(error, default: condition.range)
        }
    }

    /// This view narrowed to the rows where `condition` holds; what chose them is kept when the
    /// backend chose them by the condition over the whole table (`TableValue.selectedBy`).
    func filtered(_ condition: Expr) throws(Diagnostic) -> TableValue {
        try context.checkCancelled()
        let expression = try lower(condition)
        let (rows, backend) = scanned(view.selection)
        var out = view
        do {
            let kept = try context.view(.filter(rows, expression), on: backend)
            if view.selection == nil || view.selectedBy != nil, let by = kept.selectedBy, let selection = kept.selection {
                out.select(selection, by: by)
            } else {
                out.selection = kept.selection ?? (0..<Int32(kept.table.rowCount)).map { $0 }
            }
        } catch {
            throw diagnostic(error, default: condition.range)
        }
        return out
    }

    func evaluate(_ expr: Expr, selection: Selection?) throws(Diagnostic) -> Operand {
        try evaluateLowered(try lower(expr), selection: selection, at: expr.range)
    }

    /// An expression this evaluator lowered, evaluated for each row of `selection` (a column as
    /// long as the table; rows outside the selection are null), or once when it reads no row.
    func evaluateLowered(_ expression: PlanExpression, selection: Selection?, at range: SourceRange) throws(Diagnostic) -> Operand {
        if let constant = try constantValue(expression, range: range) { return .scalar(constant) }
        let (rows, backend) = scanned(selection)
        do {
            let result = try context.execute(.derive(rows, name: "value", expression), on: backend)
            guard let column = result.table.columns.last else { return .scalar(.null) }
            // No rows asked for: the column's type is all a caller can read.
            guard let selection, !selection.isEmpty else { return .vector(column) }
            return .vector(Gather.spread(column, over: selection, count: rowCount))
        } catch {
            throw diagnostic(error, default: range)
        }
    }

    func diagnostic(_ error: PlanError, default range: SourceRange?) -> Diagnostic {
        let at = error.origin.flatMap { $0 < origins.ranges.count ? origins.ranges[$0] : nil } ?? range
        return Diagnostic.plan(error, at: at)
    }

    /// The value of an expression that reads no row (a constant, a parameter, a function of them).
    private func constantValue(_ expression: PlanExpression, range: SourceRange) throws(Diagnostic) -> Value? {
        guard expression.isConstant else { return nil }
        let nothing = TableValue(table: Table(name: "", columns: [], rowCount: 1), selection: nil, sourceName: "")
        let evaluation = RowEvaluation(view: nothing, backend: InMemoryBackend())
        do {
            if case .scalar(let v) = try evaluation.evaluate(expression, selection: nil) { return v }
        } catch {
            throw diagnostic(error, default: range)
        }
        return nil
    }

    // MARK: Lowering

    /// The expression as a plan expression over this view's rows.
    func lower(_ expr: Expr) throws(Diagnostic) -> PlanExpression {
        origins.ranges.append(expr.range)
        let id = origins.ranges.count - 1
        return .origin(id, try lowerKind(expr))
    }

    private func lowerKind(_ expr: Expr) throws(Diagnostic) -> PlanExpression {
        switch expr.kind {
        case .number(let n): return .constant(Literals.value(of: n))
        case .duration(let days): return .constant(.decimal(days))
        case .string(let s): return .constant(.text(s))
        case .date(let d): return .constant(.date(d))
        case .boolean(let b): return .constant(.boolean(b))
        case .null: return .constant(.null)
        case .name(let name): return try resolveName(name, expr: expr)
        case .member(let base, let column): return try resolveMember(base, column, expr: expr)
        case .unary(let op, let operand): return .unary(op, try lower(operand))
        case .binary(let op, let a, let b):
            if op == .match || op == .notMatch { return try regexMatch(a, b, negated: op == .notMatch) }
            return .binary(op, try lower(a), try lower(b))
        case .isNull(let operand, let negated): return .isNull(try lower(operand), negated: negated)
        case .inList(let operand, let items, let negated):
            let value = try lower(operand)
            var any = PlanExpression.constant(.boolean(false))
            for item in items { any = .binary(.or, any, .binary(.equal, value, try lower(item))) }
            return negated ? .unary(.not, any) : any
        case .between(let operand, let low, let high, let negated):
            let value = try lower(operand)
            let inside = PlanExpression.binary(.and, .binary(.greaterEqual, value, try lower(low)), .binary(.lessEqual, value, try lower(high)))
            return negated ? .unary(.not, inside) : inside
        case .call(let name, let args, let distinct):
            if name.lowercased() == Functions.wholeTable {
                // In a row expression an aggregate is already over the whole view: `score > all(avg(score))`.
                return .constant(try Aggregation(session: session, context: context).wholeTableValue(args, range: expr.range, defaultTable: view))
            }
            if Functions.aggregates.contains(name.lowercased()) {
                if let perRow = try linkedAggregate(name, args, distinct: distinct, expr: expr) { return perRow }
                // An aggregate inside a row expression is a constant over the whole view: `score > avg(score)`.
                return .constant(try Aggregation(session: session, context: context).scalarAggregate(name: name, args: args, distinct: distinct, defaultTable: view, range: expr.range))
            }
            return try lowerCall(name, args, expr: expr)
        case .has(let other):
            return try has(other, expr: expr)
        case .load, .filter, .groupBy, .select, .sort, .top, .cohort, .versus, .confidence, .attributed, .running, .toDate, .wide:
            throw Diagnostic.error("a table is not allowed here; expected a value for each row of \(view.sourceName)", at: expr.range)
        }
    }

    // MARK: Names

    private func resolveName(_ name: String, expr: Expr) throws(Diagnostic) -> PlanExpression {
        if table.hasColumn(name) { return .column(ColumnRef(name)) }
        if let linked = linkedColumn(name) { return linked }
        if let aliased = session.aliases[view.sourceName]?[name], table.hasColumn(aliased) { return .column(ColumnRef(aliased)) }
        if let rule = session.rules[name] {
            if ruleStack.contains(name) {
                throw Diagnostic.error("rule '\(name)' refers to itself: \((ruleStack + [name]).joined(separator: " → "))", at: expr.range)
            }
            if sharedRules.isLarge(name, session: session) { return try sharedRule(name) }
            var inner = self
            inner.ruleStack.append(name)
            return try inner.lower(rule.condition)
        }
        if let value = session.scalars[name] { return .constant(value) }
        if let kpi = session.kpis[name] {
            // A KPI in a row condition is one number over its own tables: score > avg_score.
            let sliced = try Aggregation(session: session, context: context).evaluate([kpi.definition.formula], by: [], defaultTable: nil)
            return .constant(sliced.values.first?.first ?? .null)
        }
        if name == "today" { return .constant(.date(context.today)) }
        throw unknownName(name, range: expr.range)
    }

    /// A large rule, lowered once: bottom up, so that each finds the large rules it uses already
    /// lowered (a chain 10,000 rules deep must not recurse 10,000 levels).
    private func sharedRule(_ name: String) throws(Diagnostic) -> PlanExpression {
        for r in sharedRules.evaluationOrder(name, session: session) where sharedRules.lowered[r] == nil {
            guard let definition = session.rules[r] else { continue }
            var inner = self
            inner.ruleStack.append(r)
            let expression = try inner.lower(definition.condition)
            sharedRules.lowered[r] = expression
        }
        guard let expression = sharedRules.lowered[name] else {
            throw Diagnostic.error("rule '\(name)' refers to itself", at: nil)
        }
        return .shared(name: name, expression)
    }

    func unknownName(_ name: String, range: SourceRange) -> Diagnostic {
        var candidates = table.columnNames
        for link in session.linksFrom(view.sourceName) {
            candidates += session.tables[link.toTable]?.table.columnNames ?? []
        }
        candidates += session.rules.keys.sorted() + session.scalars.keys.sorted()
        let isTable = session.tables[name] != nil
        return Diagnostic.error(
            isTable ? "'\(name)' is a table, not a column of \(view.sourceName)" : "unknown column '\(name)' in \(view.sourceName)",
            at: range, suggestion: Suggestion.nearest(to: name, in: candidates),
            notes: isTable ? ["link the tables (link \(view.sourceName).key -> \(name).id) to use its columns"] : [])
    }

    /// A column of a table this one links to (or that links to it), joined into this table's rows.
    func linkedColumn(_ name: String, in tableName: String? = nil) -> PlanExpression? {
        for link in session.linksFrom(view.sourceName) where tableName == nil || link.toTable == tableName {
            guard let target = session.tables[link.toTable], target.table.hasColumn(name), link.fromRowCount == rowCount else { continue }
            return joinedColumn(name, LinkJoin(link: link.step, direction: .toOne))
        }
        for link in session.linksTo(view.sourceName) where tableName == nil || link.fromTable == tableName {
            guard let source = session.tables[link.fromTable], source.table.hasColumn(name) else { continue }
            return joinedColumn(name, LinkJoin(link: link.step, direction: .firstLinking))
        }
        return nil
    }

    private func joinedColumn(_ name: String, _ join: LinkJoin) -> PlanExpression {
        if let known = lowered.joins.first(where: { $0.relation == join.relation }), known != join {
            // Two links reach the same table: the one met first serves (as a plain name reads it).
            return .column(ColumnRef(name, of: known.relation))
        }
        if !lowered.joins.contains(join) { lowered.joins.append(join) }
        return .column(ColumnRef(name, of: join.relation))
    }

    private func resolveMember(_ base: Expr, _ column: String, expr: Expr) throws(Diagnostic) -> PlanExpression {
        guard case .name(let tableName) = base.kind else {
            throw Diagnostic.error("expected table.column", at: expr.range)
        }
        let sourceName = session.tables[tableName]?.sourceName ?? tableName
        if sourceName == view.sourceName || tableName == view.sourceName {
            if table.hasColumn(column) { return .column(ColumnRef(column)) }
            if let linked = linkedColumn(column) { return linked }
            throw unknownName(column, range: expr.range)
        }
        guard let other = session.tables[tableName] else {
            throw Diagnostic.error("unknown table '\(tableName)'", at: base.range,
                                   suggestion: Suggestion.nearest(to: tableName, in: session.tableOrder))
        }
        if let linked = linkedColumn(column, in: other.sourceName) { return linked }
        if !other.table.hasColumn(column) {
            throw Diagnostic.error("unknown column '\(column)' in \(tableName)", at: expr.range,
                                   suggestion: Suggestion.nearest(to: column, in: other.table.columnNames))
        }
        throw Diagnostic.error("\(tableName) is not linked from \(view.sourceName), so its columns cannot be used here", at: expr.range,
                               notes: ["add a link such as: link \(view.sourceName).\(tableName)_id -> \(tableName).id"])
    }

    // MARK: Linked rows

    private func has(_ other: String, expr: Expr) throws(Diagnostic) -> PlanExpression {
        guard let otherView = session.tables[other] else {
            throw Diagnostic.error("unknown table '\(other)'", at: expr.range, suggestion: Suggestion.nearest(to: other, in: session.tableOrder))
        }
        if let link = session.links.first(where: { $0.fromTable == otherView.sourceName && $0.toTable == view.sourceName }) {
            return .linkedExists(rows: .scan(other, columns: nil), link: link.step, towardThisRow: true)
        }
        if let link = session.links.first(where: { $0.fromTable == view.sourceName && $0.toTable == otherView.sourceName }) {
            return .linkedExists(rows: .scan(other, columns: nil), link: link.step, towardThisRow: false)
        }
        throw Diagnostic.error("\(other) is not linked to \(view.sourceName)", at: expr.range,
                               notes: ["link them first, for example: link \(other).\(view.sourceName)_id -> \(view.sourceName).id"])
    }

    /// `count(orders)` or `sum(orders.amount where paid)` on leads, when orders links to leads: one
    /// value per lead, over its own linked rows. nil when the argument is not about a linking table.
    private func linkedAggregate(_ name: String, _ args: [Expr], distinct: Bool, expr: Expr) throws(Diagnostic) -> PlanExpression? {
        guard let first = args.first else { return nil }
        var tableName: String? = nil
        var columnName: String? = nil
        var condition: Expr? = nil
        func analyse(_ e: Expr) {
            switch e.kind {
            case .name(let n) where session.tables[n] != nil && n != view.sourceName: tableName = n
            case .member(let b, let c): if case .name(let n) = b.kind, session.tables[n] != nil, n != view.sourceName { tableName = n; columnName = c }
            case .filter(let b?, let c): analyse(b); condition = c
            default: break
            }
        }
        analyse(first)
        guard let tableName, let other = session.tables[tableName],
              let link = session.links.first(where: { $0.fromTable == other.sourceName && $0.toTable == view.sourceName }) else { return nil }
        var otherEvaluator = RowEvaluator(session: session, view: other, context: context)
        otherEvaluator.origins = origins
        let filter = try condition.map { c throws(Diagnostic) in try otherEvaluator.lower(c) }
        let argument = try columnName.map { c throws(Diagnostic) in try otherEvaluator.lower(Expr(.name(c), expr.range)) }
        var rows = LogicalPlan.scan(tableName, columns: nil)
        for join in otherEvaluator.lowered.joins { rows = .join(rows, join) }
        if let filter { rows = .filter(rows, filter) }
        let function: AggregateFunction
        switch name.lowercased() {
        case "count": function = argument == nil ? .countRows : (distinct ? .countDistinct : .count)
        case "sum": function = .sum
        case "avg": function = .avg
        case "min": function = .min
        case "max": function = .max
        case "median": function = .median
        default: function = .percentile(0.9)
        }
        if argument == nil && function != .countRows {
            throw Diagnostic.error("\(name)() of \(tableName) needs a column: \(name)(\(tableName).amount)", at: expr.range)
        }
        return .linkedAggregate(LinkedAggregate(rows: rows, link: link.step, function: function, argument: argument))
    }

    // MARK: Regex and functions

    private func regexMatch(_ subject: Expr, _ patternExpr: Expr, negated: Bool) throws(Diagnostic) -> PlanExpression {
        guard let patternValue = try constantValue(try lower(patternExpr), range: patternExpr.range) else {
            throw Diagnostic.error("the pattern after '~' must be a constant string", at: patternExpr.range)
        }
        guard case .text(let pattern) = patternValue else {
            if patternValue.isNull { return .constant(.null) }
            throw Diagnostic.error("the pattern after '~' must be a string", at: patternExpr.range)
        }
        do { _ = try TextMatcher(pattern: pattern) } catch {
            throw Diagnostic.error("invalid regular expression \"\(Lexer.abbreviated(pattern))\"", at: patternExpr.range, category: .script,
                                   notes: error.reason.map { [$0] } ?? [])
        }
        return .match(try lower(subject), pattern: pattern, negated: negated)
    }

    /// A row function, its arguments checked: how many, and those that must be constants.
    private func lowerCall(_ rawName: String, _ args: [Expr], expr: Expr) throws(Diagnostic) -> PlanExpression {
        let name = rawName.lowercased()
        func arity(_ n: ClosedRange<Int>) throws(Diagnostic) {
            guard n.contains(args.count) else {
                let expected = n.lowerBound == n.upperBound ? "\(n.lowerBound)" : "\(n.lowerBound) to \(n.upperBound)"
                throw Diagnostic.error("\(name)() takes \(expected) argument\(n.upperBound == 1 ? "" : "s"), found \(args.count)", at: expr.range)
            }
        }
        func lowered(_ i: Int) throws(Diagnostic) -> PlanExpression { try lower(args[i]) }
        /// Argument `i` as a constant, or nil when it reads rows.
        func constant(_ i: Int) throws(Diagnostic) -> Value? { try constantValue(try lower(args[i]), range: args[i].range) }
        func call(_ function: RowFunction, _ indices: [Int]) throws(Diagnostic) -> PlanExpression {
            var lowered: [PlanExpression] = []
            for i in indices { lowered.append(try lower(args[i])) }
            return .function(function, lowered)
        }
        switch name {
        case "lower", "upper", "trim":
            try arity(1...1)
            return try call(name == "lower" ? .lower : name == "upper" ? .upper : .trim, [0])
        case "month_number":
            try arity(1...1)
            return try call(.monthNumber, [0])
        case "length":
            try arity(1...1)
            return try call(.length, [0])
        case "contains", "starts_with", "ends_with":
            try arity(2...2)
            guard let needleValue = try constant(1) else {
                throw Diagnostic.error("the second argument of \(name)() must be a constant string", at: args[1].range)
            }
            guard case .text(let needle) = needleValue else {
                if needleValue.isNull { return .constant(.null) }
                throw Diagnostic.error("the second argument of \(name)() must be a string", at: args[1].range)
            }
            return try call(name == "contains" ? .contains(needle) : name == "starts_with" ? .startsWith(needle) : .endsWith(needle), [0])
        case "year", "quarter", "month", "week", "day", "weekday":
            try arity(1...1)
            let part: DatePart = name == "year" ? .year : name == "quarter" ? .quarter : name == "month" ? .month : name == "week" ? .week : name == "day" ? .day : .dayOfWeek
            return try call(.part(part), [0])
        case "date":
            try arity(1...1)
            return try call(.truncate(.day), [0])
        case "date_trunc":
            try arity(2...2)
            guard case .text(let unitName)? = try constant(0) else {
                throw Diagnostic.error("date_trunc's first argument is the unit as a string: \"week\", \"month\", \"quarter\" or \"year\"", at: args[0].range)
            }
            guard let unit = DateUnit(rawValue: unitName.lowercased()) else {
                throw Diagnostic.error("unknown date unit \"\(unitName)\"", at: args[0].range,
                                       suggestion: Suggestion.nearest(to: unitName, in: ["day", "week", "month", "quarter", "year"]))
            }
            return try call(.truncate(unit), [1])
        case "days_between":
            try arity(2...2)
            return try call(.daysBetween, [0, 1])
        case "in_period":
            try arity(2...2)
            guard case .text(let periodText)? = try constant(1), let period = Period.parse(periodText) else {
                throw Diagnostic.error("in_period()'s second argument is a period such as \"2025\", \"2025-Q3\", \"2025-07\" or \"2025-W27\"", at: args[1].range)
            }
            return try call(.inPeriod(start: Int32(clamping: period.start), end: Int32(clamping: period.end), text: periodText), [0])
        case "today":
            try arity(0...0)
            return .constant(.date(context.today))
        case "env":
            // Where a script finds what it must not hold: a database address with its password.
            try arity(1...1)
            guard case .text(let variable)? = try constant(0) else {
                throw Diagnostic.error("env() takes the variable's name as text: env(\"CRM_URL\")", at: args[0].range)
            }
            guard let value = context.environment(variable) else {
                throw Diagnostic.error("the environment variable \(variable) is not set", at: expr.range,
                                       notes: ["set it before running funnel: \(variable)=… funnel script.funnel"])
            }
            return .constant(.text(value))
        case "coalesce":
            guard !args.isEmpty else { throw Diagnostic.error("coalesce() takes at least one argument", at: expr.range) }
            return try call(.coalesce, Array(args.indices))
        case "abs":
            try arity(1...1)
            return try call(.abs, [0])
        case "round":
            try arity(1...2)
            var places = 0
            if args.count == 2 {
                guard case .integer(let p)? = try constant(1), (0...10).contains(p) else {
                    throw Diagnostic.error("round()'s second argument is the number of decimals, 0 to 10", at: args[1].range)
                }
                places = Int(p)
            }
            return try call(.round(places: places), [0])
        default:
            throw Diagnostic.error("unknown function '\(rawName)'", at: expr.range, suggestion: Functions.suggestion(for: rawName))
        }
    }
}

/// Rules built on other rules (`rule r9 = r8 and r7`) expand to a tree that can grow
/// exponentially with the chain. A rule whose expansion is small is expanded inline (so that its
/// clauses narrow the selection one after the other); a larger one is evaluated once over the
/// whole view and its value reused wherever it appears.
final class SharedRuleValues: @unchecked Sendable {
    // Used by one evaluation on one thread.
    static let inlineLimit = 64
    private var sizes: [String: Int] = [:]
    /// Large rules as lowered, by name.
    var lowered: [String: PlanExpression] = [:]


    func isLarge(_ name: String, session: Session) -> Bool {
        if sizes[name] == nil { computeSizes(from: name, session: session) }
        return (sizes[name] ?? 0) > SharedRuleValues.inlineLimit
    }

    /// The rules a rule's condition names.
    private static func references(_ name: String, _ session: Session) -> [String] {
        guard let rule = session.rules[name] else { return [] }
        return Cycles.names(in: rule.condition).filter { session.rules[$0] != nil }
    }

    /// Visits the rules reachable from `root` children first, without recursion; `enter` says
    /// whether to go into a rule, `leave` is called once per entered rule after its children.
    private static func postOrder(from root: String, session: Session, enter: (String) -> Bool, leave: (String) -> Void) {
        guard enter(root) else { return }
        var stack: [(name: String, children: [String], next: Int)] = [(root, references(root, session), 0)]
        while let top = stack.last {
            if top.next < top.children.count {
                stack[stack.count - 1].next += 1
                let child = top.children[top.next]
                if enter(child) { stack.append((child, references(child, session), 0)) }
            } else {
                stack.removeLast()
                leave(top.name)
            }
        }
    }

    /// How many rule references each rule's full expansion holds, counted up to just past the limit.
    private func computeSizes(from root: String, session: Session) {
        var entered: Set<String> = []
        SharedRuleValues.postOrder(from: root, session: session, enter: { name in
            // A rule met again while it is being counted (a cycle) counts as large.
            self.sizes[name] == nil && entered.insert(name).inserted
        }, leave: { name in
            var size = 1
            for n in SharedRuleValues.references(name, session) {
                size = min(size + (self.sizes[n] ?? SharedRuleValues.inlineLimit + 1), SharedRuleValues.inlineLimit + 1)
            }
            self.sizes[name] = size
        })
    }

    /// The large rules `root` needs that are not evaluated yet, each after those it uses.
    func evaluationOrder(_ root: String, session: Session) -> [String] {
        var order: [String] = []
        var entered: Set<String> = []
        SharedRuleValues.postOrder(from: root, session: session, enter: { name in
            self.lowered[name] == nil && self.isLarge(name, session: session) && entered.insert(name).inserted
        }, leave: { order.append($0) })
        return order
    }
}

enum Literals {
    static func value(of n: NumberLiteral) -> Value {
        if !n.isPercent, let exact = n.exact { return .integer(exact) }
        return .decimal(n.value)
    }
}
