import FunnelEngine

extension ReportRenderer {
    public static func markdown(_ document: ReportDocument) -> String {
        markdown(document, unicode: true, maxTableRows: defaultMaxTableRows)
    }

    /// The report as GitHub-flavoured Markdown: the title as `#`, headings as `##`, each chart and
    /// table under a `###` title; KPIs as a list with met / missed; funnels, series and bars as
    /// tables with Unicode bars (ASCII `#` when `unicode` is false) and series as sparklines too.
    /// Text from the script and the data is escaped (`\<`, `\*`, `\|`, …) so that it reads as
    /// written and never turns into HTML.
    public static func markdown(_ document: ReportDocument, unicode: Bool, maxTableRows: Int = defaultMaxTableRows) -> String {
        var blocks: [String] = []
        let dot = unicode ? " · " : " - "
        blocks.append("# " + MarkdownText.inline(document.title.isEmpty ? "Report" : document.title))
        if !document.parameters.isEmpty {
            blocks.append(document.parameters.map { MarkdownText.inline($0.0) + " = " + MarkdownText.inline($0.1) }.joined(separator: dot))
        }
        var dates: [String] = []
        if let span = document.dataSpan, !span.isEmpty { dates.append("Data from " + MarkdownText.inline(span)) }
        if let date = document.dataDate, !date.isEmpty { dates.append((dates.isEmpty ? "Data as of " : "as of ") + MarkdownText.inline(date)) }
        if let generated = document.generated, !generated.isEmpty { dates.append("generated " + MarkdownText.inline(generated)) }
        if !dates.isEmpty {
            var line = dates.joined(separator: dot)
            line = line.prefix(1).uppercased() + line.dropFirst()
            blocks.append(line)
        }
        if document.sections.isEmpty { blocks.append("_This report has no sections._") }
        for (i, section) in document.sections.enumerated() {
            // A chart is followed by the table it was drawn from: in Markdown, where a chart is a
            // table too, the table alone says it (a series keeps its sparkline line).
            // (A chart's own table follows it untitled: its title is the chart's.)
            let tableFollows: Bool = if i + 1 < document.sections.count, case .table(let next) = document.sections[i + 1], next.title == nil { true } else { false }
            blocks += markdownBlocks(section, unicode: unicode, maxTableRows: maxTableRows, tableFollows: tableFollows, currency: document.currency)
        }
        return blocks.joined(separator: "\n\n") + "\n"
    }

