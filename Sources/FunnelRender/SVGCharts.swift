import FunnelEngine
/// The report's charts as inline SVG: drawn in a view box that scales to the page (960 units for a
/// screen or paper, 360 for a phone, each laid out for its width rather than shrunk),
/// styled by the report's CSS through classes, and marked with data- attributes that say what
/// each shape stands for (`data-stage`, `data-count`, `data-series`, `data-period`, `data-value`),
/// so that tests and other tools can read a chart back.
enum SVGCharts {
    /// The two layouts: the page's, and a phone's (about its width in CSS pixels, so that text
    /// keeps its size instead of being scaled down to a few pixels).
    static let wide = 960.0
    static let narrow = 360.0
    /// Text size in view-box units, and a generous average glyph width for a sans-serif face.
    static let fontSize = 13.0
    static let glyph = 0.6

    /// The estimated width of `text` at `size`.
    static func textWidth(_ text: String, size: Double = fontSize) -> Double {
        Double(DisplayWidth.of(text)) * size * glyph
    }

    /// `text` cut (with "…") to fit `space` at `size`.
    static func fitted(_ text: String, _ space: Double, size: Double = fontSize) -> String {
        let columns = Int(max(1, space / (size * glyph)))
        return DisplayWidth.truncate(ValueFormatter.visible(text), to: columns)
    }

    private static func n(_ value: Double) -> String { ChartText.svg(value) }

    /// The opening tag with the accessibility attributes and the `<title>`.
    private static func open(_ classes: String, width: Double, height: Double, title: String, label: String) -> String {
        "<svg class=\"chart " + classes + (width < wide ? " narrow" : " wide") + "\" viewBox=\"0 0 " + n(width) + " " + n(height) + "\""
            + " width=\"100%\" preserveAspectRatio=\"xMidYMin meet\" role=\"img\""
            + HTMLText.attribute("aria-label", label) + ">"
            + "<title>" + HTMLText.escape(title) + "</title>"
    }

    private static func empty(_ classes: String, width: Double, title: String, what: String) -> String {
        open(classes + " empty", width: width, height: 64, title: title, label: what + ": " + title + ", no data")
            + "<text class=\"no-data\" x=\"" + n(width / 2) + "\" y=\"36\" text-anchor=\"middle\">No data</text></svg>"
    }

    // MARK: Funnel

