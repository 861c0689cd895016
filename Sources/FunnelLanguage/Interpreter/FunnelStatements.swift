import FunnelAnalytics
import FunnelEngine
import FunnelRender

/// The funnel statements: showing a funnel, its breakdowns, velocity, bottleneck, decay, health,
/// explain, what-if and planning. Formulas are in docs/metrics.md.
extension Interpreter {
    // MARK: Showing

    /// `F` alone: count, step and overall conversion, drop-off, a bar, and targets.
    func funnelTable(_ evaluation: FunnelEvaluation, session: Session, title: String? = nil) throws(Diagnostic) -> ResultTable {
        FunnelTables.overview(evaluation.funnel, counts: try totals(evaluation, session: session), targets: try stepTargets(evaluation, session: session),
                              notes: try untimedRowNotes(evaluation, session: session), asOf: context.today, title: title)
    }

    /// Rows that meet a stage's condition but have no time for it are in no stage, while a KPI
    /// over the condition counts them (808 MQLs in the funnel, 879 leads where mql): said per stage.
    func untimedRowNotes(_ evaluation: FunnelEvaluation, session: Session) throws(Diagnostic) -> [String] {
        let evaluator = RowEvaluator(session: session, view: evaluation.view, context: context)
        var notes: [String] = []
        for stage in evaluation.definition.syntax.stages where stage.count == nil {
            guard let at = stage.at, let condition = stage.condition else { continue }
            let untimed = Expr(.binary(.and, condition, Expr(.isNull(Expr(.name(at), stage.range), negated: false), stage.range)), stage.range)
            let rows = try evaluator.filter(untimed, selection: evaluation.view.selection).count
            guard rows > 0 else { continue }
            let conditionText = Lexer.abbreviated(condition.range.file.slice(condition.range))
            notes.append("\(Format.count(rows, "\(evaluation.definition.syntax.table) row")) \(rows == 1 ? "meets" : "meet") \(conditionText) but \(rows == 1 ? "has" : "have") no \(at): "
                + "not in \(stage.name) (count(\(evaluation.definition.syntax.table) where \(conditionText)) includes \(rows == 1 ? "it" : "them"))")
        }
        return notes
    }

