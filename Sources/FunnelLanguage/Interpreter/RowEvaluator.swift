import FunnelEngine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Evaluates row expressions (conditions, computed columns, group keys) over one table view.
struct RowEvaluator {
    let session: Session
    let view: TableValue
    let context: EvaluationContext
    /// Rules being expanded, to report a cycle instead of recursing forever.
    var ruleStack: [String] = []
    /// Rules whose expansion is large, each evaluated once over the whole view; shared by the
    /// copies this evaluator makes of itself.
    let sharedRules = SharedRuleValues()

    var table: Table { view.table }
    var rowCount: Int { view.table.rowCount }

    init(session: Session, view: TableValue, context: EvaluationContext) {
        self.session = session
        self.view = view
        self.context = context
    }

    // MARK: Filtering

    /// The rows of `selection` for which `condition` is true (null counts as not true).
    func filter(_ condition: Expr, selection: Selection?) throws(Diagnostic) -> Selection {
        try context.checkCancelled()
        if case .binary(.and, let a, let b) = condition.kind {
            return try filter(b, selection: try filter(a, selection: selection))
        }
        if case .name(let name) = condition.kind, table.columnIndex(named: name) == nil, let rule = session.rules[name], !ruleStack.contains(name),
           !sharedRules.isLarge(name, session: session) {
            var inner = self
            inner.ruleStack.append(name)
            return try inner.filter(rule.condition, selection: selection)
        }
        if let fast = try fastFilter(condition, selection: selection) { return fast }
        let operand = try evaluate(condition, selection: selection)
        switch operand {
        case .scalar(.boolean(true)): return selection ?? (0..<Int32(rowCount)).map { $0 }
        case .scalar(.boolean(false)), .scalar(.null): return []
        case .scalar(let v):
            throw Diagnostic.error("expected a condition (true/false), found \(VectorOps.describe(v.type))", at: condition.range)
        case .vector(let column):
            guard case .boolean(let values) = column.storage else {
                throw Diagnostic.error("expected a condition (true/false), found \(VectorOps.describe(column.type))", at: condition.range)
            }
            var kept: Selection = []
            kept.reserveCapacity(min(rowCount, 1 << 16))
            values.withUnsafeBufferPointer { v in
                if let validity = column.validity {
                    forEachRow(selection, below: rowCount) { r in if v[r] && validity.isValid(r) { kept.append(Int32(r)) } }
                } else {
                    forEachRow(selection, below: rowCount) { r in if v[r] { kept.append(Int32(r)) } }
                }
            }
            return kept
        }
    }

    /// A column of this table compared with a constant, or matched with a constant pattern.
    private func fastFilter(_ condition: Expr, selection: Selection?) throws(Diagnostic) -> Selection? {
        guard case .binary(let op, let a, let b) = condition.kind, case .name(let name) = a.kind,
              let column = table.column(named: name) else { return nil }
        func constant(_ e: Expr) -> Value? {
            switch e.kind {
            case .number(let n): return Literals.value(of: n)
            case .string(let s): return .text(s)
            case .date(let d): return .date(d)
            case .duration(let d): return .decimal(d)
            case .name(let n) where table.column(named: n) == nil && session.rules[n] == nil && session.kpis[n] == nil: return session.scalars[n]
            default: return nil
            }
        }
        guard let value = constant(b) else { return nil }
        if op.isComparison {
            // Booleans and mixed types keep the general path and its messages.
            if column.type == .boolean { return nil }
            if column.type == .text, value.type != .text { return nil }
            if column.type.isNumeric, value.number == nil { return nil }
            return FastFilter.compare(column, op, value, selection: selection, rowCount: rowCount)
        }
        if op == .match || op == .notMatch, case .text(let pattern) = value, column.type == .text {
            guard let matcher = try? TextMatcher(pattern: pattern) else { return nil }
            return FastFilter.match(column, matcher, negated: op == .notMatch, selection: selection, rowCount: rowCount)
        }
        return nil
    }

    // MARK: Expressions

