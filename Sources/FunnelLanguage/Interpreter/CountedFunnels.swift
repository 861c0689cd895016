import FunnelAnalytics
import FunnelEngine

/// A funnel shown, broken down or timed by a backend that works out who reached which stage
/// where the rows are (a database, in SQL): only counts and duration summaries come back, so a
/// table of any size costs the same memory. Each function gives nil when the backend answers
/// funnels from their rows (in memory) or the funnel or a key has no form it can send; the
/// statement then runs on the rows, as every funnel over a CSV file does.
extension Interpreter {
    /// A funnel asked of the backend whole, and the backend to ask.
    struct BackendFunnel {
        /// The funnel as asked, without the joins its expressions need.
        var asked: FunnelQuery
        var backend: any Backend
        var view: TableValue
        /// The row expressions' origins: an error's place in the script.
        var evaluator: RowEvaluator

        /// The funnel with the joins that its stages, its filter and the keys lowered so far read.
        var query: FunnelQuery {
            var query = asked
            query.joins = evaluator.lowered.joins
            return query
        }

        func counts(_ request: FunnelCountsRequest, at range: SourceRange) throws(Diagnostic) -> FunnelGroupCounts? {
            do { return try backend.funnelCounts(query, request) } catch { throw evaluator.diagnostic(error, default: range) }
        }

        func durations(by keys: [PlanExpression], at range: SourceRange) throws(Diagnostic) -> FunnelGroupDurations? {
            do { return try backend.funnelDurations(query, by: keys) } catch { throw evaluator.diagnostic(error, default: range) }
        }

        /// Each `by` key as a row expression over the funnel's rows; nil when one is a period.
        func keys(_ dimensions: [Aggregation.Dimension]) -> [PlanExpression]? {
            guard let (keys, periods) = keysAndPeriods(dimensions), periods.allSatisfy({ $0 == nil }) else { return nil }
            return keys
        }

        /// Each `by` key as a row expression over the funnel's rows, `month` & co. as the period
        /// of the table's time column (as a breakdown of rows groups them), with that period;
        /// nil when the table has no time column.
        func keysAndPeriods(_ dimensions: [Aggregation.Dimension]) -> ([PlanExpression], [DateUnit?])? {
            var keys: [PlanExpression] = []
            var periods: [DateUnit?] = []
            for dimension in dimensions {
                if case .name(let n) = dimension.expr.kind, !view.table.hasColumn(n), let unit = Aggregation.periodNames[n] {
                    guard evaluator.linkedColumn(n) == nil, let time = view.table.timeColumn, view.table.type(of: time)?.isTemporal == true else { return nil }
                    keys.append(.function(.truncate(unit), [.column(ColumnRef(time))]))
                    periods.append(unit)
                    continue
                }
                guard let lowered = try? evaluator.lower(dimension.expr) else { return nil }
                keys.append(lowered)
                periods.append(nil)
            }
            return (keys, periods)
        }
    }

    /// The funnel as a query for the backend: its rows a whole table (or a view of one chosen by
    /// a condition) and its stages row expressions (reading linked tables through joins). `condition`: the funnel's `where`
    /// (`F where country == "DE"`), sent with it.
    func backendFunnel(_ definition: FunnelDefinition, session: Session, view override: TableValue?, where condition: Expr? = nil) throws(Diagnostic) -> BackendFunnel? {
        let syntax = definition.syntax
        // Entities, exclusions and any order are followed on the funnel's rows (docs/databases.md).
        guard syntax.countDistinct.isEmpty, syntax.exclusions.isEmpty, !syntax.anyOrder else { return nil }
        // A whole table, or a view of one chosen by a condition the backend can send with it.
        guard let view = override ?? session.tables[syntax.table], view.selection == nil || view.selectedBy != nil else { return nil }
        let evaluator = RowEvaluator(session: session, view: view, context: context)
        var stages: [FunnelQuery.Stage] = []
        for stage in syntax.stages where stage.count == nil {
            // A stage that does not lower is the in-memory path's to report.
            do throws(Diagnostic) {
                let time = try stage.at.map { at throws(Diagnostic) in try evaluator.lower(Expr(.name(at), stage.range)) }
                let condition = try stage.condition.map { c throws(Diagnostic) in try evaluator.lower(c) }
                stages.append(FunnelQuery.Stage(time: time, condition: condition, optional: stage.optional))
            } catch {
                return nil
            }
        }
        var window: Int64? = nil
        if let w = syntax.window {
            guard case .scalar(let v, _, _) = try evaluate(w, session: session, baseDirectory: "."), let days = v.number, days >= 0, days < 1e7 else {
                throw Diagnostic.error("the window must be a duration such as 90 days", at: w.range)
            }
            window = Int64(days * 86_400)
        }
        var filter: PlanExpression? = nil
        if let condition {
            do throws(Diagnostic) { filter = try evaluator.lower(condition) } catch { return nil }
        }
        let endOfAsOf = (Int64(context.today) + 1) * CivilDate.secondsPerDay
        let (scan, backend) = evaluator.scanned(view.selection, columns: nil)
        let relation = scan.relation
        let query = FunnelQuery(relation: relation, stages: stages, window: window, endOfAsOf: endOfAsOf, filter: filter)
        return BackendFunnel(asked: query, backend: RecordedBackend(backend, context: context), view: view, evaluator: evaluator)
    }

