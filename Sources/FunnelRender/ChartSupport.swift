import FunnelEngine

// What the chart renderers share: number texts for labels and axes, nice axis ticks, step
// conversions, and which series is a plan. Nothing here traps on NaN, infinities or huge values.

enum ChartText {
    /// A chart value as the tables show it; `.bar` (a ratio) reads as a percent; nil or NaN "—";
    /// 10^15 and beyond in scientific notation, so that a label keeps a readable length.
    static func value(_ value: Double?, _ format: DisplayFormat?, unicode: Bool = true) -> String {
        guard let value, !value.isNaN else { return ValueFormatter.nullText(unicode: unicode) }
        let format = format == .bar ? .percent : format
        if value.isFinite, format != nil {
            let digits = format == .percent ? DecimalDigits(value).shifted(by: 2) : DecimalDigits(value)
            if digits.exponent > 15 {
                let suffix = format == .percent ? "%" : format == .days ? " days" : ""
                return NumberText.scientific(digits, decimals: 2) + suffix
            }
        }
        return ValueFormatter.format(.decimal(value), as: format, unicode: unicode)
    }

    /// A stage count: grouped digits, up to two decimals ("120,000", "12.5").
    static func count(_ value: Double, unicode: Bool = true) -> String {
        self.value(value, .number, unicode: unicode)
    }

    /// A rate as tables write it, so that a chart and its table agree: one decimal, two significant
    /// digits for a share below 0.1% (3.0%, 0.060%); "—" when it has no denominator.
    static func rate(_ rate: Double?, unicode: Bool = true) -> String {
        self.value(rate, .percent, unicode: unicode)
    }

    /// Tick labels for one axis: all compact ("5k", "10k") when the largest needs it, so that an
    /// axis never mixes "5,000" with "10k".
    static func ticks(_ values: [Double], _ format: DisplayFormat?) -> [String] {
        let compactAxis = values.contains { $0.isFinite && $0.magnitude >= 1e4 }
        return values.map { value in
            guard compactAxis, value.isFinite, value.magnitude < 1e4, value != 0 else { return tick(value, format) }
            let text = NumberText.fixed(DecimalDigits(value / 1e3), decimals: 2, trim: true, group: true) + "k"
            switch format {
            case .percent, .bar: return tick(value, format)
            case .days: return text + " days"
            default: return text
            }
        }
    }

    /// An axis tick: short, so "1.5M", "250k", "25%", "0.5".
    static func tick(_ value: Double, _ format: DisplayFormat?) -> String {
        guard value.isFinite else { return ChartText.value(value, format) }
        switch format {
        case .percent, .bar:
            return NumberText.fixed(DecimalDigits(value).shifted(by: 2), decimals: 1, trim: true, group: true) + "%"
        case .days:
            return compact(value) + " days"
        default:
            return compact(value)
        }
    }

    /// 1234 → "1,234", 25000 → "25k", 1500000 → "1.5M", 2e9 → "2B"; small values keep two decimals.
    static func compact(_ value: Double) -> String {
        let magnitude = value.magnitude
        let units: [(Double, String)] = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e4, "k")]
        for (size, suffix) in units where magnitude >= size {
            if size == 1e12 && magnitude >= 1e15 { break }
            let scaled = size == 1e4 ? value / 1e3 : value / size
            return NumberText.fixed(DecimalDigits(scaled), decimals: 1, trim: true, group: true) + (size == 1e4 ? "k" : suffix)
        }
        if magnitude >= 1e15 { return NumberText.scientific(DecimalDigits(value), decimals: 2) }
        return NumberText.fixed(DecimalDigits(value), decimals: 2, trim: true, group: true)
    }

    /// A number for an SVG attribute: at most two decimals, no grouping, never NaN.
    static func svg(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let clamped = min(1e7, max(-1e7, value))
        return NumberText.fixed(DecimalDigits(clamped), decimals: 2, trim: true, group: false)
    }

    /// A raw number for a data- attribute: "808" for integral values, the shortest round-tripping
    /// text otherwise, "NaN" / "inf" / "-inf" for the rest.
    static func raw(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        if value == value.rounded(), value.magnitude < 9e15 { return String(Int64(value)) }
        return value.description
    }
}

