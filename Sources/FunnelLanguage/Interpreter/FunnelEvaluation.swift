import FunnelAnalytics
import FunnelEngine

/// A funnel evaluated (FunnelAnalytics' `EvaluatedFunnel`) with the definition it came from:
/// the formulas of its count-only stages and the source its errors point at.
struct FunnelEvaluation {
    var definition: FunnelDefinition
    var funnel: EvaluatedFunnel

    /// The count-only stages' formulas, in order.
    var countFormulas: [Expr] { definition.syntax.stages.compactMap(\.count) }
    var name: String { funnel.name }
    var view: TableValue { funnel.view }
    var reach: Reach { funnel.reach }
    var times: [IntegerValues?] { funnel.times }
    var stages: [KeptStage] { funnel.stages }
    var rowStageNames: [String] { funnel.rowStageNames }
    var stageNames: [String] { funnel.stageNames }
    var countStageCount: Int { funnel.countStageNames.count }
    var cacheKey: String? {
        get { funnel.cacheKey }
        set { funnel.cacheKey = newValue }
    }

    func stageIndex(_ name: String) -> Int? { funnel.stageIndex(name) }
    func rowStageIndex(_ name: String) -> Int? { funnel.rowStageIndex(name) }
    func rowNotes(asOf today: Int32) -> [String] { funnel.rowNotes(asOf: today) }
    var stepsFromOptionalStages: [Step] { funnel.stepsFromOptionalStages }
    func jointCounts(_ counts: [Int], steps: [Step]) -> [Step: Double] { funnel.jointCounts(counts, steps: steps) }
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
                // A column of the table has its type without being read (a load may leave it
                // unread); a linked or aliased one is evaluated over no rows.
                let type: ColumnType?
                if let own = view.table.type(of: at) {
                    type = own
                } else {
                    let evaluator = RowEvaluator(session: session, view: view, context: context)
                    type = try evaluator.evaluate(Expr(.name(at), stage.range), selection: []).type
                }
                guard type?.isTemporal == true else {
                    throw Diagnostic.error("'\(at)' is \(VectorOps.describe(type)); `at` needs a date or timestamp column", at: stage.range)
                }
            }
        }
        if let w = syntax.window {
            guard case .scalar(let v, _, _) = try evaluate(w, session: session, baseDirectory: "."), let days = v.number, days < 1e7 else {
                throw Diagnostic.error("the window must be a duration such as 90 days", at: w.range)
            }
            guard days > 0 else {
                throw Diagnostic.error("a window of \(ValueFormatter.format(v, as: .number)) days holds no time after the first stage: no later stage could count",
                                       at: w.range, notes: ["for example: within 90 days"])
            }
        }
        try validateWhoIsCounted(syntax, session: session, view: view, names: names)
        for target in syntax.targets {
            for n in [target.to] + (target.from.map { [$0] } ?? []) where !names.contains(n) {
                throw Diagnostic.error("unknown stage '\(n)' in the target", at: target.range, suggestion: Suggestion.nearest(to: n, in: Array(names)))
            }
        }
    }

    func evaluateFunnel(_ definition: FunnelDefinition, session: Session, view override: TableValue? = nil, withFromTimes: Bool = false, cacheable: Bool = true,
                        attribution: Attribution = .firstTouch) throws(Diagnostic) -> FunnelEvaluation {
        // Who reached what depends only on the definitions made so far: asking `inbound`, then
        // `inbound by source`, then `what if …` computes it once.
        let key = "\(definition.syntax.name)\u{1}\(session.generation)\u{1}\(attribution)"
        let useCache = cacheable && override == nil && !withFromTimes
        if useCache, let cached = funnelCache.lookup(key) { return cached }
        var evaluation = try computeFunnel(definition, session: session, view: override, withFromTimes: withFromTimes, reusing: nil,
                                           keepingStages: useCache, attribution: attribution)
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

    /// The step durations of the funnel's rows; kept with a kept evaluation, so velocity by one
    /// key, then by another, reads the stage times once.
    func stepDurations(of evaluation: FunnelEvaluation) -> StepDurations {
        guard let key = evaluation.cacheKey else { return Velocity.stepDurations(evaluation.reach, times: evaluation.times) }
        if let kept = funnelCache.stepDurations(key) { return kept }
        let steps = Velocity.stepDurations(evaluation.reach, times: evaluation.times)
        funnelCache.store(steps, for: key)
        return steps
    }

    /// The funnel in a session that differs from `previous`'s only by the definition of `rule`:
    /// stages whose time and condition cannot read the rule keep their inputs; reach is recomputed.
    func evaluateFunnel(_ definition: FunnelDefinition, session: Session, changing rule: String, from previous: FunnelEvaluation, previousSession: Session) throws(Diagnostic) -> FunnelEvaluation {
        let sessions = [previousSession, session]
        let reuse = StageReuse(previous: previous) { stage in
            !RuleDependence.mayRead(rule, stage: stage, in: sessions)
        }
        return try computeFunnel(definition, session: session, view: nil, withFromTimes: false, reusing: reuse, keepingStages: false,
                                 attribution: .firstTouch)
    }

    /// `keepingStages`: the evaluation will be kept, and keeps its stages' inputs for what-ifs.
    private func computeFunnel(_ definition: FunnelDefinition, session: Session, view override: TableValue?, withFromTimes: Bool,
                               reusing reuse: StageReuse?, keepingStages: Bool, attribution: Attribution) throws(Diagnostic) -> FunnelEvaluation {
        let syntax = definition.syntax
        guard let base = session.tables[syntax.table] else {
            throw Diagnostic.error("unknown table '\(syntax.table)'", at: definition.source.range)
        }
        let view = override ?? base
        let evaluator = RowEvaluator(session: session, view: view, context: context)
        var countStageNames: [String] = []
        var stagePlans: [StagePlan] = []
        var rowStages: [StageSyntax] = []
        for stage in syntax.stages {
            try context.checkCancelled()
            if stage.count != nil {
                countStageNames.append(stage.name)
                continue
            }
            let time = try stage.at.map { at throws(Diagnostic) in try evaluator.lower(Expr(.name(at), stage.range)) }
            let condition = try stage.condition.map { c throws(Diagnostic) in try evaluator.lower(c) }
            stagePlans.append(StagePlan(name: stage.name, time: time, condition: condition, optional: stage.optional, timeLabel: stage.at ?? ""))
            rowStages.append(stage)
        }
        // Each exclusion's column is read as a stage's time is; the reading is split off below.
        for exclusion in syntax.exclusions {
            let time = try evaluator.lower(Expr(.name(exclusion.column), exclusion.range))
            let condition = try exclusion.condition.map { c throws(Diagnostic) in try evaluator.lower(c) }
            stagePlans.append(StagePlan(name: "exclude \(exclusion.column)", time: time, condition: condition, optional: true, timeLabel: exclusion.column))
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
        var stages: [StageData]
        var keptStages = Set<Int>()
        do {
            stages = try FunnelRows.stages(plan, view: view, on: RecordedBackend(backend, context: context)) { k in
                guard k < rowStages.count, let kept = reuse?.kept(rowStages[k], at: k) else { return nil }
                keptStages.insert(k)
                return kept
            }
        } catch {
            throw evaluator.diagnostic(error, default: definition.source.range)
        }
        let exclusions = zip(syntax.exclusions, stages.dropFirst(rowStages.count)).map { (exclusion, read) in
            StageExclusion(label: "\(exclusion.column) between \(exclusion.from) and \(exclusion.to)"
                               + (exclusion.condition.map { " where " + $0.range.file.slice($0.range) } ?? ""),
                           times: read.times ?? IntegerValues.narrowest([Int64](repeating: 0, count: view.table.rowCount)), eligible: read.eligible,
                           from: rowStages.firstIndex { $0.name == exclusion.from } ?? 0, to: rowStages.firstIndex { $0.name == exclusion.to } ?? 0)
        }
        stages.removeLast(stages.count - rowStages.count)
        var data = FunnelData(rowCount: view.table.rowCount, selection: view.selection, stages: stages, window: window,
                              order: syntax.anyOrder ? .anyOrder : .inOrder, exclusions: exclusions)
        var funnelView = view
        var entities: (counting: EntityCounting, excluded: [Int])? = nil
        if !syntax.countDistinct.isEmpty {
            let groups = try entityGroups(syntax, evaluator: evaluator, view: view)
            let built = EntityFunnel.build(data, groupOfRow: groups.groupOfRow, groupCount: groups.groupCount, entityOfGroup: groups.entityOfGroup,
                                           entityCount: groups.entityCount, attribution: attribution)
            data = built.data
            funnelView.selection = built.data.selection
            let attributedAt: (String, Int)? = if case .stage(let k) = attribution, k < rowStages.count { (rowStages[k].name, built.notAttributed) } else { nil }
            entities = (EntityCounting(label: Self.sourceText(syntax.countDistinct), constant: syntax.constant.isEmpty ? nil : Self.sourceText(syntax.constant),
                                       entityCount: built.entityCount, rowCount: view.rowCount, rowsWithoutKey: built.rowsWithoutKey,
                                       attributedAt: attributedAt), built.excluded)
        }
        let endOfAsOf = (Int64(context.today) + 1) * CivilDate.secondsPerDay
        var updated: Reach? = nil
        if let reuse, !withFromTimes, entities == nil, reuse.previous.stages.count == stages.count {
            // A what-if: only the rows whose stage inputs the changed rule touches are followed again.
            let changed = stages.indices.filter { !keptStages.contains($0) }
            let before = FunnelData(rowCount: data.rowCount, selection: data.selection,
                                    stages: reuse.previous.stages.map(\.data), window: window)
            updated = FunnelReach.updating(reuse.previous.funnel.reach, of: before, to: data, changedStages: changed, endOfAsOf: endOfAsOf)
        }
        var reach = updated ?? FunnelReach.compute(data, recordFromTimes: withFromTimes, endOfAsOf: endOfAsOf)
        if let entities { reach.excluded = entities.excluded }
        var funnel = EvaluatedFunnel(name: syntax.name, table: syntax.table, view: funnelView, countStageNames: countStageNames,
                                     rowStages: rowStages.map { RowStage(name: $0.name, timeLabel: $0.at, hasCondition: $0.condition != nil, optional: $0.optional) },
                                     targetSteps: syntax.targets.map { ($0.from, $0.to) }, times: data.stages.map(\.times), reach: reach,
                                     stages: keepingStages ? stages.map(KeptStage.init) : [])
        (funnel.notCounted, funnel.afterAsOf) = (reach.notCounted, reach.afterAsOf)
        funnel.order = data.order
        funnel.exclusionLabels = exclusions.map(\.label)
        funnel.entities = entities?.counting
        return FunnelEvaluation(definition: definition, funnel: funnel)
    }

    /// The counts of every stage: count-only stages from their formulas, row stages from reach.
    func totals(_ evaluation: FunnelEvaluation, session: Session) throws(Diagnostic) -> FunnelCounts {
        var values: [Double] = []
        let aggregation = Aggregation(session: session, context: context)
        for formula in evaluation.countFormulas {
            let sliced = try aggregation.evaluate([formula], by: [], defaultTable: nil)
            values.append(sliced.values.first?.first?.number ?? 0)
        }
        return evaluation.funnel.totals(countStageValues: values)
    }

    /// The target of each step (index = later stage), from `target b/a >= x` lines.
    func stepTargets(_ evaluation: FunnelEvaluation, session: Session) throws(Diagnostic) -> [Int: StepTarget] {
        var out: [Int: StepTarget] = [:]
        for target in evaluation.definition.syntax.targets {
            guard let to = evaluation.stageIndex(target.to) else { continue }
            let from = target.from.flatMap { evaluation.stageIndex($0) } ?? (to - 1)
            guard from >= 0, from < to else {
                throw Diagnostic.error("a target goes from an earlier stage to a later one (target mqls/leads >= 20%)", at: target.range)
            }
            guard case .scalar(let v, _, _) = try evaluate(target.value, session: session, baseDirectory: "."), let rate = v.number else {
                throw Diagnostic.error("a target is a rate such as 20%", at: target.value.range)
            }
            out[to] = StepTarget(comparison: target.comparison, rate: rate, from: from)
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

    /// Step durations of kept evaluations (a duration each, and a bitmap of rows per step; one is kept).
    private var steps: (key: String, durations: StepDurations)?

    func stepDurations(_ key: String) -> StepDurations? {
        steps?.key == key ? steps?.durations : nil
    }

    func store(_ durations: StepDurations, for key: String) {
        steps = (key, durations)
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
