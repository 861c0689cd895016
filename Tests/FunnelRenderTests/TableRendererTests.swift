import Testing
import FunnelEngine
@testable import FunnelRender

@Suite struct TerminalTableTests {
    @Test func smallTable() {
        let expected = """
            Leads by source
            ┌─────────────┬───────┬────────┬───────────────┬────────────┬───────────┐
            │ source      │ leads │  mql % │         spend │ first      │     ratio │
            ├─────────────┼───────┼────────┼───────────────┼────────────┼───────────┤
            │ paid_search │ 1,204 │  12.3% │      1,234.50 │ 2025-07-01 │    0.2500 │
            │ —           │    17 │      — │          0.00 │ —          │ 1234.5000 │
            │ Société     │     0 │ 100.0% │             — │ 2024-12-31 │         — │
            │ 東京        │    -5 │ 0.050% │ -1,234,567.89 │ 2000-02-29 │    0.6667 │
            └─────────────┴───────┴────────┴───────────────┴────────────┴───────────┘
            4 rows
            1 row with an empty source

            """
        #expect(TableRenderer.render(Fixtures.sources, as: .table) == expected)
    }

    @Test func asciiWideAndLong() {
        let style = TerminalStyle(width: 50, maxRows: 2, unicode: false)
        let expected = """
            Leads by source
            +-------------+-------+-------+----------+-----+
            | source      | leads | mql % |    spend | ... |
            +-------------+-------+-------+----------+-----+
            | paid_search | 1,204 | 12.3% | 1,234.50 | ... |
            | -           |    17 |     - |     0.00 | ... |
            +-------------+-------+-------+----------+-----+
            ... 2 more rows (4 in all)
            2 more columns: first, ratio
            1 row with an empty source

            """
        #expect(TableRenderer.render(Fixtures.sources, as: .table, style: style) == expected)
    }