    func evaluate(_ expr: Expr, selection: Selection?) throws(Diagnostic) -> Operand {
        func mismatch<T>(_ body: () throws(VectorOps.TypeMismatch) -> T) throws(Diagnostic) -> T {
            do { return try body() } catch {
                // A column that a late value turned into text says which row did it.
                let notes = ExprWalk.children(of: expr).compactMap { child -> String? in
                    if case .name(let n) = child.kind { return table.typeNotes[n] }
                    return nil
                }
                if case .mismatch(let m) = error { throw Diagnostic.error(m, at: expr.range, notes: notes) }
                throw Diagnostic.error("type error", at: expr.range, notes: notes)
            }
        }
        switch expr.kind {
        case .number(let n): return .scalar(Literals.value(of: n))
        case .duration(let days): return .scalar(.decimal(days))
        case .string(let s): return .scalar(.text(s))
        case .date(let d): return .scalar(.date(d))
        case .boolean(let b): return .scalar(.boolean(b))
        case .null: return .scalar(.null)
        case .name(let name): return try resolveName(name, expr: expr, selection: selection)
        case .member(let base, let column): return try resolveMember(base, column, expr: expr)
        case .unary(.negate, let operand):
            let value = try evaluate(operand, selection: selection)
            return try mismatch { () throws(VectorOps.TypeMismatch) in try VectorOps.negate(value, selection: selection, rowCount: rowCount) }
        case .unary(.not, let operand):
            let value = try evaluate(operand, selection: selection)
            return try mismatch { () throws(VectorOps.TypeMismatch) in try VectorOps.not(value, selection: selection, rowCount: rowCount) }
        case .binary(let op, let a, let b):
            if op == .match || op == .notMatch { return try regexMatch(a, b, negated: op == .notMatch, expr: expr, selection: selection) }
            let left = try evaluate(a, selection: selection)
            let right = try evaluate(b, selection: selection)
            return try mismatch { () throws(VectorOps.TypeMismatch) in
                if op.isComparison { return try VectorOps.compare(op, left, right, selection: selection, rowCount: rowCount) }
                if op == .and || op == .or { return try VectorOps.logical(op, left, right, selection: selection, rowCount: rowCount) }
                return try VectorOps.arithmetic(op, left, right, selection: selection, rowCount: rowCount)
            }
        case .isNull(let operand, let negated):
            return isNull(try evaluate(operand, selection: selection), negated: negated, selection: selection)
        case .inList(let operand, let items, let negated):
            let value = try evaluate(operand, selection: selection)
            var result: Operand = .scalar(.boolean(false))
            for item in items {
                let candidate = try evaluate(item, selection: selection)
                let equal = try mismatch { () throws(VectorOps.TypeMismatch) in try VectorOps.compare(.equal, value, candidate, selection: selection, rowCount: rowCount) }
                result = try mismatch { () throws(VectorOps.TypeMismatch) in try VectorOps.logical(.or, result, equal, selection: selection, rowCount: rowCount) }
            }
            if negated { result = try mismatch { () throws(VectorOps.TypeMismatch) in try VectorOps.not(result, selection: selection, rowCount: rowCount) } }
            return result
        case .between(let operand, let low, let high, let negated):
            let value = try evaluate(operand, selection: selection)
            let lo = try evaluate(low, selection: selection), hi = try evaluate(high, selection: selection)
            return try mismatch { () throws(VectorOps.TypeMismatch) in
                let above = try VectorOps.compare(.greaterEqual, value, lo, selection: selection, rowCount: rowCount)
                let below = try VectorOps.compare(.lessEqual, value, hi, selection: selection, rowCount: rowCount)
                let inside = try VectorOps.logical(.and, above, below, selection: selection, rowCount: rowCount)
                return negated ? try VectorOps.not(inside, selection: selection, rowCount: rowCount) : inside
            }
        case .call(let name, let args, let distinct):
            if name.lowercased() == Functions.wholeTable {
                // In a row expression an aggregate is already over the whole view: `score > all(avg(score))`.
                return .scalar(try Aggregation(session: session, context: context).wholeTableValue(args, range: expr.range, defaultTable: view))
            }
            if Functions.aggregates.contains(name.lowercased()), let perRow = try linkedAggregate(name, args, distinct: distinct, expr: expr) {
                return perRow
            }
            if Functions.aggregates.contains(name.lowercased()) {
                // An aggregate inside a row expression is a constant over the whole view: `score > avg(score)`.
                let value = try Aggregation(session: session, context: context).scalarAggregate(name: name, args: args, distinct: distinct, defaultTable: view, range: expr.range)
                return .scalar(value)
            }
            return try Functions.call(name, args, expr: expr, evaluator: self, selection: selection)
        case .has(let other):
            return try has(other, expr: expr)
        case .load, .filter, .groupBy, .select, .sort, .top, .cohort, .versus:
            throw Diagnostic.error("a table is not allowed here; expected a value for each row of \(view.sourceName)", at: expr.range)
        }
    }

