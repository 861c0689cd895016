/// How a number should read to an analyst; a hint for renderers, carried with results.
public enum DisplayFormat: String, Sendable, CaseIterable {
    /// Integers as integers, decimals with up to 2 places.
    case number
    /// A ratio shown ×100 with a % sign (0.123 → 12.3%).
    case percent
    /// An amount with two decimals and thousands separators.
    case money
    /// A duration in days, one decimal.
    case days
    /// A ratio from 0 to 1 drawn as a horizontal bar in terminal and Markdown tables; raw elsewhere.
    case bar
    /// A difference of two ratios, in percentage points with its sign (0.021 → +2.1 pts).
    case points
}

/// A small computed table ready to show: the columns, a display format per column, and notes.
public struct ResultTable: Sendable {
    public var title: String?
    public var table: Table
    /// One entry per column; `nil` entries fall back to the column type's natural format.
    public var formats: [DisplayFormat?]
    /// Lines printed under the table (for example "3 rows with an empty source").
    public var footnotes: [String]
    /// What kind of chart draws this result in a report, if any.
    public var chart: ChartHint?
    /// A KPI's target value, when the result is the KPI by a key: a chart draws it as a line.
    public var target: Double? = nil
    /// The columns that are a rate between two count columns of this result (a funnel's step
    /// rates "sqls/mqls"), said where they are made so that readers need not parse column names.
    public var rates: [RateColumn] = []
    /// The columns that judge their row (a target met or missed, the worst step, a test's
    /// finding), by name: a narrow terminal keeps them beside the key; a report badges a target.
    public var verdicts: Set<String> = []
    /// True once a key's values are shown by their labels (`label source "x" as "Y"`): a statement
    /// run inside another (`top`, `include`) passes its output through both, and a label must not
    /// be looked up again (with "x" as "y" and "y" as "Y", x would read Y).
    public var valuesLabelled = false

    public init(title: String? = nil, table: Table, formats: [DisplayFormat?]? = nil, footnotes: [String] = []) {
        self.title = title
        self.table = table
        self.formats = formats ?? Array(repeating: nil, count: table.columns.count)
        self.footnotes = footnotes
        self.chart = nil
    }
}

/// A rate column and the two count columns it divides, by name (names survive a reordering or a
/// dropped column where indices would not).
public struct RateColumn: Sendable, Equatable {
    public var column: String
    public var numerator: String
    public var denominator: String

    public init(column: String, numerator: String, denominator: String) {
        self.column = column
        self.numerator = numerator
        self.denominator = denominator
    }
}

extension ResultTable {
    /// The rate columns still in the table, as column indices. A count is looked up from the right,
    /// past any key of the same name.
    public var rateColumns: [(rate: Int, numerator: Int, denominator: Int)] {
        let index = Dictionary(table.columns.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { _, later in later })
        return rates.compactMap { rate in
            guard let c = index[rate.column], let n = index[rate.numerator], let d = index[rate.denominator] else { return nil }
            return (c, n, d)
        }
    }
}

/// How a report draws a result: a funnel (column 0 stages, column 1 counts), a runway (period,
/// stage, actual, plan), a breakdown (keys then values: bars of the first value column), or a
/// series (a period key then values: one line per value column), or a runway laid out as its
/// plan sheet (stage, measure, then one column per period: a report colours the variance row).
public enum ChartHint: String, Sendable {
    case funnel, runway, breakdown, series, sheet
}