    @Test func wideTableHidesRightmostColumns() {
        let columns = (1...30).map { Fixtures.integer("metric_\($0)", [Int64($0) * 1000]) }
        let result = ResultTable(table: Table(name: "wide", columns: columns),
                                 formats: Array(repeating: .number, count: 30))
        let expected = """
            ┌──────────┬──────────┬──────────┬──────────┬──────────┬──────────┬──────────┬───┐
            │ metric_1 │ metric_2 │ metric_3 │ metric_4 │ metric_5 │ metric_6 │ metric_7 │ … │
            ├──────────┼──────────┼──────────┼──────────┼──────────┼──────────┼──────────┼───┤
            │    1,000 │    2,000 │    3,000 │    4,000 │    5,000 │    6,000 │    7,000 │ … │
            └──────────┴──────────┴──────────┴──────────┴──────────┴──────────┴──────────┴───┘
            1 row
            23 more columns: metric_8, metric_9, metric_10, metric_11, metric_12, metric_13,
              metric_14, metric_15, metric_16, metric_17, metric_18, metric_19, metric_20,
              metric_21, metric_22, metric_23, metric_24, metric_25, metric_26, metric_27,
              metric_28, metric_29, metric_30

            """
        let text = TableRenderer.render(result, as: .table, style: TerminalStyle(width: 85))
        #expect(text == expected)
        for line in text.split(separator: "\n") { #expect(DisplayWidth.of(String(line)) <= 85) }
    }

    @Test func aNarrowTerminalKeepsTheKeyAndTheVerdict() {
        // A breakdown at 80 columns: the key, the first values, then the verdict; the bars go
        // first and every left-out column is named (the bars too).
        let table = Table(name: "b", columns: [
            Fixtures.text("source", ["email", "social"]),
            Fixtures.integer("visits", [8_448, 21_393]), Fixtures.integer("leads", [349, 439]),
            Fixtures.integer("opportunities", [26, 8]), Fixtures.integer("customers", [4, 2]),
            Fixtures.integer("bar", [1, 2]),
            Fixtures.text("customers/opportunities", ["15.4%", "25.0%"]),
            Fixtures.text("worst step", ["opportunities→customers", "sqls→opportunities"]),
        ])
        var named = table
        named.columns[5].name = ""
        var result = ResultTable(table: named, formats: [nil, .number, .number, .number, .number, .bar, nil, nil])
        result.verdicts = ["worst step"]
        let text = TableRenderer.render(result, as: .table, style: TerminalStyle(width: 80))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[1].hasPrefix("│ source │ visits │"))
        #expect(lines[1].hasSuffix("│ … │ worst step              │"))
        #expect(lines.contains("3 more columns: customers, (the bars), customers/opportunities"), "\(text)")
        for line in lines { #expect(DisplayWidth.of(line) <= 80) }
    }

    @Test func expandedAutoOnlyWhenTheTableIsTooWide() {
        let result = ResultTable(table: Table(name: "t", columns: [Fixtures.text("source", ["email"]), Fixtures.integer("leads", [349])]))
        let wide = TableRenderer.render(result, as: .table, style: TerminalStyle(width: 80, expanded: .auto))
        #expect(wide.hasPrefix("┌") && !wide.contains("[ row 1 ]"))
        let narrow = TableRenderer.render(result, as: .table, style: TerminalStyle(width: 12, expanded: .auto))
        #expect(narrow.contains("─[ row 1 ]") && narrow.contains("source │ email") && narrow.contains("leads  │ 349"))
        #expect(TableRenderer.render(result, as: .table, style: TerminalStyle(width: 80, expanded: .on)).contains("─[ row 1 ]"))
    }

    @Test func longTableShowsTheFirstRows() {
        let n = 1274
        let table = Table(name: "leads", columns: [
            Fixtures.integer("id", (0..<n).map { Int64($0) }),
            Fixtures.text("source", (0..<n).map { ["ads", "seo", nil][$0 % 3] }),
        ])
        let expected = """
            ┌────┬────────┐
            │ id │ source │
            ├────┼────────┤
            │  0 │ ads    │
            │  1 │ seo    │
            │  2 │ —      │
            └────┴────────┘
            … 1,271 more rows (1,274 in all)

            """
        #expect(TableRenderer.render(ResultTable(table: table), as: .table, style: TerminalStyle(maxRows: 3)) == expected)
    }

    @Test func oneHugeColumnIsNarrowedToTheTerminal() {
        let huge = String(repeating: "Société ", count: 100_000)
        let table = Table(name: "t", columns: [Fixtures.text("note", [huge, "ok"])])
        let expected = """
            ┌──────────────────────┐
            │ note                 │
            ├──────────────────────┤
            │ Société Société Soc… │
            │ ok                   │
            └──────────────────────┘
            2 rows

            """
        #expect(TableRenderer.render(ResultTable(table: table), as: .table, style: TerminalStyle(width: 24)) == expected)
        let capped = TableRenderer.render(ResultTable(table: table), as: .table)
        #expect(capped.contains("│ Société Société Société Société Société… │"))
    }

    @Test func unicodeWidthAlignsColumns() {
        let table = Table(name: "t", columns: [
            Fixtures.text("city", ["東京", "Société", "Zürich", "😀 fun"]),
            Fixtures.integer("n", [1, 22, 333, 4444]),
        ])
        let expected = """
            ┌─────────┬──────┐
            │ city    │    n │
            ├─────────┼──────┤
            │ 東京    │    1 │
            │ Société │   22 │
            │ Zürich  │  333 │
            │ 😀 fun  │ 4444 │
            └─────────┴──────┘
            4 rows

            """
        #expect(TableRenderer.render(ResultTable(table: table), as: .table) == expected)
    }

    @Test func colourDimsBordersAndNullsAndBoldsHeaders() {
        let table = Table(name: "t", columns: [Fixtures.text("src", ["ads", nil])])
        let dim = "\u{1B}[2m", bold = "\u{1B}[1m", reset = "\u{1B}[0m"
        let expected = [
            dim + "┌─────┐" + reset,
            dim + "│" + reset + " " + bold + "src" + reset + " " + dim + "│" + reset,
            dim + "├─────┤" + reset,
            dim + "│" + reset + " ads " + dim + "│" + reset,
            dim + "│" + reset + " " + dim + "—" + reset + "   " + dim + "│" + reset,
            dim + "└─────┘" + reset,
            "2 rows",
            "",
        ].joined(separator: "\n")
        #expect(TableRenderer.render(ResultTable(table: table), as: .table, style: TerminalStyle(color: true)) == expected)
    }

    @Test func controlCharactersStayOnOneLine() {
        let table = Table(name: "t", columns: [Fixtures.text("a\nb", ["x\ty", "\u{1B}[2J"])])
        let expected = """
            ┌─────────┐
            │ a\\nb    │
            ├─────────┤
            │ x\\ty    │
            │ \\x1B[2J │
            └─────────┘
            2 rows

            """
        #expect(TableRenderer.render(ResultTable(table: table), as: .table) == expected)
    }

    @Test func emptyShapes() {
        let noRows = Table(name: "t", columns: [Fixtures.text("source", []), Fixtures.integer("leads", [])])
        #expect(TableRenderer.render(ResultTable(table: noRows), as: .table) == """
            ┌────────┬───────┐
            │ source │ leads │
            └────────┴───────┘
            0 rows

            """)
        let noColumns = Table(name: "t", columns: [])
        #expect(TableRenderer.render(ResultTable(title: "Nothing", table: noColumns), as: .table) == "Nothing\n(no columns)\n0 rows\n")
        for format in OutputFormat.allCases {
            _ = TableRenderer.render(ResultTable(table: noColumns), as: format)
            _ = TableRenderer.render(ResultTable(table: noRows), as: format)
        }
    }

    @Test func malformedInputNeverTraps() {
        // More rows claimed than stored, too few formats, a code outside the dictionary,
        // a validity shorter than the data, absurd styles.
        let table = Table(name: "odd", columns: [
            Column(name: "t", storage: .text(codes: [0, 7], dictionary: ["a"])),
            Column(name: "n", storage: .integer([1, 2, 3]), validity: Validity([true, false])),
            Column(name: "x", storage: .decimal([.nan, .infinity, -.infinity])),
        ], rowCount: 5)
        let result = ResultTable(table: table, formats: [.money])
        for format in OutputFormat.allCases {
            for style in [TerminalStyle(width: 0, maxRows: 0), TerminalStyle(width: -5, maxRows: -1, color: true),
                          TerminalStyle(width: 1, maxRows: 1, unicode: false), TerminalStyle(width: 10_000, maxRows: 10_000)] {
                #expect(!TableRenderer.render(result, as: format, style: style).isEmpty)
                #expect(!SummaryRenderer.render(table, as: format, style: style).isEmpty)
            }
        }
        #expect(TableRenderer.render(result, as: .table) == """
            ┌───┬───┬─────┐
            │ t │ n │   x │
            ├───┼───┼─────┤
            │ a │ 1 │ NaN │
            │ — │ — │   ∞ │
            │ — │ — │  -∞ │
            │ — │ — │   — │
            │ — │ — │   — │
            └───┴───┴─────┘
            5 rows

            """)
        let negative = Table(name: "neg", columns: [], rowCount: -3)
        #expect(TableRenderer.render(ResultTable(table: negative), as: .table) == "(no columns)\n0 rows\n")
    }
}

@Suite struct CSVTests {
    @Test func smallTable() {
        let expected = """
            source,leads,mql %,spend,first,ratio
            paid_search,1204,0.1234,1234.5,2025-07-01,0.25
            ,17,,0,,1234.5
            Société,0,1,,2024-12-31,
            東京,-5,0.0005,-1234567.891,2000-02-29,0.6666666666666666

            """
        #expect(TableRenderer.render(Fixtures.sources, as: .csv) == expected)
    }

    @Test func quoting() {
        let table = Table(name: "t", columns: [
            Fixtures.text("name, full", ["a,b", "say \"hi\"", "line\nbreak", "", nil, "cr\rhere", "plain"]),
            Column(name: "ok", storage: .boolean([true, false, true, true, true, false, true])),
            Fixtures.decimal("x", [.nan, .infinity, 1e-7, 1e21, -0.0, 0.1, nil]),
        ])
        let expected = #"""
            "name, full",ok,x
            "a,b",true,
            "say ""hi""",false,
            "line
            break",true,1e-07
            "",true,1e+21
            ,true,0
            "cr\#rhere",false,0.1
            plain,true,

            """#
        #expect(TableRenderer.render(ResultTable(table: table), as: .csv) == expected)
    }

    @Test func oneColumnNullsAreQuotedSoNoLineIsBlank() {
        let table = Table(name: "t", columns: [Fixtures.integer("n", [1, nil, 3])])
        #expect(TableRenderer.render(ResultTable(table: table), as: .csv) == "n\n1\n\"\"\n3\n")
    }

    @Test func timestampsAndExtremes() {
        let t = Int64(CivilDate.days(year: 2025, month: 7, day: 1)) * 86_400 + 47_100
        let table = Table(name: "t", columns: [
            Column(name: "at", storage: .timestamp([t, 0])),
            Fixtures.integer("n", [Int64.min, Int64.max]),
        ])
        #expect(TableRenderer.render(ResultTable(table: table), as: .csv)
                == "at,n\n2025-07-01 13:05:00,-9223372036854775808\n1970-01-01 00:00:00,9223372036854775807\n")
    }
}

@Suite struct JSONTests {
    @Test func smallTable() {
        let expected = """
            [
              {"source": "paid_search", "leads": 1204, "mql %": 0.1234, "spend": 1234.5, "first": "2025-07-01", "ratio": 0.25},
              {"source": null, "leads": 17, "mql %": null, "spend": 0, "first": null, "ratio": 1234.5},
              {"source": "Société", "leads": 0, "mql %": 1, "spend": null, "first": "2024-12-31", "ratio": null},
              {"source": "東京", "leads": -5, "mql %": 0.0005, "spend": -1234567.891, "first": "2000-02-29", "ratio": 0.6666666666666666}
            ]

            """
        let text = TableRenderer.render(Fixtures.sources, as: .json)
        #expect(text == expected)
        #expect(JSONChecker.isValid(text))
    }

    @Test func escaping() {
        let nasty = "quote \" backslash \\ newline \n tab \t bell \u{7} nul \u{0} sep \u{2028} esc \u{1B} é 東 😀"
        let table = Table(name: "t", columns: [
            Fixtures.text("a \"b\"\n", [nasty]),
            Fixtures.decimal("x", [.nan]),
            Fixtures.decimal("x", [-.infinity]),
            Fixtures.decimal("x", [1e-7]),
        ])
        let text = TableRenderer.render(ResultTable(table: table), as: .json)
        #expect(text == """
            [
              {"a \\"b\\"\\n": "quote \\" backslash \\\\ newline \\n tab \\t bell \\u0007 nul \\u0000 sep \\u2028 esc \\u001B é 東 😀", "x": null, "x_2": null, "x_3": 1e-07}
            ]

            """)
        #expect(JSONChecker.isValid(text))
    }

    @Test func alwaysValid() {
        var controls = ""
        for v in 0..<0x20 { controls.unicodeScalars.append(Unicode.Scalar(UInt8(v))) }
        let table = Table(name: "t", columns: [
            Fixtures.text(controls, [controls, "\\", "\"", nil, ""]),
            Fixtures.integer("i", [Int64.min, Int64.max, 0, nil, -1]),
            Fixtures.decimal("d", [.nan, .infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude, -0.0]),
            Column(name: "b", storage: .boolean([true, false, true, true, false]), validity: Validity([true, true, false, true, true])),
            Column(name: "ts", storage: .timestamp([Int64.min, Int64.max, 0, 1, -1])),
            Column(name: "day", storage: .date([Int32.min, Int32.max, 0, 1, -1])),
        ])
        let text = TableRenderer.render(ResultTable(table: table), as: .json)
        #expect(JSONChecker.isValid(text))
        #expect(JSONChecker.isValid(TableRenderer.render(ResultTable(table: Table(name: "e", columns: [])), as: .json)))
        #expect(TableRenderer.render(ResultTable(table: Table(name: "e", columns: [])), as: .json) == "[]\n")
        #expect(JSONChecker.isValid(SummaryRenderer.render(table, as: .json)))
    }

    @Test func checkerRejectsBrokenJSON() {
        for bad in ["[", "{\"a\": nan}", "[1,]", "\"\u{1}\"", "{\"a\" 1}", "01", "[1] x", "\"\\x\""] {
            #expect(!JSONChecker.isValid(bad), "\(bad)")
        }
        for good in ["[]", "{}", "-0.5e+3", "\"\\u00e9\"", "[true, false, null, {\"a\": [1, 2]}]"] {
            #expect(JSONChecker.isValid(good), "\(good)")
        }
    }
}

@Suite struct MarkdownTests {
    @Test func smallTable() {
        let expected = """
            **Leads by source**

            | source      | leads |  mql % |         spend | first      |     ratio |
            | ----------- | ----: | -----: | ------------: | ---------- | --------: |
            | paid_search | 1,204 |  12.3% |      1,234.50 | 2025-07-01 |    0.2500 |
            | —           |    17 |      — |          0.00 | —          | 1234.5000 |
            | Société     |     0 | 100.0% |             — | 2024-12-31 |         — |
            | 東京        |    -5 | 0.050% | -1,234,567.89 | 2000-02-29 |    0.6667 |

            1 row with an empty source

            """
        #expect(TableRenderer.render(Fixtures.sources, as: .markdown) == expected)
    }

    @Test func pipesAndNewlinesAreEscaped() {
        let table = Table(name: "t", columns: [
            Fixtures.text("a|b", ["x | y", "two\nlines"]),
            Fixtures.integer("n", [1, 2]),
        ])
        let expected = """
            | a\\|b       |   n |
            | ---------- | --: |
            | x \\| y     |   1 |
            | two\\nlines |   2 |

            """
        #expect(TableRenderer.render(ResultTable(table: table), as: .markdown, style: TerminalStyle(maxRows: 1)) == expected)
    }

    @Test func noColumns() {
        #expect(TableRenderer.render(ResultTable(table: Table(name: "t", columns: [])), as: .markdown) == "(no columns)\n")
    }
}
