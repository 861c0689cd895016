import Testing
import FunnelEngine
@testable import FunnelRender

@Suite struct ReportMarkdownTests {
    @Test func smallReviewUnicode() {
        let expected = #"""
            # Q3 review

            quarter = 2025Q3

            Data as of 2025-09-30 · generated 2025-10-02

            ## Summary

            Leads on plan.\
            SQLs \< target \| see \*below\*

            - **romi**: 182.4% · target ≥ 150% · ✓ met
            - **lead_rate**: 1.8% · target ≥ 2% · ✗ missed
            - **cost_per_mql**: 412.50

            ### Inbound

            | stage | count |  step | % of leads | chart                    |
            | ----- | ----: | ----: | ---------: | ------------------------ |
            | leads | 1,000 |       |     100.0% | ████████████████████████ |
            | mqls  |   500 | 50.0% |      50.0% | ████████████             |
            | sqls  |   100 | 20.0% |      10.0% | ██▍                      |

            ### Leads vs plan

            - **leads actual** `█▆ ` 120 → 80
            - **leads plan** `▇▇▇` 100 → 100

            leads actual in 2025-08: 80 against leads plan 100, -20 (-20.0%). Cumulative to 2025-08: 200 against 200, 0 (0.0%).

            | period  | leads actual | leads plan | leads actual (cumulative) | leads plan (cumulative) |
            | ------- | -----------: | ---------: | ------------------------: | ----------------------: |
            | 2025-07 |          120 |        100 |                       120 |                     100 |
            | 2025-08 |           80 |        100 |                       200 |                     200 |
            | 2025-09 |            — |        100 |                         — |                     300 |

            ### By source

            | name    | value | chart                    |
            | ------- | ----: | ------------------------ |
            | paid    |   400 | ████████████████████████ |
            | organic |   100 | ██████                   |
            | events  |     — |                          |

            ### Rates

            | source  | rate         |
            | ------- | ------------ |
            | paid    | ██████ 50.0% |
            | organic | ███ 25.0%    |

            note

            """#
        #expect(ReportRenderer.markdown(ReportFixtures.smallReview) == expected)
    }

    @Test func smallReviewASCII() {
        let expected = #"""
            # Q3 review

            quarter = 2025Q3

            Data as of 2025-09-30 - generated 2025-10-02

            ## Summary

            Leads on plan.\
            SQLs \< target \| see \*below\*

            - **romi**: 182.4% - target \>= 150% - met
            - **lead_rate**: 1.8% - target \>= 2% - MISSED
            - **cost_per_mql**: 412.50

            ### Inbound

            | stage | count |  step | % of leads | chart                    |
            | ----- | ----: | ----: | ---------: | ------------------------ |
            | leads | 1,000 |       |     100.0% | ######################## |
            | mqls  |   500 | 50.0% |      50.0% | ############             |
            | sqls  |   100 | 20.0% |      10.0% | ##                       |

            ### Leads vs plan

            - **leads actual** `#= ` 120 -> 80
            - **leads plan** `===` 100 -> 100

            leads actual in 2025-08: 80 against leads plan 100, -20 (-20.0%). Cumulative to 2025-08: 200 against 200, 0 (0.0%).

            | period  | leads actual | leads plan | leads actual (cumulative) | leads plan (cumulative) |
            | ------- | -----------: | ---------: | ------------------------: | ----------------------: |
            | 2025-07 |          120 |        100 |                       120 |                     100 |
            | 2025-08 |           80 |        100 |                       200 |                     200 |
            | 2025-09 |            - |        100 |                         - |                     300 |

            ### By source

            | name    | value | chart                    |
            | ------- | ----: | ------------------------ |
            | paid    |   400 | ######################## |
            | organic |   100 | ######                   |
            | events  |     - |                          |

            ### Rates

            | source  | rate         |
            | ------- | ------------ |
            | paid    | ###### 50.0% |
            | organic | ### 25.0%    |

            note

            """#
        let text = ReportRenderer.markdown(ReportFixtures.smallReview, unicode: false)
        #expect(text == expected)
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
    }

    @Test func aChartAndItsOwnTableAreOneTable() {
        // The report builder puts a chart's table, untitled, right after it: in Markdown the chart
        // would be a second table of the same numbers.
        let chart = FunnelChart(title: "inbound", stages: [(name: "leads", count: 10), (name: "mqls", count: 4)])
        let table = ResultTable(table: Table(name: "t", columns: [Fixtures.text("stage", ["leads", "mqls"]), Fixtures.integer("count", [10, 4])]))
        let text = ReportRenderer.markdown(ReportDocument(title: "r", sections: [.funnel(chart), .table(table)]))
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("| stage") }.count == 1)
        #expect(text.contains("### inbound"))
        // A quote is markup only at a line's start.
        #expect(ReportRenderer.markdown(ReportDocument(title: "r", sections: [.text("> x >= 2")])).contains("\\> x >= 2"))
    }

    @Test func moneyIsWrittenWithTheReportsCurrency() {
        var document = ReportDocument(title: "r", sections: [
            .kpis([KPITile(name: "cost per MQL", value: .decimal(211.34), format: .money)]),
            .table(ResultTable(title: "t", table: Table(name: "t", columns: [Fixtures.text("k", ["a"]), Fixtures.decimal("spend", [-1234.5])]),
                               formats: [nil, .money])),
        ])
        document.currency = "EUR"
        let text = ReportRenderer.markdown(document)
        #expect(text.contains("€211.34") && text.contains("-€1,234.50"))
        document.currency = "CHF"
        #expect(ReportRenderer.markdown(document).contains("211.34 CHF"))
        #expect(ReportRenderer.html(document).contains("211.34 CHF"))
    }

    @Test func emptyDocument() {
        #expect(ReportRenderer.markdown(ReportDocument(title: "")) == "# Report\n\n_This report has no sections._\n")
    }

    @Test func emptyChartsAndTables() {
        let document = ReportDocument(title: "e", sections: [
            .kpis([]), .funnel(FunnelChart(title: "f", stages: [])), .series(SeriesChart(title: "", periods: [], series: [])),
            .bars(BarChart(title: "b", labels: [], values: [])), .table(ResultTable(table: Table(name: "t", columns: []))),
        ])
        #expect(ReportRenderer.markdown(document) == """
            # e

            ### f

            _No data._

            _No data._

            ### b

            _No columns._

            """)
    }

    @Test func markupInTextIsEscaped() {
        let evil = "<script>x</script> | *b* [l](u) `c` \\ \u{1B}\n"
        let document = ReportDocument(title: evil, parameters: [(evil, evil)], sections: [
            .heading(evil), .text(evil),
            .kpis([KPITile(name: evil, value: .text(evil), target: evil, met: true)]),
            .funnel(FunnelChart(title: evil, stages: [(name: evil, count: 1)])),
            .series(SeriesChart(title: evil, periods: [evil], series: [(name: evil, values: [1])])),
            .bars(BarChart(title: evil, labels: [evil], values: [1])),
            .table(ResultTable(title: evil, table: Table(name: "t", columns: [Fixtures.text(evil, [evil])]), footnotes: [evil])),
        ])
        let text = ReportRenderer.markdown(document)
        // `>` is markup only at the start of a line: inside text it stays as written.
        let escaped = #"\<script>x\</script> \| \*b\* \[l\](u) \`c\` \\ \\x1B\\n"#
        #expect(text.hasPrefix("# " + escaped + "\n"))
        // No markup gets through: every < is escaped.
        var previous: Character = " "
        for c in text {
            if c == "<" { #expect(previous == "\\") }
            previous = c
        }
        #expect(!text.contains("\u{1B}"))
        // Every table row keeps its columns: the pipes in the text are escaped.
        var header: Int?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("| ") else { header = nil; continue }
            var pipes = 0
            var previous: Character = " "
            for c in line {
                if c == "|" && previous != "\\" { pipes += 1 }
                previous = c
            }
            if let header { #expect(pipes == header, "\(line)") } else { header = pipes }
        }
    }
}