    /// `F by key`: one row per value of the key (taken from the funnel's table), counts and step rates, the worst step named.
    func funnelBreakdown(_ evaluation: FunnelEvaluation, keys: [Expr], session: Session) throws(Diagnostic) -> ResultTable {
        let aggregation = Aggregation(session: session, context: context)
        let dimensions = Aggregation.dimensions(keys)
        let periods = dimensions.compactMap { d -> DateUnit? in
            if case .name(let n) = d.expr.kind, evaluation.view.table.column(named: n) == nil { return Aggregation.periodNames[n] }
            return nil
        }
        var keyTuples: [[Value]] = []
        var rowCounts: [[Value]: [Int]] = [:]
        var notes: [String] = []
        // Steps out of optional stages are counted as extra stages (rows in both), then split off.
        let steps = evaluation.stepsFromOptionalStages
        let (reach, times) = evaluation.reach.appendingJointStages(steps, times: evaluation.times)
        if keys.count == 1, let unit = periods.first {
            // Each stage counts in the period its own time falls in.
            let byPeriod = FunnelGrouping.countsByPeriod(reach, times: times, unit: unit)
            for (start, counts) in byPeriod { rowCounts[[.date(Int32(start))]] = counts }
            if let first = byPeriod.keys.min(), let last = byPeriod.keys.max() {
                for start in Periods.range(from: first, through: last, unit: unit) where rowCounts[[.date(Int32(start))]] == nil {
                    rowCounts[[.date(Int32(start))]] = [Int](repeating: 0, count: reach.stageCount)
                }
            }
            if evaluation.times.contains(where: { $0 == nil }) {
                notes.append("stages without `at` are counted in no period")
            }
        } else {
            let grouping = try groupRows(of: evaluation, by: dimensions, session: session, range: keys[0].range).grouping
            let counts = FunnelGrouping.counts(reach, grouping: grouping)
            for g in 0..<grouping.groupCount { rowCounts[grouping.keys.map { $0.value(at: g) }] = counts[g] }
        }
        // Count-only stages sliced by the same keys in their own tables.
        var countStageValues: [[[Value]: Value]] = []
        for formula in evaluation.countFormulas {
            let sliced = try aggregation.evaluate([formula], by: keys, defaultTable: nil)
            var map: [[Value]: Value] = [:]
            for (i, row) in sliced.values.enumerated() {
                var key = sliced.keyColumns.map { $0.value(at: i) }
                if let unit = periods.first, keys.count == 1, case .text(let label) = key[0], let p = Period.parse(label) {
                    key = [.date(Int32(Periods.start(ofDay: p.start, unit: unit)))]
                }
                map[key] = row.first ?? .null
            }
            countStageValues.append(map)
        }
        keyTuples = Array(rowCounts.keys).sorted(by: KeyOrder.less)
        let overall = try totals(evaluation, session: session)
        let stageNames = evaluation.stageNames
        var rows: [[Value]] = []
        let byPeriod = keys.count == 1 && !periods.isEmpty
        let entryStage = evaluation.countStageCount
        let today = Int(context.today)
        var outnumbered = false, afterToday: [String] = [], unfinished: [String] = []
        for key in keyTuples {
            var counts: [Double] = countStageValues.map { $0[key]?.number ?? 0 }
            let rowStageCounts = rowCounts[key] ?? []
            counts += rowStageCounts.prefix(evaluation.reach.stageCount).map(Double.init)
            let funnel = FunnelCounts(stages: stageNames, counts: counts, joint: evaluation.jointCounts(rowStageCounts, steps: steps))
            var row: [Value] = byPeriod ? [PeriodLabels.label(key[0], unit: periods[0])] : key
            row += counts.map { .decimal($0) }
            // In a period view each stage counts in its own period, so a step's two counts are not
            // the same rows: a rate above 100% (more SQLs than MQLs in a quarter) is no conversion,
            // and a period with no entries or past the as-of date has no step to rank.
            var meaningful = true
            if byPeriod, case .date(let start) = key[0] {
                let label = TextForm.of(PeriodLabels.label(key[0], unit: periods[0]))
                if Int(start) > today { afterToday.append(label); meaningful = false }
                else if Periods.next(Int(start), unit: periods[0]) > today + 1 { unfinished.append(label) }
                if entryStage < counts.count, counts[entryStage] == 0 { meaningful = false }
            }
            for k in 1..<max(1, stageNames.count) {
                let rate = meaningful ? funnel.stepRate(k) : nil
                if byPeriod, let r = rate, r > 1 { outnumbered = true; row.append(.null) } else { row.append(rate.map { .decimal($0) } ?? .null) }
            }
            let worst = meaningful ? funnel.worstStep(comparedWith: overall) : nil
            row.append(worst.map { .text("\(stageNames[$0 - 1])→\(stageNames[$0])") } ?? .null)
            rows.append(row)
        }
        if byPeriod {
            notes.insert("each stage counts in the period its own time falls in, so a step rate compares two counts of one period, "
                + "not the same rows (`\(evaluation.name) cohort by \(dimensions[0].name)` follows rows from their entry)", at: 0)
            if outnumbered { notes.append("— where a period has more of a stage than of the stage before (no conversion rate)") }
            if let firstLate = afterToday.first, let lastLate = afterToday.last {
                let periods = afterToday.count == 1 ? firstLate : afterToday.count == 2 ? "\(firstLate), \(lastLate)" : "\(firstLate) to \(lastLate)"
                notes.append("\(periods): after the as-of date \(CivilDate.format(days: today)), "
                    + "stage times later than the data's date (no rates; --set today=YYYY-MM-DD to change)")
            }
            if !unfinished.isEmpty { notes.append("\(unfinished.joined(separator: ", ")): not over on \(CivilDate.format(days: today))") }
        }
        var names = dimensions.map(\.name) + stageNames
        var formats: [DisplayFormat?] = Array(repeating: nil, count: dimensions.count) + Array(repeating: .number, count: stageNames.count)
        for k in 1..<max(1, stageNames.count) { names.append("\(stageNames[k])/\(stageNames[k - 1])"); formats.append(.percent) }
        names.append("worst step")
        formats.append(nil)
        var result = ResultTable(title: "\(evaluation.name) by \(dimensions.map(\.name).joined(separator: ", "))", table: ResultRows.table(rows, names: names), formats: formats, footnotes: notes)
        result.chart = keys.count == 1 && !periods.isEmpty ? .series : .breakdown
        return result
    }

    /// `F cohort by month`: rows grouped by when they entered, followed through every stage.
    func funnelCohorts(_ evaluation: FunnelEvaluation, keys: [Expr]) throws(Diagnostic) -> ResultTable {
        guard keys.count == 1, case .name(let n) = keys[0].kind, let unit = Aggregation.periodNames[n] else {
            throw Diagnostic.error("cohorts are by a period: cohort by month (or week, quarter, year)", at: keys.first?.range ?? evaluation.definition.source.range)
        }
        return FunnelTables.cohorts(evaluation.funnel, unit: unit, unitName: n)
    }

