import FunnelEngine
/// Charts drawn with characters, for the shell and for Markdown: sparklines, small line charts,
/// horizontal bars and funnels. Unicode uses block and braille characters; with `unicode: false`
/// everything is plain ASCII. Multi-line charts end every line with a newline and keep each line
/// within `width` columns where that is possible (labels are cut with "…"). Nothing here traps:
/// empty charts print "(no data)", nulls and NaN leave gaps, huge values scale like any other.
public enum TerminalChart {
    static let sparkLevels: [String] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    static let asciiSparkLevels: [String] = ["_", ".", "-", "=", "#"]

    /// One character per value scaled between the smallest and largest: ▁▂▃▄▅▆▇█ (ASCII `_.-=#`);
    /// a space for null, NaN and infinities; a flat series sits in the middle.
    public static func sparkline(_ values: [Double?], unicode: Bool) -> String {
        sparkline(values, unicode: unicode, low: nil, high: nil)
    }

    /// A sparkline on a given scale, so that several series (actual and plan) compare.
    static func sparkline(_ values: [Double?], unicode: Bool, low: Double?, high: Double?) -> String {
        let finite = ChartMath.finite(values)
        guard let lo = low ?? finite.min(), let hi = high ?? finite.max() else {
            return String(repeating: " ", count: values.count)
        }
        let levels = unicode ? sparkLevels : asciiSparkLevels
        var out = ""
        for value in values {
            guard let value, value.isFinite else { out += " "; continue }
            let f = ChartMath.fraction(value, low: lo, high: hi)
            let level = Int((f * Double(levels.count - 1)).rounded())
            out += levels[min(levels.count - 1, max(0, level))]
        }
        return out
    }

    // MARK: Line chart

    /// A small line chart: `height` rows of plot with the largest and smallest value labelled on the
    /// axis, the first and last period under it, and a legend. Unicode draws the lines in braille
    /// with a marker per series at each value (● ○ ◆ ◇ ■ □); ASCII draws `.` lines, `*` `o` `+` `x`
    /// markers and a `|` axis. With `cumulative`, the running sums follow as a second chart.
    public static func lines(_ chart: SeriesChart, width: Int, height: Int, unicode: Bool) -> String {
        var out: [String] = []
        if !chart.title.isEmpty { out.append(DisplayWidth.truncate(ValueFormatter.visible(chart.title), to: max(1, width), unicode: unicode)) }
        out += plot(chart, width: width, height: height, unicode: unicode)
        if chart.cumulative {
            out.append("cumulative pace")
            out += plot(chart.runningSums, width: width, height: height, unicode: unicode)
        }
        return out.joined(separator: "\n") + "\n"
    }

    static let markers = ["●", "○", "◆", "◇", "■", "□"]
    static let asciiMarkers = ["*", "o", "+", "x", "#", "@"]