enum ChartMath {
    /// Step conversions: stage / previous stage, nil for the first stage and where the previous
    /// count is zero, negative or not finite.
    static func stepRates(_ counts: [Double]) -> [Double?] {
        counts.indices.map { i in
            guard i > 0 else { return nil }
            return ratio(counts[i], counts[i - 1])
        }
    }

    /// a / b when both are finite and b > 0.
    static func ratio(_ a: Double, _ b: Double) -> Double? {
        guard a.isFinite, b.isFinite, b > 0 else { return nil }
        let r = a / b
        return r.isFinite ? r : nil
    }

    /// The finite values among `values`.
    static func finite(_ values: [Double?]) -> [Double] {
        values.compactMap { $0.flatMap { $0.isFinite ? $0 : nil } }
    }

    /// Where `value` lies between `low` and `high` as 0…1 (0.5 when they are equal); computed on
    /// halves so that ±1e308 does not overflow.
    static func fraction(_ value: Double, low: Double, high: Double) -> Double {
        let span = high / 2 - low / 2
        guard span > 0, span.isFinite, value.isFinite else { return 0.5 }
        let f = (value / 2 - low / 2) / span
        return f.isFinite ? min(1, max(0, f)) : 0.5
    }

    /// Three to five round tick values covering `low…high` (1, 2, 2.5 or 5 × a power of ten).
    static func ticks(low: Double, high: Double, maxCount: Int = 5) -> [Double] {
        guard low.isFinite, high.isFinite else { return [0, 1] }
        var lo = min(low, high), hi = max(low, high)
        if hi - lo <= max(lo.magnitude, hi.magnitude) * 1e-12 {
            if hi > 0 { lo = 0 } else if lo < 0 { hi = 0 } else { hi = 1 }
        }
        let span = hi - lo
        guard span.isFinite, span > 0 else { return [lo, hi] }
        let raw = span / Double(max(2, maxCount) - 1)
        var magnitude = 1.0
        var guardCount = 0
        while magnitude * 10 <= raw && guardCount < 700 { magnitude *= 10; guardCount += 1 }
        while magnitude > raw && guardCount < 1400 { magnitude /= 10; guardCount += 1 }
        for multiple in [1.0, 2, 2.5, 5, 10, 20] {
            let step = multiple * magnitude
            guard step > 0, step.isFinite else { continue }
            let first = (lo / step).rounded(.down), last = (hi / step).rounded(.up)
            let count = last - first + 1
            guard count.isFinite, count <= Double(maxCount), count >= 2 else { continue }
            var ticks: [Double] = []
            for i in 0..<Int(count) {
                let tick = (first + Double(i)) * step
                if ticks.last != tick { ticks.append(tick) }
            }
            if ticks.count >= 2 { return ticks }
        }
        return [lo, hi]
    }
}

enum SeriesStyle {
    private static let planWords = ["plan", "target", "forecast", "budget", "goal"]
    private static let actualWords = ["actual", "actuals"]

    /// Whether a series is a plan to compare against (drawn dashed).
    static func isPlan(_ name: String) -> Bool {
        words(name).contains { planWords.contains($0) }
    }

    /// The name without the words plan / actual, so "leads actual" and "leads plan" pair up.
    static func key(_ name: String) -> String {
        words(name).filter { !planWords.contains($0) && !actualWords.contains($0) }.joined(separator: " ")
    }

    /// A palette index per series: paired series (same key) share a colour.
    static func colourIndices(_ names: [String]) -> [Int] {
        var keys: [String] = []
        return names.map { name in
            let k = key(name)
            if let i = keys.firstIndex(of: k) { return i }
            keys.append(k)
            return keys.count - 1
        }
    }

    private static func words(_ name: String) -> [String] {
        name.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
    }
}