    // MARK: Velocity

    func velocityTable(_ evaluation: FunnelEvaluation, keys: [Expr], session: Session) throws(Diagnostic) -> ResultTable {
        var groupKeys: [[Value]] = [[]]
        var dimensionNames: [String] = []
        var groupOfRow: [Int32]? = nil
        if !keys.isEmpty {
            let dimensions = Aggregation.dimensions(keys)
            let grouped = try groupRows(of: evaluation, by: dimensions, session: session, range: keys[0].range)
            let (grouping, resolved) = (grouped.grouping, grouped.dimensions)
            dimensionNames = resolved.map(\.name)
            groupKeys = (0..<grouping.groupCount).map { g in
                zip(grouping.keys, resolved).map { column, dimension in
                    dimension.period.map { PeriodLabels.label(column.value(at: g), unit: $0) } ?? column.value(at: g)
                }
            }
            groupOfRow = grouping.groupOfRow
        }
        return FunnelTables.velocity(evaluation.funnel, dimensionNames: dimensionNames, groupKeys: groupKeys, groupOfRow: groupOfRow)
    }

    // MARK: Bottleneck

    func bottleneckReport(_ evaluation: FunnelEvaluation, session: Session) throws(Diagnostic) -> Output {
        .table(FunnelTables.bottleneck(evaluation.funnel, counts: try totals(evaluation, session: session), targets: try stepTargets(evaluation, session: session), asOf: context.today))
    }

    // MARK: Decay, stuck, health

    func durationDays(_ expr: Expr, session: Session) throws(Diagnostic) -> Double {
        guard case .scalar(let v, _, _) = try evaluate(expr, session: session, baseDirectory: "."), let days = v.number, days >= 0, days < 1e6 else {
            throw Diagnostic.error("expected a duration such as 30 days", at: expr.range)
        }
        return days
    }

    func decayReport(_ evaluation: FunnelEvaluation, stage: String, after: Expr, value: Expr?, session: Session, range: SourceRange) throws(Diagnostic) -> ResultTable {
        guard let k = evaluation.rowStageIndex(stage) else {
            throw Diagnostic.error("unknown stage '\(stage)' in \(evaluation.name)", at: range, suggestion: Suggestion.nearest(to: stage, in: evaluation.rowStageNames))
        }
        guard evaluation.times[k] != nil else { throw Diagnostic.error("stage '\(stage)' has no `at` time, so it cannot go stale", at: range) }
        let days = try durationDays(after, session: session)
        var dealValue: Double? = nil
        if let valueExpr = value ?? evaluation.definition.syntax.value {
            // Bare columns in the value formula are the funnel table's: value avg(revenue).
            let sliced = try Aggregation(session: session, context: context).evaluate([valueExpr], by: [], defaultTable: evaluation.view)
            dealValue = sliced.values.first?.first?.number
        }
        return FunnelTables.decay(evaluation.funnel, stage: k, afterDays: days, dealValue: dealValue, asOf: context.today)
    }

    func stuckReport(_ evaluation: FunnelEvaluation, stage: String, after: Expr, session: Session, range: SourceRange) throws(Diagnostic) -> [Output] {
        guard let k = evaluation.rowStageIndex(stage) else {
            throw Diagnostic.error("unknown stage '\(stage)' in \(evaluation.name)", at: range, suggestion: Suggestion.nearest(to: stage, in: evaluation.rowStageNames))
        }
        guard evaluation.times[k] != nil else { throw Diagnostic.error("stage '\(stage)' has no `at` time", at: range) }
        let days = try durationDays(after, session: session)
        let rows = FunnelTables.staleRows(evaluation.funnel, stage: k, afterDays: days, asOf: context.today)
        var view = evaluation.view
        view.selection = rows
        var preview = try self.preview(view, title: "\(Format.count(rows.count)) \(evaluation.definition.syntax.table) rows in \(stage) for more than \(ValueFormatter.format(.decimal(days), as: .number)) days")
        preview.footnotes.append("as of \(CivilDate.format(days: Int(context.today)))")
        return [.table(preview)]
    }

    func healthReport(_ evaluation: FunnelEvaluation, after: Expr?, session: Session) throws(Diagnostic) -> ResultTable {
        let days = try after.map { (e: Expr) throws(Diagnostic) -> Double in try durationDays(e, session: session) } ?? 30
        return FunnelTables.health(evaluation.funnel, afterDays: days, asOf: context.today)
    }
}
