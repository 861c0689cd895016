import FunnelEngine

// What a report is made of: the values the language builds from a `report "…" { … }` block and
// hands to `ReportRenderer` (HTML, Markdown) and `TerminalChart` (the shell). Plain values, no
// behaviour beyond small conveniences; the renderers never trap on whatever they hold (empty
// lists, NaN, nulls, mismatched lengths, any text).

/// One KPI shown as a tile: its value, the target as the script wrote it, and whether it was met.
public struct KPITile: Sendable {
    public var name: String
    public var value: Value
    public var format: DisplayFormat?
    /// The target as the user reads it, for example ">= 2%"; nil when the KPI has none.
    public var target: String?
    /// Whether the value meets the target; nil when there is no target or the value is null.
    public var met: Bool?

    public init(name: String, value: Value, format: DisplayFormat? = nil, target: String? = nil, met: Bool? = nil) {
        self.name = name
        self.value = value
        self.format = format
        self.target = target
        self.met = met
    }
}

/// A funnel: ordered stages with their counts; drawn as one bar per stage, with the step
/// conversion (stage / previous stage) between consecutive bars.
/// Money written with its currency: the symbol before the amount for the currencies that have
/// one in common use, else the code after it.
public enum Currency {
    static let symbols = ["EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹", "€": "€", "$": "$", "£": "£"]

    public static func apply(_ text: String, format: DisplayFormat?, value: Value, currency: String?) -> String {
        guard format == .money, let currency, !currency.isEmpty, value.number != nil else { return text }
        let code = currency.uppercased()
        if let symbol = symbols[code] ?? symbols[currency] {
            return text.hasPrefix("-") ? "-" + symbol + text.dropFirst() : symbol + text
        }
        return text + " " + code
    }
}

public struct FunnelChart: Sendable {
    public var title: String
    public var stages: [(name: String, count: Double)]
    /// Each stage's step rate as the funnel's table gives it (after an optional stage, over the
    /// rows that were in both): the chart never computes its own. Nil: count over count.
    public var stepRates: [Double?]?

    public init(title: String, stages: [(name: String, count: Double)], stepRates: [Double?]? = nil) {
        self.title = title
        self.stages = stages
        self.stepRates = stepRates
    }

    /// The step rate into each stage (nil for the first).
    public var rates: [Double?] {
        if let stepRates, stepRates.count == stages.count { return stepRates }
        return ChartMath.stepRates(stages.map(\.count))
    }
}

/// Values per period for one or more series: a runway (actual vs plan per month) or KPIs by
/// month. A series whose name mentions a plan ("plan", "target", "forecast", "budget", "goal")
/// is drawn dashed, in the colour of the series it is compared with ("leads plan" beside
/// "leads actual"). A nil value is a gap: no point, the line breaks.
public struct SeriesChart: Sendable {
    public var title: String
    public var periods: [String]
    /// Each series' values, one per period; a shorter list leaves the last periods empty.
    public var series: [(name: String, values: [Double?])]
    public var format: DisplayFormat?
    /// Also draw the cumulative pace (running sums) below.
    public var cumulative: Bool
    /// Where in the palette the first series' colour is: a report's charts of several stages
    /// each take their own colour.
    public var colourOffset = 0

    public init(title: String, periods: [String], series: [(name: String, values: [Double?])],
                format: DisplayFormat? = nil, cumulative: Bool = false) {
        self.title = title
        self.periods = periods
        self.series = series
        self.format = format
        self.cumulative = cumulative
    }

    /// The same chart with running sums: a null period stays null (no point) and the sum goes on
    /// after it, so an actual that stops at the current month stops there.
    public var runningSums: SeriesChart {
        var copy = self
        copy.cumulative = false
        copy.series = series.map { series in
            var sum = 0.0
            let values = series.values.map { value -> Double? in
                guard let value, value.isFinite else { return nil }
                sum += value
                return sum
            }
            return (name: series.name, values: values)
        }
        return copy
    }
}

/// Horizontal bars, one per label: a breakdown by source, velocity per step.
public struct BarChart: Sendable {
    public var title: String
    public var labels: [String]
    /// One value per label; nil (or a missing entry) shows "—" and no bar.
    public var values: [Double?]
    public var format: DisplayFormat?

    public init(title: String, labels: [String], values: [Double?], format: DisplayFormat? = nil) {
        self.title = title
        self.labels = labels
        self.values = values
        self.format = format
    }
}

/// One part of a report, in the order the script wrote it.
public enum ReportSection: Sendable {
    case heading(String)
    /// A paragraph of prose; blank lines start new paragraphs.
    case text(String)
    case kpis([KPITile])
    case funnel(FunnelChart)
    case series(SeriesChart)
    case bars(BarChart)
    case table(ResultTable)
}

/// A whole report: a header (title, parameters used, date of the data, when it was generated)
/// and the sections.
public struct ReportDocument: Sendable {
    public var title: String
    /// The parameters the script ran with (`--set quarter=2025Q3`), as name and value.
    public var parameters: [(String, String)]
    /// The date of the data, for example the latest date in the exports.
    public var dataDate: String?
    /// The span the data covers (the earliest and latest time of the loaded tables), so the
    /// reader knows the period each section is over: "2025-01-01 to 2025-12-31".
    public var dataSpan: String? = nil
    /// `--set currency=EUR`: money in the report is written with it (€1,234.56, 1,234.56 CHF).
    public var currency: String? = nil
    /// When the report was written; the renderer reads no clock, so the caller passes it.
    public var generated: String?
    public var sections: [ReportSection]

    public init(title: String, parameters: [(String, String)] = [], dataDate: String? = nil,
                generated: String? = nil, sections: [ReportSection] = []) {
        self.title = title
        self.parameters = parameters
        self.dataDate = dataDate
        self.generated = generated
        self.sections = sections
    }
}