    /// An evaluated funnel that holds the database's counts and no row: for the table builders only.
    private func countedFunnel(_ definition: FunnelDefinition, view: TableValue, counts: FunnelGroupCounts) -> EvaluatedFunnel {
        let syntax = definition.syntax
        let rowStages = syntax.stages.filter { $0.count == nil }
        let stageCounts = Array((counts.counts.first ?? []).prefix(rowStages.count))
        var funnel = EvaluatedFunnel(name: syntax.name, table: syntax.table, view: view, countStageNames: syntax.stages.filter { $0.count != nil }.map(\.name),
                                     rowStages: rowStages.map { RowStage(name: $0.name, timeLabel: $0.at, hasCondition: $0.condition != nil, optional: $0.optional) },
                                     targetSteps: syntax.targets.map { ($0.from, $0.to) },
                                     times: rowStages.map { $0.at == nil ? nil : IntegerValues.narrowest([]) },
                                     reach: Reach(countedStages: stageCounts, notCounted: counts.notCounted, afterAsOf: counts.afterAsOf), stages: [])
        (funnel.notCounted, funnel.afterAsOf) = (counts.notCounted, counts.afterAsOf)
        return funnel
    }

    /// The funnel's totals from the backend: every stage's count, the joint counts of steps out
    /// of optional stages, and what its notes count; nil when it counts funnels from their rows.
    /// `groups`: the funnel's counts by a key already counted, whose totals are the funnel's.
    private func countedTotals(_ definition: FunnelDefinition, _ asked: BackendFunnel, session: Session,
                               groups: FunnelGroupCounts? = nil) throws(Diagnostic) -> (EvaluatedFunnel, FunnelCounts, FunnelGroupCounts)? {
        let view = asked.view
        let steps = jointSteps(definition, view: view)
        let counts: FunnelGroupCounts
        if let groups {
            counts = groups.totals
        } else {
            let request = FunnelCountsRequest(grouping: .keys([]), joint: steps.map { ($0.from, $0.to) }, withNotes: true)
            guard let counted = try asked.counts(request, at: definition.source.range) else { return nil }
            counts = counted
        }
        let funnel = countedFunnel(definition, view: view, counts: counts)
        var values: [Double] = []
        let aggregation = Aggregation(session: session, context: context)
        for formula in definition.syntax.stages.compactMap(\.count) {
            values.append(try aggregation.evaluate([formula], by: [], defaultTable: nil).values.first?.first?.number ?? 0)
        }
        let rowCounts = counts.counts.first ?? []
        values += rowCounts.prefix(funnel.rowStages.count).map(Double.init)
        return (funnel, FunnelCounts(stages: funnel.stageNames, counts: values, joint: funnel.jointCounts(rowCounts, steps: steps)), counts)
    }

    /// The steps out of optional stages, whose rows in both stages are counted as extra stages.
    private func jointSteps(_ definition: FunnelDefinition, view: TableValue) -> [Step] {
        countedFunnel(definition, view: view, counts: .none).stepsFromOptionalStages
    }

    /// `F` (or `F where …`), counted by the backend.
    func countedFunnelTable(_ definition: FunnelDefinition, session: Session, where condition: Expr? = nil) throws(Diagnostic) -> ResultTable? {
        guard let asked = try backendFunnel(definition, session: session, view: nil, where: condition),
              let (counted, totals, counts) = try countedTotals(definition, asked, session: session) else { return nil }
        var funnel = counted
        // As for rows in memory: a funnel over some of its table's rows says how many of all.
        if condition != nil || asked.view.selection != nil { funnel.countedRowsKept = (counts.rows, asked.view.table.rowCount) }
        let rowStages = definition.syntax.stages.filter { $0.count == nil }
        let notes = untimedNotes(definition) { k in k < counts.untimed.count && k < rowStages.count ? counts.untimed[k] : 0 }
        let evaluation = FunnelEvaluation(definition: definition, funnel: funnel)
        return FunnelTables.overview(funnel, counts: totals, targets: try stepTargets(evaluation, session: session), notes: notes, asOf: context.today, title: nil)
    }

