import FunnelEngine

extension FunnelTables {
    /// `what if`: each stage now and with the changed rule, and the change.
    public static func comparison(_ current: FunnelCounts, _ alternative: FunnelCounts, title: String) -> ResultTable {
        var rows: [[Value]] = []
        for k in current.stages.indices where k < alternative.counts.count {
            let delta = alternative.counts[k] - current.counts[k]
            rows.append([.text(current.stages[k]), .decimal(current.counts[k]), current.stepRate(k).map { .decimal($0) } ?? .null,
                         .decimal(alternative.counts[k]), alternative.stepRate(k).map { .decimal($0) } ?? .null,
                         .decimal(delta), current.counts[k] != 0 ? .decimal(delta / current.counts[k]) : .null])
        }
        return ResultTable(title: title, table: ResultRows.table(rows, names: ["stage", "now", "step now", "what if", "step what if", "change", "change %"]),
                           formats: [nil, .number, .percent, .number, .percent, .number, .percent])
    }

    /// `F by month vs plan`: per period of the plan and stage, actual against plan, the variance,
    /// the share of plan, the pace (cumulative actual over cumulative plan), and per stage the
    /// projection at this pace. `actual` and `plan` by period label, then stage; `periods` the
    /// plan's, in order.
    public static func runway(name: String, unitName: String, stages: [String], actual: [String: [String: Double]],
                              plan: [String: [String: Double]], periods: [String]) -> ResultTable {
        var rows: [[Value]] = []
        for stage in stages {
            var cumulativeActual = 0.0, cumulativePlan = 0.0
            for label in periods {
                let p = plan[label]?[stage] ?? 0
                let a = actual[label]?[stage]
                cumulativePlan += p
                if let a { cumulativeActual += a }
                rows.append([.text(label), .text(stage), a.map { .decimal($0) } ?? .null, .decimal(p), a.map { .decimal($0 - p) } ?? .null,
                             a.flatMap { p != 0 ? .decimal($0 / p) : nil } ?? .null, a != nil && cumulativePlan != 0 ? .decimal(cumulativeActual / cumulativePlan) : .null])
            }
        }
        var result = ResultTable(title: "runway: \(name) by \(unitName) vs plan", table: ResultRows.table(rows, names: [unitName, "stage", "actual", "plan", "variance", "% of plan", "pace"]),
                                 formats: [nil, nil, .number, .number, .number, .percent, .percent],
                                 footnotes: runwayNotes(name: name, stages: stages, actual: actual, plan: plan, periods: periods))
        result.chart = .runway
        return result
    }

    /// Per stage with actuals: the total so far, the projection at this pace against the plan's
    /// total, and the stage's count in periods the plan does not have.
    static func runwayNotes(name: String, stages: [String], actual: [String: [String: Double]], plan: [String: [String: Double]],
                            periods: [String]) -> [String] {
        stages.compactMap { stage in
            let reported = periods.compactMap { actual[$0]?[stage] }
            guard !reported.isEmpty else { return nil }
            let soFar = reported.reduce(0, +)
            let yearPlan = periods.reduce(0.0) { $0 + (plan[$1]?[stage] ?? 0) }
            let projection = soFar / Double(reported.count) * Double(periods.count)
            // The funnel's own count of the stage may differ: it has periods the plan does not.
            let everywhere = actual.values.reduce(0.0) { $0 + ($1[stage] ?? 0) }
            let outside = everywhere - soFar
            let span = periods.first.map { first in first == periods.last ? " in \(first)" : " in \(first) to \(periods.last ?? first)" } ?? ""
            return "\(stage): \(CountText.of(Int(soFar))) so far\(outside > 0 ? span : ""); at this pace \(CountText.of(Int(projection.rounded()))) by the end against a plan of \(CountText.of(Int(yearPlan)))"
                + (outside > 0 ? " (\(name) counts \(CountText.of(Int(everywhere))) \(stage): \(CountText.of(Int(outside))) in periods the plan does not have)" : "")
        }
    }

