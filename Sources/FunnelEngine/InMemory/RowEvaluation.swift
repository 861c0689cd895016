/// Evaluates plan expressions over one relation's rows in memory: table-length vectors, only the
/// rows of the selection computed, text functions once per distinct value.
public struct RowEvaluation {
    public let view: TableValue
    let backend: InMemoryBackend
    /// Columns derived, by reference.
    var extra: [ColumnRef: Column] = [:]
    /// The joins in force, by the relation they bring columns from.
    public var joins: [String: LinkJoin] = [:]
    /// Values of shared sub-expressions (computed once over the whole view) and joined columns
    /// (brought in when first read).
    let cache = Cache()

    final class Cache {
        var shared: [String: Operand] = [:]
        var joined: [ColumnRef: Column] = [:]
    }

    public init(view: TableValue, backend: InMemoryBackend, joins: [LinkJoin] = []) {
        self.view = view
        self.backend = backend
        for join in joins where self.joins[join.relation] == nil { self.joins[join.relation] = join }
    }

    var rowCount: Int { view.table.rowCount }

    // MARK: Filtering

    /// The rows of `selection` for which `condition` is true (null counts as not true).
    public func filter(_ condition: PlanExpression, selection: Selection?) throws(PlanError) -> Selection {
        switch condition {
        case .origin(let id, let inner):
            do { return try filter(inner, selection: selection) } catch { throw error.located(id) }
        case .binary(.and, let a, let b):
            // Each clause narrows the rows the next one looks at.
            return try filter(b, selection: try filter(a, selection: selection))
        default:
            break
        }
        if let fast = fastFilter(condition, selection: selection) { return fast }
        switch try evaluate(condition, selection: selection) {
        case .scalar(.boolean(true)): return selection ?? (0..<Int32(rowCount)).map { $0 }
        case .scalar(.boolean(false)), .scalar(.null): return []
        case .scalar(let v):
            throw PlanError("expected a condition (true/false), found \(VectorOps.describe(v.type))")
        case .vector(let column):
            guard case .boolean(let values) = column.storage else {
                throw PlanError("expected a condition (true/false), found \(VectorOps.describe(column.type))")
            }
            var kept: Selection = []
            kept.reserveCapacity(min(rowCount, 1 << 16))
            let n = rowCount
            values.withUnsafeBufferPointer { v in
                if let validity = column.validity {
                    forEachRow(selection, below: n) { r in if v[r] && validity.isValid(r) { kept.append(Int32(r)) } }
                } else {
                    forEachRow(selection, below: n) { r in if v[r] { kept.append(Int32(r)) } }
                }
            }
            return kept
        }
    }

    /// A column of the relation compared with a constant, or matched with a pattern: a scan
    /// straight to a selection.
    private func fastFilter(_ condition: PlanExpression, selection: Selection?) -> Selection? {
        switch condition {
        case .binary(let op, let a, let b) where op.isComparison:
            guard case .column(let ref) = a.unwrapped, ref.relation == nil, let column = view.table.column(named: ref.name),
                  case .constant(let value) = b.unwrapped else { return nil }
            // Booleans and mixed types keep the general path and its messages.
            if column.type == .boolean { return nil }
            if column.type == .text, value.type != .text { return nil }
            if column.type.isNumeric, value.number == nil { return nil }
            return FastFilter.compare(column, op, value, selection: selection, rowCount: rowCount)
        case .match(let a, let pattern, let negated):
            guard case .column(let ref) = a.unwrapped, ref.relation == nil, let column = view.table.column(named: ref.name),
                  column.type == .text, let matcher = try? TextMatcher(pattern: pattern) else { return nil }
            return FastFilter.match(column, matcher, negated: negated, selection: selection, rowCount: rowCount)
        case .isNull(let a, let negated):
            guard case .column(let ref) = a.unwrapped, ref.relation == nil, let column = view.table.column(named: ref.name) else { return nil }
            return FastFilter.nulls(column, negated: negated, selection: selection, rowCount: rowCount)
        default:
            return nil
        }
    }

    // MARK: Expressions

    public func evaluate(_ expr: PlanExpression, selection: Selection?) throws(PlanError) -> Operand {
        let n = rowCount
        func typed<T>(_ body: () throws(VectorOps.TypeMismatch) -> T) throws(PlanError) -> T {
            do { return try body() } catch {
                // A column that a late value turned into text says which row did it.
                let notes = expr.children.compactMap { child -> String? in
                    if case .column(let ref) = child.unwrapped, ref.relation == nil { return view.table.typeNotes[ref.name] }
                    return nil
                }
                throw PlanError(error.message, notes: notes)
            }
        }
        switch expr {
        case .origin(let id, let inner):
            do { return try evaluate(inner, selection: selection) } catch { throw error.located(id) }
        case .constant(let v): return .scalar(v)
        case .column(let ref): return .vector(try column(ref))
        case .unary(.negate, let a):
            let value = try evaluate(a, selection: selection)
            return try typed { () throws(VectorOps.TypeMismatch) in try VectorOps.negate(value, selection: selection, rowCount: n) }
        case .unary(.not, let a):
            let value = try evaluate(a, selection: selection)
            return try typed { () throws(VectorOps.TypeMismatch) in try VectorOps.not(value, selection: selection, rowCount: n) }
        case .binary(let op, let a, let b):
            let left = try evaluate(a, selection: selection)
            let right = try evaluate(b, selection: selection)
            return try typed { () throws(VectorOps.TypeMismatch) in
                if op.isComparison { return try VectorOps.compare(op, left, right, selection: selection, rowCount: n) }
                if op == .and || op == .or { return try VectorOps.logical(op, left, right, selection: selection, rowCount: n) }
                return try VectorOps.arithmetic(op, left, right, selection: selection, rowCount: n)
            }
        case .match(let subject, let pattern, let negated):
            return try match(subject, pattern: pattern, negated: negated, selection: selection)
        case .isNull(let a, let negated):
            return isNull(try evaluate(a, selection: selection), negated: negated, selection: selection)
        case .function(let function, let args):
            return try RowFunctions.call(function, args, evaluation: self, selection: selection)
        case .linkedAggregate(let aggregate):
            return try linkedAggregate(aggregate)
        case .linkedExists(let rows, let link, let towardThisRow):
            return try linkedExists(rows, link: link, towardThisRow: towardThisRow)
        case .shared(let name, let inner):
            if let known = cache.shared[name] { return known }
            // The shared expressions inside it first, innermost first: a chain of thousands of
            // rules built on rules then never recurses more than one level.
            for (inside, expression) in PlanExpression.sharedInPostOrder(inner) where cache.shared[inside] == nil {
                cache.shared[inside] = try evaluate(expression, selection: nil)
            }
            let value = try evaluate(inner, selection: nil)
            cache.shared[name] = value
            return value
        }
    }