    /// `F by key` (or `F by month`), counted by the backend.
    func countedFunnelBreakdown(_ definition: FunnelDefinition, keys: [Expr], session: Session, view override: TableValue?,
                                where condition: Expr? = nil) throws(Diagnostic) -> ResultTable? {
        guard let asked = try backendFunnel(definition, session: session, view: override, where: condition) else { return nil }
        let view = asked.view
        let dimensions = Aggregation.dimensions(keys)
        var period: DateUnit? = nil
        if keys.count == 1, case .name(let n) = keys[0].kind, !view.table.hasColumn(n) { period = Aggregation.periodNames[n] }
        let grouping: FunnelGroupBy
        if let period {
            grouping = .period(period)
        } else {
            guard let lowered = asked.keys(dimensions) else { return nil }
            grouping = .keys(lowered)
        }
        let joint = jointSteps(definition, view: view).map { ($0.from, $0.to) }
        // Periods' totals come from the same pass; keys' are their groups' sums.
        guard let groups = try asked.counts(FunnelCountsRequest(grouping: grouping, joint: joint), at: keys[0].range),
              let (funnel, totals, _) = try countedTotals(definition, asked, session: session, groups: groups) else { return nil }
        var counted: [[Value]: [Int]] = [:]
        for (key, counts) in zip(groups.keys, groups.counts) { counted[key] = counts }
        let countStageValues = try countStageValuesByKey(definition, keys: keys, period: period, session: session)
        return FunnelTables.breakdown(funnel, keyNames: dimensions.map(\.name), groups: .counted(counted, period: period),
                                      countStageValues: countStageValues, overall: totals, asOf: context.today)
    }

    /// `bottleneck F`, counted by the backend: the totals, and without targets the counts by month.
    func countedBottleneck(_ definition: FunnelDefinition, session: Session, range: SourceRange) throws(Diagnostic) -> ResultTable? {
        guard let asked = try backendFunnel(definition, session: session, view: nil),
              let (funnel, totals, _) = try countedTotals(definition, asked, session: session) else { return nil }
        let targets = try stepTargets(FunnelEvaluation(definition: definition, funnel: funnel), session: session)
        var byMonth: [Int: [Int]]? = nil
        if targets.isEmpty {
            let joint = jointSteps(definition, view: asked.view).map { ($0.from, $0.to) }
            guard let months = try asked.counts(FunnelCountsRequest(grouping: .period(.month), joint: joint), at: range) else { return nil }
            var counted: [Int: [Int]] = [:]
            for (key, counts) in zip(months.keys, months.counts) {
                if case .date(let start)? = key.first { counted[Int(start)] = counts }
            }
            byMonth = counted
        }
        return FunnelTables.bottleneck(funnel, counts: totals, targets: targets, asOf: context.today, byMonth: byMonth)
    }

    /// Per stage, the rows whose furthest stage it is and of them those whose time there is
    /// before `staleBefore`, with every stage's joint count with the last; nil when the backend
    /// counts funnels from their rows.
    private func countedWaiting(_ definition: FunnelDefinition, _ asked: BackendFunnel, staleBefore: Int64, range: SourceRange) throws(Diagnostic)
        -> (funnel: EvaluatedFunnel, counts: FunnelGroupCounts)? {
        let last = definition.syntax.stages.filter { $0.count == nil }.count - 1
        let joint = (0..<max(0, last)).map { (from: $0, to: last) }
        let request = FunnelCountsRequest(grouping: .keys([]), joint: joint, staleBefore: staleBefore)
        guard let counts = try asked.counts(request, at: range) else { return nil }
        return (countedFunnel(definition, view: asked.view, counts: counts), counts)
    }

