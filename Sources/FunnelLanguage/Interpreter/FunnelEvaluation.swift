import FunnelAnalytics
import FunnelEngine

/// A funnel's stages evaluated over its table: leading count-only stages (formulas over other
/// tables) and row stages (who reached what, when).
struct FunnelEvaluation {
    var definition: FunnelDefinition
    var view: TableValue
    /// Count-only stages, in order, before the row stages.
    var countStages: [(name: String, formula: Expr)]
    var rowStageNames: [String]
    var times: [[Int64]?]
    var reach: Reach
    /// The row stages' inputs (times and eligibility), kept so that a what-if recomputes only
    /// the stages its changed rule touches.
    var stages: [KeptStage]
    /// Per row stage: rows that meet the stage (a time, its condition) and were in the funnel,
    /// but are not counted in it: an earlier stage is missing, out of order or outside the window.
    /// A KPI over the same condition counts them (Olist: 842 won, 841 customers).
    var notCounted: [Int] = []
    /// Rows with a counted stage time after the end of the as-of date.
    var afterAsOf = 0
    /// Where the evaluation is kept in the funnel cache (nil when it is not kept): groupings of
    /// its rows are kept under it too.
    var cacheKey: String? = nil

    var stageNames: [String] { countStages.map(\.name) + rowStageNames }
    var name: String { definition.syntax.name }

    func stageIndex(_ name: String) -> Int? { stageNames.firstIndex(of: name) }
    func rowStageIndex(_ name: String) -> Int? { rowStageNames.firstIndex(of: name) }

    /// What the funnel's counts leave out or take in that a reader would not expect, in words.
    func rowNotes(asOf today: Int32) -> [String] {
        var notes: [String] = []
        let table = definition.syntax.table
        for (k, count) in notCounted.enumerated() where count > 0 && k < rowStageNames.count {
            let stage = rowStageNames[k]
            let parts = stagesSyntax(k).map { [$0.at.map { "a \($0)" }, $0.condition.map { _ in "the condition of \(stage)" }].compactMap { $0 } } ?? []
            let what = parts.isEmpty ? "what \(stage) needs" : parts.joined(separator: " and ")
            notes.append("\(Format.count(count, "\(table) row")) with \(what) \(count == 1 ? "is" : "are") not counted in \(stage): "
                + "an earlier stage is missing, later, or outside the window (a KPI over the same condition counts \(count == 1 ? "it" : "them"))")
        }
        if afterAsOf > 0 {
            notes.append("\(Format.count(afterAsOf, "\(table) row")) reached a stage after the as-of date \(CivilDate.format(days: Int(today))) and \(afterAsOf == 1 ? "is" : "are") counted (--set today=YYYY-MM-DD to change)")
        }
        return notes
    }

    private func stagesSyntax(_ k: Int) -> StageSyntax? {
        let rowStages = definition.syntax.stages.filter { $0.count == nil }
        return k < rowStages.count ? rowStages[k] : nil
    }

