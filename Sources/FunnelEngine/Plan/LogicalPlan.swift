/// Columns of a linked relation brought into each row: along `link` from the scanned relation
/// (`toOne`: each row reaches at most one row) or against it (`firstLinking`: the first row, in
/// the linking relation's order, of those that link to the row).
public struct LinkJoin: Sendable, Hashable {
    public enum Direction: String, Sendable, Hashable { case toOne, firstLinking }
    public var link: LinkStep
    public var direction: Direction
    /// The relation the columns come from (`link.toTable` or `link.fromTable`).
    public var relation: String { direction == .toOne ? link.toTable : link.fromTable }

    public init(link: LinkStep, direction: Direction) {
        self.link = link
        self.direction = direction
    }
}

/// A grouping key: an expression, named as the result column; a period key truncates a date or
/// timestamp to its period (rows with no date fall into a group whose key is null).
public struct GroupKey: Sendable {
    public var name: String
    public var expression: PlanExpression
    public var period: DateUnit?

    public init(name: String, expression: PlanExpression, period: DateUnit? = nil) {
        self.name = name
        self.expression = expression
        self.period = period
    }
}

/// One aggregate of a group: `function(argument)` over the group's rows for which `filter` holds.
public struct Measure: Sendable {
    public var name: String
    public var function: AggregateFunction
    /// nil for a count of rows.
    public var argument: PlanExpression?
    public var filter: PlanExpression?

    public init(name: String, function: AggregateFunction, argument: PlanExpression? = nil, filter: PlanExpression? = nil) {
        self.name = name
        self.function = function
        self.argument = argument
        self.filter = filter
    }
}

public struct PlanSortKey: Sendable {
    public var expression: PlanExpression
    public var descending: Bool

    public init(_ expression: PlanExpression, descending: Bool) {
        self.expression = expression
        self.descending = descending
    }
}

/// What a statement asks of the data, as a backend runs it. Small on purpose: every analysis is
/// built from these, so that a second backend (a database) answers the same questions.
public indirect enum LogicalPlan: Sendable {
    /// The rows of a relation (a loaded table, a view of one, or a small result bound to a name),
    /// reading `columns` (nil: all of them).
    case scan(String, columns: [String]?)
    case join(LogicalPlan, LinkJoin)
    case filter(LogicalPlan, PlanExpression)
    case derive(LogicalPlan, name: String, PlanExpression)
    /// One row per group of `keys` (one row in all when there are none), with each measure.
    case aggregate(LogicalPlan, keys: [GroupKey], measures: [Measure])
    case sort(LogicalPlan, [PlanSortKey])
    case limit(LogicalPlan, Int)

    public var input: LogicalPlan? {
        switch self {
        case .scan: return nil
        case .join(let p, _), .filter(let p, _), .derive(let p, _, _), .aggregate(let p, _, _), .sort(let p, _), .limit(let p, _): return p
        }
    }

    /// The relation the plan's rows come from.
    public var relation: String {
        var plan = self
        while let inner = plan.input { plan = inner }
        if case .scan(let name, _) = plan { return name }
        return ""
    }

    /// The expressions this node evaluates (not its input's).
    public var expressions: [PlanExpression] {
        switch self {
        case .scan, .join, .limit: return []
        case .filter(_, let e), .derive(_, _, let e): return [e]
        case .aggregate(_, let keys, let measures):
            return keys.map(\.expression) + measures.flatMap { [$0.argument, $0.filter].compactMap { $0 } }
        case .sort(_, let keys): return keys.map(\.expression)
        }
    }

    /// The same plan with each scan reading only the columns the plan uses of its relation: those
    /// its expressions read, and, where no aggregate is above it, those it gives back (the scan's
    /// own list; nil, all of them, stays nil).
    public func pruned() -> LogicalPlan {
        prunedScans(need: [], givesScanColumns: true)
    }

    private func prunedScans(need: Set<String>, givesScanColumns: Bool) -> LogicalPlan {
        var used = need
        for e in expressions {
            for ref in e.columns where ref.relation == nil { used.insert(ref.name) }
        }
        switch self {
        case .scan(let name, let columns):
            guard givesScanColumns else { return .scan(name, columns: used.sorted()) }
            return .scan(name, columns: columns.map { used.union($0).sorted() })
        case .join(let p, let join):
            // The key this side of the link is read from the scanned relation.
            if join.direction == .toOne { used.insert(join.link.fromColumn) } else { used.insert(join.link.toColumn) }
            return .join(p.prunedScans(need: used, givesScanColumns: givesScanColumns), join)
        case .filter(let p, let e): return .filter(p.prunedScans(need: used, givesScanColumns: givesScanColumns), e)
        case .derive(let p, let name, let e):
            used.remove(name)
            for ref in e.columns where ref.relation == nil { used.insert(ref.name) }
            return .derive(p.prunedScans(need: used, givesScanColumns: givesScanColumns), name: name, e)
        case .aggregate(let p, let keys, let measures): return .aggregate(p.prunedScans(need: used, givesScanColumns: false), keys: keys, measures: measures)
        case .sort(let p, let keys): return .sort(p.prunedScans(need: used, givesScanColumns: givesScanColumns), keys)
        case .limit(let p, let n): return .limit(p.prunedScans(need: used, givesScanColumns: givesScanColumns), n)
        }
    }

    /// In `columnsRead`, stands for every column of a relation (a plan that gives back all its rows' columns).
    public static let allColumns = "*"

    /// Per relation, the columns this plan reads (its scans, its joins, and the plans of linked
    /// rows its expressions read), as the CSV reader would need them; `allColumns` for all.
    public var columnsRead: [String: Set<String>] {
        var out: [String: Set<String>] = [:]
        func visit(_ plan: LogicalPlan, need: Set<String>) {
            var used = need
            for e in plan.expressions {
                for ref in e.columns {
                    if let r = ref.relation { out[r, default: []].insert(ref.name) } else { used.insert(ref.name) }
                }
                for linked in e.linkedPlans { visit(linked, need: []) }
                // Each side's key of the links those rows are found along.
                for link in e.links {
                    out[link.fromTable, default: []].insert(link.fromColumn)
                    out[link.toTable, default: []].insert(link.toColumn)
                }
            }
            switch plan {
            case .scan(let name, let columns):
                out[name, default: []].formUnion(columns.map(Set.init) ?? [LogicalPlan.allColumns])
            case .join(let p, let join):
                out[join.relation, default: []].insert(join.direction == .toOne ? join.link.toColumn : join.link.fromColumn)
                used.insert(join.direction == .toOne ? join.link.fromColumn : join.link.toColumn)
                visit(p, need: used)
            case .derive(let p, let name, _):
                used.remove(name)
                visit(p, need: used)
            default:
                if let p = plan.input { visit(p, need: used) }
            }
        }
        visit(pruned(), need: [])
        return out
    }
}
