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
        /// `load "file.csv" delimiter ";" …`; the path is any text expression (`load data + "/leads.csv"`).
        case load(path: Expr, options: [LoadOption])
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
        /// `F cohort by month`: everyone who entered in the period, followed through.
        case cohort(Expr, [Expr])
        /// `F by month vs plan`: runway against a plan table.
        case versus(Expr, Expr)
        /// `F by source confidence [95%]`: each step rate with its interval, and the groups whose
        /// rate differs from the rest beyond chance.
        case confidence(Expr, level: Double)
        /// `F by source last touch`, `F by source at mqls`: a funnel breakdown's attribution.
        case attributed(Expr, AttributionSyntax)
        /// `signups by month running`: each period's figure from the first period through it.
        case running(Expr)
        /// `mqls quarter to date`: the current period up to the as-of date, beside the same days
        /// of the period before. The unit is a period name (`month`, `quarter`, `year`, `week`).
        case toDate(Expr, unit: String)
        /// `inbound by month vs plan wide`: the runway laid out as the plan sheet (periods across).
        case wide(Expr)
    }

    public var kind: Kind
    public var range: SourceRange

    public init(_ kind: Kind, _ range: SourceRange) {
        self.kind = kind
        self.range = range
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
        /// `header false`: the first record is data; `header true`: it is the header (no detection).
        case header(Bool)
        /// `quotes false`: `"` is an ordinary character; `quotes true`: it quotes fields (no detection).
        case quotes(Bool)
        /// `decimal ","` or `decimal "."`: the file's decimal mark (no detection).
        case decimal(String)
        /// `table "public.leads"`: the database relation a `postgresql://` load reads.
        case table(String)
        /// `query "select …"`: the database query whose result a `postgresql://` load reads.
        case query(String)
    }
    public var kind: Kind
    public var range: SourceRange
}

/// A statement: one line of a script or one entry at the shell prompt.
/// Why a script touches a file. An included file may only define (rules, KPIs, funnels, links,
/// parameters' defaults) unless the include allows one of these, and then only inside its folder.
public enum FileUse: String, Sendable, CaseIterable {
    case load, include, export, report

    var isWrite: Bool { self == .export || self == .report }
}

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
        /// `include "clients/acme.funnel" allow load`: what the included file may do besides defining.
        /// `include "rules.funnel"`, or a path made from parameters (`include "clients/" + client + ".funnel"`).
        case include(Expr, allow: [FileUse])
        case expression(Expr)
        case funnel(FunnelSyntax)
        /// `alias spend.channel as source`: spend answers to `source` (by source, where source == …).
        case alias(table: String, column: String, name: String)
        /// `label source "organic_search" as "Organic search"`: how a key's value is shown.
        case label(key: String, value: String, label: String)
        /// `demand F [by key]`: the demand-marketing table (costs per stage, revenue, ROMI, lift).
        case demand(String, by: [Expr])
        /// `report "out/review.html" [title "…"] { statements }`: the statements' results as a document.
        case report(path: String, title: String?, body: [Statement])
        /// `chart expr`: a result drawn in the terminal (lines for periods, bars otherwise).
        case chart(Expr)

        /// `velocity F [by key, …]`
        case velocity(String, by: [Expr])
        /// `velocity F histogram [7 days]`: each step's days as a distribution.
        case histogram(String, bin: Expr?)
        /// `bottleneck F`
        case bottleneck(String)
        /// `decay F.stage after 30 days [value expr]`
        case decay(funnel: String, stage: String, after: Expr, value: Expr?)
        /// `stuck F.stage after 30 days`: rows waiting in a stage too long.
        case stuck(funnel: String, stage: String, after: Expr)
        /// `health F [after 30 days]`: stuck rows per stage and the funnel's shape.
        case health(String, after: Expr?)
        /// `explain rule [on table]` or `explain F.stage`
        case explain(String, stage: String?, table: String?)
        /// `explain plan STATEMENT`: the plans the statement runs, with the columns each scan
        /// reads; nothing is defined, shown or written.
        indirect case explainPlan(Statement)
        /// `explain sql STATEMENT`: the SQL the statement sends to a database.
        indirect case explainSQL(Statement)
        /// `velocity F by source top 3`, `stuck F.mqls after 30 days top 5`: a statement that
        /// lists rows, shortened to its first N (for a breakdown, the N largest groups).
        indirect case top(Statement, Int)
        /// `what if rule = condition in F`
        case whatIf(rule: String, condition: Expr, funnel: String)
        /// `plan NAME from F { customers = 10; deal_size = 100k; rate sqls -> customers = 25% }`
        case plan(PlanSyntax)
    }

    public var kind: Kind
    public var range: SourceRange
}

