import FunnelAnalytics
import FunnelEngine

/// Row functions (text, dates, numbers). Text functions run once per distinct value of a
/// dictionary-encoded column, not once per row.
enum Functions {
    static let aggregates: Set<String> = ["count", "sum", "avg", "min", "max", "median", "p90", "percentile"]
    static let rowFunctions: [String] = [
        "lower", "upper", "trim", "length", "month_number", "contains", "starts_with", "ends_with",
        "year", "quarter", "month", "week", "day", "weekday", "date", "date_trunc", "days_between", "in_period", "today", "env",
        "coalesce", "abs", "round",
    ]
    /// `all(formula)`: an aggregate formula over the whole table in a grouped statement (a share
    /// of the total: `count() / all(count())`), instead of over each group.
    static let wholeTable = "all"
    static var allNames: [String] { rowFunctions + aggregates.sorted() + [wholeTable] }
}

/// Every function name the language knows, for completion and help.
public enum FunctionNames {
    public static var all: [String] { Functions.allNames }
}
