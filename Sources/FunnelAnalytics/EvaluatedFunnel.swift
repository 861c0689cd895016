import FunnelEngine

/// A row stage as its funnel defines it.
public struct RowStage: Sendable {
    public var name: String
    /// The column of its time as written (`mql_at`); nil when it has none.
    public var timeLabel: String?
    public var hasCondition: Bool
    public var optional: Bool

    public init(name: String, timeLabel: String?, hasCondition: Bool, optional: Bool) {
        self.name = name
        self.timeLabel = timeLabel
        self.hasCondition = hasCondition
        self.optional = optional
    }
}

/// A funnel's stages evaluated over its table: leading count-only stages (formulas over other
/// tables, counted by whoever reads them) and row stages (who reached what, when).
public struct EvaluatedFunnel: Sendable {
    public var name: String
    /// The table its rows are of.
    public var table: String
    public var view: TableValue
    /// Count-only stages, in order, before the row stages.
    public var countStageNames: [String]
    public var rowStages: [RowStage]
    /// Steps its targets name (`target sqls/mqls`): the earlier stage (nil: the one before) and the later.
    public var targetSteps: [(from: String?, to: String)]
    public var times: [IntegerValues?]
    public var reach: Reach
    /// The row stages' inputs (times and eligibility), kept so that a what-if recomputes only
    /// the stages its changed rule touches.
    public var stages: [KeptStage]
    /// Per row stage: rows that meet the stage (a time, its condition) and were in the funnel,
    /// but are not counted in it: an earlier stage is missing, out of order or outside the window.
    /// A KPI over the same condition counts them (Olist: 842 won, 841 customers).
    public var notCounted: [Int] = []
    /// Rows with a counted stage time after the end of the as-of date.
    public var afterAsOf = 0
    /// Where the evaluation is kept in a cache (nil when it is not kept).
    public var cacheKey: String? = nil
    /// For a funnel counted by a database over the rows a `where` kept: how many it kept, of all.
    public var countedRowsKept: (kept: Int, all: Int)? = nil
    public var order: StageOrder = .inOrder
    /// Per exclusion, in words (`lost_at between mqls and sqls`); the rows each dropped are the reach's.
    public var exclusionLabels: [String] = []
    /// For a funnel counted by a distinct entity: what it counts and what it left out.
    public var entities: EntityCounting? = nil

    /// The rows of the table the funnel is over when a `where` kept some: how many, of all.
    public var rowsKept: (kept: Int, all: Int)? {
        // The entity note says how many rows the entities were counted among.
        if entities != nil { return nil }
        return countedRowsKept ?? (view.selection != nil ? (view.rowCount, view.table.rowCount) : nil)
    }

    /// What one counted unit is called in notes: `leads row`, or `contact_id` for a funnel
    /// counted by distinct contact_id.
    public var unit: String { entities?.label ?? "\(table) row" }

    public init(name: String, table: String, view: TableValue, countStageNames: [String], rowStages: [RowStage],
                targetSteps: [(from: String?, to: String)], times: [IntegerValues?], reach: Reach, stages: [KeptStage]) {
        self.name = name
        self.table = table
        self.view = view
        self.countStageNames = countStageNames
        self.rowStages = rowStages
        self.targetSteps = targetSteps
        self.times = times
        self.reach = reach
        self.stages = stages
    }

    public var rowStageNames: [String] { rowStages.map(\.name) }
    public var stageNames: [String] { countStageNames + rowStageNames }

    public func stageIndex(_ name: String) -> Int? { stageNames.firstIndex(of: name) }
    public func rowStageIndex(_ name: String) -> Int? { rowStageNames.firstIndex(of: name) }

    /// What the funnel's counts leave out or take in that a reader would not expect, in words.
    public func rowNotes(asOf today: Int32) -> [String] {
        var notes: [String] = []
        for (k, count) in notCounted.enumerated() where count > 0 && k < rowStages.count {
            let stage = rowStages[k]
            // A stage with no time and no condition of its own is met by every row: the rows it
            // misses are those that missed an earlier stage, which its count already says.
            guard stage.timeLabel != nil || stage.hasCondition else { continue }
            let what = [stage.timeLabel.map { "a \($0)" }, stage.hasCondition ? "the condition of \(stage.name)" : nil].compactMap { $0 }.joined(separator: " and ")
            notes.append("\(CountText.of(count, unit)) with \(what) \(count == 1 ? "is" : "are") not counted in \(stage.name): "
                + "an earlier stage is missing, later, or outside the window (a KPI over the same condition counts \(count == 1 ? "it" : "them"))")
        }
        notes += countingNotes
        if afterAsOf > 0 {
            notes.append("\(CountText.of(afterAsOf, unit)) reached a stage after the as-of date \(CivilDate.format(days: Int(today))) and \(afterAsOf == 1 ? "is" : "are") counted (--set today=YYYY-MM-DD to change)")
        }
        return notes
    }

    /// Who the funnel counts and whom it dropped, when that is not one row each: said under the
    /// funnel and under each of its breakdowns.
    public var countingNotes: [String] {
        var notes: [String] = []
        for (i, label) in exclusionLabels.enumerated() where i < reach.excluded.count {
            let n = reach.excluded[i]
            notes.append("\(CountText.of(n, unit)) \(n == 1 ? "is" : "are") excluded from every stage: \(label)")
        }
        if let entities { notes += entities.notes(table: table) }
        return notes
    }

