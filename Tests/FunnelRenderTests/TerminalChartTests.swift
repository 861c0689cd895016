import Testing
@testable import FunnelRender

@Suite struct TerminalChartTests {
    static let series = SeriesChart(title: "Leads", periods: ["Jan", "Feb", "Mar", "Apr"],
                                    series: [(name: "actual", values: [1, 3, nil, 4]), (name: "plan", values: [2, 2, 2, 2])])
    static let funnel = FunnelChart(title: "Inbound", stages: [(name: "leads", count: 1000), (name: "mqls", count: 500), (name: "sqls", count: 100)])
    static let bars = BarChart(title: "ROMI", labels: ["paid", "organic", "events", "none"], values: [1.5, 0.75, -0.5, nil], format: .percent)

    @Test func sparklines() {
        #expect(TerminalChart.sparkline([1, 2, 3, 4, 5, 6, 7, 8, nil, 0], unicode: true) == "▂▃▄▅▅▆▇█ ▁")
        #expect(TerminalChart.sparkline([1, 2, 3, 4, 5, nil, .nan], unicode: false) == "_.-=#  ")
        #expect(TerminalChart.sparkline([0, 8], unicode: true) == "▁█")
        #expect(TerminalChart.sparkline([5, 5, 5], unicode: true) == "▅▅▅")
        #expect(TerminalChart.sparkline([], unicode: true) == "")
        #expect(TerminalChart.sparkline([nil, nil], unicode: false) == "  ")
        #expect(TerminalChart.sparkline([-1e308, 1e308, .infinity, 0], unicode: true) == "▁█ ▅")
    }

    @Test func lineChartUnicode() {
        #expect(TerminalChart.lines(Self.series, width: 24, height: 4, unicode: true) == """
            Leads
            4 ┤                    ●
              │   ⢀⡠⠔⠊●
              │○⠝⠋⠉⠉⠉⠉○⠉⠉⠉⠉⠉○⠉⠉⠉⠉⠉⠉○
            0 ┤
              └─────────────────────
               Jan               Apr
            ● actual  ○ plan

            """)
    }

    @Test func lineChartASCII() {
        #expect(TerminalChart.lines(Self.series, width: 24, height: 4, unicode: false) == """
            Leads
            4 +                    *
              |    ...*
              |o......o.....o......o
            0 +
              +---------------------
               Jan               Apr
            * actual  o plan

            """)
    }

    @Test func lineChartWithCumulativePace() {
        let chart = SeriesChart(title: "", periods: ["a", "b"], series: [(name: "x", values: [1, 2])], format: .number, cumulative: true)
        #expect(TerminalChart.lines(chart, width: 12, height: 2, unicode: false) == """
            2 +    ....*
            0 +*...
              +---------
               a       b
            * x
            cumulative pace
            3 +    ....*
            0 +*...
              +---------
               a       b
            * x

            """)
    }

    @Test func funnelUnicode() {
        #expect(TerminalChart.funnel(Self.funnel, width: 40, unicode: true) == """
            Inbound
            leads ██████████████████████ 1,000
            mqls       ████████████        500 50.0%
            sqls            ██             100 20.0%

            """)
    }

    @Test func funnelASCII() {
        #expect(TerminalChart.funnel(Self.funnel, width: 40, unicode: false) == """
            Inbound
            leads ###################### 1,000
            mqls       ############        500 50.0%
            sqls            ##             100 20.0%

            """)
    }

    @Test func barsUnicode() {
        #expect(TerminalChart.bars(Self.bars, width: 36, unicode: true) == """
            ROMI
            paid    █████████████████████ 150.0%
            organic ██████████▌            75.0%
            events  ░░░░░░░               -50.0%
            none                               —

            """)
    }

    @Test func barsASCII() {
        #expect(TerminalChart.bars(Self.bars, width: 36, unicode: false) == """
            ROMI
            paid    ##################### 150.0%
            organic ###########            75.0%
            events  -------               -50.0%
            none                               -

            """)
    }

    @Test func emptyCharts() {
        #expect(TerminalChart.funnel(FunnelChart(title: "", stages: []), width: 40, unicode: true) == "(no data)\n")
        #expect(TerminalChart.bars(BarChart(title: "b", labels: [], values: []), width: 40, unicode: true) == "b\n(no data)\n")
        #expect(TerminalChart.lines(SeriesChart(title: "", periods: ["a"], series: [(name: "x", values: [nil])]), width: 40, height: 5, unicode: true) == "(no data)\n")
    }

    @Test func linesStayWithinTheWidth() {
        let long = String(repeating: "very long label ", count: 10)
        let funnel = FunnelChart(title: long, stages: [(name: long, count: 1e308), (name: "b", count: .nan), (name: "c", count: -3), (name: "d", count: 0)])
        let bars = BarChart(title: long, labels: [long, "x"], values: [1e300, .infinity])
        let series = SeriesChart(title: long, periods: [long, long], series: [(name: long, values: [1e308, -1e308])])
        for unicode in [true, false] {
            for text in [TerminalChart.funnel(funnel, width: 50, unicode: unicode), TerminalChart.bars(bars, width: 50, unicode: unicode),
                         TerminalChart.lines(series, width: 50, height: 6, unicode: unicode)] {
                for line in text.split(separator: "\n") { #expect(DisplayWidth.of(String(line)) <= 50, "\(line)") }
            }
        }
        // Tiny widths and heights never trap.
        for width in [0, 1, 2, 5] {
            _ = TerminalChart.funnel(funnel, width: width, unicode: true)
            _ = TerminalChart.bars(bars, width: width, unicode: false)
            _ = TerminalChart.lines(series, width: width, height: width - 3, unicode: true)
        }
    }

    @Test func singlePeriodIsCentred() {
        let chart = SeriesChart(title: "", periods: ["Q3"], series: [(name: "romi", values: [1.5])], format: .percent)
        #expect(TerminalChart.lines(chart, width: 20, height: 2, unicode: false) == """
            150.0% +      *
              0.0% +
                   +------------
                         Q3
            * romi

            """)
    }
}