    private func isNull(_ operand: Operand, negated: Bool, selection: Selection?) -> Operand {
        switch operand {
        case .scalar(let v): return .scalar(.boolean(v.isNull != negated))
        case .vector(let column):
            var out = [Bool](repeating: false, count: rowCount)
            if let validity = column.validity {
                forEachRow(selection, below: rowCount) { out[$0] = validity.isValid($0) == negated }
            } else if negated {
                forEachRow(selection, below: rowCount) { out[$0] = true }
            }
            return .vector(.vector(.boolean(out), nil))
        }
    }

    // MARK: Names

    func resolveName(_ name: String, expr: Expr, selection: Selection?) throws(Diagnostic) -> Operand {
        if let column = table.column(named: name) { return .vector(column) }
        if let column = try linkedColumn(name) { return .vector(column) }
        if let aliased = session.aliases[view.sourceName]?[name], let column = table.column(named: aliased) { return .vector(column) }
        if let rule = session.rules[name] {
            if ruleStack.contains(name) {
                throw Diagnostic.error("rule '\(name)' refers to itself: \((ruleStack + [name]).joined(separator: " → "))", at: expr.range)
            }
            if sharedRules.isLarge(name, session: session) {
                if let known = sharedRules.values[name] { return known }
                // Bottom up, so that each rule finds the large rules it uses already evaluated:
                // a chain 10,000 rules deep must not recurse 10,000 levels.
                for r in sharedRules.evaluationOrder(name, session: session) where sharedRules.values[r] == nil {
                    guard let definition = session.rules[r] else { continue }
                    var inner = self
                    inner.ruleStack.append(r)
                    sharedRules.values[r] = try inner.evaluate(definition.condition, selection: nil)
                }
                if let value = sharedRules.values[name] { return value }
            }
            var inner = self
            inner.ruleStack.append(name)
            return try inner.evaluate(rule.condition, selection: selection)
        }
        if let value = session.scalars[name] { return .scalar(value) }
        if let kpi = session.kpis[name] {
            // A KPI in a row condition is one number over its own tables: score > avg_score.
            let sliced = try Aggregation(session: session, context: context).evaluate([kpi.definition.formula], by: [], defaultTable: nil)
            return .scalar(sliced.values.first?.first ?? .null)
        }
        if name == "today" { return .scalar(.date(context.today)) }
        throw unknownName(name, range: expr.range)
    }

    func unknownName(_ name: String, range: SourceRange) -> Diagnostic {
        var candidates = table.columns.map(\.name)
        for link in session.linksFrom(view.sourceName) {
            candidates += session.tables[link.toTable]?.table.columns.map(\.name) ?? []
        }
        candidates += session.rules.keys.sorted() + session.scalars.keys.sorted()
        let isTable = session.tables[name] != nil
        return Diagnostic.error(
            isTable ? "'\(name)' is a table, not a column of \(view.sourceName)" : "unknown column '\(name)' in \(view.sourceName)",
            at: range, suggestion: Suggestion.nearest(to: name, in: candidates),
            notes: isTable ? ["link the tables (link \(view.sourceName).key -> \(name).id) to use its columns"] : [])
    }