    /// Steps between row stages (row-stage indices) that start at an optional stage: the step
    /// after each optional stage, and targets from one. Only these can have rows in the later
    /// stage that skipped the earlier one; every other step's later stage is inside its earlier.
    public var stepsFromOptionalStages: [Step] {
        let optional = order == .anyOrder ? rowStages.map { _ in true } : rowStages.map(\.optional)
        var steps: [Step] = []
        for k in 1..<max(1, optional.count) where optional[k - 1] { steps.append(Step(from: k - 1, to: k)) }
        for target in targetSteps {
            guard let to = rowStageIndex(target.to), let from = target.from.map({ rowStageIndex($0) }) ?? (to > 0 ? to - 1 : nil),
                  from < to, optional[from] else { continue }
            let step = Step(from: from, to: to)
            if !steps.contains(step) { steps.append(step) }
        }
        return steps
    }

    /// Joint counts (rows in both stages of a step from an optional stage) as FunnelCounts keeps
    /// them: indices over all stages, count-only ones first. `counts` holds the extended reach's
    /// counts (see `Reach.appendingJointStages`).
    public func jointCounts(_ counts: [Int], steps: [Step]) -> [Step: Double] {
        var joint: [Step: Double] = [:]
        let offset = countStageNames.count
        for (i, step) in steps.enumerated() where reach.stageCount + i < counts.count {
            joint[Step(from: step.from + offset, to: step.to + offset)] = Double(counts[reach.stageCount + i])
        }
        return joint
    }

    /// Months between the first and last time of the first timed stage (12 when none is known).
    public var monthsCovered: Double {
        guard let k = times.firstIndex(where: { $0 != nil }), let stageTimes = times[k] else { return 12 }
        var lo = Int64.max, hi = Int64.min
        forEachRow(reach.selection, below: reach.rowCount) { r in
            guard reach.reached[k][r], r < stageTimes.count else { return }
            lo = min(lo, stageTimes[r])
            hi = max(hi, stageTimes[r])
        }
        guard lo <= hi else { return 12 }
        return max(1, (Double(hi - lo) / 86_400 / 30.44).rounded())
    }

    /// The rows that may enter row stage `k`: they reached the stage before, or it was optional
    /// and they could have entered it.
    public func rowsThatMayEnter(_ k: Int) -> Selection? {
        guard k > 0 else { return view.selection }
        var rows: Selection = []
        forEachRow(view.selection, below: view.table.rowCount) { r in
            var open = true
            for j in 0..<min(k, reach.stageCount, rowStages.count) { open = reach.reached[j][r] || (rowStages[j].optional && open) }
            if open { rows.append(Int32(r)) }
        }
        return rows
    }

    /// The counts of every stage, given the count-only stages' values: row stages from reach,
    /// with the joint counts of steps from optional stages.
    public func totals(countStageValues: [Double]) -> FunnelCounts {
        var counts = countStageValues
        for k in 0..<reach.stageCount { counts.append(Double(reach.count(k))) }
        let steps = stepsFromOptionalStages
        let extended = reach.appendingJointStages(steps, times: times).reach
        return FunnelCounts(stages: stageNames, counts: counts, joint: jointCounts(extended.counts, steps: steps))
    }
}

/// How a funnel counted by a distinct entity (`count distinct contact_id`) counted: in notes.
public struct EntityCounting: Sendable {
    /// `contact_id`, or `account_id, region` for several keys.
    public var label: String
    /// `constant owner`: the property each entity keeps through its stages.
    public var constant: String?
    public var entityCount: Int
    public var rowCount: Int
    public var rowsWithoutKey: Int
    /// For a breakdown `at` a stage: the stage, and the entities left out for not reaching it.
    public var attributedAt: (stage: String, left: Int)?

    public init(label: String, constant: String?, entityCount: Int, rowCount: Int, rowsWithoutKey: Int, attributedAt: (stage: String, left: Int)?) {
        self.label = label
        self.constant = constant
        self.entityCount = entityCount
        self.rowCount = rowCount
        self.rowsWithoutKey = rowsWithoutKey
        self.attributedAt = attributedAt
    }

    func notes(table: String) -> [String] {
        var notes = ["counted by distinct \(label): \(CountText.of(entityCount)) among \(CountText.of(rowCount, "\(table) row")); "
            + "each reaches a stage when one of its rows does, in order"
            + (constant.map { ", with the same \($0) at every stage (the \($0) that takes it furthest)" } ?? "")]
        if rowsWithoutKey > 0 {
            notes.append("\(CountText.of(rowsWithoutKey, "\(table) row")) \(rowsWithoutKey == 1 ? "has" : "have") no \(label)\(constant.map { " or \($0)" } ?? ""): not counted")
        }
        if let (stage, left) = attributedAt, left > 0 {
            notes.append("\(CountText.of(left, label)) that did not reach \(stage) \(left == 1 ? "is" : "are") not in this breakdown (by the value at \(stage))")
        }
        return notes
    }
}

/// A row stage's inputs as a kept evaluation holds them: eligibility one bit per row (a funnel of
/// five stages over a million rows keeps 0.6 MB of it instead of 5 MB).
public struct KeptStage: Sendable {
    public var name: String
    public var times: IntegerValues?
    public var eligible: Validity
    public var optional: Bool

    public init(_ data: StageData) {
        name = data.name
        times = data.times
        eligible = data.eligible
        optional = data.optional
    }

    public var data: StageData { StageData(name: name, times: times, eligible: eligible, optional: optional) }
}
