import FunnelEngine

/// Writes a `ReportDocument` as a document people read.
///
/// - `html`: one self-contained file — inline CSS and inline SVG, no scripts, no external URLs,
///   readable offline and printable on A4. Every element is closed and every attribute quoted, so
///   the file is well-formed XML too. Text anywhere (titles, labels, cells) is escaped, with
///   control characters made visible.
/// - `markdown`: GitHub-flavoured Markdown — tables, Unicode bars and sparklines, the KPIs as a
///   list with met / missed.
public enum ReportRenderer {
    /// Tables longer than this show their first rows and a note with the total.
    public static let defaultMaxTableRows = 2_000

    public static func html(_ document: ReportDocument) -> String {
        html(document, maxTableRows: defaultMaxTableRows)
    }

    public static func html(_ document: ReportDocument, maxTableRows: Int) -> String {
        let title = document.title.isEmpty ? "Report" : document.title
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
        out += "<meta name=\"generator\" content=\"funnel\"/>\n"
        out += "<title>" + HTMLText.escape(title) + "</title>\n"
        out += "<style>\n" + ReportStyle.css + "</style>\n</head>\n<body>\n<main class=\"report\">\n"
        out += header(document, title: title)
        for section in document.sections {
            out += self.section(section, maxTableRows: maxTableRows, currency: document.currency)
        }
        if document.sections.isEmpty {
            out += "<p class=\"empty-report\">This report has no sections.</p>\n"
        }
        out += "<footer class=\"report-footer\">" + HTMLText.escape(footer(document)) + "</footer>\n"
        out += "</main>\n</body>\n</html>\n"
        return out
    }

    private static func footer(_ document: ReportDocument) -> String {
        var text = "Made with funnel"
        if let generated = document.generated, !generated.isEmpty { text += " · " + generated }
        return text
    }

    private static func header(_ document: ReportDocument, title: String) -> String {
        var out = "<header class=\"report-header\">\n"
        out += "<p class=\"eyebrow\">Funnel report</p>\n"
        out += "<h1>" + HTMLText.escape(title) + "</h1>\n"
        var meta: [String] = []
        if let span = document.dataSpan, !span.isEmpty {
            meta.append("<div class=\"meta-item data-span\"><span class=\"meta-name\">Data from</span> <span class=\"meta-value\">"
                        + HTMLText.escape(span) + "</span></div>")
        }
        if let date = document.dataDate, !date.isEmpty {
            meta.append("<div class=\"meta-item data-date\"><span class=\"meta-name\">Data as of</span> <span class=\"meta-value\">"
                        + HTMLText.escape(date) + "</span></div>")
        }
        if let generated = document.generated, !generated.isEmpty {
            meta.append("<div class=\"meta-item generated\"><span class=\"meta-name\">Generated</span> <span class=\"meta-value\">"
                        + HTMLText.escape(generated) + "</span></div>")
        }
        if !meta.isEmpty { out += "<div class=\"meta\">" + meta.joined() + "</div>\n" }
        if !document.parameters.isEmpty {
            out += "<dl class=\"parameters\">"
            for (name, value) in document.parameters {
                out += "<div class=\"parameter\"" + HTMLText.attribute("data-name", name) + "><dt>" + HTMLText.escape(name)
                    + "</dt><dd>" + HTMLText.escape(value) + "</dd></div>"
            }
            out += "</dl>\n"
        }
        return out + "</header>\n"
    }

    private static func section(_ section: ReportSection, maxTableRows: Int, currency: String?) -> String {
        switch section {
        case .heading(let text):
            return "<h2 class=\"section-heading\">" + HTMLText.escape(text) + "</h2>\n"
        case .text(let text):
            return prose(text)
        case .kpis(let tiles):
            return kpis(tiles, currency: currency)
        case .funnel(let chart):
            return block("funnel-block", title: chart.title, body: drawnTwice { SVGCharts.funnel(chart, width: $0) })
        case .series(let chart):
            var body = ""
            let variances = RunwayVariance.all(chart)
            if !variances.isEmpty {
                body += "<div class=\"chart-notes\">"
                for variance in variances {
                    body += "<p" + HTMLText.attributes([
                        ("class", "variance"), ("data-series", variance.series), ("data-plan", variance.plan),
                        ("data-period", variance.period), ("data-variance", ChartText.raw(variance.actual - variance.planned)),
                    ]) + ">" + HTMLText.escape(variance.latest(chart.format)) + "</p>"
                    if chart.cumulative && chart.format != .percent && chart.format != .bar {
                        body += "<p" + HTMLText.attributes([
                            ("class", "variance cumulative"), ("data-series", variance.series), ("data-plan", variance.plan),
                            ("data-period", variance.period),
                            ("data-variance", ChartText.raw(variance.cumulativeActual - variance.cumulativePlanned)),
                        ]) + ">" + HTMLText.escape(variance.cumulative(chart.format)) + "</p>"
                    }
                }
                body += "</div>\n"
            }
            body += drawnTwice { SVGCharts.lines(chart, width: $0) }
            if chart.cumulative {
                body += "<h4 class=\"pace-title\">Cumulative pace</h4>"
                var pace = chart.runningSums
                pace.title = chart.title.isEmpty ? "Cumulative pace" : chart.title + " — cumulative pace"
                body += drawnTwice { SVGCharts.lines(pace, width: $0, height: 230, classes: "pace") }
            }
            return block("series-block", title: chart.title, body: body)
        case .bars(let chart):
            return block("bars-block", title: chart.title, body: drawnTwice { SVGCharts.bars(chart, width: $0) })
        case .table(let result):
            return block("table-block", title: result.title ?? "", body: table(result, maxRows: maxTableRows, currency: currency))
        }
    }