public struct KPIDefinition: Sendable {
    public var name: String
    public var formula: Expr
    public var format: DisplayFormat?
    public var target: Target?
    /// `kpi romi "ROMI" = …`: how tables, tiles and reports name it (the name stays what
    /// formulas write).
    public var label: String? = nil

    /// What a reader sees: the label when it has one.
    public var displayName: String { label ?? name }
}

/// `target >= 2%`: a comparison the KPI's value should satisfy.
public struct Target: Sendable {
    public var comparison: BinaryOperator
    public var value: Expr
}

/// `funnel NAME on TABLE { … }`
public struct FunnelSyntax: Sendable {
    public var name: String
    public var table: String
    public var stages: [StageSyntax]
    /// `within 90 days`: later stages count only when reached within this many days of the first.
    public var window: Expr?
    public var targets: [StepTargetSyntax]
    /// `value avg(revenue)`: what one customer is worth (for decay and planning).
    public var value: Expr?
    /// `spend sum(spend.amount)`: marketing cost, for cost per stage and ROMI.
    public var spend: Expr?
    /// `revenue sum(revenue)`: revenue won, for ROMI and average deal size.
    public var revenue: Expr?
    /// `orders orders.amount`: a table linked to the funnel's rows, one row per purchase (promoters, CLV).
    public var orders: Expr?
    /// `any order`: a row counts at every stage it reached, in whatever order.
    public var anyOrder: Bool = false
    /// `exclude lost_at between mqls and sqls`
    public var exclusions: [ExclusionSyntax] = []
    /// `count distinct contact_id`: the funnel counts entities, not rows.
    public var countDistinct: [Expr] = []
    /// `constant account_id`: an entity's stages must share this property's value.
    public var constant: [Expr] = []
}

extension Expr {
    /// `X by keys`, with or without an attribution: what `confidence` may follow.
    var isBreakdown: Bool {
        switch kind {
        case .groupBy: return true
        case .attributed(let base, _), .running(let base): return base.isBreakdown
        default: return false
        }
    }
}

/// `exclude lost_at between mqls and sqls`
public struct ExclusionSyntax: Sendable {
    public var column: String
    public var from: String
    public var to: String
    /// `… where event == "unsubscribe"`: which rows' times count (all rows with a time without it).
    public var condition: Expr?
    public var range: SourceRange
}

/// `F by source last touch`: which row of an entity a breakdown reads its key from.
public enum AttributionSyntax: Sendable {
    case firstTouch, lastTouch
    case stage(String, SourceRange)

    public var words: String {
        switch self {
        case .firstTouch: return "first touch"
        case .lastTouch: return "last touch"
        case .stage(let name, _): return "at \(name)"
        }
    }
}

public struct StageSyntax: Sendable {
    public var name: String
    /// `visits = sum(sessions.sessions)`: a stage that is only a count, from another table.
    public var count: Expr?
    public var at: String?
    public var condition: Expr?
    /// The stage may be skipped: later stages do not require it.
    public var optional: Bool
    public var range: SourceRange
}

/// `target mqls/leads >= 20%` (the step from leads to mqls) or `target mqls >= 20%` (from the stage before).
public struct StepTargetSyntax: Sendable {
    public var from: String?
    public var to: String
    public var comparison: BinaryOperator
    public var value: Expr
    public var range: SourceRange
}

public struct PlanSyntax: Sendable {
    public var name: String
    public var funnel: String
    /// `customers = 10`, `deal_size = 100k`, `revenue = 1M`, `months = 12`, `shape = "last year"`
    public var settings: [(name: String, value: Expr, range: SourceRange)]
    /// `rate sqls -> customers = 25%`
    public var rates: [(from: String, to: String, value: Expr, range: SourceRange)]
}