/// Where a runway stands: for each series paired with a plan ("leads actual" with "leads plan"),
/// the latest period where both have a value, the variance there and, cumulatively, up to it.
struct RunwayVariance {
    var series: String
    var plan: String
    var period: String
    var actual: Double
    var planned: Double
    var cumulativeActual: Double
    var cumulativePlanned: Double

    static func all(_ chart: SeriesChart) -> [RunwayVariance] {
        let names = chart.series.map(\.name)
        var out: [RunwayVariance] = []
        for series in chart.series where !SeriesStyle.isPlan(series.name) {
            let key = SeriesStyle.key(series.name)
            guard let p = names.indices.first(where: { SeriesStyle.isPlan(names[$0]) && SeriesStyle.key(names[$0]) == key }) else { continue }
            let plan = chart.series[p]
            func value(_ values: [Double?], _ i: Int) -> Double? {
                guard i < values.count, let v = values[i], v.isFinite else { return nil }
                return v
            }
            guard let last = chart.periods.indices.last(where: { value(series.values, $0) != nil && value(plan.values, $0) != nil }),
                  let actual = value(series.values, last), let planned = value(plan.values, last) else { continue }
            let sumActual = (0...last).reduce(0.0) { $0 + (value(series.values, $1) ?? 0) }
            let sumPlanned = (0...last).reduce(0.0) { $0 + (value(plan.values, $1) ?? 0) }
            out.append(RunwayVariance(series: series.name, plan: plan.name, period: chart.periods[last], actual: actual,
                                      planned: planned, cumulativeActual: sumActual, cumulativePlanned: sumPlanned))
        }
        return out
    }

    /// "+74 (+0.9%)", "-85 (-8.7%)"; for a percent format the difference in points ("-1.0 pts").
    /// The minus is the tables' hyphen: a number reads the same in a note and in a cell.
    static func difference(_ actual: Double, _ planned: Double, _ format: DisplayFormat?, unicode: Bool = true) -> String {
        let diff = actual - planned
        guard diff.isFinite else { return ValueFormatter.nullText(unicode: unicode) }
        let minus = "-"
        func signed(_ text: String, negative: Bool, zero: Bool) -> String {
            let bare = text.hasPrefix("-") ? String(text.dropFirst()) : text
            return zero ? bare : (negative ? minus : "+") + bare
        }
        if format == .percent || format == .bar {
            let points = NumberText.fixed(DecimalDigits(diff).shifted(by: 2), decimals: 1, trim: false, group: true)
            return signed(points, negative: diff < 0, zero: points == "0.0") + " pts"
        }
        let text = ChartText.value(diff, format == nil ? .number : format, unicode: unicode)
        var out = signed(text, negative: diff < 0, zero: diff == 0)
        if let relative = ChartMath.ratio(diff, planned.magnitude) {
            let percent = NumberText.fixed(DecimalDigits(relative).shifted(by: 2), decimals: 1, trim: false, group: true)
            out += " (" + signed(percent, negative: relative < 0, zero: percent == "0.0") + "%)"
        }
        return out
    }

    /// One sentence: "leads actual in 2025-09: 895 against leads plan 980, −85 (−8.7%)."
    func latest(_ format: DisplayFormat?, unicode: Bool = true) -> String {
        series + " in " + period + ": " + ChartText.value(actual, format, unicode: unicode) + " against " + plan + " "
            + ChartText.value(planned, format, unicode: unicode) + ", " + RunwayVariance.difference(actual, planned, format, unicode: unicode) + "."
    }

    /// "Cumulative to 2025-09: 8,114 against 8,040, +74 (+0.9%)."
    func cumulative(_ format: DisplayFormat?, unicode: Bool = true) -> String {
        "Cumulative to " + period + ": " + ChartText.value(cumulativeActual, format, unicode: unicode) + " against "
            + ChartText.value(cumulativePlanned, format, unicode: unicode) + ", "
            + RunwayVariance.difference(cumulativeActual, cumulativePlanned, format, unicode: unicode) + "."
    }
}