    private static func markdownBlocks(_ section: ReportSection, unicode: Bool, maxTableRows: Int, tableFollows: Bool = false,
                                       currency: String? = nil) -> [String] {
        func titled(_ title: String, _ body: [String]) -> [String] {
            title.isEmpty ? body : ["### " + MarkdownText.inline(title)] + body
        }
        switch section {
        case .heading(let text):
            return ["## " + MarkdownText.inline(text)]
        case .text(let text):
            var paragraphs: [[String]] = [[]]
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                let line = line.last == "\r" ? line.dropLast() : line
                if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                    if !(paragraphs.last?.isEmpty ?? true) { paragraphs.append([]) }
                } else {
                    paragraphs[paragraphs.count - 1].append(MarkdownText.inline(String(line)))
                }
            }
            // A backslash at the end of a line is a hard line break in CommonMark.
            return paragraphs.filter { !$0.isEmpty }.map { $0.joined(separator: "\\\n") }
        case .kpis(let tiles):
            guard !tiles.isEmpty else { return [] }
            return [tiles.map { kpiLine($0, unicode: unicode, currency: currency) }.joined(separator: "\n")]
        case .funnel(let chart):
            return titled(chart.title, tableFollows ? [] : [funnelTable(chart, unicode: unicode)])
        case .series(let chart):
            let blocks = seriesBlocks(chart, unicode: unicode)
            return titled(chart.title, tableFollows ? Array(blocks.dropLast()) : blocks)
        case .bars(let chart):
            return titled(chart.title, tableFollows ? [] : [barTable(chart, unicode: unicode)])
        case .table(let result):
            return titled(result.title ?? "", resultBlocks(result, unicode: unicode, maxRows: maxTableRows, currency: currency))
        }
    }

    private static func kpiLine(_ tile: KPITile, unicode: Bool, currency: String?) -> String {
        let value = Currency.apply(ValueFormatter.format(tile.value, as: tile.format == .bar ? .percent : tile.format, unicode: unicode),
                                   format: tile.format, value: tile.value, currency: currency)
        var parts = ["**" + MarkdownText.inline(tile.name) + "**: " + MarkdownText.inline(value)]
        if let target = tile.target, !target.isEmpty {
            parts.append("target " + MarkdownText.inline(HTMLText.prettyTarget(target, unicode: unicode)))
        }
        if let met = tile.met {
            parts.append(unicode ? (met ? "✓ met" : "✗ missed") : (met ? "met" : "MISSED"))
        }
        return "- " + parts.joined(separator: unicode ? " · " : " - ")
    }

    private static func funnelTable(_ chart: FunnelChart, unicode: Bool) -> String {
        guard !chart.stages.isEmpty else { return "_No data._" }
        let counts = chart.stages.map(\.count)
        let rates = chart.rates
        let first = counts[0]
        let maxCount = counts.filter { $0.isFinite && $0 > 0 }.max() ?? 0
        let rows = chart.stages.enumerated().map { i, stage -> [String] in
            let share = ChartMath.ratio(stage.count, first).map { ChartText.rate($0, unicode: unicode) } ?? ValueFormatter.nullText(unicode: unicode)
            let bar = maxCount > 0 && stage.count.isFinite && stage.count > 0
                ? TerminalChart.eighths(ChartMath.fraction(stage.count, low: 0, high: maxCount), width: ValueFormatter.barWidth,
                                        unicode: unicode, visibleWhenPositive: true) : ""
            return [stage.name, ChartText.count(stage.count, unicode: unicode),
                    i == 0 ? "" : ChartText.rate(rates[i], unicode: unicode), share, bar]
        }
        let firstName = chart.stages[0].name
        return MarkdownText.table(headers: ["stage", "count", "step", "% of " + firstName, "chart"], rows: rows,
                                  right: [false, true, true, true, false])
    }

    private static func seriesBlocks(_ chart: SeriesChart, unicode: Bool) -> [String] {
        let periods = chart.periods
        guard !periods.isEmpty, !chart.series.isEmpty else { return ["_No data._"] }
        func value(_ series: [Double?], _ i: Int) -> Double? {
            guard i < series.count, let v = series[i], v.isFinite else { return nil }
            return v
        }
        let columns = chart.series.map { s in periods.indices.map { value(s.values, $0) } }
        let all = ChartMath.finite(columns.flatMap { $0 })
        // From zero, as the charts are: 2.7–3.3% is no full swing.
        let low = all.min().map { min(0, $0) }, high = all.max().map { max(0, $0) }
        let arrow = unicode ? " → " : " -> "
        var sparks: [String] = []
        for (s, series) in chart.series.enumerated() {
            let line = TerminalChart.sparkline(columns[s], unicode: unicode, low: low, high: high)
            var text = "- **" + MarkdownText.inline(series.name) + "** `" + line + "`"
            let present = ChartMath.finite(columns[s])
            if let firstValue = present.first, let lastValue = present.last {
                text += " " + MarkdownText.inline(ChartText.value(firstValue, chart.format, unicode: unicode))
                if present.count > 1 { text += arrow + MarkdownText.inline(ChartText.value(lastValue, chart.format, unicode: unicode)) }
            }
            sparks.append(text)
        }
        var headers = ["period"] + chart.series.map(\.name)
        var tableColumns = columns
        if chart.cumulative {
            let sums = chart.runningSums
            headers += sums.series.map { $0.name + " (cumulative)" }
            tableColumns += sums.series.map { s in periods.indices.map { value(s.values, $0) } }
        }
        let rows = periods.indices.map { i in
            [periods[i]] + tableColumns.map { ChartText.value($0[i], chart.format, unicode: unicode) }
        }
        let table = MarkdownText.table(headers: headers, rows: rows,
                                       right: [false] + Array(repeating: true, count: tableColumns.count))
        var blocks = [sparks.joined(separator: "\n")]
        let notes = RunwayVariance.all(chart).map { variance -> String in
            var sentence = variance.latest(chart.format, unicode: unicode)
            if chart.cumulative && chart.format != .percent && chart.format != .bar {
                sentence += " " + variance.cumulative(chart.format, unicode: unicode)
            }
            return MarkdownText.inline(sentence)
        }
        if !notes.isEmpty { blocks.append(notes.joined(separator: "\\\n")) }
        return blocks + [table]
    }

    private static func barTable(_ chart: BarChart, unicode: Bool) -> String {
        let count = max(chart.labels.count, chart.values.count)
        guard count > 0 else { return "_No data._" }
        let values: [Double?] = (0..<count).map { i in i < chart.values.count ? chart.values[i] : nil }
        let maxMagnitude = ChartMath.finite(values).map(\.magnitude).max() ?? 0
        let rows = (0..<count).map { i -> [String] in
            var bar = ""
            if let v = values[i], v.isFinite, maxMagnitude > 0 {
                let ratio = ChartMath.fraction(v.magnitude, low: 0, high: maxMagnitude)
                bar = v < 0 ? String(repeating: unicode ? "░" : "-", count: Int((ratio * Double(ValueFormatter.barWidth)).rounded()))
                            : TerminalChart.eighths(ratio, width: ValueFormatter.barWidth, unicode: unicode, visibleWhenPositive: v > 0)
            }
            return [i < chart.labels.count ? chart.labels[i] : "", ChartText.value(values[i], chart.format, unicode: unicode), bar]
        }
        return MarkdownText.table(headers: ["name", "value", "chart"], rows: rows, right: [false, true, false])
    }

    private static func resultBlocks(_ result: ResultTable, unicode: Bool, maxRows: Int, currency: String?) -> [String] {
        let columns = result.table.columns
        guard !columns.isEmpty else { return ["_No columns._"] }
        let rowCount = result.table.safeRowCount
        let rows = min(rowCount, max(0, maxRows))
        var cells: [[String]] = []
        for (i, column) in columns.enumerated() {
            let format = result.format(ofColumn: i)
            if format == .bar {
                // The bar and the percent it stands for, the bars lined up on the left.
                cells.append((0..<rows).map { row in
                    let value = column.safeValue(at: row)
                    let percent = ValueFormatter.format(value, as: .percent, unicode: unicode)
                    guard let ratio = value.number, !ratio.isNaN else { return percent }
                    // No padding between them: a renderer collapses spaces, so the bar's own length is the chart.
                    let bar = TerminalChart.eighths(ratio, width: ValueFormatter.barWidth / 2, unicode: unicode)
                    return bar.isEmpty ? percent : bar + " " + percent
                })
                continue
            }
            var texts = (0..<rows).map { Currency.apply(ValueFormatter.format(column.safeValue(at: $0), as: format, unicode: unicode), format: format,
                                                        value: column.safeValue(at: $0), currency: currency) }
            if column.type == .decimal && format == nil { texts = ValueFormatter.alignDecimals(texts) }
            cells.append(texts)
        }
        // A table wider than a page of Markdown source (and of most renderers) in parts, each led by the key.
        let headers = columns.indices.map { TableParts.headerText(result, column: $0) }
        let widths = columns.indices.map { c in Double(max(DisplayWidth.of(headers[c]), cells[c].map(DisplayWidth.of).max() ?? 0) + 3) }
        let parts = TableParts.parts(result, widths: widths, fits: { $0.reduce(0, +) + 1 <= 120 })
        var blocks: [String] = []
        for (p, part) in parts.enumerated() {
            if parts.count > 1 { blocks.append("_Part \(p + 1) of \(parts.count)_") }
            blocks.append(MarkdownText.table(headers: part.map { headers[$0] },
                                             rows: (0..<rows).map { row in part.map { cells[$0][row] } },
                                             right: part.map { columns[$0].type.isNumeric && result.format(ofColumn: $0) != .bar }))
        }
        var notes: [String] = []
        if rows < rowCount { notes.append("Showing the first " + NumberText.count(rows) + " of " + NumberText.count(rowCount) + " rows.") }
        for footnote in result.footnotes { notes += visibleLines(footnote).map { MarkdownText.inline($0) } }
        if !notes.isEmpty { blocks.append(notes.joined(separator: "\\\n")) }
        return blocks
    }
}