    /// `decay F.stage after N days`, counted by the backend.
    func countedDecay(_ definition: FunnelDefinition, stage: String, after: Expr, value: Expr?, session: Session, range: SourceRange) throws(Diagnostic) -> ResultTable? {
        guard let asked = try backendFunnel(definition, session: session, view: nil) else { return nil }
        // The stage is checked on the funnel's shape, before anything is counted.
        let shape = FunnelEvaluation(definition: definition, funnel: countedFunnel(definition, view: asked.view, counts: .none))
        let k = try decayStage(shape, stage: stage, range: range)
        let days = try durationDays(after, session: session)
        let staleBefore = FunnelTables.staleBefore(afterDays: days, asOf: context.today)
        guard let (funnel, counts) = try countedWaiting(definition, asked, staleBefore: staleBefore, range: range) else { return nil }
        let dealValue = try decayDealValue(shape, value: value, session: session)
        let width = funnel.rowStages.count
        let all = counts.counts.first ?? []
        // The joint counts follow the stages': stage k with the last is the k-th.
        let reachedLast = width + k < all.count ? all[width + k] : 0
        let stale = k < counts.stale.count ? counts.stale[k] : 0
        return FunnelTables.decay(funnel, stage: k, afterDays: days, dealValue: dealValue, asOf: context.today, counted: (stale, reachedLast))
    }

    /// `health F [after N days]`, counted by the backend.
    func countedHealth(_ definition: FunnelDefinition, after: Expr?, session: Session, range: SourceRange) throws(Diagnostic) -> ResultTable? {
        guard let asked = try backendFunnel(definition, session: session, view: nil) else { return nil }
        let days = try after.map { (e: Expr) throws(Diagnostic) -> Double in try durationDays(e, session: session) } ?? 30
        let staleBefore = FunnelTables.staleBefore(afterDays: days, asOf: context.today)
        guard let (funnel, counts) = try countedWaiting(definition, asked, staleBefore: staleBefore, range: range) else { return nil }
        return FunnelTables.health(funnel, afterDays: days, asOf: context.today, counted: (counts.furthest, counts.stale))
    }

    /// `F cohort by month`, counted by the backend.
    func countedCohorts(_ definition: FunnelDefinition, keys: [Expr], session: Session, view override: TableValue?) throws(Diagnostic) -> ResultTable? {
        let (unit, n) = try cohortPeriod(keys, definition: definition)
        guard let asked = try backendFunnel(definition, session: session, view: override),
              let cohorts = try asked.counts(FunnelCountsRequest(grouping: .entryPeriod(unit)), at: keys[0].range) else { return nil }
        var counted: [Int: [Int]] = [:]
        for (key, counts) in zip(cohorts.keys, cohorts.counts) {
            if case .date(let start)? = key.first { counted[Int(start)] = counts }
        }
        let funnel = countedFunnel(definition, view: asked.view, counts: .none)
        return FunnelTables.cohorts(funnel, unit: unit, unitName: n, counted: counted)
    }

    /// `stuck F.stage after N days`: the stale rows found by the backend, then shown as any view.
    func countedStuck(_ definition: FunnelDefinition, stage: String, after: Expr, session: Session, range: SourceRange) throws(Diagnostic) -> [Output]? {
        guard let asked = try backendFunnel(definition, session: session, view: nil) else { return nil }
        let shape = FunnelEvaluation(definition: definition, funnel: countedFunnel(definition, view: asked.view, counts: .none))
        // Whether the backend finds stale rows at all (one that holds the rows declines).
        var declined = false
        let report = try stuckReport(shape, stage: stage, after: after, session: session, range: range) { k, staleBefore throws(Diagnostic) in
            do throws(PlanError) {
                guard let rows = try asked.backend.funnelStaleRows(asked.query, stage: k, staleBefore: staleBefore) else {
                    declined = true
                    return []
                }
                return rows
            } catch {
                throw asked.evaluator.diagnostic(error, default: range)
            }
        }
        return declined ? nil : report
    }

    /// `what if rule = … in F`: both funnels counted by the backend.
    func countedWhatIf(rule: String, condition: Expr, funnelName: String, statement: Statement, session: Session, range: SourceRange) throws(Diagnostic) -> ResultTable? {
        guard session.rules[rule] != nil, let definition = session.funnels[funnelName] else { return nil }
        var changed = session
        changed.rules[rule] = RuleDefinition(name: rule, condition: condition, source: statement)
        // A cycle is the in-memory path's to report.
        if Cycles.find(start: rule, edges: { r in changed.rules[r].map { Cycles.names(in: $0.condition).filter { changed.rules[$0] != nil } } ?? [] }) != nil { return nil }
        guard let now = try backendFunnel(definition, session: session, view: nil),
              let alternative = try backendFunnel(definition, session: changed, view: nil),
              let (_, current, _) = try countedTotals(definition, now, session: session),
              let (_, changedTotals, _) = try countedTotals(definition, alternative, session: changed) else { return nil }
        let text = Interpreter.shortLabel(condition.range.file.slice(condition.range))
        return FunnelTables.comparison(current, changedTotals, title: "what if \(rule) = \(text) in \(funnelName) (nothing is redefined)")
    }

