import FunnelAnalytics
import FunnelEngine
import FunnelRender

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `report "file.html" { … }` and `chart …`: results turned into a document (HTML with SVG charts,
/// or Markdown) and into terminal charts.
extension Interpreter {
    mutating func runReport(path: String, title: String?, body: [Statement], session: inout Session, baseDirectory: String, range: SourceRange) throws(Diagnostic) {
        let lower = path.lowercased()
        let isHTML = lower.hasSuffix(".html") || lower.hasSuffix(".htm")
        guard isHTML || lower.hasSuffix(".md") || lower.hasSuffix(".markdown") else {
            throw Diagnostic.error("a report is .html or .md: cannot tell the format of \"\(path)\"", at: range)
        }
        // Collect what the statements produce instead of printing it.
        final class Collector: @unchecked Sendable {
            // Filled by the statements run below, on this thread.
            var outputs: [Output] = []
        }
        let collector = Collector()
        let printing = emit
        emit = { output in
            switch output {
            case .warning, .assertionFailed: printing(output)
            default: collector.outputs.append(output)
            }
        }
        defer { emit = printing }
        for statement in body {
            try run(statement, in: &session, baseDirectory: baseDirectory)
        }
        var document = ReportBuilder.document(
            title: title ?? FileAccess.displayName(path).split(separator: ".").dropLast().joined(separator: "."),
            parameters: session.parameters.map { ($0.0, ValueFormatter.format($0.1, as: nil)) },
            dataDate: CivilDate.format(days: Int(context.today)),
            generated: ReportBuilder.now(),
            outputs: collector.outputs)
        document.dataSpan = try dataSpan(of: session, range: range)
        // `--set currency=EUR` (or `param currency = "EUR"`): money is written with it.
        if case .text(let code)? = session.parameters.first(where: { $0.0 == "currency" })?.1 ?? session.scalars["currency"] { document.currency = code }
        let text = isHTML ? ReportRenderer.html(document) : ReportRenderer.markdown(document)
        let resolved = FileAccess.resolve(path, relativeTo: baseDirectory)
        if session.loadedPaths.contains(fileSystem.canonical(resolved)) {
            throw Diagnostic(.error, .output, "refusing to overwrite \(path): the script reads it (loaded or included)", at: range)
        }
        do { try fileSystem.writeAtomically(text, to: resolved) } catch {
            throw Diagnostic(.error, .output, "cannot write \(path): \(error.reason)", at: range)
        }
        printing(.message("wrote \(path) (\(CountText.of(document.sections.count, "section")))"))
    }

    func chartOutput(_ expr: Expr, session: Session, baseDirectory: String) throws(Diagnostic) -> Output {
        let evaluated = try evaluate(expr, session: session, baseDirectory: baseDirectory)
        guard case .result(let result) = evaluated else {
            throw Diagnostic.error("chart draws a breakdown or a series: chart lead_rate by month, chart inbound, chart leads by source", at: expr.range)
        }
        if let funnel = ReportBuilder.funnelChart(result) { return .funnelChart(funnel, result) }
        if result.chart == .series || result.chart == .runway, let series = ReportBuilder.seriesCharts(result).first { return .seriesChart(series, result) }
        if let bars = ReportBuilder.barChart(result) { return .barChart(bars, result) }
        throw Diagnostic.error("nothing to draw: the result has no numbers", at: expr.range)
    }
}

/// Maps statement outputs to report sections: funnel tables to funnel charts, runways and period
/// breakdowns to line charts, other breakdowns to bar charts, KPIs to tiles; every table is kept.
extension Interpreter {
    /// The earliest and latest day among the time columns of the session's tables: what period
    /// the report's sections are over, said in its header.
    func dataSpan(of session: Session, range: SourceRange) throws(Diagnostic) -> String? {
        var low: Int? = nil, high: Int? = nil
        for name in session.tableOrder {
            guard let view = session.tables[name], let time = view.table.timeColumn, view.table.type(of: time)?.isTemporal == true else { continue }
            // Both ends in one aggregation: one query when the table is in a database.
            let column = Expr(.member(Expr(.name(name), range), time), range)
            let ends = [Expr(.call("min", [column], distinct: false), range), Expr(.call("max", [column], distinct: false), range)]
            let row = try Aggregation(session: session, context: context).evaluate(ends, by: [], defaultTable: nil).values.first ?? []
            let days = row.map { VectorOps.scalarSeconds($0).map(CivilDate.days(fromSeconds:)) }
            if days.count == 2, let first = days[0], let last = days[1] {
                low = min(low ?? first, first)
                high = max(high ?? last, last)
            }
        }
        guard let low, let high else { return nil }
        return CivilDate.format(days: low) + " to " + CivilDate.format(days: high)
    }
}

enum ReportBuilder {
    /// The local date and time the report is written, for its header.
    static func now() -> String {
        var seconds = time(nil)
        var parts = tm()
        localtime_r(&seconds, &parts)
        let days = CivilDate.days(year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday))
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return CivilDate.format(days: days) + " " + two(parts.tm_hour) + ":" + two(parts.tm_min)
    }

    static func document(title: String, parameters: [(String, String)], dataDate: String?, generated: String? = nil, outputs: [Output]) -> ReportDocument {
        var sections: [ReportSection] = []
        var tiles: [KPITile] = []
        func flushTiles() {
            if !tiles.isEmpty { sections.append(.kpis(tiles)); tiles = [] }
        }
        for output in outputs {
            switch output {
            case .scalar(let label, let value, let format, let target, let met):
                tiles.append(KPITile(name: label ?? "", value: value, format: format, target: target, met: met))
                continue
            default:
                flushTiles()
            }
            switch output {
            case .table(let result):
                // Charts carry their own titles; a heading is for a table shown alone.
                var charts: [ReportSection] = []
                if let funnel = funnelChart(result) { charts.append(.funnel(funnel)) }
                if result.chart == .runway || result.chart == .series {
                    charts += seriesCharts(result).map { .series($0) }
                } else if result.chart == .breakdown, let bars = barChart(result) {
                    charts.append(.bars(bars))
                }
                if charts.isEmpty, let title = result.title { sections.append(.heading(title)) }
                sections += charts
                // A runway reads as the plan sheet does: stages down, periods across, variance coloured.
                var shown = FunnelTables.runwaySheet(fromLong: result) ?? result
                shown.title = nil
                sections.append(.table(shown))
            case .summary(let table, let rows):
                sections.append(.text("\(table.name): \(rows) rows, \(table.columns.count) columns"))
            case .message(let text):
                sections.append(.text(text))
            case .funnelChart(let chart, let result):
                sections.append(.funnel(chart))
                sections.append(.table(result))
            case .seriesChart(let chart, let result):
                sections.append(.series(chart))
                sections.append(.table(result))
            case .barChart(let chart, let result):
                sections.append(.bars(chart))
                sections.append(.table(result))
            default:
                break
            }
        }
        flushTiles()
        return ReportDocument(title: title, parameters: parameters, dataDate: dataDate, generated: generated, sections: sections)
    }

    static func funnelChart(_ result: ResultTable) -> FunnelChart? {
        guard result.chart == .funnel, result.table.columns.count >= 2 else { return nil }
        let names = result.table.columns[0], counts = result.table.columns[1]
        let stages = (0..<result.table.rowCount).map { r in (TextForm.of(names.value(at: r)), counts.value(at: r).number ?? 0) }
        // The table's own step rates: after an optional stage they count the rows in both stages.
        let step = result.table.columns.first { $0.name == "step" }
        return FunnelChart(title: result.title ?? "funnel", stages: stages,
                           stepRates: step.map { column in (0..<result.table.rowCount).map { column.value(at: $0).number } })
    }

    /// Runway: one chart per stage, actual against plan with the cumulative pace. Series: one line
    /// per numeric column over the periods.
    static func seriesCharts(_ result: ResultTable) -> [SeriesChart] {
        let table = result.table
        guard table.columns.count >= 2 else { return [] }
        if result.chart == .runway, table.columns.count >= 4 {
            var order: [String] = []
            var periods: [String] = []
            var actual: [String: [String: Double?]] = [:]
            var plan: [String: [String: Double?]] = [:]
            for r in 0..<table.rowCount {
                let period = TextForm.of(table.columns[0].value(at: r)), stage = TextForm.of(table.columns[1].value(at: r))
                if !order.contains(stage) { order.append(stage) }
                if !periods.contains(period) { periods.append(period) }
                actual[stage, default: [:]][period] = table.columns[2].value(at: r).number
                plan[stage, default: [:]][period] = table.columns[3].value(at: r).number
            }
            return order.enumerated().map { k, stage in
                var chart = SeriesChart(title: "\(stage): actual vs plan", periods: periods,
                                        series: [("\(stage) actual", periods.map { actual[stage]?[$0] ?? nil }), ("\(stage) plan", periods.map { plan[stage]?[$0] ?? nil })],
                                        format: .number, cumulative: true)
                chart.colourOffset = k
                return chart
            }
        }
        let periods = (0..<table.rowCount).map { TextForm.of(table.columns[0].value(at: $0)) }
        // Counts and rates do not share an axis: one chart per display format, in column order.
        var groups: [(format: DisplayFormat?, series: [(name: String, values: [Double?])])] = []
        for (i, column) in table.columns.enumerated().dropFirst() where column.type.isNumeric {
            let format = i < result.formats.count ? result.formats[i] : nil
            let values = (0..<table.rowCount).map { column.isNull($0) ? nil : column.value(at: $0).number }
            if let g = groups.firstIndex(where: { $0.format == format }) {
                groups[g].series.append((column.name, values))
            } else {
                groups.append((format, [(column.name, values)]))
            }
        }
        // A KPI's target drawn as a dashed line at its value.
        if groups.count == 1, let target = result.target {
            groups[0].series.append(("target", periods.map { _ in target }))
        }
        return groups.map { group in
            SeriesChart(title: groups.count == 1 ? (result.title ?? group.series.filter { $0.name != "target" }.map { $0.name }.joined(separator: ", ")) : group.series.map(\.name).joined(separator: ", "),
                        periods: periods, series: group.series, format: group.format, cumulative: false)
        }
    }

    static func barChart(_ result: ResultTable) -> BarChart? {
        let table = result.table
        // A funnel's breakdown: what a reader compares is each group's conversion from the first
        // stage to the last, not the size of its first stage.
        let rates = result.rateColumns.map(\.rate).filter { $0 < result.formats.count && result.formats[$0] == .percent }
        if let firstRate = rates.min() {
            let counts = table.columns.indices.filter { $0 < firstRate && $0 < result.formats.count && result.formats[$0] == .number }
            // Visits dwarf every later stage (3% become leads): the conversion then starts at leads.
            func total(_ c: Int) -> Double { (0..<table.rowCount).reduce(0) { $0 + (table.columns[c].value(at: $1).number ?? 0) } }
            let start = counts.count >= 3 && total(counts[0]) > 10 * total(counts[1]) ? 1 : 0
            if counts.count > start, let last = counts.last, counts[start] != last {
                let first = counts[start]
                let keyCount = counts[0]
                let labels = (0..<table.rowCount).map { r in
                    (0..<keyCount).map { TextForm.of(table.columns[$0].value(at: r)).isEmpty ? "—" : TextForm.of(table.columns[$0].value(at: r)) }.joined(separator: " · ")
                }
                let values: [Double?] = (0..<table.rowCount).map { r in
                    guard let a = table.columns[first].value(at: r).number, let b = table.columns[last].value(at: r).number, a > 0 else { return nil }
                    return b / a
                }
                let (from, to) = (table.columns[first].name, table.columns[last].name)
                return BarChart(title: "\(to) per \(from)" + (result.title.map { ": " + $0 } ?? ""), labels: labels, values: values, format: .percent)
            }
        }
        // Durations (velocity) are what a reader wants drawn, not the row counts beside them.
        let durationIndex = table.columns.indices.first { $0 > 0 && $0 < result.formats.count && result.formats[$0] == .days }
        guard let valueIndex = durationIndex ?? table.columns.indices.first(where: { $0 > 0 && table.columns[$0].type.isNumeric }) else { return nil }
        let keyCount = table.columns.indices.first { $0 > 0 && table.columns[$0].type.isNumeric } ?? valueIndex
        let labels = (0..<table.rowCount).map { r in (0..<keyCount).map { TextForm.of(table.columns[$0].value(at: r)).isEmpty ? "—" : TextForm.of(table.columns[$0].value(at: r)) }.joined(separator: " · ") }
        let column = table.columns[valueIndex]
        return BarChart(title: result.title ?? column.name, labels: labels,
                        values: (0..<table.rowCount).map { column.isNull($0) ? nil : column.value(at: $0).number },
                        format: valueIndex < result.formats.count ? result.formats[valueIndex] : nil)
    }
}