    static func funnel(_ chart: FunnelChart, width: Double = wide) -> String {
        let stages = chart.stages
        guard !stages.isEmpty else { return empty("funnel-chart", width: width, title: chart.title, what: "Funnel chart") }
        let counts = stages.map(\.count)
        let rates = chart.rates
        let largest = counts.filter { $0.isFinite && $0 > 0 }.max() ?? 0
        let first = counts[0]
        // A first stage ten times the next (visits to leads) would leave every later stage a
        // sliver: the bars are then scaled to the second stage and the first drawn broken.
        let laterLargest = counts.dropFirst().filter { $0.isFinite && $0 > 0 }.max() ?? 0
        let broken = counts.count >= 3 && first.isFinite && laterLargest > 0 && first > 10 * laterLargest
        let maxCount = broken ? laterLargest : largest

        // On a phone the stage's name and share go on a line above its bar, which takes the width.
        let stacked = width < wide
        let labelWidth = stacked ? 0 : 180.0, shareWidth = stacked ? 0 : 110.0
        let barX = stacked ? 2 : labelWidth, barMax = stacked ? width - 4 : width - labelWidth - shareWidth - 12
        let labelRow = stacked ? 22.0 : 0, barHeight = stacked ? 26.0 : 34.0, gap = 32.0, top = 30.0
        let stageHeight = labelRow + barHeight
        let height = top + Double(stages.count) * stageHeight + Double(stages.count - 1) * gap + 6

        var description = "Funnel chart: " + chart.title + "."
        for (i, stage) in stages.enumerated() {
            description += " " + stage.name + " " + ChartText.count(stage.count)
            if let rate = rates[i] { description += " (" + ChartText.rate(rate) + " of " + stages[i - 1].name + ")" }
            description += i == stages.count - 1 ? "." : ","
        }
        if broken { description += " The " + stages[0].name + " bar is not to scale: the others are scaled to " + stages[1].name + "." }
        var svg = open("funnel-chart", width: width, height: height, title: chart.title, label: description)
        let firstName = fitted(stages[0].name, stacked ? width / 2 - 40 : shareWidth - 36, size: 11)
        svg += "<g class=\"chart-head\">"
        if stacked {
            svg += "<text class=\"head\" x=\"" + n(barX) + "\" y=\"14\">Stage · ↓ step conversion</text>"
        } else {
            svg += "<text class=\"head\" x=\"" + n(labelWidth - 16) + "\" y=\"14\" text-anchor=\"end\">Stage</text>"
                + "<text class=\"head\" x=\"" + n(barX) + "\" y=\"14\">Count · ↓ step conversion</text>"
        }
        svg += "<text class=\"head\" x=\"" + n(width - 4) + "\" y=\"14\" text-anchor=\"end\">% of " + HTMLText.escape(firstName) + "</text>"
            + "</g>"
        for (i, stage) in stages.enumerated() {
            let stageY = top + Double(i) * (stageHeight + gap)
            let y = stageY + labelRow
            if i > 0 {
                let gy = stageY - gap
                let arrowX = barX + 14
                let rate = ChartText.rate(rates[i])
                svg += "<g" + HTMLText.attributes([
                    ("class", "funnel-step"),
                    ("data-from", stages[i - 1].name), ("data-to", stage.name),
                    ("data-rate", rates[i].map(ChartText.raw)),
                ]) + ">"
                svg += "<path class=\"step-arrow\" d=\"M" + n(arrowX) + " " + n(gy + 5) + "V" + n(gy + gap - 6)
                    + "M" + n(arrowX - 4) + " " + n(gy + gap - 11) + "L" + n(arrowX) + " " + n(gy + gap - 6)
                    + "L" + n(arrowX + 4) + " " + n(gy + gap - 11) + "\"/>"
                let textX = arrowX + 14, textY = gy + gap / 2
                svg += "<text class=\"conversion\" x=\"" + n(textX) + "\" y=\"" + n(textY) + "\" dy=\"0.35em\">"
                    + HTMLText.escape(rate) + "</text>"
                svg += "</g>"
            }
            let count = stage.count
            let barWidth = maxCount > 0 && count.isFinite && count > 0 ? min(barMax, max(1, count / maxCount * barMax)) : 0
            let cut = broken && count > maxCount
            let countText = ChartText.count(count)
            let share = ChartMath.ratio(count, first).map { ChartText.rate($0) } ?? ValueFormatter.nullText(unicode: true)
            let midY = y + barHeight / 2
            let labelY = stacked ? stageY + labelRow / 2 - 2 : midY
            svg += "<g" + HTMLText.attributes([
                ("class", "funnel-stage"), ("data-stage", stage.name), ("data-count", ChartText.raw(count)),
                ("data-index", String(i)),
            ]) + ">"
            svg += "<title>" + HTMLText.escape(stage.name + ": " + countText + (i > 0 ? " (" + share + " of " + stages[0].name + ")" : "")) + "</title>"
            if stacked {
                svg += "<text class=\"stage-label\" x=\"" + n(barX) + "\" y=\"" + n(labelY) + "\" dy=\"0.35em\">"
                    + HTMLText.escape(fitted(stage.name, width - 90, size: 14)) + "</text>"
            } else {
                svg += "<text class=\"stage-label\" x=\"" + n(labelWidth - 16) + "\" y=\"" + n(midY) + "\" dy=\"0.35em\" text-anchor=\"end\">"
                    + HTMLText.escape(fitted(stage.name, labelWidth - 24, size: 14)) + "</text>"
            }
            svg += "<rect class=\"bar-track\" x=\"" + n(barX) + "\" y=\"" + n(y) + "\" width=\"" + n(barMax) + "\" height=\"" + n(barHeight) + "\" rx=\"4\"/>"
            svg += "<rect class=\"bar\" x=\"" + n(barX) + "\" y=\"" + n(y) + "\" width=\"" + n(barWidth) + "\" height=\"" + n(barHeight) + "\" rx=\"4\"/>"
            if cut {
                // Two slanted gaps: the bar goes on beyond the scale of the others.
                let gapX = barX + barMax * 0.62
                svg += "<path class=\"bar-break\" d=\"M" + n(gapX) + " " + n(y + barHeight + 2) + "L" + n(gapX + 10) + " " + n(y - 2)
                    + "M" + n(gapX + 9) + " " + n(y + barHeight + 2) + "L" + n(gapX + 19) + " " + n(y - 2) + "\"/>"
            }
            let countWidth = textWidth(countText, size: 14)
            if barWidth >= countWidth + 24 {
                svg += "<text class=\"count inside\" x=\"" + n(barX + barWidth - 12) + "\" y=\"" + n(midY) + "\" dy=\"0.35em\" text-anchor=\"end\">"
                    + HTMLText.escape(countText) + "</text>"
            } else {
                svg += "<text class=\"count\" x=\"" + n(barX + barWidth + 10) + "\" y=\"" + n(midY) + "\" dy=\"0.35em\">"
                    + HTMLText.escape(countText) + "</text>"
            }
            svg += "<text class=\"share\" x=\"" + n(width - 4) + "\" y=\"" + n(labelY) + "\" dy=\"0.35em\" text-anchor=\"end\">"
                + HTMLText.escape(share) + "</text>"
            svg += "</g>"
        }
        return svg + "</svg>"
    }