/// Markdown text helpers for the report.
enum MarkdownText {
    /// Inline text: control characters made visible, and the characters that Markdown or HTML
    /// would read as markup (\ ` * [ ] < > |) backslash-escaped.
    /// `inTable`: a table cell, where no `>` is markup.
    static func inline(_ text: String, inTable: Bool = false) -> String {
        let visible = ValueFormatter.visible(text)
        guard visible.utf8.contains(where: { "\\`*[]<>|".utf8.contains($0) }) else { return visible }
        var out = ""
        var atStart = true
        for scalar in visible.unicodeScalars {
            // `>` is markup only where a line starts (a quote); `>=` inside a sentence or a cell
            // stays as written.
            if "\\`*[]<|".unicodeScalars.contains(scalar) || (scalar == ">" && atStart && !inTable) { out += "\\" }
            out.unicodeScalars.append(scalar)
            if scalar != " " { atStart = false }
        }
        return out
    }

    /// A GitHub table with every cell escaped, columns padded to at most 40 columns so the source
    /// reads too, and right-aligned columns marked `---:`.
    static func table(headers: [String], rows: [[String]], right: [Bool]) -> String {
        let headerCells = headers.map { inline($0, inTable: true) }
        let bodyCells = rows.map { $0.map { inline($0, inTable: true) } }
        var widths = headerCells.map { max(3, DisplayWidth.of($0)) }
        for row in bodyCells {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], DisplayWidth.of(cell)) }
        }
        widths = widths.map { min($0, 40) }
        func line(_ cells: [String]) -> String {
            let padded = widths.indices.map { i -> String in
                let cell = i < cells.count ? cells[i] : ""
                return DisplayWidth.pad(cell, width: DisplayWidth.of(cell), to: widths[i], right: i < right.count && right[i])
            }
            return "| " + padded.joined(separator: " | ") + " |"
        }
        var lines = [line(headerCells)]
        lines.append("| " + widths.indices.map { i in
            i < right.count && right[i] ? String(repeating: "-", count: widths[i] - 1) + ":" : String(repeating: "-", count: widths[i])
        }.joined(separator: " | ") + " |")
        for row in bodyCells { lines.append(line(row)) }
        return lines.joined(separator: "\n")
    }
}