    private static func plot(_ chart: SeriesChart, width: Int, height: Int, unicode: Bool) -> [String] {
        let periods = chart.periods
        let columns: [[Double?]] = chart.series.map { series in
            periods.indices.map { i in
                guard i < series.values.count, let v = series.values[i], v.isFinite else { return nil }
                return v
            }
        }
        let all = ChartMath.finite(columns.flatMap { $0 })
        guard !periods.isEmpty, let smallest = all.min(), let largest = all.max() else { return ["(no data)"] }
        // From zero, as the report's charts: a 2.7–3.3% range is not drawn as full swings.
        let lo = min(0, smallest), hi = max(0, largest)
        let rows = max(2, height)
        let highText = ChartText.value(hi, chart.format, unicode: unicode)
        let lowText = ChartText.value(lo, chart.format, unicode: unicode)
        let labelWidth = max(DisplayWidth.of(highText), DisplayWidth.of(lowText))
        let plotColumns = max(2, width - labelWidth - 2)

        // The grid in dots: braille cells are 2 × 4 dots; ASCII cells are one dot.
        let dotX = unicode ? 2 : 1, dotY = unicode ? 4 : 1
        let dotsWide = plotColumns * dotX, dotsHigh = rows * dotY
        var dots = [[Bool]](repeating: [Bool](repeating: false, count: dotsWide), count: dotsHigh)
        var cellMarks = [[String?]](repeating: [String?](repeating: nil, count: plotColumns), count: rows)
        func px(_ i: Int) -> Int {
            periods.count == 1 ? dotsWide / 2 : Int((Double(i) * Double(dotsWide - 1) / Double(periods.count - 1)).rounded())
        }
        func py(_ v: Double) -> Int {
            Int(((1 - ChartMath.fraction(v, low: lo, high: hi)) * Double(dotsHigh - 1)).rounded())
        }
        func set(_ x: Int, _ y: Int) {
            if y >= 0 && y < dotsHigh && x >= 0 && x < dotsWide { dots[y][x] = true }
        }
        let marks = unicode ? markers : asciiMarkers
        for (s, values) in columns.enumerated() {
            var previous: (Int, Int)?
            for (i, value) in values.enumerated() {
                guard let value else { previous = nil; continue }
                let point = (px(i), py(value))
                if let (x0, y0) = previous {
                    let steps = max(abs(point.0 - x0), abs(point.1 - y0), 1)
                    for t in 0...steps {
                        let x = x0 + Int((Double((point.0 - x0) * t) / Double(steps)).rounded())
                        let y = y0 + Int((Double((point.1 - y0) * t) / Double(steps)).rounded())
                        set(x, y)
                    }
                } else {
                    set(point.0, point.1)
                }
                previous = point
                let row = min(rows - 1, point.1 / dotY), column = min(plotColumns - 1, point.0 / dotX)
                cellMarks[row][column] = marks[s % marks.count]
            }
        }

        var lines: [String] = []
        for row in 0..<rows {
            // A flat series has one value: label the row it sits on, once.
            let label = lo == hi ? (row == py(lo) / dotY ? highText : "") : row == 0 ? highText : row == rows - 1 ? lowText : ""
            let axis = unicode ? (label.isEmpty ? "│" : "┤") : (label.isEmpty ? "|" : "+")
            var line = DisplayWidth.pad(label, width: DisplayWidth.of(label), to: labelWidth, right: true) + " " + axis
            for column in 0..<plotColumns {
                if let mark = cellMarks[row][column] { line += mark; continue }
                if unicode {
                    var bits: UInt32 = 0
                    let weights: [[UInt32]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]
                    for dy in 0..<4 {
                        for dx in 0..<2 where dots[row * 4 + dy][column * 2 + dx] { bits |= weights[dy][dx] }
                    }
                    line += bits == 0 ? " " : String(Character(Unicode.Scalar(0x2800 + bits)!))
                } else {
                    line += dots[row][column] ? "." : " "
                }
            }
            lines.append(trimmedRight(line))
        }
        let indent = String(repeating: " ", count: labelWidth + 1)
        lines.append(indent + (unicode ? "└" + String(repeating: "─", count: plotColumns) : "+" + String(repeating: "-", count: plotColumns)))

        // First and last period under the plot, when they fit.
        let first = DisplayWidth.truncate(ValueFormatter.visible(periods[0]), to: plotColumns, unicode: unicode)
        var axisLine = indent + " "
        if periods.count == 1 {
            let w = DisplayWidth.of(first)
            let start = max(0, min(plotColumns - w, px(0) / dotX - w / 2))
            axisLine += String(repeating: " ", count: start) + first
        } else {
            let last = DisplayWidth.truncate(ValueFormatter.visible(periods[periods.count - 1]), to: plotColumns, unicode: unicode)
            let gap = plotColumns - DisplayWidth.of(first) - DisplayWidth.of(last)
            axisLine += gap >= 2 ? first + String(repeating: " ", count: gap) + last : first
        }
        lines.append(trimmedRight(axisLine))

        var legend: [String] = []
        for (s, series) in chart.series.enumerated() {
            legend.append(marks[s % marks.count] + " " + ValueFormatter.visible(series.name))
        }
        if !legend.isEmpty {
            lines.append(DisplayWidth.truncate(legend.joined(separator: "  "), to: max(1, width), unicode: unicode))
        }
        return lines
    }

    // MARK: Bars