    // MARK: Series

    /// A line chart: one polyline per series (split at gaps), one circle per value, y ticks,
    /// period labels and a legend. `classes` adds to "series-chart" ("pace" for running sums).
    static func lines(_ chart: SeriesChart, width: Double = wide, height: Double = 320, classes: String = "") -> String {
        let classList = "series-chart" + (classes.isEmpty ? "" : " " + classes)
        let periods = chart.periods
        let columns: [[Double?]] = chart.series.map { series in
            periods.indices.map { i in
                guard i < series.values.count, let v = series.values[i], v.isFinite else { return nil }
                return v
            }
        }
        let all = ChartMath.finite(columns.flatMap { $0 })
        guard !periods.isEmpty, !chart.series.isEmpty, let minValue = all.min(), let maxValue = all.max() else {
            return empty(classList, width: width, title: chart.title, what: "Line chart")
        }
        let ticks = ChartMath.ticks(low: min(0, minValue), high: max(0, maxValue))
        let low = ticks.first ?? 0, high = ticks.last ?? 1
        let tickLabels = ChartText.ticks(ticks, chart.format)
        let left = min(width < wide ? 90 : 170, max(48, (tickLabels.map { textWidth($0, size: 12) }.max() ?? 0) + 18))
        // Legend, left to right, on one or more rows above the plot (a phone's width takes more).
        let names = chart.series.map(\.name)
        var legend: [(x: Double, y: Double, shown: String)] = []
        var lx = left, ly = 14.0
        for name in names {
            let shown = fitted(name, min(260, width - left - 60))
            let itemWidth = 34 + textWidth(shown) + 22
            if lx + itemWidth > width && lx > left { lx = left; ly += 18 }
            legend.append((lx, ly, shown))
            lx += itemWidth
        }
        let right = 24.0, top = ly + 30, bottom = 34.0
        let plotWidth = width - left - right, plotHeight = max(40, height - top - bottom)
        let inset = min(18, plotWidth / 4)
        func x(_ i: Int) -> Double {
            periods.count == 1 ? left + plotWidth / 2
                : left + inset + Double(i) * (plotWidth - 2 * inset) / Double(periods.count - 1)
        }
        func y(_ v: Double) -> Double { top + (1 - ChartMath.fraction(v, low: low, high: high)) * plotHeight }

        let colours = SeriesStyle.colourIndices(names)
        var label = "Line chart: " + chart.title + ". " + names.joined(separator: ", ") + " over "
            + String(periods.count) + (periods.count == 1 ? " period" : " periods")
        label += periods.count > 1 ? ", " + periods[0] + " to " + periods[periods.count - 1] + "." : ", " + periods[0] + "."
        // Many periods: small points without the white ring that would cut the line into dashes.
        var svg = open(classList + (periods.count > 24 ? " dense" : ""), width: width, height: height, title: chart.title, label: label)

        svg += "<g class=\"legend\">"
        for (s, name) in names.enumerated() {
            let (lx, ly, shown) = legend[s]
            let plan = SeriesStyle.isPlan(name)
            let cls = "c" + String((colours[s] + chart.colourOffset) % 6) + (plan ? " plan" : "")
            svg += "<g" + HTMLText.attributes([("class", "legend-item"), ("data-series", name)]) + ">"
                + "<line class=\"legend-line " + cls + "\" x1=\"" + n(lx) + "\" y1=\"" + n(ly) + "\" x2=\"" + n(lx + 24) + "\" y2=\"" + n(ly) + "\"/>"
                + "<circle class=\"legend-point " + cls + "\" cx=\"" + n(lx + 12) + "\" cy=\"" + n(ly) + "\" r=\"3.5\"/>"
                + "<text class=\"legend-label\" x=\"" + n(lx + 32) + "\" y=\"" + n(ly) + "\" dy=\"0.35em\">" + HTMLText.escape(shown) + "</text></g>"
        }
        svg += "</g>"

        svg += "<g class=\"y-axis\">"
        for (tick, text) in zip(ticks, tickLabels) {
            let ty = y(tick)
            svg += "<line class=\"grid" + (tick == 0 ? " zero" : "") + "\" x1=\"" + n(left) + "\" y1=\"" + n(ty) + "\" x2=\"" + n(width - right) + "\" y2=\"" + n(ty) + "\"/>"
            svg += "<text class=\"y-label\" x=\"" + n(left - 10) + "\" y=\"" + n(ty) + "\" dy=\"0.35em\" text-anchor=\"end\""
                + HTMLText.attribute("data-value", ChartText.raw(tick)) + ">" + HTMLText.escape(text) + "</text>"
        }
        svg += "</g>"

        // Period labels, thinned out when they would overlap.
        let longest = periods.map { textWidth($0, size: 12) }.max() ?? 0
        let spacing = periods.count > 1 ? (plotWidth - 2 * inset) / Double(periods.count - 1) : plotWidth
        let every = max(1, Int((longest + 14) / max(1, spacing)) + 1)
        svg += "<g class=\"x-axis\">"
        for (i, period) in periods.enumerated() where i % every == 0 {
            svg += "<text" + HTMLText.attributes([("class", "x-label"), ("data-period", period)]) + " x=\"" + n(x(i)) + "\" y=\""
                + n(top + plotHeight + 22) + "\" text-anchor=\"middle\">" + HTMLText.escape(fitted(period, 140, size: 12)) + "</text>"
        }
        svg += "</g>"

        let radius = periods.count > 60 ? 2.0 : periods.count > 24 ? 2.75 : 3.75
        for (s, name) in names.enumerated() {
            let plan = SeriesStyle.isPlan(name)
            let cls = "c" + String((colours[s] + chart.colourOffset) % 6) + (plan ? " plan" : "")
            svg += "<g" + HTMLText.attributes([("class", "series " + cls), ("data-series", name)]) + ">"
            var run: [String] = []
            func flush() {
                if run.count >= 2 { svg += "<polyline class=\"line " + cls + "\" points=\"" + run.joined(separator: " ") + "\"/>" }
                run = []
            }
            for (i, value) in columns[s].enumerated() {
                guard let value else { flush(); continue }
                run.append(n(x(i)) + "," + n(y(value)))
            }
            flush()
            for (i, value) in columns[s].enumerated() {
                guard let value else { continue }
                svg += "<circle" + HTMLText.attributes([
                    ("class", "point " + cls), ("data-series", name), ("data-period", periods[i]),
                    ("data-value", ChartText.raw(value)),
                ]) + " cx=\"" + n(x(i)) + "\" cy=\"" + n(y(value)) + "\" r=\"" + n(radius) + "\">"
                    + "<title>" + HTMLText.escape(name + ", " + periods[i] + ": " + ChartText.value(value, chart.format)) + "</title></circle>"
            }
            svg += "</g>"
        }
        return svg + "</svg>"
    }