    /// `velocity F [by key]`, timed by the backend.
    func timedVelocity(_ definition: FunnelDefinition, keys: [Expr], session: Session) throws(Diagnostic) -> ResultTable? {
        guard let asked = try backendFunnel(definition, session: session, view: nil) else { return nil }
        let dimensions = Aggregation.dimensions(keys)
        guard let (lowered, periods) = asked.keysAndPeriods(dimensions),
              var durations = try asked.durations(by: lowered, at: keys.first?.range ?? definition.source.range) else { return nil }
        // Periods are shown by their labels (rows without a time, as a breakdown of rows groups
        // them, under no period).
        durations.keys = durations.keys.map { key in zip(key, periods).map { value, unit in unit.map { PeriodLabels.label(value, unit: $0) } ?? value } }
        let funnel = countedFunnel(definition, view: asked.view, counts: .none)
        func summary(_ d: FunnelDurations?) -> DurationSummary {
            guard let d, d.count > 0 else { return DurationSummary(count: 0, medianDays: nil, p90Days: nil, meanDays: nil) }
            return DurationSummary(count: d.count, medianDays: d.medianDays, p90Days: d.p90Days, meanDays: d.meanDays)
        }
        // Without a key, one group of no key (even when the table has no row).
        let groupKeys = keys.isEmpty ? [[]] : durations.keys
        return FunnelTables.velocity(funnel, dimensionNames: dimensions.map(\.name), groupKeys: groupKeys,
                                     step: { g, k in summary(g < durations.steps.count ? durations.steps[g][k] : nil) },
                                     endToEnd: { g in summary(g < durations.endToEnd.count ? durations.endToEnd[g] : nil) })
    }
}

