import FunnelEngine

/// A step's target as a funnel sets it (`target sqls/mqls >= 20%`): indices over all stages.
public struct StepTarget: Sendable {
    public var comparison: BinaryOperator
    public var rate: Double
    public var from: Int

    public init(comparison: BinaryOperator, rate: Double, from: Int) {
        self.comparison = comparison
        self.rate = rate
        self.from = from
    }
}

/// Rows of values as a result table's columns.
public enum ResultRows {
    public static func table(_ rows: [[Value]], names: [String]) -> Table {
        var columns: [Column] = []
        for (i, name) in names.enumerated() {
            columns.append(ColumnBuilder.column(from: rows.map { i < $0.count ? $0[i] : .null }, name: name))
        }
        return Table(name: "result", columns: columns, rowCount: rows.count)
    }
}

/// The funnel statements' tables, from an evaluated funnel and the few values the language
/// resolved for them (counts of count-only stages, targets, groupings, durations). Formulas are
/// in docs/metrics.md.
public enum FunnelTables {
    // MARK: The funnel

    /// `F` alone: count, step and overall conversion, drop-off, a bar, and targets.
    public static func overview(_ funnel: EvaluatedFunnel, counts: FunnelCounts, targets: [Int: StepTarget], notes extraNotes: [String],
                                asOf today: Int32, title: String?) -> ResultTable {
        var rows: [[Value]] = []
        let first = counts.counts.first ?? 0
        for k in counts.stages.indices {
            var row: [Value] = [.text(counts.stages[k]), .decimal(counts.counts[k])]
            row.append(counts.stepRate(k).map { .decimal($0) } ?? .null)
            row.append(counts.overallRate(k).map { .decimal($0) } ?? .null)
            row.append(counts.dropOff(k).map { .decimal($0) } ?? .null)
            row.append(first > 0 ? .decimal(counts.counts[k] / (counts.counts.max() ?? 1)) : .null)
            if !targets.isEmpty {
                if let target = targets[k] {
                    let actual = counts.rate(from: target.from, to: k)
                    let met = actual.map { VectorOps.holds(target.comparison, $0, target.rate) }
                    let label = (target.from == k - 1 ? "" : "from \(counts.stages[target.from]) ") + "\(target.comparison.rawValue) \(ValueFormatter.format(.decimal(target.rate), as: .percent))"
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
        var footnotes: [String] = []
        footnotes += skippedStageNotes(counts, anyOrder: funnel.order == .anyOrder)
        footnotes += funnel.rowNotes(asOf: today)
        footnotes += extraNotes
        if let (kept, all) = funnel.rowsKept { footnotes.append("\(CountText.of(kept)) of \(CountText.of(all)) \(funnel.table) rows") }
        var result = ResultTable(title: title ?? "\(funnel.name) on \(funnel.table)", table: ResultRows.table(rows, names: names), formats: formats, footnotes: footnotes)
        result.chart = .funnel
        if !targets.isEmpty { result.verdicts = ["target"] }
        return result
    }

    /// One line per step out of an optional stage that some rows skipped: the step rate counts
    /// only the rows that were in the earlier stage.
    public static func skippedStageNotes(_ counts: FunnelCounts, anyOrder: Bool = false) -> [String] {
        var notes: [String] = []
        for k in counts.stages.indices {
            guard let skipped = counts.skipped(into: k), skipped > 0, let through = counts.continued(from: k - 1, to: k) else { continue }
            let (earlier, later) = (counts.stages[k - 1], counts.stages[k])
            notes.append("\(ValueFormatter.format(.decimal(skipped), as: .number)) \(later) \(anyOrder ? "were never" : "skipped") \(earlier) \(anyOrder ? "(any order)" : "(optional)"): "
                + "the step \(earlier)→\(later) counts the \(ValueFormatter.format(.decimal(through), as: .number)) that were \(earlier)")
        }
        return notes
    }

    // MARK: Cohorts and velocity

    /// `F cohort by month`: rows grouped by when they entered, followed through every stage.
    /// `counted`: per cohort's first day, the rows that reached each stage, when a backend counted
    /// them; nil: from the funnel's rows.
    public static func cohorts(_ funnel: EvaluatedFunnel, unit: DateUnit, unitName n: String, counted: [Int: [Int]]? = nil) -> ResultTable {
        let cohorts = counted ?? FunnelGrouping.cohorts(funnel.reach, times: funnel.times, unit: unit)
        guard let first = cohorts.keys.min(), let last = cohorts.keys.max() else {
            return ResultTable(title: "\(funnel.name) cohorts by \(n)", table: ResultRows.table([], names: [n] + funnel.rowStageNames), footnotes: ["no row has a time for its first stage"])
        }
        let names = funnel.rowStageNames
        var rows: [[Value]] = []
        for start in Periods.range(from: first, through: last, unit: unit) {
            let counts = (cohorts[start] ?? [Int](repeating: 0, count: names.count)).map(Double.init)
            let stageCounts = FunnelCounts(stages: names, counts: counts)
            var row: [Value] = [PeriodLabels.label(.date(Int32(start)), unit: unit)]
            row += counts.map { .decimal($0) }
            row.append(stageCounts.overallRate(names.count - 1).map { .decimal($0) } ?? .null)
            rows.append(row)
        }
        let overall = RateColumn(column: "\(names.last ?? "")/\(names.first ?? "")", numerator: names.last ?? "", denominator: names.first ?? "")
        let columns = [n] + names + [overall.column]
        let formats: [DisplayFormat?] = [nil] + Array(repeating: .number, count: names.count) + [.percent]
        var result = ResultTable(title: "\(funnel.name): cohorts by \(n) of entry", table: ResultRows.table(rows, names: columns), formats: formats,
                                 footnotes: ["young cohorts have had less time to convert"])
        result.rates = [overall]
        return result
    }

    /// `velocity F [by key]`: days per step per group (`groupKeys` labelled, `groupOfRow` per row;
    /// one group of no key when there is no `by`). `steps`: the funnel's step durations when
    /// already known (`Velocity.stepDurations`).
    public static func velocity(_ funnel: EvaluatedFunnel, dimensionNames: [String], groupKeys: [[Value]], groupOfRow: [Int32]?,
                                steps: StepDurations? = nil) -> ResultTable {
        let steps = steps ?? Velocity.stepDurations(funnel.reach, times: funnel.times)
        let summaries = steps.grouped(groupOfRow, groupCount: groupKeys.count).summaries()
        return velocity(funnel, dimensionNames: dimensionNames, groupKeys: groupKeys,
                        step: { summaries.step(group: $0, stage: $1) }, endToEnd: { summaries.endToEnd(group: $0) })
    }

    /// The velocity table from each group's summaries: `step(g, k)` of the durations into row
    /// stage k, `endToEnd(g)` from the first stage to the last.
    public static func velocity(_ funnel: EvaluatedFunnel, dimensionNames: [String], groupKeys: [[Value]],
                                step summaryOfStep: (Int, Int) -> DurationSummary, endToEnd summaryOfEnds: (Int) -> DurationSummary) -> ResultTable {
        let names = funnel.rowStageNames
        var rows: [[Value]] = []
        for (g, key) in groupKeys.enumerated() {
            var entries: [(String, DurationSummary)] = []
            for k in 1..<max(1, names.count) where funnel.times[k] != nil {
                entries.append(("\(names[k - 1])→\(names[k])", summaryOfStep(g, k)))
            }
            if names.count > 1 { entries.append(("\(names.first ?? "")→\(names.last ?? "") (end to end)", summaryOfEnds(g))) }
            for (label, summary) in entries {
                rows.append(key + [.text(label), .integer(Int64(summary.count)),
                                   summary.medianDays.map { .decimal($0) } ?? .null,
                                   summary.p90Days.map { .decimal($0) } ?? .null,
                                   summary.meanDays.map { .decimal($0) } ?? .null])
            }
        }
        let columns = dimensionNames + ["step", "rows", "median", "p90", "mean"]
        let formats: [DisplayFormat?] = Array(repeating: nil, count: dimensionNames.count) + [nil, .number, .days, .days, .days]
        var result = ResultTable(title: "velocity of \(funnel.name)" + (dimensionNames.isEmpty ? "" : " by \(dimensionNames.joined(separator: ", "))"),
                                 table: ResultRows.table(rows, names: columns), formats: formats,
                                 footnotes: ["days between the times of consecutive stages, for rows that reached both"])
        result.chart = .breakdown
        return result
    }

    // MARK: Bottleneck

    /// `bottleneck F`: with targets, each step against its target; without, each step's rate in
    /// the latest finished month against its rate over the twelve months before.
    /// `byMonth`: the funnel's counts by month (each stage, then each joint step, in the month of
    /// its own time), when a backend counted them; nil: from the funnel's rows.
    public static func bottleneck(_ funnel: EvaluatedFunnel, counts: FunnelCounts, targets: [Int: StepTarget], asOf today: Int32,
                                  byMonth: [Int: [Int]]? = nil) -> ResultTable {
        let names = counts.stages
        var rows: [[Value]] = []
        var worst: (k: Int, ratio: Double, text: String)? = nil
        let (trailing, compared) = targets.isEmpty ? trailingRates(funnel, asOf: today, byMonth: byMonth) : ([:], nil)
        for k in 1..<max(1, names.count) {
            let from = targets[k]?.from ?? (k - 1)
            guard let actual = counts.rate(from: from, to: k) else { continue }
            var reference: Double? = nil
            var basis = ""
            if let target = targets[k] { reference = target.rate; basis = "target" }
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
                    + (targets.isEmpty ? " (\(basis))" : "") + (short > 0 ? ": \(CountText.of(Int(short))) \(names[k]) short" : "")
                if ratio < 1, worst == nil || ratio < (worst?.ratio ?? 1) { worst = (k, ratio, text) }
            }
            // Against the months before, a step the compared month has no rate for shows none.
            let shown: Value = targets.isEmpty && trailing[k] == nil ? .null : .decimal(current)
            rows.append([.text("\(names[from])→\(names[k])"), shown, reference.map { .decimal($0) } ?? .null, .text(basis.isEmpty ? "—" : basis), shortBy])
        }
        let table = ResultRows.table(rows, names: ["step", "rate", "reference", "basis", "short by"])
        let month = compared.map { CivilDate.format(days: $0).prefix(7) }.map(String.init)
        let headline = worst.map { "bottleneck: \($0.text)" }
            ?? (targets.isEmpty ? month.map { "no step of \($0) is below its rate over the 12 months before" }
                ?? "no month to compare: no finished month with \(funnel.rowStageNames.first ?? "entries") and 12 months before it"
                : "no step is below its target")
        var footnotes: [String] = []
        if targets.isEmpty, let month {
            footnotes.append("rate: the steps of \(month), the last finished month with \(funnel.rowStageNames.first ?? "entries") "
                + "(as of \(CivilDate.format(days: Int(today)))); each stage counted in the month of its own time")
        }
        return ResultTable(title: headline, table: table, formats: [nil, .percent, .percent, nil, .number], footnotes: footnotes)
    }

    /// Step rates (by the later stage's time) in the latest finished month with entries (rows in
    /// the first row stage), and over the 12 months before it; and that month. A month after the
    /// as-of date, still running, or with no entries would compare with nothing like itself.
    static func trailingRates(_ funnel: EvaluatedFunnel, asOf asOfDay: Int32, byMonth counted: [Int: [Int]]?) -> ([Int: TrailingStep], Int?) {
        let steps = funnel.stepsFromOptionalStages
        let byMonth = counted ?? monthlyCounts(funnel)
        let today = Int(asOfDay)
        let finished = byMonth.filter { Periods.next($0.key, unit: .month) <= today + 1 && ($0.value.first ?? 0) > 0 }
        guard let latest = finished.keys.max(), let recentCounts = byMonth[latest] else { return ([:], nil) }
        var start = latest
        for _ in 0..<12 { start = Periods.start(ofDay: start - 1, unit: .month) }
        var earlierCounts = [Int](repeating: 0, count: recentCounts.count)
        for (month, counts) in byMonth where month >= start && month < latest {
            for i in counts.indices where i < earlierCounts.count { earlierCounts[i] += counts[i] }
        }
        let names = funnel.stageNames
        let offset = funnel.countStageNames.count
        let recent = FunnelCounts(stages: names, counts: [Double](repeating: 0, count: offset) + recentCounts.prefix(funnel.reach.stageCount).map(Double.init),
                                  joint: funnel.jointCounts(recentCounts, steps: steps))
        let earlier = FunnelCounts(stages: names, counts: [Double](repeating: 0, count: offset) + earlierCounts.prefix(funnel.reach.stageCount).map(Double.init),
                                   joint: funnel.jointCounts(earlierCounts, steps: steps))
        var out: [Int: TrailingStep] = [:]
        for k in (offset + 1)..<max(offset + 1, names.count) {
            guard let rate = recent.stepRate(k), let baseline = earlier.stepRate(k) else { continue }
            out[k] = TrailingStep(rate: rate, baseline: baseline, entered: recent.counts[k - 1], continued: recent.continued(from: k - 1, to: k) ?? 0)
        }
        return (out, latest)
    }

    /// The funnel's counts by month from its rows: each stage's, then each step out of an
    /// optional stage (dated by its later stage), in the month of its own time.
    public static func monthlyCounts(_ funnel: EvaluatedFunnel) -> [Int: [Int]] {
        let (reach, times) = funnel.reach.appendingJointStages(funnel.stepsFromOptionalStages, times: funnel.times)
        return FunnelGrouping.countsByPeriod(reach, times: times, unit: .month)
    }

    // MARK: Decay, stuck, health

    /// Rows that reached row stage `stage` and went no further, for more than `afterDays` days as of `today`.
    public static func staleRows(_ funnel: EvaluatedFunnel, stage: Int, afterDays: Double, asOf today: Int32) -> Selection {
        let limit = staleBefore(afterDays: afterDays, asOf: today)
        var stale: Selection = []
        guard stage < funnel.times.count, let times = funnel.times[stage] else { return [] }
        let reach = funnel.reach
        let later = (stage + 1)..<reach.stageCount
        forEachRow(reach.selection, below: reach.rowCount) { r in
            guard reach.reached[stage][r] else { return }
            // A row that went on, even past an optional stage, is not stuck here.
            if later.contains(where: { reach.reached[$0][r] }) { return }
            if times[r] < limit { stale.append(Int32(r)) }
        }
        return stale
    }

    /// The first second a stage's time is not stale at: `afterDays` before the end of the as-of date.
    public static func staleBefore(afterDays: Double, asOf today: Int32) -> Int64 {
        Int64(today) * 86_400 + 86_400 - Int64(afterDays * 86_400)
    }

    /// `decay F.stage after N days [value formula]`: what the rows waiting too long in a stage are worth.
    /// `counted`: the stage's stale rows and those of its rows that reached the last stage, when a
    /// backend counted them; nil: from the funnel's rows.
    public static func decay(_ funnel: EvaluatedFunnel, stage k: Int, afterDays days: Double, dealValue: Double?, asOf today: Int32,
                             counted: (stale: Int, reachedLast: Int)? = nil) -> ResultTable {
        let stage = funnel.rowStageNames[k]
        let last = funnel.reach.stageCount - 1
        let stale: Int
        // Of the stage's rows, those that reached the last stage: after an optional stage, the
        // last stage also holds rows that skipped this one, which are no conversion of it.
        var reachedBoth = 0
        if let counted {
            (stale, reachedBoth) = counted
        } else {
            stale = staleRows(funnel, stage: k, afterDays: days, asOf: today).count
            let reach = funnel.reach
            if k < reach.stageCount, last < reach.stageCount {
                forEachRow(reach.selection, below: reach.rowCount) { r in if reach.reached[k][r] && reach.reached[last][r] { reachedBoth += 1 } }
            }
        }
        let estimate = DecayEstimate.estimate(reached: funnel.reach.count(k), stale: stale, customers: reachedBoth, dealValue: dealValue)
        let lastName = funnel.rowStageNames[last]
        let nextName = k + 1 <= last ? funnel.rowStageNames[k + 1] : "next stage"
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
        var footnotes = ["stale: reached \(stage), not \(nextName), for more than \(ValueFormatter.format(.decimal(days), as: .number)) days as of \(CivilDate.format(days: Int(today))) (--set today=YYYY-MM-DD to change)"]
        if dealValue == nil { footnotes.append("no customer value: add `value avg(…)` to the funnel or `value …` to decay") }
        return ResultTable(title: "decay of \(funnel.name).\(stage)", table: ResultRows.table(rows, names: ["", "value"]), footnotes: footnotes)
    }

    /// `health F [after N days]`: per stage, rows reached, rows whose furthest stage it is, rows stuck in it; the funnel's shape.
    /// `counted`: per stage, the rows whose furthest stage it is and of them the stale ones, when
    /// a backend counted them; nil: from the funnel's rows.
    public static func health(_ funnel: EvaluatedFunnel, afterDays days: Double, asOf today: Int32,
                              counted: (furthest: [Int], stale: [Int])? = nil) -> ResultTable {
        let names = funnel.rowStageNames
        var rows: [[Value]] = []
        var counts: [Double] = []
        // Not further: rows whose furthest stage this is (a row may skip an optional stage).
        let furthest = counted?.furthest ?? funnel.reach.furthestStageCounts()
        for k in names.indices {
            let reached = funnel.reach.count(k)
            counts.append(Double(reached))
            let waiting = k < furthest.count ? furthest[k] : 0
            let stale = counted.map { k < $0.stale.count ? $0.stale[k] : 0 } ?? (k + 1 < names.count && funnel.times[k] != nil ? staleRows(funnel, stage: k, afterDays: days, asOf: today).count : 0)
            let stuck = k + 1 < names.count && funnel.times[k] != nil ? stale : 0
            rows.append([.text(names[k]), .decimal(Double(reached)), k + 1 < names.count ? .decimal(Double(waiting)) : .null,
                         k + 1 < names.count && funnel.times[k] != nil ? .decimal(Double(stuck)) : .null])
        }
        let shape = FunnelShape.of(FunnelCounts(stages: names, counts: counts), lostAtFirstStep: furthest.first.map(Double.init))
        return ResultTable(title: "health of \(funnel.name)", table: ResultRows.table(rows, names: ["stage", "reached", "not further", "stuck > \(Int(days)) days"]),
                           formats: [nil, .number, .number, .number],
                           footnotes: [shape.description, "as of \(CivilDate.format(days: Int(today)))"])
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
public struct FunnelShape: Sendable {
    public var firstStepShareOfLoss: Double?
    public var description: String

    /// `lostAtFirstStep`: rows whose furthest stage is the first (rows that skipped an optional
    /// second stage and went on are not lost there); without it, the drop from the first count to the second.
    public static func of(_ counts: FunnelCounts, lostAtFirstStep: Double? = nil) -> FunnelShape {
        guard counts.counts.count >= 3, let first = counts.counts.first, first > 0, let last = counts.counts.last else {
            return FunnelShape(firstStepShareOfLoss: nil, description: "shape: too few stages to tell")
        }
        let totalLoss = first - last
        guard totalLoss > 0 else { return FunnelShape(firstStepShareOfLoss: nil, description: "shape: nothing is lost between stages") }
        let share = (lostAtFirstStep ?? (counts.counts[0] - counts.counts[1])) / totalLoss
        let percent = ValueFormatter.format(.decimal(share), as: .percent)
        if share > 0.7 {
            return FunnelShape(firstStepShareOfLoss: share, description: "shape: martini glass — \(percent) of all losses happen at the first step (\(counts.stages[0])→\(counts.stages[1]))")
        }
        return FunnelShape(firstStepShareOfLoss: share, description: "shape: pint glass — losses spread over the steps (\(percent) at the first)")
    }
}