    // MARK: Bars

    /// Horizontal bars from a zero line (to the left for negative values), labels on the left and
    /// formatted values in a right-aligned column.
    static func bars(_ chart: BarChart, width: Double = wide) -> String {
        let rows = max(chart.labels.count, chart.values.count)
        guard rows > 0 else { return empty("bar-chart", width: width, title: chart.title, what: "Bar chart") }
        let labels = (0..<rows).map { $0 < chart.labels.count ? chart.labels[$0] : "" }
        let values: [Double?] = (0..<rows).map { i in
            guard i < chart.values.count, let v = chart.values[i], v.isFinite else { return nil }
            return v
        }
        let texts = (0..<rows).map { i in ChartText.value(i < chart.values.count ? chart.values[i] : nil, chart.format) }
        let finite = ChartMath.finite(values)
        var low = min(0, finite.min() ?? 0), high = max(0, finite.max() ?? 0)
        if !(high > low) { high = low + 1 }

        // On a phone each label and value go on a line above the bar, which takes the width.
        let stacked = width < wide
        let labelWidth = stacked ? 0 : min(300, max(90, (labels.map { textWidth(ValueFormatter.visible($0)) }.max() ?? 0) + 24))
        let valueWidth = stacked ? 0 : min(220, max(64, (texts.map { textWidth($0) }.max() ?? 0) + 20))
        let areaX = stacked ? 2 : labelWidth, areaWidth = stacked ? width - 4 : width - labelWidth - valueWidth
        let zeroX = areaX + ChartMath.fraction(0, low: low, high: high) * areaWidth
        let labelRow = stacked ? 18.0 : 0, rowHeight = stacked ? 46.0 : 28.0, barHeight = stacked ? 14.0 : 16.0, top = 6.0
        let height = top * 2 + Double(rows) * rowHeight

        var description = "Bar chart: " + chart.title + "."
        for (label, text) in zip(labels, texts).prefix(50) { description += " " + label + " " + text + "," }
        if rows > 50 { description += " and " + String(rows - 50) + " more." } else { description.removeLast(); description += "." }
        var svg = open("bar-chart", width: width, height: height, title: chart.title, label: description)
        for i in 0..<rows {
            let y = top + Double(i) * rowHeight
            let mid = stacked ? y + labelRow + 4 + barHeight / 2 : y + rowHeight / 2
            let textY = stacked ? y + labelRow / 2 : mid
            svg += "<g" + HTMLText.attributes([
                ("class", "bar-row"), ("data-label", labels[i]), ("data-value", values[i].map(ChartText.raw)),
            ]) + ">"
            svg += "<title>" + HTMLText.escape(labels[i] + ": " + texts[i]) + "</title>"
            if stacked {
                let valueSpace = textWidth(texts[i]) + 16
                svg += "<text class=\"bar-label\" x=\"" + n(areaX) + "\" y=\"" + n(textY) + "\" dy=\"0.35em\">"
                    + HTMLText.escape(fitted(labels[i], width - valueSpace - 4)) + "</text>"
            } else {
                svg += "<text class=\"bar-label\" x=\"" + n(labelWidth - 12) + "\" y=\"" + n(mid) + "\" dy=\"0.35em\" text-anchor=\"end\">"
                    + HTMLText.escape(fitted(labels[i], labelWidth - 20)) + "</text>"
            }
            if low == 0 {
                svg += "<rect class=\"bar-track\" x=\"" + n(areaX) + "\" y=\"" + n(mid - barHeight / 2) + "\" width=\"" + n(areaWidth)
                    + "\" height=\"" + n(barHeight) + "\" rx=\"3\"/>"
            }
            if let v = values[i] {
                let vx = areaX + ChartMath.fraction(v, low: low, high: high) * areaWidth
                var barWidth = (vx - zeroX).magnitude
                if v != 0 { barWidth = max(1, barWidth) }
                let barX = v < 0 ? zeroX - barWidth : zeroX
                svg += "<rect class=\"bar" + (v < 0 ? " negative" : "") + "\" x=\"" + n(barX) + "\" y=\"" + n(mid - barHeight / 2)
                    + "\" width=\"" + n(barWidth) + "\" height=\"" + n(barHeight) + "\" rx=\"3\"/>"
            }
            svg += "<text class=\"bar-value" + (values[i] == nil ? " null" : "") + "\" x=\"" + n(width - 4) + "\" y=\"" + n(textY)
                + "\" dy=\"0.35em\" text-anchor=\"end\">" + HTMLText.escape(texts[i]) + "</text>"
            svg += "</g>"
        }
        if low < 0 {
            svg += "<line class=\"zero-line\" x1=\"" + n(zeroX) + "\" y1=\"" + n(top) + "\" x2=\"" + n(zeroX) + "\" y2=\"" + n(height - top) + "\"/>"
        }
        return svg + "</svg>"
    }
}
