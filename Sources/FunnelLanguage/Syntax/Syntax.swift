import FunnelEngine

/// An expression as written, with the span it came from.
public struct Expr: Sendable {
    public indirect enum Kind: Sendable {
        case number(NumberLiteral)
        /// A duration such as `30 days` or `2 weeks`, in days.
        case duration(Double)
        case string(String)
        case date(Int32)
        case boolean(Bool)
        case null
        /// A name: a column, table, rule, KPI or parameter, resolved by the interpreter.
        case name(String)
        /// `table.column`, `funnel.stage`.
        case member(Expr, String)
        case unary(UnaryOperator, Expr)
        case binary(BinaryOperator, Expr, Expr)
        case isNull(Expr, negated: Bool)
        case inList(Expr, [Expr], negated: Bool)
        case between(Expr, Expr, Expr, negated: Bool)
        /// `f(args)`; `distinct` for `count(distinct x)`.
        case call(String, [Expr], distinct: Bool)
        /// `has deals`: the row has at least one linked row in that table.
        case has(String)
        /// `load "file.csv" delimiter ";" …`
        case load(path: String, options: [LoadOption])
        /// `base where condition`; a nil base means the table in scope (`count(where mql)`).
        case filter(Expr?, Expr)
        /// `base by key, …`
        case groupBy(Expr, [Expr])
        /// `base select item, …`
        case select(Expr, [SelectItem])
        /// `base sort key [desc], …`
        case sort(Expr, [SortKey])
        /// `base top n`
        case top(Expr, Int)
    }

    public var kind: Kind
    public var range: SourceRange

    public init(_ kind: Kind, _ range: SourceRange) {
        self.kind = kind
        self.range = range
    }
}

public enum UnaryOperator: String, Sendable { case negate = "-", not }

public enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case match = "~", notMatch = "!~"
    case and, or

    public var isComparison: Bool {
        switch self {
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: return true
        default: return false
        }
    }
}

public struct SelectItem: Sendable {
    public var name: String?
    public var expr: Expr
    /// `rate = count(where mql) / count() as percent`
    public var format: DisplayFormat?
}

public struct SortKey: Sendable {
    public var expr: Expr
    public var descending: Bool
}

public struct LoadOption: Sendable {
    public enum Kind: Sendable {
        case delimiter(String)
        case dates(String)
        case time(String)
        case types([(column: String, type: String, range: SourceRange)])
    }
    public var kind: Kind
    public var range: SourceRange
}

/// A statement: one line of a script or one entry at the shell prompt.
public struct Statement: Sendable {
    public enum Kind: Sendable {
        case assign(String, Expr)
        /// `param quarter = "2025-Q3"`: a default that `--set quarter=…` overrides.
        case param(String, Expr)
        case link(fromTable: String, fromColumn: String, toTable: String, toColumn: String)
        case checkLink(String)
        case rule(String, Expr)
        case kpi(KPIDefinition)
        case assert(Expr, message: String?)
        case export(Expr, path: String)
        case include(String)
        case expression(Expr)
    }

    public var kind: Kind
    public var range: SourceRange
}

public struct KPIDefinition: Sendable {
    public var name: String
    public var formula: Expr
    public var format: DisplayFormat?
    public var target: Target?
}

/// `target >= 2%`: a comparison the KPI's value should satisfy.
public struct Target: Sendable {
    public var comparison: BinaryOperator
    public var value: Expr
}
