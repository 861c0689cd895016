import Testing
import FunnelEngine
@testable import FunnelRender

@Suite struct SummaryTests {
    static var leads: Table {
        let start = Int64(CivilDate.days(year: 2025, month: 7, day: 1)) * 86_400
        let n = 3000
        return Table(name: "leads", columns: [
            Fixtures.integer("id", (1...n).map { Int64($0) }),
            Fixtures.text("source", (0..<n).map { $0 % 100 == 99 ? nil : ["paid_search", "organic", "referral"][$0 % 3] }),
            Column(name: "created_at", storage: .timestamp(.narrowest((0..<n).map { start + Int64($0) * 3600 }))),
            Fixtures.decimal("score", (0..<n).map { $0 % 2 == 0 ? Double($0 % 100) / 4 : nil }),
        ], timeColumn: "created_at")
    }

    @Test func terminal() {
        let expected = """
            leads: 3,000 rows × 4 columns (time column: created_at)
              id          integer
              source      text       30 nulls (1.0%)
              created_at  timestamp
              score       decimal    1,500 nulls (50.0%)
            ┌────┬─────────────┬─────────────────────┬───────┐
            │ id │ source      │ created_at          │ score │
            ├────┼─────────────┼─────────────────────┼───────┤
            │  1 │ paid_search │ 2025-07-01 00:00:00 │   0.0 │
            │  2 │ organic     │ 2025-07-01 01:00:00 │     — │
            │  3 │ referral    │ 2025-07-01 02:00:00 │   0.5 │
            └────┴─────────────┴─────────────────────┴───────┘
            … 2,997 more rows (3,000 in all)

            """
        #expect(SummaryRenderer.render(Self.leads, as: .table, style: TerminalStyle(maxRows: 3)) == expected)
        // At most ten preview rows whatever maxRows allows.
        #expect(SummaryRenderer.render(Self.leads, as: .table).contains("… 2,990 more rows (3,000 in all)"))
    }

    @Test func smallAndEmptyTables() {
        let one = Table(name: "plan", columns: [Fixtures.integer("month", [1])])
        #expect(SummaryRenderer.render(one, as: .table, style: TerminalStyle(unicode: false)) == """
            plan: 1 row x 1 column
              month  integer
            +-------+
            | month |
            +-------+
            |     1 |
            +-------+

            """)
        let empty = Table(name: "spend", columns: [Fixtures.decimal("amount", [])])
        #expect(SummaryRenderer.render(empty, as: .table) == "spend: 0 rows × 1 column\n  amount  decimal\n")
        #expect(SummaryRenderer.render(Table(name: "nothing", columns: []), as: .table) == "nothing: 0 rows × 0 columns\n")
    }

    @Test func markdown() {
        let expected = """
            **leads**: 3,000 rows × 4 columns (time column: created_at)

            | column     | type      | nulls |
            | ---------- | --------- | ----: |
            | id         | integer   |     0 |
            | source     | text      |    30 |
            | created_at | timestamp |     0 |
            | score      | decimal   |  1500 |

            |  id | source      | created_at          | score |
            | --: | ----------- | ------------------- | ----: |
            |   1 | paid_search | 2025-07-01 00:00:00 |     0 |
            |   2 | organic     | 2025-07-01 01:00:00 |     — |

            … 2,998 more rows (3,000 in all)

            """
        #expect(SummaryRenderer.render(Self.leads, as: .markdown, style: TerminalStyle(maxRows: 2)) == expected)
    }

    @Test func machineFormatsDescribeTheColumns() {
        #expect(SummaryRenderer.render(Self.leads, as: .csv) == """
            column,type,nulls
            id,integer,0
            source,text,30
            created_at,timestamp,0
            score,decimal,1500

            """)
        let json = SummaryRenderer.render(Self.leads, as: .json)
        #expect(json == """
            {
              "name": "leads",
              "rows": 3000,
              "time_column": "created_at",
              "columns": [
                {"name": "id", "type": "integer", "nulls": 0},
                {"name": "source", "type": "text", "nulls": 30},
                {"name": "created_at", "type": "timestamp", "nulls": 0},
                {"name": "score", "type": "decimal", "nulls": 1500}
              ]
            }

            """)
        #expect(JSONChecker.isValid(json))
        let empty = SummaryRenderer.render(Table(name: "e", columns: []), as: .json)
        #expect(empty == "{\n  \"name\": \"e\",\n  \"rows\": 0,\n  \"time_column\": null,\n  \"columns\": []\n}\n")
        #expect(JSONChecker.isValid(empty))
    }
}

@Suite struct ScalarTests {
    let target: (text: String, met: Bool?) = (">= 2.0%", true)

    @Test func terminal() {
        #expect(ScalarRenderer.render(label: "lead_rate", value: .decimal(0.024), format: .percent, target: nil, as: .table)
                == "lead_rate = 2.4%\n")
        #expect(ScalarRenderer.render(label: "lead_rate", value: .decimal(0.024), format: .percent, target: target, as: .table)
                == "lead_rate = 2.4%   target >= 2.0%: met\n")
        #expect(ScalarRenderer.render(label: "romi", value: .decimal(1.2), format: .percent, target: (">= 150%", false), as: .table)
                == "romi = 120.0%   target >= 150%: missed\n")
        #expect(ScalarRenderer.render(label: "lead_rate", value: .null, format: .percent, target: (">= 2.0%", nil), as: .table)
                == "lead_rate = —   target >= 2.0%: unknown\n")
        #expect(ScalarRenderer.render(label: nil, value: .decimal(1234.5), format: .money, target: nil, as: .table) == "1,234.50\n")
        #expect(ScalarRenderer.render(label: "x", value: .null, format: nil, target: nil, as: .table,
                                      style: TerminalStyle(color: true)) == "x = \u{1B}[2m—\u{1B}[0m\n")
        #expect(ScalarRenderer.render(label: "x", value: .null, format: nil, target: nil, as: .table,
                                      style: TerminalStyle(unicode: false)) == "x = -\n")
    }

    @Test func otherFormats() {
        #expect(ScalarRenderer.render(label: "lead_rate", value: .decimal(0.024), format: .percent, target: target, as: .markdown)
                == "**lead_rate** = 2.4% (target >= 2.0%: met)\n")
        #expect(ScalarRenderer.render(label: "lead_rate", value: .decimal(0.024), format: .percent, target: target, as: .csv)
                == "name,value,target,met\nlead_rate,0.024,>= 2.0%,true\n")
        #expect(ScalarRenderer.render(label: nil, value: .integer(3000), format: .number, target: nil, as: .csv)
                == "name,value\n,3000\n")
        let json = ScalarRenderer.render(label: "lead_rate", value: .decimal(0.024), format: .percent, target: target, as: .json)
        #expect(json == "{\"name\": \"lead_rate\", \"value\": 0.024, \"target\": \">= 2.0%\", \"met\": true}\n")
        #expect(JSONChecker.isValid(json))
        let nan = ScalarRenderer.render(label: nil, value: .decimal(.nan), format: nil, target: ("> 0", nil), as: .json)
        #expect(nan == "{\"name\": null, \"value\": null, \"target\": \"> 0\", \"met\": null}\n")
        #expect(JSONChecker.isValid(nan))
        #expect(ScalarRenderer.render(label: "day", value: .date(0), format: nil, target: nil, as: .json)
                == "{\"name\": \"day\", \"value\": \"1970-01-01\"}\n")
    }
}
