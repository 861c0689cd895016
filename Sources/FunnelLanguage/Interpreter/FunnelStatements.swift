import FunnelAnalytics
import FunnelEngine
import FunnelRender

/// The funnel statements: showing a funnel, its breakdowns, velocity, bottleneck, decay, health,
/// explain, what-if and planning. Formulas are in docs/metrics.md.
extension Interpreter {
    // MARK: Showing

    /// `F` alone: count, step and overall conversion, drop-off, a bar, and targets.
    func funnelTable(_ evaluation: FunnelEvaluation, session: Session, title: String? = nil) throws(Diagnostic) -> ResultTable {
        let counts = try totals(evaluation, session: session)
        let targets = try stepTargets(evaluation, session: session)
        var rows: [[Value]] = []
        let first = counts.counts.first ?? 0
        for k in counts.stages.indices {
            var row: [Value] = [.text(counts.stages[k]), .decimal(counts.counts[k])]
            row.append(counts.stepRate(k).map { .decimal($0) } ?? .null)
            row.append(counts.overallRate(k).map { .decimal($0) } ?? .null)
            row.append(counts.dropOff(k).map { .decimal($0) } ?? .null)
            row.append(first > 0 ? .decimal(counts.counts[k] / (counts.counts.max() ?? 1)) : .null)
            if !targets.isEmpty {
                if let (op, rate, from) = targets[k] {
                    let actual = counts.rate(from: from, to: k)
                    let met = actual.map { VectorOps.holds(op, $0, rate) }
                    let label = (from == k - 1 ? "" : "from \(counts.stages[from]) ") + "\(op.rawValue) \(ValueFormatter.format(.decimal(rate), as: .percent))"
                    row.append(.text(label + (met.map { $0 ? ": met" : ": missed" } ?? ": —")))
                } else {
                    row.append(.null)
                }
            }
            rows.append(row)
        }
        var names = ["stage", "count", "step", "overall", "drop-off", ""]
        var formats: [DisplayFormat?] = [nil, .number, .percent, .percent, .number, .bar]
        if !targets.isEmpty { names.append("target"); formats.append(nil) }
        let table = Results.rows(rows, names: names)
        var footnotes: [String] = []
        footnotes += skippedStageNotes(counts)
        footnotes += evaluation.rowNotes(asOf: context.today)
        footnotes += try untimedRowNotes(evaluation, session: session)
        if evaluation.view.selection != nil { footnotes.append("\(Format.count(evaluation.view.rowCount)) of \(Format.count(evaluation.view.table.rowCount)) \(evaluation.definition.syntax.table) rows") }
        var result = ResultTable(title: title ?? "\(evaluation.name) on \(evaluation.definition.syntax.table)", table: table, formats: formats, footnotes: footnotes)
        result.chart = .funnel
        return result
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

    /// One line per step out of an optional stage that some rows skipped: the step rate counts
    /// only the rows that were in the earlier stage.
    func skippedStageNotes(_ counts: FunnelCounts) -> [String] {
        var notes: [String] = []
        for k in counts.stages.indices {
            guard let skipped = counts.skipped(into: k), skipped > 0, let through = counts.continued(from: k - 1, to: k) else { continue }
            let (earlier, later) = (counts.stages[k - 1], counts.stages[k])
            notes.append("\(ValueFormatter.format(.decimal(skipped), as: .number)) \(later) skipped \(earlier) (optional): "
                + "the step \(earlier)→\(later) counts the \(ValueFormatter.format(.decimal(through), as: .number)) that were \(earlier)")
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
        var result = ResultTable(title: "\(evaluation.name) by \(dimensions.map(\.name).joined(separator: ", "))", table: Results.rows(rows, names: names), formats: formats, footnotes: notes)
        result.chart = keys.count == 1 && !periods.isEmpty ? .series : .breakdown
        return result
    }

    /// `F cohort by month`: rows grouped by when they entered, followed through every stage.
    func funnelCohorts(_ evaluation: FunnelEvaluation, keys: [Expr]) throws(Diagnostic) -> ResultTable {
        guard keys.count == 1, case .name(let n) = keys[0].kind, let unit = Aggregation.periodNames[n] else {
            throw Diagnostic.error("cohorts are by a period: cohort by month (or week, quarter, year)", at: keys.first?.range ?? evaluation.definition.source.range)
        }
        let cohorts = FunnelGrouping.cohorts(evaluation.reach, times: evaluation.times, unit: unit)
        guard let first = cohorts.keys.min(), let last = cohorts.keys.max() else {
            return ResultTable(title: "\(evaluation.name) cohorts by \(n)", table: Results.rows([], names: [n] + evaluation.rowStageNames), footnotes: ["no row has a time for its first stage"])
        }
        let names = evaluation.rowStageNames
        var rows: [[Value]] = []
        for start in Periods.range(from: first, through: last, unit: unit) {
            let counts = (cohorts[start] ?? [Int](repeating: 0, count: names.count)).map(Double.init)
            let funnel = FunnelCounts(stages: names, counts: counts)
            var row: [Value] = [PeriodLabels.label(.date(Int32(start)), unit: unit)]
            row += counts.map { .decimal($0) }
            row.append(funnel.overallRate(names.count - 1).map { .decimal($0) } ?? .null)
            rows.append(row)
        }
        let columns = [n] + names + ["\(names.last ?? "")/\(names.first ?? "")"]
        let formats: [DisplayFormat?] = [nil] + Array(repeating: .number, count: names.count) + [.percent]
        return ResultTable(title: "\(evaluation.name): cohorts by \(n) of entry", table: Results.rows(rows, names: columns), formats: formats,
                           footnotes: ["young cohorts have had less time to convert"])
    }

    // MARK: Velocity

    func velocityTable(_ evaluation: FunnelEvaluation, keys: [Expr], session: Session) throws(Diagnostic) -> ResultTable {
        let names = evaluation.rowStageNames
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
        // One pass over the rows for every group at once.
        let summaries = Velocity.durationsByGroup(evaluation.reach, times: evaluation.times, groupOfRow: groupOfRow, groupCount: groupKeys.count).summaries()
        var rows: [[Value]] = []
        for (g, key) in groupKeys.enumerated() {
            var entries: [(String, DurationSummary)] = []
            for k in 1..<max(1, names.count) where evaluation.times[k] != nil {
                entries.append(("\(names[k - 1])→\(names[k])", summaries.step(group: g, stage: k)))
            }
            if names.count > 1 { entries.append(("\(names.first ?? "")→\(names.last ?? "") (end to end)", summaries.endToEnd(group: g))) }
            for (label, summary) in entries {
                rows.append(key + [.text(label), .integer(Int64(summary.count)),
                                   summary.medianDays.map { .decimal($0) } ?? .null,
                                   summary.p90Days.map { .decimal($0) } ?? .null,
                                   summary.meanDays.map { .decimal($0) } ?? .null])
            }
        }
        let columns = dimensionNames + ["step", "rows", "median", "p90", "mean"]
        let formats: [DisplayFormat?] = Array(repeating: nil, count: dimensionNames.count) + [nil, .number, .days, .days, .days]
        var result = ResultTable(title: "velocity of \(evaluation.name)" + (dimensionNames.isEmpty ? "" : " by \(dimensionNames.joined(separator: ", "))"),
                                 table: Results.rows(rows, names: columns), formats: formats,
                                 footnotes: ["days between the times of consecutive stages, for rows that reached both"])
        result.chart = .breakdown
        return result
    }

    // MARK: Bottleneck

    func bottleneckReport(_ evaluation: FunnelEvaluation, session: Session) throws(Diagnostic) -> Output {
        let counts = try totals(evaluation, session: session)
        let targets = try stepTargets(evaluation, session: session)
        let names = counts.stages
        var rows: [[Value]] = []
        var worst: (k: Int, ratio: Double, text: String)? = nil
        // With targets: actual against target. Without: each step's rate in the latest month against
        // its rate over the twelve months before.
        let (trailing, compared) = targets.isEmpty ? trailingRates(evaluation) : ([:], nil)
        for k in 1..<max(1, names.count) {
            let from = targets[k]?.from ?? (k - 1)
            guard let actual = counts.rate(from: from, to: k) else { continue }
            var reference: Double? = nil
            var basis = ""
            if let (_, rate, _) = targets[k] { reference = rate; basis = "target" }
            else if let step = trailing[k] { reference = step.baseline; basis = "12 months before" }
            let current = targets.isEmpty ? (trailing[k]?.rate ?? actual) : actual
            var shortBy: Value = .null
            if let reference, reference > 0 {
                // Short by: against a target, over the whole funnel; against the months before, in the month compared.
                let (entered, continued) = trailing[k].map { ($0.entered, $0.continued) }
                    ?? (counts.counts[from], counts.continued(from: from, to: k) ?? counts.counts[k])
                let short = max(0, (reference * entered - continued - 1e-9).rounded(.up))
                shortBy = .decimal(short)
                let ratio = current / reference
                let text = "\(names[from])→\(names[k]) \(ValueFormatter.format(.decimal(current), as: .percent)) vs \(ValueFormatter.format(.decimal(reference), as: .percent))"
                    + (targets.isEmpty ? " (\(basis))" : "") + (short > 0 ? ": \(Format.count(Int(short))) \(names[k]) short" : "")
                if ratio < 1, worst == nil || ratio < (worst?.ratio ?? 1) { worst = (k, ratio, text) }
            }
            // Against the months before, a step the compared month has no rate for shows none.
            let shown: Value = targets.isEmpty && trailing[k] == nil ? .null : .decimal(current)
            rows.append([.text("\(names[from])→\(names[k])"), shown, reference.map { .decimal($0) } ?? .null, .text(basis.isEmpty ? "—" : basis), shortBy])
        }
        let table = Results.rows(rows, names: ["step", "rate", "reference", "basis", "short by"])
        let month = compared.map { CivilDate.format(days: $0).prefix(7) }.map(String.init)
        let headline = worst.map { "bottleneck: \($0.text)" }
            ?? (targets.isEmpty ? month.map { "no step of \($0) is below its rate over the 12 months before" }
                ?? "no month to compare: no finished month with \(evaluation.rowStageNames.first ?? "entries") and 12 months before it"
                : "no step is below its target")
        var footnotes: [String] = []
        if targets.isEmpty, let month {
            footnotes.append("rate: the steps of \(month), the last finished month with \(evaluation.rowStageNames.first ?? "entries") "
                + "(as of \(CivilDate.format(days: Int(context.today)))); each stage counted in the month of its own time")
        }
        return .table(ResultTable(title: headline, table: table, formats: [nil, .percent, .percent, nil, .number], footnotes: footnotes))
    }

    /// Step rates (by the later stage's time) in the latest finished month with entries (rows in
    /// the first row stage), and over the 12 months before it; and that month. A month after the
    /// as-of date, still running, or with no entries would compare with nothing like itself.
    private func trailingRates(_ evaluation: FunnelEvaluation) -> ([Int: TrailingStep], Int?) {
        let steps = evaluation.stepsFromOptionalStages
        let (reach, times) = evaluation.reach.appendingJointStages(steps, times: evaluation.times)
        let byMonth = FunnelGrouping.countsByPeriod(reach, times: times, unit: .month)
        let today = Int(context.today)
        let finished = byMonth.filter { Periods.next($0.key, unit: .month) <= today + 1 && ($0.value.first ?? 0) > 0 }
        guard let latest = finished.keys.max(), let recentCounts = byMonth[latest] else { return ([:], nil) }
        var start = latest
        for _ in 0..<12 { start = Periods.start(ofDay: start - 1, unit: .month) }
        var earlierCounts = [Int](repeating: 0, count: recentCounts.count)
        for (month, counts) in byMonth where month >= start && month < latest {
            for i in counts.indices where i < earlierCounts.count { earlierCounts[i] += counts[i] }
        }
        let names = evaluation.stageNames
        let offset = evaluation.countStageCount
        let recent = FunnelCounts(stages: names, counts: [Double](repeating: 0, count: offset) + recentCounts.prefix(evaluation.reach.stageCount).map(Double.init),
                                  joint: evaluation.jointCounts(recentCounts, steps: steps))
        let earlier = FunnelCounts(stages: names, counts: [Double](repeating: 0, count: offset) + earlierCounts.prefix(evaluation.reach.stageCount).map(Double.init),
                                   joint: evaluation.jointCounts(earlierCounts, steps: steps))
        var out: [Int: TrailingStep] = [:]
        for k in (offset + 1)..<max(offset + 1, names.count) {
            guard let rate = recent.stepRate(k), let baseline = earlier.stepRate(k) else { continue }
            out[k] = TrailingStep(rate: rate, baseline: baseline, entered: recent.counts[k - 1], continued: recent.continued(from: k - 1, to: k) ?? 0)
        }
        return (out, latest)
    }

    // MARK: Decay, stuck, health

    func staleRows(_ evaluation: FunnelEvaluation, stage: Int, afterDays: Double) -> Selection {
        let limit = Int64(context.today) * 86_400 + 86_400 - Int64(afterDays * 86_400)
        var stale: Selection = []
        guard let times = evaluation.times[stage] else { return [] }
        let later = (stage + 1)..<evaluation.reach.stageCount
        forEachRow(evaluation.reach.selection, below: evaluation.reach.rowCount) { r in
            guard evaluation.reach.reached[stage][r] else { return }
            // A row that went on, even past an optional stage, is not stuck here.
            if later.contains(where: { evaluation.reach.reached[$0][r] }) { return }
            if times[r] < limit { stale.append(Int32(r)) }
        }
        return stale
    }

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
        let stale = staleRows(evaluation, stage: k, afterDays: days).count
        let last = evaluation.reach.stageCount - 1
        var dealValue: Double? = nil
        if let valueExpr = value ?? evaluation.definition.syntax.value {
            // Bare columns in the value formula are the funnel table's: value avg(revenue).
            let sliced = try Aggregation(session: session, context: context).evaluate([valueExpr], by: [], defaultTable: evaluation.view)
            dealValue = sliced.values.first?.first?.number
        }
        let estimate = DecayEstimate.estimate(reached: evaluation.reach.count(k), stale: stale, customers: evaluation.reach.count(last), dealValue: dealValue)
        let lastName = evaluation.rowStageNames[last]
        let nextName = k + 1 <= last ? evaluation.rowStageNames[k + 1] : "next stage"
        func text(_ v: Double?, _ format: DisplayFormat) -> Value { v.map { .text(ValueFormatter.format(.decimal($0), as: format)) } ?? .null }
        var rows: [[Value]] = [
            [.text("\(stage) reached"), text(Double(estimate.reached), .number)],
            [.text("stale after \(ValueFormatter.format(.decimal(days), as: .number)) days"), text(Double(estimate.stale), .number)],
            [.text("P(\(lastName) | \(stage))"), text(estimate.conversion, .percent)],
            [.text("value of one of \(lastName)"), text(estimate.dealValue, .money)],
            [.text("value of one of \(stage)"), text(estimate.valuePerRow, .money)],
            [.text("expected \(lastName)"), text(estimate.expectedCustomers, .number)],
            [.text("expected \(lastName) after decay"), text(estimate.expectedAfterDecay, .number)],
            [.text("revenue at risk"), text(estimate.revenueAtRisk, .money)],
        ]
        if let dealValue, let before = estimate.expectedCustomers, let after = estimate.expectedAfterDecay {
            // Whole customers, as the domain example counts them: 8.75 expected → 8 → 800k instead of 1M.
            rows.append([.text("revenue, whole \(lastName): now → after"),
                         .text(ValueFormatter.format(.decimal((before + 1e-9).rounded(.down) * dealValue), as: .money) + " → " + ValueFormatter.format(.decimal((after + 1e-9).rounded(.down) * dealValue), as: .money))])
        }
        var footnotes = ["stale: reached \(stage), not \(nextName), for more than \(ValueFormatter.format(.decimal(days), as: .number)) days as of \(CivilDate.format(days: Int(context.today))) (--set today=YYYY-MM-DD to change)"]
        if dealValue == nil { footnotes.append("no customer value: add `value avg(…)` to the funnel or `value …` to decay") }
        return ResultTable(title: "decay of \(evaluation.name).\(stage)", table: Results.rows(rows, names: ["", "value"]), footnotes: footnotes)
    }

    func stuckReport(_ evaluation: FunnelEvaluation, stage: String, after: Expr, session: Session, range: SourceRange) throws(Diagnostic) -> [Output] {
        guard let k = evaluation.rowStageIndex(stage) else {
            throw Diagnostic.error("unknown stage '\(stage)' in \(evaluation.name)", at: range, suggestion: Suggestion.nearest(to: stage, in: evaluation.rowStageNames))
        }
        guard evaluation.times[k] != nil else { throw Diagnostic.error("stage '\(stage)' has no `at` time", at: range) }
        let days = try durationDays(after, session: session)
        let rows = staleRows(evaluation, stage: k, afterDays: days)
        var view = evaluation.view
        view.selection = rows
        var preview = self.preview(view, title: "\(Format.count(rows.count)) \(evaluation.definition.syntax.table) rows in \(stage) for more than \(ValueFormatter.format(.decimal(days), as: .number)) days")
        preview.footnotes.append("as of \(CivilDate.format(days: Int(context.today)))")
        return [.table(preview)]
    }

    func healthReport(_ evaluation: FunnelEvaluation, after: Expr?, session: Session) throws(Diagnostic) -> ResultTable {
        let days = try after.map { (e: Expr) throws(Diagnostic) -> Double in try durationDays(e, session: session) } ?? 30
        let names = evaluation.rowStageNames
        var rows: [[Value]] = []
        var counts: [Double] = []
        // Not further: rows whose furthest stage this is (a row may skip an optional stage).
        let furthest = evaluation.reach.furthestStageCounts()
        for k in names.indices {
            let reached = evaluation.reach.count(k)
            counts.append(Double(reached))
            let waiting = furthest[k]
            let stuck = k + 1 < names.count && evaluation.times[k] != nil ? staleRows(evaluation, stage: k, afterDays: days).count : 0
            rows.append([.text(names[k]), .decimal(Double(reached)), k + 1 < names.count ? .decimal(Double(waiting)) : .null,
                         k + 1 < names.count && evaluation.times[k] != nil ? .decimal(Double(stuck)) : .null])
        }
        let shape = FunnelShape.of(FunnelCounts(stages: names, counts: counts))
        return ResultTable(title: "health of \(evaluation.name)", table: Results.rows(rows, names: ["stage", "reached", "not further", "stuck > \(Int(days)) days"]),
                           formats: [nil, .number, .number, .number],
                           footnotes: [shape.description, "as of \(CivilDate.format(days: Int(context.today)))"])
    }
}

/// One step of the month a bottleneck compares: its rate, the rate over the 12 months before,
/// and the month's rows in the earlier stage and those of them that went on.
struct TrailingStep {
    var rate: Double
    var baseline: Double
    var entered: Double
    var continued: Double
}

/// The shape of a funnel: a pint glass keeps a steady share at each step; a martini glass loses
/// most of its volume at the first step.
struct FunnelShape {
    var firstStepShareOfLoss: Double?
    var description: String

