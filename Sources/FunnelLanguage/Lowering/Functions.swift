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

    /// What other tools call a function funnel has under another name (spreadsheets, SQL,
    /// pandas), and how to write it here.
    static let otherNames: [String: String] = [
        "mean": "avg", "average": "avg", "averageif": "avg(x where …)", "avgif": "avg(x where …)",
        "countif": "count(t where …)", "countifs": "count(t where …)", "sumif": "sum(x where …)", "sumifs": "sum(x where …)",
        "len": "length", "char_length": "length", "strip": "trim", "lcase": "lower", "ucase": "upper",
        "datediff": "days_between", "date_diff": "days_between", "now": "today", "current_date": "today",
        "ifnull": "coalesce", "nvl": "coalesce", "isnull": "coalesce", "percentile_cont": "percentile", "quantile": "percentile",
        "distinct_count": "count(distinct x)", "count_distinct": "count(distinct x)", "countd": "count(distinct x)",
    ]

    /// The suggestion for an unknown function: its name in funnel when another tool's name was
    /// written, else the nearest known name.
    static func suggestion(for name: String) -> String? {
        otherNames[name.lowercased()] ?? Suggestion.nearest(to: name, in: allNames)
    }
}

/// Every function name the language knows, for completion and help.
public enum FunctionNames {
    public static var all: [String] { Functions.allNames }
}
