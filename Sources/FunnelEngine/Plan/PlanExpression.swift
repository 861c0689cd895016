/// `link FROM.fromColumn -> TO.toColumn` as a script declared it: each row of FROM reaches at
/// most one row of TO. Plans join along links and aggregate the rows that link to a row.
public struct LinkStep: Sendable, Hashable {
    public var fromTable: String
    public var fromColumn: String
    public var toTable: String
    public var toColumn: String

    public init(fromTable: String, fromColumn: String, toTable: String, toColumn: String) {
        self.fromTable = fromTable
        self.fromColumn = fromColumn
        self.toTable = toTable
        self.toColumn = toColumn
    }

    public var text: String { "\(fromTable).\(fromColumn) -> \(toTable).\(toColumn)" }
}

/// A column a plan's expressions read: one of the scanned relation's own (`relation` nil), one a
/// join brought in from a linked relation, or one a `derive` made.
public struct ColumnRef: Sendable, Hashable {
    public var relation: String?
    public var name: String

    public init(_ name: String, of relation: String? = nil) {
        self.relation = relation
        self.name = name
    }

    public var text: String { relation.map { "\($0).\(name)" } ?? name }
}

/// The row functions of the language, with their constant arguments already checked.
public enum RowFunction: Sendable, Hashable {
    case lower, upper, trim, length, monthNumber
    case contains(String), startsWith(String), endsWith(String)
    case part(DatePart)
    case truncate(DateUnit)
    /// Days from the first argument to the second.
    case daysBetween
    /// In [start, end) (days since 1970); `text` is the period as written ("2025-Q3").
    case inPeriod(start: Int32, end: Int32, text: String)
    case coalesce, abs
    case round(places: Int)

    public var name: String {
        switch self {
        case .lower: return "lower"
        case .upper: return "upper"
        case .trim: return "trim"
        case .length: return "length"
        case .monthNumber: return "month_number"
        case .contains: return "contains"
        case .startsWith: return "starts_with"
        case .endsWith: return "ends_with"
        case .part(let p): return p == .dayOfWeek ? "weekday" : p.rawValue
        case .truncate(let u): return "date_trunc_\(u.rawValue)"
        case .daysBetween: return "days_between"
        case .inPeriod: return "in_period"
        case .coalesce: return "coalesce"
        case .abs: return "abs"
        case .round: return "round"
        }
    }
}

/// An aggregate, per row, of the rows of another relation that link to it: `count(deals)` or
/// `sum(deals.amount where won)` on leads when deals link to leads.
public struct LinkedAggregate: Sendable {
    /// The linking rows (a scan of the linking relation, maybe filtered).
    public var rows: LogicalPlan
    public var link: LinkStep
    public var function: AggregateFunction
    /// Over the linking relation's rows; nil for a count of rows.
    public var argument: PlanExpression?

    public init(rows: LogicalPlan, link: LinkStep, function: AggregateFunction, argument: PlanExpression?) {
        self.rows = rows
        self.link = link
        self.function = function
        self.argument = argument
    }
}

/// A row expression with every name resolved: what a plan filters by, derives, groups by and
/// aggregates. Names of rules, KPIs and parameters are gone (expanded, or folded to constants);
/// columns are the relation's own or those a join brought in.
public indirect enum PlanExpression: Sendable {
    case constant(Value)
    case column(ColumnRef)
    case unary(UnaryOperator, PlanExpression)
    /// Arithmetic, comparison and logic (not `~`, which is `match`).
    case binary(BinaryOperator, PlanExpression, PlanExpression)
    /// A case-insensitive regular expression (POSIX extended, `\d` `\w` `\s` shorthands).
    case match(PlanExpression, pattern: String, negated: Bool)
    case isNull(PlanExpression, negated: Bool)
    case function(RowFunction, [PlanExpression])
    case linkedAggregate(LinkedAggregate)
    /// Whether the row is linked with at least one row of `rows` (either way the link goes).
    case linkedExists(rows: LogicalPlan, link: LinkStep, towardThisRow: Bool)
    /// A large sub-expression used in several places (a rule built on rules): computed once over
    /// all the rows and reused.
    case shared(name: String, PlanExpression)
    /// Where the expression came from: an index the language keeps, said with errors.
    case origin(Int, PlanExpression)

    /// The expression without its origin tags on top.
    public var unwrapped: PlanExpression {
        var e = self
        while case .origin(_, let inner) = e { e = inner }
        return e
    }

    /// The sub-expressions (not those of linked rows, which read another relation).
    public var children: [PlanExpression] {
        switch self {
        case .constant, .column, .linkedAggregate, .linkedExists: return []
        case .unary(_, let a), .match(let a, _, _), .isNull(let a, _), .shared(_, let a), .origin(_, let a): return [a]
        case .binary(_, let a, let b): return [a, b]
        case .function(_, let args): return args
        }
    }

    /// Visits every node once, parents first; a shared sub-expression is entered the first time
    /// only (rules built on rules share theirs, and walking each use would take exponential time).
    public func forEachNode(_ body: (PlanExpression) -> Void) {
        var sharedSeen = Set<String>()
        var stack = [self]
        while let e = stack.popLast() {
            if case .shared(let name, _) = e, !sharedSeen.insert(name).inserted { continue }
            body(e)
            stack.append(contentsOf: e.children.reversed())
        }
    }

    /// The shared sub-expressions inside `expression` (not itself), each after those inside it,
    /// each once; found without recursion.
    public static func sharedInPostOrder(_ expression: PlanExpression) -> [(name: String, expression: PlanExpression)] {
        var order: [(name: String, expression: PlanExpression)] = []
        var seen = Set<String>()
        // (node, whether it is a shared expression whose inside was visited already)
        var stack: [(PlanExpression, Bool)] = expression.children.reversed().map { ($0, false) }
        while let (node, expanded) = stack.popLast() {
            if case .shared(let name, let inner) = node {
                if expanded {
                    order.append((name, inner))
                    continue
                }
                guard seen.insert(name).inserted else { continue }
                stack.append((node, true))
                stack.append((inner, false))
                continue
            }
            stack.append(contentsOf: node.children.reversed().map { ($0, false) })
        }
        return order
    }

    /// Whether the value is the same for every row (no column, no linked rows).
    public var isConstant: Bool {
        var constant = true
        forEachNode { e in
            switch e {
            case .column, .linkedAggregate, .linkedExists: constant = false
            default: break
            }
        }
        return constant
    }

    /// The columns the expression reads, in order of first use.
    public var columns: [ColumnRef] {
        var found: [ColumnRef] = []
        var seen = Set<ColumnRef>()
        forEachNode { e in
            if case .column(let ref) = e, seen.insert(ref).inserted { found.append(ref) }
        }
        return found
    }

    /// The links its linked rows are found along.
    public var links: [LinkStep] {
        var found: [LinkStep] = []
        forEachNode { e in
            switch e {
            case .linkedAggregate(let a): found.append(a.link)
            case .linkedExists(_, let link, _): found.append(link)
            default: break
            }
        }
        return found
    }

    /// The plans of linked rows the expression reads (each with its own scans).
    public var linkedPlans: [LogicalPlan] {
        var found: [LogicalPlan] = []
        forEachNode { e in
            switch e {
            case .linkedAggregate(let a):
                var rows = a.rows
                if let argument = a.argument { rows = .derive(rows, name: "value", argument) }
                found.append(rows)
            case .linkedExists(let rows, _, _): found.append(rows)
            default: break
            }
        }
        return found
    }
}