    /// A column of a table this one links to, brought into this table's rows.
    func linkedColumn(_ name: String, in tableName: String? = nil) throws(Diagnostic) -> Column? {
        for link in session.linksFrom(view.sourceName) where tableName == nil || link.toTable == tableName {
            guard let target = session.tables[link.toTable], let column = target.table.column(named: name) else { continue }
            var rows = link.target
            if rows.count != rowCount { continue }
            // Rows with no match read as null.
            for i in rows.indices where rows[i] < 0 { rows[i] = 0 }
            var gathered = target.table.rowCount == 0 ? VectorOps.allNull(rowCount) : Gather.take(column, rows: rows)
            var validity = gathered.validity ?? Validity(count: rowCount, allValid: true)
            for i in link.target.indices where link.target[i] < 0 { validity.clear(i) }
            gathered.validity = validity.nullCount == 0 ? nil : validity
            gathered.name = name
            return gathered
        }
        // The other way: deals.mql_id -> mqls.mql_id lets an MQL read its deal's columns (its first
        // deal, in file order), e.g. `at won_date` in a funnel on mqls.
        for link in session.linksTo(view.sourceName) where tableName == nil || link.fromTable == tableName {
            guard let source = session.tables[link.fromTable], let column = source.table.column(named: name) else { continue }
            var firstRow = [Int32](repeating: -1, count: rowCount)
            var several = Set<Int32>()
            for (r, t) in link.target.enumerated() where t >= 0 && Int(t) < rowCount {
                if firstRow[Int(t)] < 0 { firstRow[Int(t)] = Int32(r) } else { several.insert(t) }
            }
            if !several.isEmpty {
                context.dataNotes.add("\(Format.count(several.count, "\(view.sourceName) row")) \(several.count == 1 ? "has" : "have") several \(link.fromTable) rows: "
                    + "\(name) is read from the first of them (in file order); an aggregate such as count(\(link.fromTable)) or max(\(link.fromTable).\(name)) reads them all")
            }
            let rows = firstRow.map { max(0, $0) }
            var gathered = source.table.rowCount == 0 ? VectorOps.allNull(rowCount) : Gather.take(column, rows: rows)
            var validity = gathered.validity ?? Validity(count: rowCount, allValid: true)
            for i in firstRow.indices where firstRow[i] < 0 { validity.clear(i) }
            gathered.validity = validity.nullCount == 0 ? nil : validity
            gathered.name = name
            return gathered
        }
        return nil
    }

    private func resolveMember(_ base: Expr, _ column: String, expr: Expr) throws(Diagnostic) -> Operand {
        guard case .name(let tableName) = base.kind else {
            throw Diagnostic.error("expected table.column", at: expr.range)
        }
        let sourceName = session.tables[tableName]?.sourceName ?? tableName
        if sourceName == view.sourceName || tableName == view.sourceName {
            if let c = table.column(named: column) { return .vector(c) }
            if let c = try linkedColumn(column) { return .vector(c) }
            throw unknownName(column, range: expr.range)
        }
        guard let other = session.tables[tableName] else {
            throw Diagnostic.error("unknown table '\(tableName)'", at: base.range,
                                   suggestion: Suggestion.nearest(to: tableName, in: session.tableOrder))
        }
        if let c = try linkedColumn(column, in: other.sourceName) { return .vector(c) }
        if other.table.column(named: column) == nil {
            throw Diagnostic.error("unknown column '\(column)' in \(tableName)", at: expr.range,
                                   suggestion: Suggestion.nearest(to: column, in: other.table.columns.map(\.name)))
        }
        throw Diagnostic.error("\(tableName) is not linked from \(view.sourceName), so its columns cannot be used here", at: expr.range,
                               notes: ["add a link such as: link \(view.sourceName).\(tableName)_id -> \(tableName).id"])
    }

    private func has(_ other: String, expr: Expr) throws(Diagnostic) -> Operand {
        guard let otherView = session.tables[other] else {
            throw Diagnostic.error("unknown table '\(other)'", at: expr.range, suggestion: Suggestion.nearest(to: other, in: session.tableOrder))
        }
        var marks = [Bool](repeating: false, count: rowCount)
        if let link = session.links.first(where: { $0.fromTable == otherView.sourceName && $0.toTable == view.sourceName }) {
            forEachRow(otherView.selection, below: link.target.count) { r in
                let t = Int(link.target[r])
                if t >= 0 && t < marks.count { marks[t] = true }
            }
        } else if let link = session.links.first(where: { $0.fromTable == view.sourceName && $0.toTable == otherView.sourceName }) {
            var inView: [Bool]? = nil
            if let selection = otherView.selection {
                var flags = [Bool](repeating: false, count: otherView.table.rowCount)
                for r in selection { flags[Int(r)] = true }
                inView = flags
            }
            for (r, t) in link.target.enumerated() where t >= 0 && r < marks.count {
                marks[r] = inView?[Int(t)] ?? true
            }
        } else {
            throw Diagnostic.error("\(other) is not linked to \(view.sourceName)", at: expr.range,
                                   notes: ["link them first, for example: link \(other).\(view.sourceName)_id -> \(view.sourceName).id"])
        }
        return .vector(.vector(.boolean(marks), nil))
    }

