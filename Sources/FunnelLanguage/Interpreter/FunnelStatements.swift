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
        var failure: Diagnostic? = nil
        let notes = untimedNotes(evaluation.definition) { k in
            let stage = evaluation.definition.syntax.stages.filter { $0.count == nil }[k]
            guard failure == nil, let at = stage.at, let condition = stage.condition else { return 0 }
            let untimed = Expr(.binary(.and, condition, Expr(.isNull(Expr(.name(at), stage.range), negated: false), stage.range)), stage.range)
            do throws(Diagnostic) { return try evaluator.filter(untimed, selection: evaluation.view.selection).count } catch { failure = error; return 0 }
        }
        if let failure { throw failure }
        return notes
    }

    /// The notes of `untimedRowNotes`, given the rows of each row stage (by index) that meet its
    /// condition and have no time.
    func untimedNotes(_ definition: FunnelDefinition, rows untimedRows: (Int) -> Int) -> [String] {
        var notes: [String] = []
        for (k, stage) in definition.syntax.stages.filter({ $0.count == nil }).enumerated() {
            guard let at = stage.at, let condition = stage.condition else { continue }
            let rows = untimedRows(k)
            guard rows > 0 else { continue }
            let conditionText = Lexer.abbreviated(condition.range.file.slice(condition.range))
            notes.append("\(CountText.of(rows, "\(definition.syntax.table) row")) \(rows == 1 ? "meets" : "meet") \(conditionText) but \(rows == 1 ? "has" : "have") no \(at): "
                + "not in \(stage.name) (count(\(definition.syntax.table) where \(conditionText)) includes \(rows == 1 ? "it" : "them"))")
        }
        return notes
    }

    /// `F by key`: one row per value of the key (taken from the funnel's table), counts and step rates, the worst step named.
    func funnelBreakdown(_ evaluation: FunnelEvaluation, keys: [Expr], session: Session, running: Bool = false) throws(Diagnostic) -> ResultTable {
        let aggregation = Aggregation(session: session, context: context)
        let dimensions = Aggregation.dimensions(keys)
        let periods = dimensions.compactMap { d -> DateUnit? in
            if case .name(let n) = d.expr.kind, !evaluation.view.table.hasColumn(n) { return Aggregation.periodNames[n] }
            return nil
        }
        let groups: FunnelTables.BreakdownGroups
        if keys.count == 1, let unit = periods.first {
            groups = .period(unit)
        } else {
            groups = .groups(try groupRows(of: evaluation, by: dimensions, session: session, range: keys[0].range).grouping)
        }
        let countStageValues = try countStageValuesByKey(evaluation.definition, keys: keys, period: keys.count == 1 ? periods.first : nil, session: session)
        _ = aggregation
        return FunnelTables.breakdown(evaluation.funnel, keyNames: dimensions.map(\.name), groups: groups, countStageValues: countStageValues,
                                      overall: try totals(evaluation, session: session), asOf: context.today, running: running)
    }

    /// Count-only stages sliced by the same keys in their own tables (a period key as its first day).
    func countStageValuesByKey(_ definition: FunnelDefinition, keys: [Expr], period: DateUnit?, session: Session) throws(Diagnostic) -> [[[Value]: Value]] {
        let aggregation = Aggregation(session: session, context: context)
        var countStageValues: [[[Value]: Value]] = []
        for formula in definition.syntax.stages.compactMap(\.count) {
            let sliced = try aggregation.evaluate([formula], by: keys, defaultTable: nil)
            var map: [[Value]: Value] = [:]
            for (i, row) in sliced.values.enumerated() {
                var key = sliced.keyColumns.map { $0.value(at: i) }
                if let unit = period, case .text(let label) = key[0], let p = Period.parse(label) {
                    key = [.date(Int32(Periods.start(ofDay: p.start, unit: unit)))]
                }
                map[key] = row.first ?? .null
            }
            countStageValues.append(map)
        }
        return countStageValues
    }

    /// `F cohort by month`: rows grouped by when they entered, followed through every stage.
    func funnelCohorts(_ evaluation: FunnelEvaluation, keys: [Expr]) throws(Diagnostic) -> ResultTable {
        let (unit, n) = try cohortPeriod(keys, definition: evaluation.definition)
        return FunnelTables.cohorts(evaluation.funnel, unit: unit, unitName: n)
    }

    /// The period `cohort by` names.
    func cohortPeriod(_ keys: [Expr], definition: FunnelDefinition) throws(Diagnostic) -> (DateUnit, String) {
        guard keys.count == 1, case .name(let n) = keys[0].kind, let unit = Aggregation.periodNames[n] else {
            throw Diagnostic.error("cohorts are by a period: cohort by month (or week, quarter, year)", at: keys.first?.range ?? definition.source.range)
        }
        return (unit, n)
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
        return FunnelTables.velocity(evaluation.funnel, dimensionNames: dimensionNames, groupKeys: groupKeys, groupOfRow: groupOfRow,
                                     steps: stepDurations(of: evaluation))
    }

    // MARK: Bottleneck

    func bottleneckReport(_ evaluation: FunnelEvaluation, session: Session) throws(Diagnostic) -> Output {
        .table(FunnelTables.bottleneck(evaluation.funnel, counts: try totals(evaluation, session: session), targets: try stepTargets(evaluation, session: session), asOf: context.today))
    }

    // MARK: Decay, stuck, health

    /// The last stage is where rows arrive: none of them waits there for a later stage.
    private func refuseLastStage(_ evaluation: FunnelEvaluation, _ k: Int, stage: String, statement: String, range: SourceRange) throws(Diagnostic) {
        guard k == evaluation.rowStageNames.count - 1 else { return }
        let earlier = k > 0 ? evaluation.rowStageNames[k - 1] : stage
        throw Diagnostic.error("'\(stage)' is the last stage of \(evaluation.name): its rows wait for no later stage, so none of them can go stale", at: range,
                               notes: ["\(statement) a stage before it, for example: \(statement) \(evaluation.name).\(earlier) after 30 days"])
    }

    func durationDays(_ expr: Expr, session: Session) throws(Diagnostic) -> Double {
        guard case .scalar(let v, _, _) = try evaluate(expr, session: session, baseDirectory: "."), let days = v.number, days >= 0, days < 1e6 else {
            throw Diagnostic.error("expected a duration such as 30 days", at: expr.range)
        }
        return days
    }

    func decayReport(_ evaluation: FunnelEvaluation, stage: String, after: Expr, value: Expr?, session: Session, range: SourceRange) throws(Diagnostic) -> ResultTable {
        let k = try decayStage(evaluation, stage: stage, range: range)
        let days = try durationDays(after, session: session)
        let dealValue = try decayDealValue(evaluation, value: value, session: session)
        return FunnelTables.decay(evaluation.funnel, stage: k, afterDays: days, dealValue: dealValue, asOf: context.today)
    }

    /// The row stage `decay` looks at: known, timed, not the last.
    func decayStage(_ evaluation: FunnelEvaluation, stage: String, range: SourceRange) throws(Diagnostic) -> Int {
        guard let k = evaluation.rowStageIndex(stage) else {
            throw Diagnostic.error("unknown stage '\(stage)' in \(evaluation.name)", at: range, suggestion: Suggestion.nearest(to: stage, in: evaluation.rowStageNames))
        }
        guard evaluation.times[k] != nil else { throw Diagnostic.error("stage '\(stage)' has no `at` time, so it cannot go stale", at: range) }
        try refuseLastStage(evaluation, k, stage: stage, statement: "decay", range: range)
        return k
    }

    /// What one row of the last stage is worth: `decay`'s value formula, else the funnel's.
    func decayDealValue(_ evaluation: FunnelEvaluation, value: Expr?, session: Session) throws(Diagnostic) -> Double? {
        guard let valueExpr = value ?? evaluation.definition.syntax.value else { return nil }
        // Bare columns in the value formula are the funnel table's: value avg(revenue).
        let sliced = try Aggregation(session: session, context: context).evaluate([valueExpr], by: [], defaultTable: evaluation.view)
        return sliced.values.first?.first?.number
    }

    /// `counted`: given the stage and the second before which a time there is stale, the stale
    /// rows a backend found (the evaluation then holds no row); nil: from the rows.
    func stuckReport(_ evaluation: FunnelEvaluation, stage: String, after: Expr, session: Session, range: SourceRange,
                     counted: ((Int, Int64) throws(Diagnostic) -> Selection)? = nil) throws(Diagnostic) -> [Output] {
        guard let k = evaluation.rowStageIndex(stage) else {
            throw Diagnostic.error("unknown stage '\(stage)' in \(evaluation.name)", at: range, suggestion: Suggestion.nearest(to: stage, in: evaluation.rowStageNames))
        }
        guard evaluation.times[k] != nil else { throw Diagnostic.error("stage '\(stage)' has no `at` time", at: range) }
        try refuseLastStage(evaluation, k, stage: stage, statement: "stuck", range: range)
        let days = try durationDays(after, session: session)
        let rows = try counted?(k, FunnelTables.staleBefore(afterDays: days, asOf: context.today))
            ?? FunnelTables.staleRows(evaluation.funnel, stage: k, afterDays: days, asOf: context.today)
        var view = evaluation.view
        view.selection = rows
        var preview = try self.preview(view, title: "\(CountText.of(rows.count)) \(evaluation.definition.syntax.table) rows in \(stage) for more than \(ValueFormatter.format(.decimal(days), as: .number)) days")
        preview.footnotes.append("as of \(CivilDate.format(days: Int(context.today)))")
        return [.table(preview)]
    }

    func healthReport(_ evaluation: FunnelEvaluation, after: Expr?, session: Session) throws(Diagnostic) -> ResultTable {
        let days = try after.map { (e: Expr) throws(Diagnostic) -> Double in try durationDays(e, session: session) } ?? 30
        return FunnelTables.health(evaluation.funnel, afterDays: days, asOf: context.today)
    }
}
