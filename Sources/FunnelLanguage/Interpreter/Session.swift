import FunnelEngine
import FunnelRender

public struct RuleDefinition: Sendable {
    public var name: String
    public var condition: Expr
    public var source: Statement
}

public struct FunnelDefinition: Sendable {
    public var syntax: FunnelSyntax
    public var source: Statement
}

public struct KPI: Sendable {
    public var definition: KPIDefinition
    public var source: Statement
}

/// Everything a script or shell session has defined. A value type: a statement runs on a copy,
/// and the copy replaces the session only when the statement succeeded.
public struct Session: Sendable {
    public var tables: [String: TableValue] = [:]
    /// Names of loaded tables and derived ones, in definition order (for :tables and :save).
    public var tableOrder: [String] = []
    public var scalars: [String: Value] = [:]
    public var rules: [String: RuleDefinition] = [:]
    public var ruleOrder: [String] = []
    public var kpis: [String: KPI] = [:]
    public var kpiOrder: [String] = []
    /// Every name a rule or KPI has referred to: a new definition whose name is not among them
    /// cannot close a cycle, so the cycle check walks the definitions only when it is.
    public var namesUsedByDefinitions: Set<String> = []
    /// Values and parameters an included file set: a path the including script builds from one
    /// of them is refused, or a rule file could choose what the main script reads.
    public var valuesSetByIncludes: Set<String> = []
    public var links: [Link] = []
    public var funnels: [String: FunnelDefinition] = [:]
    /// `alias spend.channel as source`: per table, names that stand for one of its columns.
    public var aliases: [String: [String: String]] = [:]
    public var funnelOrder: [String] = []
    /// `label source "organic_search" as "Organic search"`: per key, how its values are shown.
    public var valueLabels: [String: [String: String]] = [:]
    /// Absolute paths of every file loaded, so that export never overwrites an input.
    public var loadedPaths: Set<String> = []
    /// Where each loaded table came from: path and how (for :reload).
    public var loadSources: [String: String] = [:]
    /// Every statement that defined something, in order (for :save).
    public var definitions: [Statement] = []
    /// Parameters given with --set: shown in reports, usable as names.
    public var parameters: [(String, Value)] = []
    /// Changes, to a number never used before, whenever a statement defines something: cached
    /// funnel results are keyed by it.
    public var generation = 0

    public init() {}

    /// Whether `name` is a table, value, rule, KPI or funnel of this session.
    public func defines(_ name: String) -> Bool {
        tables[name] != nil || scalars[name] != nil || rules[name] != nil || kpis[name] != nil || funnels[name] != nil
    }

    public func linksFrom(_ table: String) -> [Link] { links.filter { $0.fromTable == table } }
    public func linksTo(_ table: String) -> [Link] { links.filter { $0.toTable == table } }
}

/// What a statement produced, for the caller to render.
public enum Output: Sendable {
    case table(ResultTable)
    /// A bare table name: shape, types, first rows.
    case summary(Table, rowCount: Int)
    case scalar(label: String?, value: Value, format: DisplayFormat?, target: String?, met: Bool?)
    case message(String)
    case warning(Diagnostic)
    case assertionFailed(Diagnostic)
    /// `chart …`: drawn in the terminal; the table is what machine formats print.
    case funnelChart(FunnelChart, ResultTable)
    case seriesChart(SeriesChart, ResultTable)
    case barChart(BarChart, ResultTable)
}
