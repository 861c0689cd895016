import Testing
import FunnelEngine
@testable import FunnelRender

/// Parses the HTML report and checks what a reader would see.
@Suite struct ReportHTMLTests {
    /// The document's root, failing the test with the parser's message when it is not well-formed.
    func parse(_ html: String, sourceLocation: SourceLocation = #_sourceLocation) -> XMLNode? {
        switch XMLChecker.parse(html) {
        case .success(let root): return root
        case .failure(let error):
            Issue.record("not well-formed: \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// The report as the page shows it: each chart is drawn twice (for the page and for a phone),
    /// and a test of what a chart says reads one layout.
    func render(_ sections: [ReportSection], title: String = "T", layout: ChartLayout = .wide) -> XMLNode? {
        parse(Self.only(layout, ReportRenderer.html(ReportDocument(title: title, sections: sections))))
    }

    enum ChartLayout: String { case wide, narrow }

    /// `html` without the other layout's charts (an SVG holds no SVG, so its end is the next `</svg>`).
    static func only(_ layout: ChartLayout, _ html: String) -> String {
        let other = layout == .wide ? "narrow" : "wide"
        var out = "", rest = Substring(html)
        while let start = rest.firstRange(of: "<svg class=\"chart ") {
            let tagEnd = rest[start.upperBound...].firstIndex(of: ">") ?? rest.endIndex
            let classes = rest[start.upperBound..<tagEnd].prefix { $0 != "\"" }
            let end = rest[start.lowerBound...].firstRange(of: "</svg>")?.upperBound ?? rest.endIndex
            out += rest[..<start.lowerBound]
            if !classes.split(separator: " ").contains(Substring(other)) { out += rest[start.lowerBound..<end] }
            rest = rest[end...]
        }
        return out + rest
    }

    /// Every number in the SVG geometry attributes reads as a finite number.
    func expectFiniteGeometry(_ root: XMLNode, sourceLocation: SourceLocation = #_sourceLocation) {
        for node in root.all("svg").flatMap({ [$0] + $0.descendants }) {
            for attribute in ["x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height"] {
                guard let text = node[attribute], !(node.name == "svg" && attribute == "width") else { continue }
                let value = Double(text)
                #expect(value != nil && value!.isFinite, "\(node.name) \(attribute)=\(text)", sourceLocation: sourceLocation)
                if attribute == "width" || attribute == "height" || attribute == "r" {
                    #expect((value ?? -1) >= 0, "\(node.name) \(attribute)=\(text)", sourceLocation: sourceLocation)
                }
            }
            if let points = node["points"] {
                for pair in points.split(separator: " ") {
                    let xy = pair.split(separator: ",").compactMap { Double($0) }
                    #expect(xy.count == 2 && xy.allSatisfy(\.isFinite), "points \(pair)", sourceLocation: sourceLocation)
                }
            }
        }
    }

    // MARK: The document

    @Test func sampleIsWellFormedSelfContainedAndAccessible() throws {
        let html = ReportRenderer.html(ReportFixtures.quarterlyReview)
        let root = try #require(parse(Self.only(.wide, html)))
        #expect(root.name == "html")
        #expect(html.hasPrefix("<!DOCTYPE html>\n"))
        // Self-contained: nothing fetched, nothing run.
        for forbidden in ["<script", "http://", "https://", "url(", "@import", "<link", "<img", "<iframe", "javascript:", " on"] {
            #expect(!html.lowercased().contains(forbidden == " on" ? " onload" : forbidden), "\(forbidden)")
        }
        #expect(root.first("meta")?["charset"] == "utf-8")
        let style = try #require(root.first("style"))
        #expect(style.text.contains("@media print"))
        #expect(style.text.contains("@page"))
        // Every chart is an image with a title and a label that names its title.
        let svgs = root.all("svg")
        #expect(svgs.count == 6)  // funnel, leads + pace, mql rate, two bar charts
        for svg in svgs {
            #expect(svg["role"] == "img")
            #expect((svg["aria-label"] ?? "") != "")
            #expect(svg.children.first?.name == "title")
            #expect((svg.children.first?.text ?? "") != "")
        }
        expectFiniteGeometry(root)
    }

    @Test func header() throws {
        let root = try #require(parse(ReportRenderer.html(ReportFixtures.quarterlyReview)))
        #expect(root.first("title")?.text == "Acme Corp — Q3 2025 inbound review")
        #expect(root.first("h1")?.text == "Acme Corp — Q3 2025 inbound review")
        let parameters = root.all("div", class: "parameter")
        #expect(parameters.map { $0.first("dt")?.text ?? "" } == ["quarter", "client", "window"])
        #expect(parameters.map { $0.first("dd")?.text ?? "" } == ["2025Q3", "acme", "90 days"])
        #expect(root.first("div", class: "data-date")?.text == "Data as of 2025-09-30")
        #expect(root.first("div", class: "generated")?.text == "Generated 2025-10-02 09:15")
        #expect(root.all("h2").map(\.text) == ["Funnel", "Runway", "Breakdowns"])
    }

    @Test func emptyDocument() throws {
        let html = ReportRenderer.html(ReportDocument(title: ""))
        let root = try #require(parse(html))
        #expect(root.first("h1")?.text == "Report")
        #expect(root.all("svg").isEmpty)
        #expect(root.first("p", class: "empty-report")?.text == "This report has no sections.")
        #expect(root.all("dl").isEmpty)
        #expect(root.all("div", class: "meta").isEmpty)
    }

    // MARK: A phone's layout

    /// Each chart is drawn a second time for a phone, 360 units wide so that its text keeps its
    /// size: the same data, and every text inside the chart (estimated as the renderer does, with
    /// the style sheet's sizes).
    @Test func everyChartHasAPhoneLayoutWithTheSameDataAndTextThatFits() throws {
        let html = ReportRenderer.html(ReportFixtures.quarterlyReview)
        let wide = try #require(parse(Self.only(.wide, html)))
        let narrow = try #require(parse(Self.only(.narrow, html)))
        let phoneCharts = narrow.all("svg")
        #expect(phoneCharts.count == wide.all("svg").count && !phoneCharts.isEmpty)
        for svg in phoneCharts {
            #expect(svg["viewBox"]?.hasPrefix("0 0 360 ") == true)
            #expect(svg.hasClass("narrow"))
        }
        for (name, className, attribute) in [("g", "funnel-stage", "data-count"), ("circle", "point", "data-value"), ("g", "bar-row", "data-value")] {
            #expect(narrow.all(name, class: className).map { $0[attribute] } == wide.all(name, class: className).map { $0[attribute] }, "\(className)")
        }
        #expect(!narrow.all("g", class: "funnel-stage").isEmpty && !narrow.all("g", class: "bar-row").isEmpty)
        for svg in phoneCharts {
            for text in svg.all("text") {
                guard let x = text.number("x") else { continue }
                let size: Double = text.hasClass("head") ? 11 * 1.3 : text.hasClass("stage-label") || text.hasClass("count") ? 14
                    : text.hasClass("x-label") || text.hasClass("y-label") ? 12 : 13
                let width = SVGCharts.textWidth(text.text, size: size)
                let left: Double = switch text["text-anchor"] {
                case "end": x - width
                case "middle": x - width / 2
                default: x
                }
                #expect(left >= -1 && left + width <= 361, "\(text.text) at \(x) in \(svg["class"] ?? "")")
            }
        }
        // The phone's funnel puts each stage's name above its bar, at full length.
        let stageNames = narrow.all("text", class: "stage-label").map(\.text)
        #expect(stageNames == wide.all("text", class: "stage-label").map(\.text))
        #expect(stageNames.allSatisfy { !$0.hasSuffix("…") })
    }

    @Test func theStyleSheetShowsOneLayoutAtATime() throws {
        let html = ReportRenderer.html(ReportFixtures.quarterlyReview)
        let root = try #require(parse(html))
        let style = try #require(root.first("style")).text
        #expect(style.contains("svg.chart.narrow { display: none; }"))
        let phone = try #require(style.firstRange(of: "@media screen and (max-width: 640px) {"))
        let rules = style[phone.upperBound...]
        #expect(rules.contains("svg.chart.wide { display: none; }") && rules.contains("svg.chart.narrow { display: block; }"))
    }

    // MARK: Funnel

    @Test func funnelBarsAreProportionalWithStepConversions() throws {
        let chart = FunnelChart(title: "Inbound", stages: [(name: "leads", count: 1000), (name: "mqls", count: 500), (name: "sqls", count: 100)])
        let root = try #require(render([.funnel(chart)]))
        let svg = try #require(root.first("svg", class: "funnel-chart"))
        let stages = svg.all("g", class: "funnel-stage")
        #expect(stages.map { $0["data-stage"] ?? "" } == ["leads", "mqls", "sqls"])
        #expect(stages.map { $0["data-count"] ?? "" } == ["1000", "500", "100"])
        #expect(stages.map { $0.first("text", class: "stage-label")?.text ?? "" } == ["leads", "mqls", "sqls"])
        #expect(stages.map { $0.first("text", class: "count")?.text ?? "" } == ["1,000", "500", "100"])
        #expect(stages.map { $0.first("text", class: "share")?.text ?? "" } == ["100.0%", "50.0%", "10.0%"])
        let bars = stages.compactMap { $0.first("rect", class: "bar") }
        #expect(bars.count == 3)
        let widths = bars.compactMap { $0.number("width") }
        let full = try #require(widths.first)
        #expect(full > 300)
        for (width, ratio) in zip(widths, [1, 0.5, 0.1]) { #expect((width - full * ratio).magnitude <= 1) }
        // Bars start at the same x: the widths alone carry the counts.
        #expect(Set(bars.compactMap { $0["x"] }).count == 1)
        let steps = svg.all("g", class: "funnel-step")
        #expect(steps.map { $0.first("text", class: "conversion")?.text ?? "" } == ["50.0%", "20.0%"])
        #expect(steps.map { ($0["data-from"] ?? "") + ">" + ($0["data-to"] ?? "") } == ["leads>mqls", "mqls>sqls"])
        // Each conversion sits between the two bars it connects.
        for (k, step) in steps.enumerated() {
            let y = try #require(step.first("text", class: "conversion")?.number("y"))
            let above = try #require(bars[k].number("y")), below = try #require(bars[k + 1].number("y"))
            #expect(y > above && y < below)
        }
        #expect(svg.first("title")?.text == "Inbound")
        #expect(svg["aria-label"]?.contains("mqls 500 (50.0% of leads)") == true)
        #expect(root.first("section", class: "funnel-block")?.first("h3")?.text == "Inbound")
    }

    @Test func funnelStepRatesAreTheTablesNotRecomputed() throws {
        // After an optional stage the step counts the rows in both stages (340 of 808 mqls went on
        // to sqls, 96 sqls skipped mqls): the chart shows 42.1% as the table does, not 436/808.
        let chart = FunnelChart(title: "Inbound", stages: [(name: "mqls", count: 808), (name: "sqls", count: 436)], stepRates: [nil, 340.0 / 808])
        let root = try #require(render([.funnel(chart)]))
        let steps = try #require(root.first("svg", class: "funnel-chart")).all("g", class: "funnel-step")
        #expect(steps.map { $0.first("text", class: "conversion")?.text ?? "" } == ["42.1%"])
        #expect(TerminalChart.funnel(chart, width: 60, unicode: true).contains("42.1%"))
        #expect(ReportRenderer.markdown(ReportDocument(title: "t", sections: [.funnel(chart)])).contains("42.1%"))
    }

    @Test func funnelWithZeroNegativeAndNaNCounts() throws {
        let chart = FunnelChart(title: "", stages: [
            (name: "visits", count: 0), (name: "leads", count: 10), (name: "bad", count: .nan),
            (name: "neg", count: -5), (name: "huge", count: 1e308),
        ])
        let root = try #require(render([.funnel(chart)]))
        expectFiniteGeometry(root)
        let stages = root.all("g", class: "funnel-stage")
        #expect(stages.count == 5)
        let widths = stages.compactMap { $0.first("rect", class: "bar")?.number("width") }
        #expect(widths[0] == 0 && widths[2] == 0 && widths[3] == 0)
        #expect(widths[4] > 300)
        // No denominator → "—", never NaN or a crash.
        let steps = root.all("g", class: "funnel-step").map { $0.first("text", class: "conversion")?.text ?? "" }
        #expect(steps[0] == "—")
        #expect(stages[2].first("text", class: "count")?.text == "—")
        #expect(stages[1].first("text", class: "share")?.text == "—")
    }

    @Test func smallSharesKeepTwoSignificantDigits() throws {
        let chart = FunnelChart(title: "f", stages: [(name: "visits", count: 120_480), (name: "customers", count: 31)])
        let root = try #require(render([.funnel(chart)]))
        #expect(root.all("text", class: "share").map(\.text) == ["100.0%", "0.026%"])
        #expect(root.first("text", class: "conversion")?.text == "0.026%")
    }

    // MARK: Series

    @Test func seriesPointsPerPeriodAndSeries() throws {
        let chart = SeriesChart(title: "Leads vs plan", periods: ["2025-01", "2025-02", "2025-03"], series: [
            (name: "leads actual", values: [120, 80, 200]),
            (name: "leads plan", values: [100, 150, 150]),
        ], format: .number)
        let root = try #require(render([.series(chart)]))
        let svg = try #require(root.first("svg", class: "series-chart"))
        let points = svg.all("circle", class: "point")
        #expect(points.count == 6)
        for (name, values) in [("leads actual", [120.0, 80, 200]), ("leads plan", [100.0, 150, 150])] {
            let mine = points.filter { $0["data-series"] == name }
            #expect(mine.map { $0["data-period"] ?? "" } == chart.periods)
            #expect(mine.compactMap { $0["data-value"].flatMap(Double.init) } == values)
            // Larger values sit higher (smaller y), equal values level, and x goes left to right.
            let ys = mine.compactMap { $0.number("cy") }, xs = mine.compactMap { $0.number("cx") }
            for a in 0..<3 {
                for b in 0..<3 where values[a] > values[b] { #expect(ys[a] < ys[b]) }
                for b in 0..<3 where values[a] == values[b] { #expect(ys[a] == ys[b]) }
            }
            #expect(xs == xs.sorted() && Set(xs).count == 3)
        }
        // Across series too: 200 (actual, March) is the highest point, 80 the lowest.
        let byValue = points.sorted { Double($0["data-value"]!)! < Double($1["data-value"]!)! }
        #expect(byValue.compactMap { $0.number("cy") } == byValue.compactMap { $0.number("cy") }.sorted(by: >))
        // One line per series, the plan dashed (class plan), the actual not.
        let lines = svg.all("polyline", class: "line")
        #expect(lines.count == 2)
        #expect(lines.map { $0.hasClass("plan") } == [false, true])
        #expect(lines[0]["points"]?.split(separator: " ").count == 3)
        #expect(svg.all("text", class: "x-label").map(\.text) == chart.periods)
        let ticks = svg.all("text", class: "y-label")
        #expect((3...5).contains(ticks.count))
        #expect(ticks.first?.text == "0")
        #expect(svg.all("g", class: "legend-item").map { $0.text } == ["leads actual", "leads plan"])
        // Paired series share a colour class.
        #expect(lines[0].classes.first { $0.hasPrefix("c") && $0.count == 2 } == lines[1].classes.first { $0.hasPrefix("c") && $0.count == 2 })
        #expect(points.first?.first("title")?.text == "leads actual, 2025-01: 120")
        // Where the actual stands against the plan, in words.
        let notes = root.all("p", class: "variance")
        #expect(notes.map(\.text) == ["leads actual in 2025-03: 200 against leads plan 150, +50 (+33.3%)."])
        #expect(notes.first?["data-variance"] == "50")
    }

    @Test func nullsLeaveGaps() throws {
        let chart = SeriesChart(title: "gaps", periods: ["a", "b", "c", "d", "e"], series: [
            (name: "kpi", values: [1, 2, nil, 4, .nan]),
            (name: "short", values: [3]),
        ])
        let root = try #require(render([.series(chart)]))
        let points = root.all("circle", class: "point")
        #expect(points.filter { $0["data-series"] == "kpi" }.map { $0["data-period"] ?? "" } == ["a", "b", "d"])
        #expect(points.filter { $0["data-series"] == "short" }.map { $0["data-period"] ?? "" } == ["a"])
        // The line breaks at the gap: only a–b is drawn; d stands alone as a point.
        let lines = root.all("polyline", class: "line")
        #expect(lines.count == 1)
        #expect(lines.first?["points"]?.split(separator: " ").count == 2)
        expectFiniteGeometry(root)
    }

    @Test func cumulativePaceIsASecondChartOfRunningSums() throws {
        let chart = SeriesChart(title: "Leads", periods: ["2025-01", "2025-02", "2025-03"], series: [
            (name: "leads actual", values: [10, 20, nil]),
            (name: "leads plan", values: [15, 15, 15]),
        ], cumulative: true)
        let root = try #require(render([.series(chart)]))
        let svgs = root.all("svg")
        #expect(svgs.count == 2)
        let pace = try #require(svgs.last)
        #expect(pace.hasClass("pace"))
        let points = pace.all("circle", class: "point")
        #expect(points.filter { $0["data-series"] == "leads actual" }.map { $0["data-value"] ?? "" } == ["10", "30"])
        #expect(points.filter { $0["data-series"] == "leads plan" }.map { $0["data-value"] ?? "" } == ["15", "30", "45"])
        #expect(root.all("p", class: "variance").map(\.text) == [
            "leads actual in 2025-02: 20 against leads plan 15, +5 (+33.3%).",
            "Cumulative to 2025-02: 30 against 30, 0 (0.0%).",
        ])
    }

    @Test func percentSeriesTicksAndPointVariance() throws {
        let chart = SeriesChart(title: "rate", periods: ["q1", "q2"], series: [
            (name: "mql rate", values: [0.31, 0.34]), (name: "mql rate target", values: [0.35, 0.35]),
        ], format: .percent)
        let root = try #require(render([.series(chart)]))
        let ticks = root.all("text", class: "y-label").map(\.text)
        #expect(ticks.first == "0%")
        #expect(ticks.allSatisfy { $0.hasSuffix("%") })
        #expect(root.all("p", class: "variance").map(\.text) == ["mql rate in q2: 34.0% against mql rate target 35.0%, -1.0 pts."])
    }

    @Test func largeAxesAreCompactThroughout() throws {
        let chart = SeriesChart(title: "big", periods: ["a", "b"], series: [(name: "revenue", values: [1_200_000, 2_900_000])], format: .money)
        let root = try #require(render([.series(chart)]))
        #expect(root.all("text", class: "y-label").map(\.text) == ["0", "1M", "2M", "3M"])
    }

    // MARK: Bars

    @Test func barChart() throws {
        let chart = BarChart(title: "MQLs by source", labels: ["paid", "organic", "events"], values: [400, 100, nil], format: .number)
        let root = try #require(render([.bars(chart)]))
        let rows = root.all("g", class: "bar-row")
        #expect(rows.map { $0["data-label"] ?? "" } == ["paid", "organic", "events"])
        #expect(rows.map { $0.first("text", class: "bar-label")?.text ?? "" } == ["paid", "organic", "events"])
        #expect(rows.map { $0.first("text", class: "bar-value")?.text ?? "" } == ["400", "100", "—"])
        let widths = rows.compactMap { $0.first("rect", class: "bar")?.number("width") }
        #expect(widths.count == 2)  // no bar for the null
        #expect((widths[1] - widths[0] * 0.25).magnitude <= 1)
    }

    @Test func barChartWithNegativesAndHostileValues() throws {
        let chart = BarChart(title: "romi", labels: ["a", "b", "c", "d"], values: [1.5, -0.5, .infinity, -1e308], format: .percent)
        let root = try #require(render([.bars(chart)]))
        expectFiniteGeometry(root)
        let rows = root.all("g", class: "bar-row")
        #expect(rows.map { $0.first("text", class: "bar-value")?.text ?? "" } == ["150.0%", "-50.0%", "∞", "-1e+310%"])
        #expect(rows[1].first("rect", class: "bar")?.hasClass("negative") == true)
        #expect(root.first("line", class: "zero-line") != nil)
    }

    // MARK: KPIs

    @Test func kpiTiles() throws {
        let root = try #require(render([.kpis([
            KPITile(name: "romi", value: .decimal(1.824), format: .percent, target: ">= 150%", met: true),
            KPITile(name: "lead_rate", value: .decimal(0.018), format: .percent, target: ">= 2%", met: false),
            KPITile(name: "cost_per_mql", value: .decimal(412.5), format: .money),
            KPITile(name: "sqls", value: .null),
        ])]))
        let tiles = root.all("div", class: "kpi")
        #expect(tiles.map { $0["data-name"] ?? "" } == ["romi", "lead_rate", "cost_per_mql", "sqls"])
        #expect(tiles.map { $0["data-met"] } == ["true", "false", nil, nil])
        #expect(tiles.map { $0.first("div", class: "kpi-value")?.text ?? "" } == ["182.4%", "1.8%", "412.50", "—"])
        #expect(tiles.map { $0.first("div", class: "kpi-name")?.text ?? "" } == ["romi", "lead_rate", "cost_per_mql", "sqls"])
        #expect(tiles.map { $0.first("span", class: "kpi-target")?.text } == ["Target ≥ 150%", "Target ≥ 2%", nil, nil])
        // Met or missed is said in words, not only in colour.
        #expect(tiles.map { $0.first("span", class: "badge")?.text } == ["✓ Met", "✗ Missed", nil, nil])
        #expect(tiles[0].hasClass("met") && tiles[1].hasClass("missed"))
    }

    // MARK: Tables

    @Test func everyTableFitsThePrintedPageOrIsSplitIntoPartsThatDo() throws {
        // A funnel breakdown as wide as the review's: a key, thirteen values, the verdict.
        let names = ["visits", "leads", "mqls", "sqls", "opportunities", "customers", "leads/visits", "mqls/leads", "sqls/mqls",
                     "opportunities/sqls", "customers/opportunities", "revenue", "return on marketing investment"]
        var columns = [Fixtures.text("source", ["organic_search", "paid_search", "referral"])]
        columns += names.map { name in Fixtures.integer(name, [24_356, 16_505, 5_715]) }
        columns.append(Fixtures.text("worst step", ["opportunities→customers", "visits→leads", "sqls→opportunities"]))
        var result = ResultTable(table: Table(name: "b", columns: columns), formats: [nil] + names.map { _ in .number } + [nil])
        result.verdicts = ["worst step"]
        let root = try #require(render([.table(result)]))
        let tables = root.all("table", class: "result-table")
        #expect(tables.count > 1)
        var seen: [String] = []
        for table in tables {
            let headers = table.all("th").map(\.text)
            // Each part starts with the key; the verdict is in the first part, beside it.
            #expect(headers.first == "source")
            seen += headers.dropFirst()
            // The part's text fits A4 at the print font (the estimate the renderer lays out by,
            // measured here from what was written: the longest text of each column).
            let cells = table.all("tr").map { $0.all("th") + $0.all("td") }
            let widths: [Double] = headers.indices.map { c in
                let longest: Int = cells.map { c < $0.count ? $0[c].text.count : 0 }.max() ?? 0
                return max(Double(headers[c].count) * 7.7, Double(longest) * 8.0)
            }
            let text: Double = widths.reduce(0, +)
            let printed: Double = text * 12 / 14 + 16 * Double(widths.count)
            #expect(printed <= 671, "a part is wider than A4: \(headers)")
        }
        #expect(tables.first?.all("th").map(\.text).dropFirst().first == "worst step")
        // Every column is in one part, and only one.
        #expect(seen.sorted() == (names + ["worst step"]).sorted())
    }

    @Test func resultTable() throws {
        let root = try #require(parse(ReportRenderer.html(ReportFixtures.quarterlyReview)))
        let table = try #require(root.first("table", class: "result-table"))
        #expect(table.all("th").map(\.text) == ["source", "leads", "mqls", "mql rate", "customers", "cost per mql"])
        // The bar column (mql rate) is drawn from the left, as a bar: not a right-aligned number.
        #expect(table.all("th").map { $0.hasClass("num") } == [false, true, true, false, true, true])
        let rows = table.first("tbody")?.all("tr") ?? []
        #expect(rows.count == 5)
        let first = rows[0].all("td")
        #expect(first.map(\.text) == ["paid_search", "1,212", "412", "34.0%", "11", "512.40"])
        #expect(first.map { $0.hasClass("num") } == [false, true, true, false, true, true])
        // The .bar column is drawn: a fill as wide as the ratio.
        #expect(first[3].first("span", class: "cell-bar-fill")?["style"] == "width:34%")
        let referral = rows[2].all("td")
        #expect(referral[5].text == "—" && referral[5].hasClass("null"))
        #expect(root.first("section", class: "table-block")?.first("h3")?.text == "Inbound by source")
        #expect(root.all("p", class: "footnote").map(\.text) == ["Referral spend is not tracked, so its cost per MQL is empty."])
    }

    @Test func longTablesAreCut() throws {
        let table = Table(name: "t", columns: [Fixtures.integer("n", [1, 2, 3, 4, 5])])
        let html = ReportRenderer.html(ReportDocument(title: "t", sections: [.table(ResultTable(table: table))]), maxTableRows: 2)
        let root = try #require(parse(html))
        #expect(root.first("tbody")?.all("tr").count == 2)
        #expect(root.first("p", class: "footnote")?.text == "Showing the first 2 of 5 rows.")
        let empty = try #require(render([.table(ResultTable(table: Table(name: "e", columns: [])))]))
        #expect(empty.first("p", class: "empty")?.text == "No columns.")
    }

    // MARK: Hostile text and empty charts

    @Test func textIsEscapedEverywhere() throws {
        let evil = "<script>alert('x')</script> & \"q\"\u{1B}[31m\n"
        let document = ReportDocument(
            title: evil, parameters: [(evil, evil)], dataDate: evil, generated: evil,
            sections: [
                .heading(evil), .text(evil + "\n\n" + evil),
                .kpis([KPITile(name: evil, value: .text(evil), target: evil, met: true)]),
                .funnel(FunnelChart(title: evil, stages: [(name: evil, count: 2), (name: evil, count: 1)])),
                .series(SeriesChart(title: evil, periods: [evil, "b"], series: [(name: evil, values: [1, 2]), (name: evil + " plan", values: [2, 2])], cumulative: true)),
                .bars(BarChart(title: evil, labels: [evil], values: [1])),
                .table(ResultTable(title: evil, table: Table(name: evil, columns: [Fixtures.text(evil, [evil])]), footnotes: [evil])),
            ])
        let html = ReportRenderer.html(document)
        let root = try #require(parse(Self.only(.wide, html)))
        #expect(!html.contains("<script"))
        #expect(!html.contains("\u{1B}"))
        #expect(html.contains("&lt;script&gt;"))
        // The reader sees the text as written, control characters made visible.
        let shown = "<script>alert('x')</script> & \"q\"\\x1B[31m\\n"
        #expect(root.first("h1")?.text == shown)
        #expect(root.first("h2")?.text == shown)
        #expect(root.first("g", class: "funnel-stage")?["data-stage"] == shown)
        #expect(root.first("circle", class: "point")?["data-period"] == shown)
        #expect(root.first("td")?.text == shown)
        #expect(root.first("div", class: "kpi")?["data-name"] == shown)
        expectFiniteGeometry(root)
    }

    @Test func emptyChartsSayNoData() throws {
        let root = try #require(render([
            .kpis([]),
            .funnel(FunnelChart(title: "f", stages: [])),
            .series(SeriesChart(title: "s", periods: [], series: [])),
            .series(SeriesChart(title: "nulls", periods: ["a"], series: [(name: "x", values: [nil])], cumulative: true)),
            .bars(BarChart(title: "b", labels: [], values: [])),
        ]))
        let svgs = root.all("svg")
        #expect(svgs.count == 5)
        for svg in svgs {
            #expect(svg.hasClass("empty"))
            #expect(svg.first("text", class: "no-data")?.text == "No data")
            #expect(svg["role"] == "img")
        }
        #expect(root.all("div", class: "kpi-grid").isEmpty)
    }

    @Test func mismatchedLengthsAndManyPeriods() throws {
        let periods = (0..<400).map { "d" + String($0) }
        let chart = SeriesChart(title: "daily", periods: periods, series: [(name: "v", values: (0..<500).map { Double($0 % 7) })])
        let root = try #require(render([
            .series(chart),
            .bars(BarChart(title: "b", labels: ["a", "b", "c"], values: [1])),
            .bars(BarChart(title: "b", labels: [], values: [1, 2])),
        ]))
        #expect(root.all("circle", class: "point").count == 400)
        // Labels are thinned out so they do not overlap.
        let labels = root.all("text", class: "x-label")
        #expect(labels.count < 40 && labels.count > 5)
        #expect(root.all("g", class: "bar-row").count == 5)
    }
}