    /// Steps between row stages (row-stage indices) that start at an optional stage: the step
    /// after each optional stage, and targets from one. Only these can have rows in the later
    /// stage that skipped the earlier one; every other step's later stage is inside its earlier.
    var stepsFromOptionalStages: [Step] {
        let optional = definition.syntax.stages.filter { $0.count == nil }.map(\.optional)
        var steps: [Step] = []
        for k in 1..<max(1, optional.count) where optional[k - 1] { steps.append(Step(from: k - 1, to: k)) }
        for target in definition.syntax.targets {
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
    func jointCounts(_ counts: [Int], steps: [Step]) -> [Step: Double] {
        var joint: [Step: Double] = [:]
        let offset = countStages.count
        for (i, step) in steps.enumerated() where reach.stageCount + i < counts.count {
            joint[Step(from: step.from + offset, to: step.to + offset)] = Double(counts[reach.stageCount + i])
        }
        return joint
    }
}

extension Interpreter {
    func funnel(named name: String, session: Session, range: SourceRange) throws(Diagnostic) -> FunnelDefinition {
        guard let definition = session.funnels[name] else {
            throw Diagnostic.error("unknown funnel '\(name)'", at: range, suggestion: Suggestion.nearest(to: name, in: session.funnelOrder),
                                   notes: session.funnelOrder.isEmpty ? ["define one: funnel inbound on leads { leads at created_at … }"] : [])
        }
        return definition
    }

    /// Checks a funnel definition when it is made, so that mistakes show where they were written.
    func validate(_ syntax: FunnelSyntax, session: Session, range: SourceRange) throws(Diagnostic) {
        guard let view = session.tables[syntax.table] else {
            throw Diagnostic.error("unknown table '\(syntax.table)'", at: range, suggestion: Suggestion.nearest(to: syntax.table, in: session.tableOrder))
        }
        guard syntax.stages.contains(where: { $0.count == nil }) else {
            throw Diagnostic.error("a funnel needs at least one stage of \(syntax.table) rows (leads at created_at)", at: range)
        }
        var names = Set<String>()
        var sawRowStage = false
        for stage in syntax.stages {
            if !names.insert(stage.name).inserted { throw Diagnostic.error("stage '\(stage.name)' appears twice", at: stage.range) }
            if stage.count != nil && sawRowStage {
                throw Diagnostic.error("a count-only stage (\(stage.name) = …) must come before the stages of \(syntax.table) rows", at: stage.range)
            }
            if stage.count == nil { sawRowStage = true }
            if let at = stage.at {
                let evaluator = RowEvaluator(session: session, view: view, context: context)
                let column = try evaluator.evaluate(Expr(.name(at), stage.range), selection: [])
                guard column.type?.isTemporal == true else {
                    throw Diagnostic.error("'\(at)' is \(VectorOps.describe(column.type)); `at` needs a date or timestamp column", at: stage.range)
                }
            }
        }
        for target in syntax.targets {
            for n in [target.to] + (target.from.map { [$0] } ?? []) where !names.contains(n) {
                throw Diagnostic.error("unknown stage '\(n)' in the target", at: target.range, suggestion: Suggestion.nearest(to: n, in: Array(names)))
            }
        }
    }

    func evaluateFunnel(_ definition: FunnelDefinition, session: Session, view override: TableValue? = nil, withFromTimes: Bool = false, cacheable: Bool = true) throws(Diagnostic) -> FunnelEvaluation {
        // Who reached what depends only on the definitions made so far: asking `inbound`, then
        // `inbound by source`, then `what if …` computes it once.
        let key = "\(definition.syntax.name)\u{1}\(session.generation)"
        let useCache = cacheable && override == nil && !withFromTimes
        if useCache, let cached = funnelCache.lookup(key) { return cached }
        var evaluation = try computeFunnel(definition, session: session, view: override, withFromTimes: withFromTimes, reusing: nil,
                                           keepingStages: useCache)
        if useCache {
            evaluation.cacheKey = key
            funnelCache.store(evaluation, for: key)
        }
        return evaluation
    }

    /// The funnel's rows grouped by `dimensions`. For a kept evaluation the grouping is kept with
    /// it, so `velocity F by k` then `demand F by k` evaluate and rank the key once.
    func groupRows(of evaluation: FunnelEvaluation, by dimensions: [Aggregation.Dimension], session: Session,
                   range: SourceRange) throws(Diagnostic) -> Aggregation.KnownGrouping {
        let aggregation = Aggregation(session: session, context: context)
        func group() throws(Diagnostic) -> Aggregation.KnownGrouping {
            let (grouping, resolved, undated) = try aggregation.group(view: evaluation.view, dimensions: dimensions, range: range)
            return Aggregation.KnownGrouping(view: evaluation.view, grouping: grouping, dimensions: resolved, undated: undated)
        }
        guard let evaluationKey = evaluation.cacheKey else { return try group() }
        // The keys' source text: within one generation the same text means the same values.
        let key = ([evaluationKey] + dimensions.map { $0.expr.range.file.slice($0.expr.range) }).joined(separator: "\u{2}")
        if let kept = funnelCache.grouping(key) { return kept }
        let grouped = try group()
        funnelCache.store(grouped, for: key)
        return grouped
    }

    /// The funnel in a session that differs from `previous`'s only by the definition of `rule`:
    /// stages whose time and condition cannot read the rule keep their inputs; reach is recomputed.
    func evaluateFunnel(_ definition: FunnelDefinition, session: Session, changing rule: String, from previous: FunnelEvaluation, previousSession: Session) throws(Diagnostic) -> FunnelEvaluation {
        let sessions = [previousSession, session]
        let reuse = StageReuse(previous: previous) { stage in
            !RuleDependence.mayRead(rule, stage: stage, in: sessions)
        }
        return try computeFunnel(definition, session: session, view: nil, withFromTimes: false, reusing: reuse, keepingStages: false)
    }

    /// `keepingStages`: the evaluation will be kept, and keeps its stages' inputs for what-ifs.
    private func computeFunnel(_ definition: FunnelDefinition, session: Session, view override: TableValue?, withFromTimes: Bool,
                               reusing reuse: StageReuse?, keepingStages: Bool) throws(Diagnostic) -> FunnelEvaluation {
        let syntax = definition.syntax
        guard let base = session.tables[syntax.table] else {
            throw Diagnostic.error("unknown table '\(syntax.table)'", at: definition.source.range)
        }
        let view = override ?? base
        let evaluator = RowEvaluator(session: session, view: view, context: context)
        var countStages: [(String, Expr)] = []
        var stagePlans: [StagePlan] = []
        var rowStages: [StageSyntax] = []
        for stage in syntax.stages {
            try context.checkCancelled()
            if let count = stage.count {
                countStages.append((stage.name, count))
                continue
            }
            let time = try stage.at.map { at throws(Diagnostic) in try evaluator.lower(Expr(.name(at), stage.range)) }
            let condition = try stage.condition.map { c throws(Diagnostic) in try evaluator.lower(c) }
            stagePlans.append(StagePlan(name: stage.name, time: time, condition: condition, optional: stage.optional, timeLabel: stage.at ?? ""))
            rowStages.append(stage)
        }
        var window: Int64? = nil
        if let w = syntax.window {
            guard case .scalar(let v, _, _) = try evaluate(w, session: session, baseDirectory: "."), let days = v.number, days >= 0, days < 1e7 else {
                throw Diagnostic.error("the window must be a duration such as 90 days", at: w.range)
            }
            window = Int64(days * 86_400)
        }
        let (rows, backend) = evaluator.scanned(view.selection)
        let plan = FunnelPlan(rows: rows, stages: stagePlans, window: window)
        let stages: [StageData]
        do {
            stages = try FunnelRows.stages(plan, view: view, on: RecordedBackend(backend, context: context)) { k in
                k < rowStages.count ? reuse?.kept(rowStages[k], at: k) : nil
            }
        } catch {
            throw evaluator.diagnostic(error, default: definition.source.range)
        }
        let reach = FunnelReach.compute(FunnelData(rowCount: view.table.rowCount, selection: view.selection, stages: stages, window: window), recordFromTimes: withFromTimes)
        var evaluation = FunnelEvaluation(definition: definition, view: view, countStages: countStages, rowStageNames: stagePlans.map(\.name), times: stages.map(\.times), reach: reach,
                                          stages: keepingStages ? stages.map(KeptStage.init) : [])
        (evaluation.notCounted, evaluation.afterAsOf) = FunnelRows.rowsLeftOut(reach, stages: stages, endOfAsOf: (Int64(context.today) + 1) * CivilDate.secondsPerDay)
        return evaluation
    }

    /// The counts of every stage: count-only stages from their formulas, row stages from reach.
    func totals(_ evaluation: FunnelEvaluation, session: Session) throws(Diagnostic) -> FunnelCounts {
        var counts: [Double] = []
        let aggregation = Aggregation(session: session, context: context)
        for (_, formula) in evaluation.countStages {
            let sliced = try aggregation.evaluate([formula], by: [], defaultTable: nil)
            counts.append(sliced.values.first?.first?.number ?? 0)
        }
        for k in 0..<evaluation.reach.stageCount { counts.append(Double(evaluation.reach.count(k))) }
        let steps = evaluation.stepsFromOptionalStages
        let extended = evaluation.reach.appendingJointStages(steps, times: evaluation.times).reach
        return FunnelCounts(stages: evaluation.stageNames, counts: counts, joint: evaluation.jointCounts(extended.counts, steps: steps))
    }

    /// The target of each step (index = later stage), from `target b/a >= x` lines.
    func stepTargets(_ evaluation: FunnelEvaluation, session: Session) throws(Diagnostic) -> [Int: (BinaryOperator, Double, from: Int)] {
        var out: [Int: (BinaryOperator, Double, from: Int)] = [:]
        for target in evaluation.definition.syntax.targets {
            guard let to = evaluation.stageIndex(target.to) else { continue }
            let from = target.from.flatMap { evaluation.stageIndex($0) } ?? (to - 1)
            guard from >= 0, from < to else {
                throw Diagnostic.error("a target goes from an earlier stage to a later one (target mqls/leads >= 20%)", at: target.range)
            }
            guard case .scalar(let v, _, _) = try evaluate(target.value, session: session, baseDirectory: "."), let rate = v.number else {
                throw Diagnostic.error("a target is a rate such as 20%", at: target.value.range)
            }
            out[to] = (target.comparison, rate, from)
        }
        return out
    }
}

/// The stage inputs a what-if keeps from the funnel as it is.
struct StageReuse {
    var previous: FunnelEvaluation
    /// The stage's time and condition cannot read what changed.
    var unchanged: (StageSyntax) -> Bool

    /// The previous inputs of the row stage at `index`, if they are the same stage's over the same rows and still hold.
    func kept(_ stage: StageSyntax, at index: Int) -> StageData? {
        guard index < previous.stages.count else { return nil }
        let kept = previous.stages[index]
        guard kept.name == stage.name, kept.eligible.count == previous.view.table.rowCount, unchanged(stage) else { return nil }
        return kept.data
    }
}

/// A row stage's inputs as a kept evaluation holds them: eligibility one bit per row (a funnel of
/// five stages over a million rows keeps 0.6 MB of it instead of 5 MB).
struct KeptStage {
    var name: String
    var times: [Int64]?
    var eligible: Validity
    var optional: Bool

    init(_ data: StageData) {
        name = data.name
        times = data.times
        eligible = Validity(packing: data.eligible)
        optional = data.optional
    }

    var data: StageData { StageData(name: name, times: times, eligible: eligible.flags, optional: optional) }
}

/// The last few funnel evaluations, shared by copies of the interpreter. Keys change whenever
/// anything is defined, so an entry is never stale; a handful are kept.
final class FunnelCache: @unchecked Sendable {
    // Used from the one thread that runs statements.
    private var entries: [(key: String, evaluation: FunnelEvaluation)] = []
    private var lastGeneration = 0

    /// A generation number no session has had.
    func nextGeneration() -> Int {
        lastGeneration += 1
        return lastGeneration
    }

    func lookup(_ key: String) -> FunnelEvaluation? {
        entries.first { $0.key == key }?.evaluation
    }

    func store(_ evaluation: FunnelEvaluation, for key: String) {
        entries.removeAll { $0.key == key }
        entries.insert((key, evaluation), at: 0)
        if entries.count > 4 { entries.removeLast() }
    }

    /// Groupings of kept evaluations' rows (a group id per row each, so few are kept).
    private var groupings: [(key: String, grouped: Aggregation.KnownGrouping)] = []

    func grouping(_ key: String) -> Aggregation.KnownGrouping? {
        groupings.first { $0.key == key }?.grouped
    }

    func store(_ grouped: Aggregation.KnownGrouping, for key: String) {
        groupings.removeAll { $0.key == key }
        groupings.insert((key, grouped), at: 0)
        if groupings.count > 2 { groupings.removeLast() }
    }
}
