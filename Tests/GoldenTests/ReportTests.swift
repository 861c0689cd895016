import FunnelEngine
import FunnelLanguage
import FunnelRender
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `report` end to end: a script writes HTML and Markdown; what a reader would see is checked in
/// the files (one bar per stage with its count, one point per period per series, KPI tiles).
struct ReportTests {
    static func run(_ script: String) -> (code: ScriptRunner.ExitCode, messages: String, directory: String) {
        var template = Array("/tmp/funnel-report-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { buffer -> String in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return "/tmp" }
            return String(cString: base)
        }
        final class Sink: @unchecked Sendable { var text = "" }
        let sink = Sink()
        let renderer = OutputText(format: .table, style: TerminalStyle())
        let interpreter = Interpreter(context: EvaluationContext(today: Int32(CivilDate.days(year: 2025, month: 12, day: 31)))) { output in
            sink.text += renderer.render(output).1
        }
        var runner = ScriptRunner(interpreter: interpreter) { sink.text += renderer.render($0) }
        runner.baseDirectory = GoldenTests.root + "/funnel"
        let code = runner.run(SourceFile(path: "report.funnel", text: script.replacingDirectory(directory)))
        return (code, sink.text, directory)
    }

    static let script = """
        leads = load "data/leads.csv" time created_at
        plan  = load "data/plan.csv" time month
        kpi mql_rate = count(leads where mql_at is not null) / count(leads) as percent target >= 50%
        funnel strict on leads {
          leads     at created_at
          mqls      at mql_at
          sqls      at sql_at
          customers at customer_at
          target mqls/leads >= 80%
        }
        report "DIR/review.html" title "Review <test>" {
          mql_rate
          mql_rate by source
          strict
          strict by month vs plan
          strict by source
        }
        report "DIR/review.md" { mql_rate; strict }
        """

    @Test func htmlShowsWhatTheScriptComputed() throws {
        let (code, messages, directory) = Self.run(Self.script)
        #expect(code == .success, "\(messages)")
        #expect(messages.contains("wrote"))
        let html = try #require(GoldenHarness.read(directory + "/review.html"))
        // One bar per stage, with the counts worked out in Tests/Golden/funnel/stages.funnel.
        for (stage, count) in [("leads", 10), ("mqls", 6), ("sqls", 4), ("customers", 3)] {
            #expect(html.contains("data-stage=\"\(stage)\" data-count=\"\(count)\""), "stage \(stage)")
        }
        // The span of the data: the earliest and latest time of every table with one (leads from
        // 2025-01-05 to 2025-04-02, the plan's months from 2025-01-01 to 2025-04-01).
        #expect(html.contains("Data from</span> <span class=\"meta-value\">2025-01-01 to 2025-04-02</span>"))
        // The KPI tile: 7 of 10 leads have an MQL time → 70%, target met.
        #expect(html.contains("data-name=\"mql_rate\" data-met=\"true\""))
        #expect(html.contains("70.0%"))
        // Targets in tables are badges: the funnel's mqls step (7 of 10, 70% against 80%) missed;
        // each source's MQL rate (75%, 50%, 66.7% and the one lead without a source) met.
        let missedCells = html.components(separatedBy: "<span class=\"badge missed\">✗ Missed</span></td>").count - 1
        let metCells = html.components(separatedBy: "<span class=\"badge met\">✓ Met</span></td>").count - 1
        #expect(missedCells == 1 && metCells == 4, "missed \(missedCells), met \(metCells)")
        // Runway: leads, mqls and customers are planned; four months; actual and plan series.
        let points = html.components(separatedBy: "class=\"point").count - 1
        #expect(points >= 3 * 4 * 2)
        // The title is escaped, and nothing is fetched from the network.
        #expect(html.contains("Review &lt;test&gt;"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("http://") && !html.contains("https://"))
        let markdown = try #require(GoldenHarness.read(directory + "/review.md"))
        #expect(markdown.contains("mql_rate"))
        #expect(markdown.contains("| leads"))
    }

    @Test func reportFormatFromTheExtension() {
        let (code, messages, _) = Self.run("report \"DIR/x.pdf\" { 1 }")
        #expect(code == .dataError)
        #expect(messages.contains("a report is .html or .md"))
    }
}

extension String {
    fileprivate func replacingDirectory(_ directory: String) -> String {
        split(separator: "DIR", omittingEmptySubsequences: false).joined(separator: directory)
    }

    fileprivate func components(separatedBy separator: String) -> [Substring] {
        split(separator: separator, omittingEmptySubsequences: false)
    }
}