    /// `count(orders)` or `sum(orders.amount where paid)` on leads, when orders links to leads: one
    /// value per lead, over its own linked rows. nil when the argument is not about a linking table.
    private func linkedAggregate(_ name: String, _ args: [Expr], distinct: Bool, expr: Expr) throws(Diagnostic) -> Operand? {
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
        var rows = other.selection
        let otherEvaluator = RowEvaluator(session: session, view: other, context: context)
        if let condition { rows = try otherEvaluator.filter(condition, selection: rows) }
        var column: Column? = nil
        if let columnName {
            column = VectorOps.materialize(try otherEvaluator.evaluate(Expr(.name(columnName), expr.range), selection: rows), rowCount: other.table.rowCount)
        }
        let function: AggregateFunction
        switch name.lowercased() {
        case "count": function = column == nil ? .countRows : (distinct ? .countDistinct : .count)
        case "sum": function = .sum
        case "avg": function = .avg
        case "min": function = .min
        case "max": function = .max
        case "median": function = .median
        default: function = .percentile(0.9)
        }
        if column == nil && function != .countRows {
            throw Diagnostic.error("\(name)() of \(tableName) needs a column: \(name)(\(tableName).amount)", at: expr.range)
        }
        let grouping = Grouping(groupCount: rowCount, groupOfRow: link.target, keys: [])
        let values = Aggregate.compute(function, column: column, selection: rows, rowCount: other.table.rowCount, grouping: grouping)
        let filled = values.count == rowCount ? values : values + Array(repeating: Value.null, count: max(0, rowCount - values.count))
        let result = filled.map { v -> Value in
            if v.isNull, function == .countRows || function == .count || function == .countDistinct { return .integer(0) }
            return v
        }
        return .vector(ColumnBuilder.column(from: result, rowCount: rowCount))
    }

    // MARK: Regex

    private func regexMatch(_ subject: Expr, _ patternExpr: Expr, negated: Bool, expr: Expr, selection: Selection?) throws(Diagnostic) -> Operand {
        guard case .scalar(let patternValue) = try evaluate(patternExpr, selection: selection) else {
            throw Diagnostic.error("the pattern after '~' must be a constant string", at: patternExpr.range)
        }
        guard case .text(let pattern) = patternValue else {
            if patternValue.isNull { return .scalar(.null) }
            throw Diagnostic.error("the pattern after '~' must be a string", at: patternExpr.range)
        }
        let matcher: TextMatcher
        do { matcher = try TextMatcher(pattern: pattern) } catch {
            throw Diagnostic.error("invalid regular expression \"\(Lexer.abbreviated(pattern))\"", at: patternExpr.range, category: .script,
                                   notes: error.reason.map { [$0] } ?? [])
        }
        switch try evaluate(subject, selection: selection) {
        case .scalar(.null): return .scalar(.null)
        case .scalar(.text(let s)): return .scalar(.boolean(matcher.matches(s) != negated))
        case .scalar(let v): throw Diagnostic.error("'~' matches text, found \(VectorOps.describe(v.type))", at: subject.range)
        case .vector(let column):
            guard case .text(let codes, let dictionary) = column.storage else {
                throw Diagnostic.error("'~' matches text, found \(VectorOps.describe(column.type))", at: subject.range)
            }
            let byCode = dictionary.map { matcher.matches($0) != negated }
            var out = [Bool](repeating: false, count: rowCount)
            out.withUnsafeMutableBufferPointer { o in
                codes.forEachCode(selection, below: rowCount) { r, c in if c >= 0 && c < byCode.count { o[r] = byCode[c] } }
            }
            return .vector(.vector(.boolean(out), column.validity))
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
    var values: [String: Operand] = [:]


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
            self.values[name] == nil && self.isLarge(name, session: session) && entered.insert(name).inserted
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