    /// One line per label: the label, a bar proportional to the largest magnitude, the formatted
    /// value right-aligned. Negative values draw a light bar (░, ASCII `-`); nulls none and "—".
    public static func bars(_ chart: BarChart, width: Int, unicode: Bool) -> String {
        var lines: [String] = []
        if !chart.title.isEmpty { lines.append(DisplayWidth.truncate(ValueFormatter.visible(chart.title), to: max(1, width), unicode: unicode)) }
        let rows = max(chart.labels.count, chart.values.count)
        guard rows > 0 else { return (lines + ["(no data)"]).joined(separator: "\n") + "\n" }
        let values: [Double?] = (0..<rows).map { i in i < chart.values.count ? chart.values[i] : nil }
        let texts = values.map { ChartText.value($0, chart.format, unicode: unicode) }
        let labels = (0..<rows).map { i in ValueFormatter.visible(i < chart.labels.count ? chart.labels[i] : "") }
        let labelWidth = min(labels.map(DisplayWidth.of).max() ?? 0, max(6, width / 3))
        let valueWidth = texts.map(DisplayWidth.of).max() ?? 1
        let barWidth = max(1, width - labelWidth - valueWidth - 2)
        let maxMagnitude = ChartMath.finite(values).map(\.magnitude).max() ?? 0
        for i in 0..<rows {
            let label = DisplayWidth.fit(labels[i], width: labelWidth, unicode: unicode)
            var bar = ""
            if let v = values[i], v.isFinite, maxMagnitude > 0 {
                let ratio = ChartMath.fraction(v.magnitude, low: 0, high: maxMagnitude)
                bar = v < 0 ? String(repeating: unicode ? "░" : "-", count: Int((ratio * Double(barWidth)).rounded()))
                            : eighths(ratio, width: barWidth, unicode: unicode, visibleWhenPositive: v > 0)
            }
            let line = DisplayWidth.pad(label.text, width: label.width, to: labelWidth, right: false) + " "
                + DisplayWidth.pad(bar, width: DisplayWidth.of(bar), to: barWidth, right: false) + " "
                + DisplayWidth.pad(texts[i], width: DisplayWidth.of(texts[i]), to: valueWidth, right: true)
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A bar of `ratio × width` columns in eighths (█ and ▏…▉); ASCII whole `#`s.
    static func eighths(_ ratio: Double, width: Int, unicode: Bool, visibleWhenPositive: Bool = false) -> String {
        let clamped = ratio.isFinite ? min(1, max(0, ratio)) : 0
        guard unicode else { return String(repeating: "#", count: Int((clamped * Double(width)).rounded())) }
        var count = Int((clamped * Double(width * 8)).rounded())
        if count == 0 && visibleWhenPositive && clamped > 0 { count = 1 }
        let partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        return String(repeating: "█", count: count / 8) + partials[count % 8]
    }

    // MARK: Funnel

    /// One line per stage: the name, a centred bar as wide as the stage's share of the largest
    /// stage, the count and the step conversion from the stage before.
    public static func funnel(_ chart: FunnelChart, width: Int, unicode: Bool) -> String {
        var lines: [String] = []
        if !chart.title.isEmpty { lines.append(DisplayWidth.truncate(ValueFormatter.visible(chart.title), to: max(1, width), unicode: unicode)) }
        let stages = chart.stages
        guard !stages.isEmpty else { return (lines + ["(no data)"]).joined(separator: "\n") + "\n" }
        let labels = stages.map { ValueFormatter.visible($0.name) }
        let counts = stages.map { ChartText.count($0.count, unicode: unicode) }
        let rates = chart.rates
        let steps = rates.indices.map { i in i == 0 ? "" : ChartText.rate(rates[i], unicode: unicode) }
        let labelWidth = min(labels.map(DisplayWidth.of).max() ?? 0, max(6, width / 4))
        let countWidth = counts.map(DisplayWidth.of).max() ?? 0
        let stepWidth = steps.map(DisplayWidth.of).max() ?? 0
        let area = max(1, width - labelWidth - countWidth - 2 - (stepWidth > 0 ? stepWidth + 1 : 0))
        let maxCount = stages.map(\.count).filter { $0.isFinite && $0 > 0 }.max() ?? 0
        let block = unicode ? "█" : "#"
        for (i, stage) in stages.enumerated() {
            var filled = 0
            if maxCount > 0, stage.count.isFinite, stage.count > 0 {
                filled = max(1, Int((ChartMath.fraction(stage.count, low: 0, high: maxCount) * Double(area)).rounded()))
                if (area - filled) % 2 == 1 { filled += 1 }
            }
            let left = (area - filled) / 2
            let label = DisplayWidth.fit(labels[i], width: labelWidth, unicode: unicode)
            var line = DisplayWidth.pad(label.text, width: label.width, to: labelWidth, right: false) + " "
            line += String(repeating: " ", count: left) + String(repeating: block, count: filled)
                + String(repeating: " ", count: area - filled - left) + " "
            line += DisplayWidth.pad(counts[i], width: DisplayWidth.of(counts[i]), to: countWidth, right: true)
            if stepWidth > 0 { line += " " + DisplayWidth.pad(steps[i], width: DisplayWidth.of(steps[i]), to: stepWidth, right: true) }
            lines.append(trimmedRight(line))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func trimmedRight(_ line: String) -> String {
        var line = line
        while line.last == " " { line.removeLast() }
        return line
    }
}