extension Interpreter {
    /// `demand F [by key]`: the stage counts per group and the lift counted by the backend,
    /// spend and revenue sliced as any formula is; with `orders`, the promoters and the orders'
    /// amount of the rows that reached the last stage, counted by the backend too.
    func countedDemand(_ definition: FunnelDefinition, keys: [Expr], session: Session, range: SourceRange) throws(Diagnostic) -> ResultTable? {
        let syntax = definition.syntax
        guard let asked = try backendFunnel(definition, session: session, view: nil) else { return nil }
        let view = asked.view
        let dimensions = Aggregation.dimensions(keys)
        guard let lowered = asked.keys(dimensions) else { return nil }
        var marketing: PlanExpression? = nil
        if session.rules["marketing"] != nil {
            guard let condition = try? asked.evaluator.lower(Expr(.name("marketing"), range)) else { return nil }
            marketing = condition
        }
        // `revenue sum(x)` over the funnel's own rows is summed in the same pass as the counts,
        // with the rows after the as-of date that its note counts.
        let aggregation = Aggregation(session: session, context: context)
        var measures: [Measure] = []
        if let argument = Self.summedColumn(syntax.revenue, session: session), let value = try? asked.evaluator.lower(argument) {
            measures.append(Measure(name: "revenue", function: .sum, argument: value))
            if let late = aggregation.afterAsOf(view.table) { measures.append(Measure(name: "after as-of", function: .countRows, filter: late)) }
        }
        // Orders per row of the funnel's table, through the link orders → funnel table.
        var orderMeasures: [Measure]? = nil
        if let orders = syntax.orders {
            guard case .member(let ordersTable, _) = orders.kind,
                  let count = try? asked.evaluator.lower(Expr(.call("count", [ordersTable], distinct: false), orders.range)),
                  let amount = try? asked.evaluator.lower(Expr(.call("sum", [orders], distinct: false), orders.range)) else { return nil }
            orderMeasures = [Measure(name: "promoters", function: .countRows, filter: .binary(.greaterEqual, count, .constant(.integer(2)))),
                             Measure(name: "lifetime", function: .sum, argument: amount)]
        }
        let request = FunnelCountsRequest(grouping: .keys(lowered), lastStageWhere: marketing, measures: measures)
        guard let counts = try asked.counts(request, at: keys.first?.range ?? range) else { return nil }
        var orderTotals: [(promoters: Int, amount: Double)]? = nil
        if let orderMeasures {
            let last = syntax.stages.filter { $0.count == nil }.count - 1
            let ordered = FunnelCountsRequest(grouping: .keys(lowered), measures: orderMeasures, measuresAmongReachersOf: last)
            guard let totals = try asked.counts(ordered, at: syntax.orders?.range ?? range) else { return nil }
            var byKey: [[Value]: (promoters: Int, amount: Double)] = [:]
            for (key, values) in zip(keys.isEmpty ? [[]] : totals.keys, totals.measures) {
                byKey[key] = (Int(values.first?.number ?? 0), values.count > 1 ? values[1].number ?? 0 : 0)
            }
            orderTotals = (keys.isEmpty ? [[]] : counts.keys).map { byKey[$0] ?? (0, 0) }
        }
        func sliced(_ formula: Expr?) throws(Diagnostic) -> [[Value]: Double]? {
            guard let formula else { return nil }
            let result = try aggregation.evaluate([formula], by: keys, defaultTable: view)
            var map: [[Value]: Double] = [:]
            for (i, row) in result.values.enumerated() {
                guard let number = row.first?.number else { continue }
                map[result.keyColumns.map { $0.value(at: i) }] = number
            }
            return map
        }
        let spend = try sliced(syntax.spend)
        let revenue: [[Value]: Double]?
        if measures.isEmpty {
            revenue = try sliced(syntax.revenue)
        } else {
            // As a formula gives it: a group's sum, 0 when its rows have no value.
            var byKey: [[Value]: Double] = [:]
            var late = 0
            for (key, values) in zip(keys.isEmpty ? [[]] : counts.keys, counts.measures) {
                byKey[key] = values.first?.number ?? 0
                if values.count > 1 { late += Int(values[1].number ?? 0) }
            }
            revenue = byKey
            if measures.count > 1 { aggregation.countedRowsAfterAsOf(view, late: late) }
        }
        let funnel = countedFunnel(definition, view: view, counts: .none)
        var footnotes: [String] = []
        if marketing != nil {
            let reachedLast = counts.totals.counts.first.map { $0[funnel.rowStages.count - 1] } ?? 0
            let share = reachedLast == 0 ? "—" : ValueFormatter.format(.decimal(Double(counts.lastStageMatching) / Double(reachedLast)), as: .percent)
            footnotes.append("lift: \(share) of \(funnel.rowStageNames.last ?? "the last stage") came from marketing sources "
                + "(\(CountText.of(counts.lastStageMatching)) of \(CountText.of(reachedLast)), by rule marketing)")
        } else {
            footnotes.append("lift needs the client's marketing sources: rule marketing = source in (\"paid_search\", \"social\", …)")
        }
        if spend == nil { footnotes.append("add `spend sum(spend.amount)` to the funnel for cost per stage and ROMI") }
        if revenue == nil { footnotes.append("add `revenue sum(revenue)` to the funnel for revenue, average deal and ROMI") }
        var inputs = DemandInputs(keyNames: dimensions.map(\.name), keyPeriods: dimensions.map { _ in nil }, keyOfGroup: keys.isEmpty ? [[]] : counts.keys,
                                  groupOfRow: [], spend: spend, revenue: revenue, orderCounts: nil, orderAmounts: nil, notes: footnotes)
        inputs.stageCounts = keys.isEmpty ? [counts.counts.first ?? [Int](repeating: 0, count: funnel.rowStages.count)] : counts.counts
        inputs.orderTotals = orderTotals
        return FunnelTables.demand(funnel, inputs)
    }

    /// `x` of a formula `sum(x)` whose argument is a row expression (no `where`, no aggregate,
    /// no KPI inside); nil for any other formula.
    static func summedColumn(_ formula: Expr?, session: Session) -> Expr? {
        guard let formula, case .call("sum", let arguments, distinct: false) = formula.kind, arguments.count == 1 else { return nil }
        var stack = [arguments[0]]
        while let e = stack.popLast() {
            switch e.kind {
            case .filter, .groupBy, .cohort, .select, .sort, .top, .load, .versus, .confidence, .attributed, .running, .toDate, .wide: return nil
            case .call(let name, _, _) where Functions.aggregates.contains(name): return nil
            case .name(let name) where session.kpis[name] != nil: return nil
            default: stack += ExprWalk.children(of: e)
            }
        }
        return arguments[0]
    }
}
