import FunnelEngine
@testable import FunnelRender
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Report documents the report tests share, and a way to write one to a file to look at.
enum ReportFixtures {
    static let months = (1...12).map { "2025-" + ($0 < 10 ? "0" : "") + String($0) }

    /// A quarterly review as an analyst would hand it over: KPIs, the funnel, runway charts,
    /// breakdown bars, velocity and a table.
    static var quarterlyReview: ReportDocument {
        let bySource = Table(name: "by_source", columns: [
            Fixtures.text("source", ["paid_search", "organic", "referral", "events", "linkedin"]),
            Fixtures.integer("leads", [1_212, 804, 301, 265, 202]),
            Fixtures.integer("mqls", [412, 256, 141, 88, 41]),
            Fixtures.decimal("mql rate", [0.34, 0.318, 0.468, 0.332, 0.203]),
            Fixtures.integer("customers", [11, 7, 9, 3, nil]),
            Fixtures.decimal("cost per mql", [512.4, 96.25, nil, 840, 1_322.9]),
        ])
        let table = ResultTable(title: "Inbound by source", table: bySource,
                                formats: [nil, .number, .number, .bar, .number, .money],
                                footnotes: ["Referral spend is not tracked, so its cost per MQL is empty."])
        return ReportDocument(
            title: "Acme Corp — Q3 2025 inbound review",
            parameters: [("quarter", "2025Q3"), ("client", "acme"), ("window", "90 days")],
            dataDate: "2025-09-30",
            generated: "2025-10-02 09:15",
            sections: [
                .kpis([
                    KPITile(name: "lead_rate", value: .decimal(0.0231), format: .percent, target: ">= 2%", met: true),
                    KPITile(name: "qualified_rate", value: .decimal(0.337), format: .percent, target: ">= 35%", met: false),
                    KPITile(name: "cost_per_mql", value: .decimal(412.5), format: .money),
                    KPITile(name: "romi", value: .decimal(1.824), format: .percent, target: ">= 150%", met: true),
                    KPITile(name: "lead_to_customer_days", value: .decimal(38.5), format: .days, target: "<= 45 days", met: true),
                    KPITile(name: "sql_to_customer", value: .decimal(0.157), format: .percent, target: ">= 25%", met: false),
                ]),
                .heading("Funnel"),
                .text("Lead volume is on plan, but SQL → customer conversion fell to 15.7% against a 25% target.\nPaid search drives most MQLs; referrals convert best."),
                .funnel(FunnelChart(title: "Inbound funnel, Q3 2025", stages: [
                    (name: "visits", count: 120_480), (name: "leads", count: 2_784), (name: "mqls", count: 938),
                    (name: "sqls", count: 197), (name: "opportunities", count: 112), (name: "customers", count: 31),
                ])),
                .heading("Runway"),
                .series(SeriesChart(title: "Leads: actual vs plan", periods: months, series: [
                    (name: "leads actual", values: [812, 845, 901, 880, 934, 958, 921, 968, 895, nil, nil, nil]),
                    (name: "leads plan", values: [800, 820, 850, 870, 900, 920, 940, 960, 980, 1_000, 1_020, 1_040]),
                ], format: .number, cumulative: true)),
                .series(SeriesChart(title: "MQL rate by month", periods: months, series: [
                    (name: "mql rate", values: [0.31, 0.33, 0.35, 0.34, 0.36, 0.33, 0.32, 0.35, 0.34, nil, nil, nil]),
                    (name: "mql rate target", values: Array(repeating: 0.35, count: 12)),
                ], format: .percent)),
                .heading("Breakdowns"),
                .bars(BarChart(title: "MQLs by source", labels: ["paid_search", "organic", "referral", "events", "linkedin"],
                               values: [412, 256, 141, 88, 41], format: .number)),
                .bars(BarChart(title: "Median days per step", labels: ["leads → mqls", "mqls → sqls", "sqls → opportunities", "opportunities → customers"],
                               values: [6.5, 14, 9.5, 21], format: .days)),
                .table(table),
            ])
    }

    /// A small review for exact-text tests: one of each section.
    static var smallReview: ReportDocument {
        ReportDocument(title: "Q3 review", parameters: [("quarter", "2025Q3")], dataDate: "2025-09-30", generated: "2025-10-02",
            sections: [
                .heading("Summary"), .text("Leads on plan.\nSQLs < target | see *below*"),
                .kpis([KPITile(name: "romi", value: .decimal(1.824), format: .percent, target: ">= 150%", met: true),
                       KPITile(name: "lead_rate", value: .decimal(0.018), format: .percent, target: ">= 2%", met: false),
                       KPITile(name: "cost_per_mql", value: .decimal(412.5), format: .money)]),
                .funnel(FunnelChart(title: "Inbound", stages: [(name: "leads", count: 1000), (name: "mqls", count: 500), (name: "sqls", count: 100)])),
                .series(SeriesChart(title: "Leads vs plan", periods: ["2025-07", "2025-08", "2025-09"], series: [
                    (name: "leads actual", values: [120, 80, nil]), (name: "leads plan", values: [100, 100, 100]),
                ], format: .number, cumulative: true)),
                .bars(BarChart(title: "By source", labels: ["paid", "organic", "events"], values: [400, 100, nil], format: .number)),
                .table(ResultTable(title: "Rates", table: Table(name: "t", columns: [
                    Fixtures.text("source", ["paid", "organic"]), Fixtures.decimal("rate", [0.5, 0.25]),
                ]), formats: [nil, .bar], footnotes: ["note"])),
            ])
    }

    /// Writes `text` to `path` (for looking at a report in a browser); false when it cannot.
    @discardableResult
    static func write(_ text: String, to path: String) -> Bool {
        guard let file = fopen(path, "w") else { return false }
        defer { fclose(file) }
        let bytes = Array(text.utf8)
        return fwrite(bytes, 1, bytes.count, file) == bytes.count
    }

    /// The value of an environment variable.
    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