    static func of(_ counts: FunnelCounts) -> FunnelShape {
        guard counts.counts.count >= 3, let first = counts.counts.first, first > 0, let last = counts.counts.last else {
            return FunnelShape(firstStepShareOfLoss: nil, description: "shape: too few stages to tell")
        }
        let totalLoss = first - last
        guard totalLoss > 0 else { return FunnelShape(firstStepShareOfLoss: nil, description: "shape: nothing is lost between stages") }
        let share = (counts.counts[0] - counts.counts[1]) / totalLoss
        let percent = ValueFormatter.format(.decimal(share), as: .percent)
        if share > 0.7 {
            return FunnelShape(firstStepShareOfLoss: share, description: "shape: martini glass — \(percent) of all losses happen at the first step (\(counts.stages[0])→\(counts.stages[1]))")
        }
        return FunnelShape(firstStepShareOfLoss: share, description: "shape: pint glass — losses spread over the steps (\(percent) at the first)")
    }
}

extension Results {
    static func rows(_ rows: [[Value]], names: [String]) -> Table {
        var columns: [Column] = []
        for (i, name) in names.enumerated() {
            columns.append(ColumnBuilder.column(from: rows.map { i < $0.count ? $0[i] : .null }, name: name))
        }
        return Table(name: "result", columns: columns, rowCount: rows.count)
    }
}