    /// A column of the relation, one a join brought in, or one a derive made.
    func column(_ ref: ColumnRef) throws(PlanError) -> Column {
        if let c = extra[ref] { return c }
        guard let relation = ref.relation else {
            if let c = view.table.column(named: ref.name) { return c }
            throw PlanError("unknown column '\(ref.text)' in \(view.sourceName)")
        }
        if let c = cache.joined[ref] { return c }
        if let join = joins[relation] {
            let c = try backend.joined(ref.name, along: join, into: view)
            cache.joined[ref] = c
            return c
        }
        throw PlanError("unknown column '\(ref.text)' in \(view.sourceName)")
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

    private func match(_ subject: PlanExpression, pattern: String, negated: Bool, selection: Selection?) throws(PlanError) -> Operand {
        let matcher: TextMatcher
        do { matcher = try TextMatcher(pattern: pattern) } catch {
            throw PlanError("invalid regular expression \"\(pattern)\"", notes: error.reason.map { [$0] } ?? [])
        }
        func wrongType(_ type: ColumnType?) -> PlanError {
            var error = PlanError("'~' matches text, found \(VectorOps.describe(type))")
            if case .origin(let id, _) = subject { error.origin = id }
            return error
        }
        switch try evaluate(subject, selection: selection) {
        case .scalar(.null): return .scalar(.null)
        case .scalar(.text(let s)): return .scalar(.boolean(matcher.matches(s) != negated))
        case .scalar(let v): throw wrongType(v.type)
        case .vector(let column):
            guard case .text(let codes, let dictionary) = column.storage else { throw wrongType(column.type) }
            let byCode = dictionary.map { matcher.matches($0) != negated }
            var out = [Bool](repeating: false, count: rowCount)
            let n = rowCount
            out.withUnsafeMutableBufferPointer { o in
                codes.forEachCode(selection, below: n) { r, c in if c >= 0 && c < byCode.count { o[r] = byCode[c] } }
            }
            return .vector(.vector(.boolean(out), column.validity))
        }
    }

    // MARK: Linked rows

    /// Per row, an aggregate of the linking relation's rows that link to it.
    private func linkedAggregate(_ aggregate: LinkedAggregate) throws(PlanError) -> Operand {
        let (linking, selection) = try backend.frame(aggregate.rows)
        let other = linking.view
        guard let link = backend.link(aggregate.link), link.target.count == other.table.rowCount else { throw PlanError("no link \(aggregate.link.text)") }
        var column: Column? = nil
        if let argument = aggregate.argument {
            column = VectorOps.materialize(try linking.evaluate(argument, selection: selection), rowCount: other.table.rowCount)
        }
        let grouping = Grouping(groupCount: rowCount, groupOfRow: link.target, keys: [])
        let values = Aggregate.compute(aggregate.function, column: column, selection: selection, rowCount: other.table.rowCount, grouping: grouping)
        let filled = values.count == rowCount ? values : values + Array(repeating: Value.null, count: max(0, rowCount - values.count))
        let counts = [AggregateFunction.countRows, .count, .countDistinct].contains(aggregate.function)
        let result = counts ? filled.map { $0.isNull ? Value.integer(0) : $0 } : filled
        return .vector(ColumnBuilder.column(from: result, rowCount: rowCount))
    }

    /// Per row, whether a row of `rows` is linked with it.
    private func linkedExists(_ rows: LogicalPlan, link step: LinkStep, towardThisRow: Bool) throws(PlanError) -> Operand {
        let other = try backend.view(rows)
        guard let link = backend.link(step) else { throw PlanError("no link \(step.text)") }
        var marks = [Bool](repeating: false, count: rowCount)
        if towardThisRow {
            forEachRow(other.selection, below: link.target.count) { r in
                let t = Int(link.target[r])
                if t >= 0 && t < marks.count { marks[t] = true }
            }
        } else {
            var inView: [Bool]? = nil
            if let selection = other.selection {
                var flags = [Bool](repeating: false, count: other.table.rowCount)
                for r in selection where Int(r) < flags.count { flags[Int(r)] = true }
                inView = flags
            }
            for (r, t) in link.target.enumerated() where t >= 0 && r < marks.count {
                marks[r] = inView.map { Int(t) < $0.count && $0[Int(t)] } ?? true
            }
        }
        return .vector(.vector(.boolean(marks), nil))
    }
}

extension PlanError {
    /// The error, said at `origin` unless an inner expression already placed it.
    func located(_ id: Int) -> PlanError {
        var located = self
        if located.origin == nil { located.origin = id }
        return located
    }
}
