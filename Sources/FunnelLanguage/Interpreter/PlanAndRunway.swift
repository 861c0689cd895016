import FunnelAnalytics
import FunnelEngine
import FunnelRender

/// Reverse-funnel planning and runway (actual against a plan table).
extension Interpreter {
    func planReport(_ plan: PlanSyntax, session: Session, range: SourceRange) throws(Diagnostic) -> [ResultTable] {
        let definition = try funnel(named: plan.funnel, session: session, range: range)
        let evaluation = try evaluateFunnel(definition, session: session)
        let history = try totals(evaluation, session: session)
        let names = history.stages
        func number(_ expr: Expr) throws(Diagnostic) -> Double {
            guard case .scalar(let v, _, _) = try evaluate(expr, session: session, baseDirectory: "."), let n = v.number else {
                throw Diagnostic.error("expected a number", at: expr.range)
            }
            return n
        }
        var goal: Double? = nil
        var dealSize: Double? = nil
        var revenue: Double? = nil
        var months = 12.0
        var shaped = false
        for (name, value, r) in plan.settings {
            switch name {
            case "spread":
                guard case .string(let how) = value.kind, ["even", "last year"].contains(how) else {
                    throw Diagnostic.error("spread is \"even\" or \"last year\"", at: r)
                }
                shaped = how == "last year"
            case "deal_size": dealSize = try number(value)
            case "revenue": revenue = try number(value)
            case "months": months = max(1, min(120, try number(value)))
            default:
                guard name == names.last else {
                    throw Diagnostic.error("unknown goal '\(name)'", at: r, suggestion: Suggestion.nearest(to: name, in: [names.last ?? "customers", "deal_size", "revenue", "months"]),
                                           notes: ["a plan sets the last stage (\(names.last ?? "")), or revenue with deal_size, and optionally months"])
                }
                goal = try number(value)
            }
        }
        if goal == nil, let revenue, let dealSize, dealSize > 0 { goal = revenue / dealSize }
        guard let target = goal else {
            throw Diagnostic.error("the plan needs a goal: \(names.last ?? "customers") = 10, or revenue = 1M with deal_size = 100k", at: range)
        }
        var overrides: [(from: Int, to: Int, rate: Double)] = []
        for (from, to, value, r) in plan.rates {
            guard let a = names.firstIndex(of: from), let b = names.firstIndex(of: to), a < b else {
                throw Diagnostic.error("a rate goes from a stage to a later one of \(plan.funnel)", at: r, suggestion: Suggestion.nearest(to: from, in: names))
            }
            overrides.append((a, b, try number(value)))
        }
        // The chain runs on each stage's count per count of the stage before: after an optional
        // stage that is not a conversion (some rows skipped it), but it keeps the mix of the
        // data, which is what the counts needed must follow. The note below says so.
        let historical: [Double?] = names.indices.map { k in
            k > 0 && history.counts[k - 1] > 0 ? history.counts[k] / history.counts[k - 1] : nil
        }
        guard let result = ReversePlan.compute(stages: names, goal: target, historicalRates: historical, overrides: overrides) else {
            throw Diagnostic.error("a step of \(plan.funnel) has no conversion to plan with; give it a rate (rate a -> b = 20%)", at: range)
        }
        // The current run rate: the stage's count over the months the data covers, for as many
        // months as the plan (a six-month goal is compared with six months of the run rate).
        let covered = max(1.0, evaluation.funnel.monthsCovered)
        let wholeMonths = Int(months.rounded(.up))
        var rows: [[Value]] = []
        for k in names.indices {
            let needed = result.required[k]
            let runRate = (history.counts[k] / covered * months).rounded()
            rows.append([.text(names[k]), result.rates[k].map { .decimal($0) } ?? .null, .decimal(needed),
                         .decimal((needed / months).rounded(.up)), .decimal(runRate), .decimal(needed - runRate)])
        }
        var footnotes = ["rates are \(plan.funnel)'s own unless set with `rate`; counts are rounded up; per month is the plan spread evenly over \(wholeMonths) months"
            + (shaped ? " (shaped like last year below)" : "")]
        for k in names.indices {
            guard let skipped = history.skipped(into: k), skipped > 0, let through = history.continued(from: k - 1, to: k),
                  let conversion = history.stepRate(k) else { continue }
            let overridden = overrides.contains { $0.to >= k && $0.from < k }
            footnotes.append("\(names[k]) per \(names[k - 1]) is \(overridden ? "as set" : "the data's mix") (\(CountText.of(Int(skipped))) of \(CountText.of(Int(history.counts[k]))) \(names[k]) skipped \(names[k - 1])), "
                + "not a conversion: \(ValueFormatter.format(.decimal(conversion), as: .percent)) of \(names[k - 1]) reached \(names[k]) (\(CountText.of(Int(through))))")
        }
        if let dealSize { footnotes.append("\(CountText.of(Int(result.required.last ?? 0))) \(names.last ?? "") × \(ValueFormatter.format(.decimal(dealSize), as: .money)) = \(ValueFormatter.format(.decimal((result.required.last ?? 0) * dealSize), as: .money))") }
        let summary = ResultTable(title: "plan \(plan.name) from \(plan.funnel): \(ValueFormatter.format(.decimal(target), as: .number)) \(names.last ?? "")",
                                  table: ResultRows.table(rows, names: ["stage", "rate into", "needed", "per month",
                                                                    wholeMonths == 12 ? "run rate / year" : "run rate / \(wholeMonths) months", "gap"]),
                                  formats: [nil, .percent, .number, .number, .number, .number], footnotes: footnotes)
        guard shaped else { return [summary] }
        // Shaped like last year: each calendar month gets the share of the year's entries (the first
        // row stage, by its time) that it had in the data.
        let byMonth = FunnelGrouping.countsByPeriod(evaluation.reach, times: evaluation.times, unit: .month)
        var perCalendarMonth = [Double](repeating: 0, count: 12)
        for (start, counts) in byMonth {
            let month = CivilDate.civil(fromDays: start).month
            perCalendarMonth[month - 1] += Double(counts.first ?? 0)
        }
        let total = perCalendarMonth.reduce(0, +)
        guard total > 0 else {
            throw Diagnostic.error("no entries with a time to shape the plan like last year; use spread = \"even\"", at: range)
        }
        // The plan's months follow the as-of date's month; each gets its calendar month's share
        // of the entries of those months.
        var firstMonth = Periods.next(Periods.start(ofDay: Int(context.today), unit: .month), unit: .month)
        var planMonths: [Int] = []
        for _ in 0..<wholeMonths {
            planMonths.append(firstMonth)
            firstMonth = Periods.next(firstMonth, unit: .month)
        }
        let planTotal = planMonths.reduce(0.0) { $0 + perCalendarMonth[CivilDate.civil(fromDays: $1).month - 1] }
        var monthly: [[Value]] = []
        for start in planMonths {
            let share = planTotal > 0 ? perCalendarMonth[CivilDate.civil(fromDays: start).month - 1] / planTotal : 1 / Double(planMonths.count)
            monthly.append([PeriodLabels.label(.date(Int32(start)), unit: .month), .decimal(share)] + result.required.map { .decimal(($0 * share - 1e-9).rounded(.up)) })
        }
        var shape = ResultTable(title: "plan \(plan.name) per month, shaped like last year", table: ResultRows.table(monthly, names: ["month", "share"] + names),
                                formats: [nil, .percent] + names.map { _ in DisplayFormat.number },
                                footnotes: ["share: the calendar month's part of the \(names.first(where: { evaluation.rowStageIndex($0) != nil }) ?? "entries") "
                                    + "in the data's same months; the plan starts after the as-of date \(CivilDate.format(days: Int(context.today))); counts rounded up"
                                    + (planTotal > 0 ? "" : "; the data has no entries in these calendar months, so they share evenly")])
        shape.chart = .breakdown
        return [summary, shape]
    }