    /// The runway as a plan spreadsheet lays it out: per stage three rows (actual, plan,
    /// variance), one column per period, then the totals and the pace so far (cumulative actual
    /// over cumulative plan through the last period with actuals). The same numbers as `runway`.
    public static func runwaySheet(name: String, unitName: String, stages: [String], actual: [String: [String: Double]],
                                   plan: [String: [String: Double]], periods: [String]) -> ResultTable {
        var rows: [[Value]] = []
        for stage in stages {
            let actuals = periods.map { actual[$0]?[stage] }
            let plans = periods.map { plan[$0]?[stage] ?? 0 }
            let variances = zip(actuals, plans).map { a, p in a.map { $0 - p } }
            let reported = actuals.compactMap { $0 }
            // Totals over the periods with actuals, as the pace compares them.
            let plannedSoFar = zip(actuals, plans).reduce(0.0) { $0 + ($1.0 == nil ? 0 : $1.1) }
            let actualSoFar = reported.reduce(0, +)
            let pace: Value = !reported.isEmpty && plannedSoFar != 0 ? .decimal(actualSoFar / plannedSoFar) : .null
            rows.append([.text(stage), .text("actual")] + actuals.map { $0.map { .decimal($0) } ?? .null }
                + [reported.isEmpty ? .null : .decimal(actualSoFar), pace])
            rows.append([.text(stage), .text("plan")] + plans.map { .decimal($0) } + [.decimal(plans.reduce(0, +)), .null])
            rows.append([.text(stage), .text("variance")] + variances.map { $0.map { .decimal($0) } ?? .null }
                + [reported.isEmpty ? .null : .decimal(actualSoFar - plannedSoFar), .null])
        }
        let names = ["stage", "measure"] + periods + ["total", "pace"]
        let formats: [DisplayFormat?] = [nil, nil] + periods.map { _ in DisplayFormat.number } + [.number, .percent]
        let columns = names.enumerated().map { i, n in
            ColumnBuilder.column(from: rows.map { $0[i] }, name: n, emptyAs: i < 2 ? .text : .decimal)
        }
        var footnotes = ["actual total and variance over the \(unitName)s with actuals; plan total over every \(unitName) of the plan; "
            + "pace: actual so far over plan so far"]
        footnotes += runwayNotes(name: name, stages: stages, actual: actual, plan: plan, periods: periods)
        var sheet = ResultTable(title: "runway: \(name) by \(unitName) vs plan, as a sheet", table: Table(name: "result", columns: columns, rowCount: rows.count),
                                formats: formats, footnotes: footnotes)
        sheet.chart = .sheet
        return sheet
    }

    /// A runway's long table (period, stage, actual, plan, …) laid out as its sheet, for a report.
    public static func runwaySheet(fromLong long: ResultTable) -> ResultTable? {
        let table = long.table
        guard long.chart == .runway, table.columns.count >= 4, table.columns[0].name != "stage" else { return nil }
        var stages: [String] = [], periods: [String] = []
        var actual: [String: [String: Double]] = [:], plan: [String: [String: Double]] = [:]
        for r in 0..<table.rowCount {
            let period = TextForm.of(table.columns[0].value(at: r)), stage = TextForm.of(table.columns[1].value(at: r))
            if !stages.contains(stage) { stages.append(stage) }
            if !periods.contains(period) { periods.append(period) }
            if let a = table.columns[2].value(at: r).number { actual[period, default: [:]][stage] = a }
            plan[period, default: [:]][stage] = table.columns[3].value(at: r).number ?? 0
        }
        var sheet = runwaySheet(name: "", unitName: table.columns[0].name, stages: stages, actual: actual, plan: plan, periods: periods)
        sheet.title = long.title.map { $0 + ", as a sheet" }
        // The long table's notes (with the funnel's name), after the sheet's own first line.
        sheet.footnotes = Array(sheet.footnotes.prefix(1)) + long.footnotes
        return sheet
    }
}