    /// A chart laid out for the page and again for a phone; the style sheet shows the one that fits
    /// (a page-wide chart shrunk to a phone's width would have text a few pixels high).
    private static func drawnTwice(_ draw: (Double) -> String) -> String {
        draw(SVGCharts.wide) + draw(SVGCharts.narrow)
    }

    private static func block(_ kind: String, title: String, body: String) -> String {
        var out = "<section class=\"block " + kind + "\">\n"
        if !title.isEmpty { out += "<h3>" + HTMLText.escape(title) + "</h3>\n" }
        return out + body + "\n</section>\n"
    }

    /// Paragraphs split at blank lines; single newlines become line breaks.
    private static func prose(_ text: String) -> String {
        var paragraphs: [[String]] = [[]]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" || $0 == "\r" }
            if trimmed.isEmpty {
                if !(paragraphs.last?.isEmpty ?? true) { paragraphs.append([]) }
            } else {
                paragraphs[paragraphs.count - 1].append(String(line.last == "\r" ? line.dropLast() : line))
            }
        }
        var out = "<div class=\"prose\">"
        for paragraph in paragraphs where !paragraph.isEmpty {
            out += "<p>" + paragraph.map(HTMLText.escape).joined(separator: "<br/>") + "</p>"
        }
        return out + "</div>\n"
    }

    private static func kpis(_ tiles: [KPITile], currency: String?) -> String {
        guard !tiles.isEmpty else { return "" }
        var out = "<section class=\"kpis\"><div class=\"kpi-grid\">\n"
        for tile in tiles {
            let state = tile.met.map { $0 ? "met" : "missed" }
            out += "<div" + HTMLText.attributes([
                ("class", "kpi" + (state.map { " " + $0 } ?? "")), ("data-name", tile.name),
                ("data-met", tile.met.map { $0 ? "true" : "false" }),
            ]) + ">"
            out += "<div class=\"kpi-name\">" + HTMLText.escape(tile.name) + "</div>"
            let value = Currency.apply(ValueFormatter.format(tile.value, as: tile.format == .bar ? .percent : tile.format),
                                       format: tile.format, value: tile.value, currency: currency)
            let size = value.count > 16 ? " longer" : value.count > 10 ? " long" : ""
            out += "<div class=\"kpi-value" + size + (tile.value.isNull ? " null" : "") + "\">"
                + HTMLText.escape(value).split(separator: ",", omittingEmptySubsequences: false).joined(separator: ",<wbr/>") + "</div>"
            if tile.target != nil || tile.met != nil {
                out += "<div class=\"kpi-foot\">"
                if let target = tile.target, !target.isEmpty {
                    out += "<span class=\"kpi-target\">Target " + HTMLText.escape(HTMLText.prettyTarget(target)) + "</span>"
                }
                if let met = tile.met {
                    out += met ? "<span class=\"badge met\">✓ Met</span>" : "<span class=\"badge missed\">✗ Missed</span>"
                }
                out += "</div>"
            }
            out += "</div>\n"
        }
        return out + "</div></section>\n"
    }

    // MARK: Tables

    static func table(_ result: ResultTable, maxRows: Int, currency: String? = nil) -> String {
        let columns = result.table.columns
        var out = ""
        if columns.isEmpty {
            out += "<p class=\"empty\">No columns.</p>"
        } else {
            let rowCount = result.table.safeRowCount
            let rows = min(rowCount, max(0, maxRows))
            let numeric = columns.map(\.type.isNumeric)
            let headers = columns.indices.map { TableParts.headerText(result, column: $0) }
            // Each cell once; a part of a wide table takes the columns it shows.
            var cells: [[String]] = []
            for (i, column) in columns.enumerated() {
                let format = result.format(ofColumn: i)
                let label = HTMLText.attribute("data-label", headers[i])
                if format == .bar {
                    cells.append((0..<rows).map { barCell(column.safeValue(at: $0), label: label) })
                    continue
                }
                var texts = (0..<rows).map { Currency.apply(ValueFormatter.format(column.safeValue(at: $0), as: format), format: format,
                                                            value: column.safeValue(at: $0), currency: currency) }
                if column.type == .decimal && format == nil { texts = ValueFormatter.alignDecimals(texts) }
                let sheetVariance = result.chart == .sheet && i >= 2
                let isTarget = !numeric[i] && result.verdicts.contains(column.name)
                cells.append((0..<rows).map { row in
                    let value = column.safeValue(at: row)
                    var classes: [String] = []
                    if numeric[i] { classes.append("num") }
                    if value.isNull { classes.append("null") }
                    // A plan sheet's variance row: above plan in green, below in red (the sign says it too).
                    if sheetVariance, TextForm.of(columns[1].safeValue(at: row)) == "variance", let x = value.number, x != 0 {
                        classes.append(x > 0 ? "above" : "below")
                    }
                    var body = HTMLText.escape(texts[row])
                    // A target's verdict as the KPI tiles show it: a badge that says met or missed.
                    if isTarget, let verdict = ["met", "missed"].first(where: { texts[row] == $0 || texts[row].hasSuffix(": " + $0) }) {
                        let rule = String(String(texts[row].dropLast(verdict.count)).reversed().drop(while: { $0 == " " || $0 == ":" }).reversed())
                        body = (rule.isEmpty ? "" : HTMLText.escape(HTMLText.prettyTarget(String(rule))) + " ")
                            + "<span class=\"badge " + verdict + "\">" + (verdict == "met" ? "✓ Met" : "✗ Missed") + "</span>"
                    }
                    return "<td" + (classes.isEmpty ? "" : " class=\"" + classes.joined(separator: " ") + "\"") + label + ">" + body + "</td>"
                })
            }
            let parts = TableParts.parts(result, widths: TableParts.estimatedWidths(result, rows: rows))
            for (p, part) in parts.enumerated() {
                if parts.count > 1 {
                    let shown = part.filter { BoxRenderer.role(of: result, column: $0) == .value || BoxRenderer.role(of: result, column: $0) == .bar }
                    let first = shown.first.map { headers[$0] } ?? "", last = shown.last.map { headers[$0] } ?? ""
                    out += "<p class=\"table-part\">" + HTMLText.escape("Part \(p + 1) of \(parts.count)" + (first.isEmpty ? "" : ": " + (first == last ? first : first + " … " + last)))
                        + "</p>\n"
                }
                out += "<div class=\"table-wrap\"><table class=\"result-table" + (result.chart == .sheet ? " sheet" : "") + "\">\n<thead><tr>"
                for i in part {
                    out += "<th scope=\"col\"" + (numeric[i] && result.format(ofColumn: i) != .bar ? " class=\"num\"" : "") + ">" + HTMLText.escape(headers[i]) + "</th>"
                }
                out += "</tr></thead>\n<tbody>\n"
                for row in 0..<rows {
                    out += "<tr>"
                    for i in part { out += cells[i][row] }
                    out += "</tr>\n"
                }
                out += "</tbody>\n</table></div>\n"
            }
            if rows < rowCount {
                out += "<p class=\"footnote\">Showing the first " + NumberText.count(rows) + " of " + NumberText.count(rowCount) + " rows.</p>"
            }
        }
        for footnote in result.footnotes {
            out += "\n<p class=\"footnote\">" + visibleLines(footnote).map(HTMLText.escape).joined(separator: "<br/>") + "</p>"
        }
        return out
    }

    /// A ratio cell drawn as a CSS bar with the percent beside it.
    private static func barCell(_ value: Value, label: String) -> String {
        guard let ratio = value.number, !ratio.isNaN else {
            return "<td class=\"bar-cell null\"" + label + ">" + HTMLText.escape(ValueFormatter.format(value, as: .percent)) + "</td>"
        }
        let clamped = ratio.isFinite ? min(1, max(0, ratio)) : (ratio > 0 ? 1 : 0)
        return "<td class=\"bar-cell\"" + label + "><span class=\"cell-bar\"><span class=\"cell-bar-fill\" style=\"width:"
            + NumberText.fixed(DecimalDigits(clamped * 100), decimals: 1, trim: true, group: false) + "%\"></span></span>"
            + "<span class=\"cell-bar-value\">" + HTMLText.escape(ValueFormatter.format(value, as: .percent)) + "</span></td>"
    }
}