    /// `F by month vs plan`: per month and stage, actual against the plan table's column of the same name.
    /// `sheet`: laid out as a plan spreadsheet (stages down, periods across), not one row per period and stage.
    func runway(_ definition: FunnelDefinition, view: TableValue?, keys: [Expr], planExpr: Expr, session: Session, sheet: Bool = false) throws(Diagnostic) -> ResultTable {
        guard keys.count == 1, case .name(let unitName) = keys[0].kind, let unit = Aggregation.periodNames[unitName] else {
            throw Diagnostic.error("runway compares periods: F by month vs plan", at: keys.first?.range ?? planExpr.range)
        }
        guard case .table(let planView) = try evaluate(planExpr, session: session, baseDirectory: ".") else {
            throw Diagnostic.error("expected a plan table after vs (with a month column and one column per stage)", at: planExpr.range)
        }
        guard let timeName = planView.table.timeColumn, planView.table.hasColumn(timeName) else {
            throw Diagnostic.error("the plan has no time column (its month)", at: planExpr.range, notes: ["load it with: plan = load \"plan.csv\" time month"])
        }
        let names = definition.syntax.stages.map(\.name)
        let planned = names.filter { planView.table.hasColumn($0) }
        guard !planned.isEmpty else {
            throw Diagnostic.error("the plan has no column named like a stage of \(definition.syntax.name) (\(names.joined(separator: ", ")))", at: planExpr.range)
        }
        // Counted by the database when the funnel's table is one, else in memory.
        let actualTable: ResultTable
        if let counted = try countedFunnelBreakdown(definition, keys: keys, session: session, view: view) {
            actualTable = counted
        } else {
            actualTable = try funnelBreakdown(try evaluateFunnel(definition, session: session, view: view), keys: keys, session: session)
        }
        var actual: [String: [String: Double]] = [:]   // period label → stage → count
        for r in 0..<actualTable.table.rowCount {
            guard case .text(let label) = actualTable.table.columns[0].value(at: r) else { continue }
            for (i, stage) in names.enumerated() { actual[label, default: [:]][stage] = actualTable.table.columns[1 + i].value(at: r).number ?? 0 }
        }
        // The plan's numbers summed per period of its time column (empty and non-numeric cells count 0).
        let summed = planned.filter { planView.table.type(of: $0)?.isNumeric == true }
        let evaluator = RowEvaluator(session: session, view: planView, context: context)
        let (planRows, backend) = evaluator.scanned(planView.selection)
        let perPeriod: ResultTable
        do {
            perPeriod = try context.execute(.aggregate(planRows, keys: [GroupKey(name: unitName, expression: .column(ColumnRef(timeName)), period: unit)],
                                                       measures: summed.map { Measure(name: $0, function: .sum, argument: .column(ColumnRef($0))) }), on: backend)
        } catch {
            throw evaluator.diagnostic(error, default: planExpr.range)
        }
        var plan: [String: [String: Double]] = [:]
        var periodOrder: [(Int, String)] = []
        for g in 0..<perPeriod.table.rowCount {
            guard case .date(let d) = perPeriod.table.columns[0].value(at: g), case .text(let label) = PeriodLabels.label(.date(d), unit: unit) else { continue }
            if plan[label] == nil { periodOrder.append((Int(d), label)) }
            for stage in planned {
                let sum = summed.firstIndex(of: stage).flatMap { perPeriod.table.columns[1 + $0].value(at: g).number } ?? 0
                plan[label, default: [:]][stage, default: 0] += sum
            }
        }
        let periods = periodOrder.sorted { $0.0 < $1.0 }.map(\.1)
        if sheet {
            return FunnelTables.runwaySheet(name: definition.syntax.name, unitName: unitName, stages: planned, actual: actual, plan: plan, periods: periods)
        }
        return FunnelTables.runway(name: definition.syntax.name, unitName: unitName, stages: planned, actual: actual, plan: plan, periods: periods)
    }
}

