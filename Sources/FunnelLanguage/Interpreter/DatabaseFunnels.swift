import FunnelAnalytics
import FunnelEngine
import FunnelPostgres

/// A funnel over a whole database table, shown, broken down or timed by the server: the reach
/// of every row is worked out in SQL (`FunnelSQL`) and only counts and duration summaries come
/// back, so a table of any size costs the same memory. Each function gives nil when the funnel
/// or a key has no SQL form; the statement then runs in memory on the columns it fetches.
extension Interpreter {
    /// The funnel's SQL form, when its rows are a whole database table and every stage has one.
    /// `condition`: the funnel's `where` (`F where country == "DE"`), kept on the server.
    func databaseFunnel(_ definition: FunnelDefinition, session: Session, view override: TableValue?, where condition: Expr? = nil) throws(Diagnostic) -> FunnelSQL? {
        let syntax = definition.syntax
        guard let view = override ?? session.tables[syntax.table], view.selection == nil, let table = DatabaseTable.of(view.table) else { return nil }
        let evaluator = RowEvaluator(session: session, view: view, context: context)
        var stages: [FunnelSQL.Stage] = []
        for stage in syntax.stages where stage.count == nil {
            // A stage that does not lower is the in-memory path's to report.
            do throws(Diagnostic) {
                let time = try stage.at.map { at throws(Diagnostic) in try evaluator.lower(Expr(.name(at), stage.range)) }
                let condition = try stage.condition.map { c throws(Diagnostic) in try evaluator.lower(c) }
                stages.append(FunnelSQL.Stage(time: time, condition: condition, optional: stage.optional))
            } catch {
                return nil
            }
        }
        guard evaluator.lowered.joins.isEmpty else { return nil }
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
            guard evaluator.lowered.joins.isEmpty else { return nil }
        }
        let endOfAsOf = (Int64(context.today) + 1) * CivilDate.secondsPerDay
        return FunnelSQL(table: table, relation: view.sourceName, stages: stages, window: window, endOfAsOf: endOfAsOf, filter: filter)
    }

    /// The SQL of each `by` key over the funnel's table; nil when one has none.
    private func keySQL(_ dimensions: [Aggregation.Dimension], _ sql: FunnelSQL, view: TableValue, session: Session) -> [(sql: String, type: ColumnType)]? {
        let evaluator = RowEvaluator(session: session, view: view, context: context)
        var keys: [(sql: String, type: ColumnType)] = []
        for dimension in dimensions {
            if case .name(let n) = dimension.expr.kind, !view.table.hasColumn(n), Aggregation.periodNames[n] != nil { return nil }
            guard let lowered = try? evaluator.lower(dimension.expr), evaluator.lowered.joins.isEmpty, let key = sql.keySQL(lowered) else { return nil }
            keys.append(key)
        }
        return keys
    }

    /// An evaluated funnel that holds the database's counts and no row: for the table builders only.
    private func countedFunnel(_ definition: FunnelDefinition, view: TableValue, counts: FunnelSQL.Counts) -> EvaluatedFunnel {
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

    /// The funnel's totals from the server: every stage's count, the joint counts of steps out
    /// of optional stages, and what its notes count.
    /// `groups`: the funnel's counts by a key already fetched, whose sums are the totals.
    private func databaseTotals(_ definition: FunnelDefinition, _ sql: FunnelSQL, session: Session, view: TableValue,
                                groups: FunnelSQL.Counts? = nil) throws(Diagnostic) -> (EvaluatedFunnel, FunnelCounts, FunnelSQL.Counts) {
        let steps = jointSteps(definition, view: view)
        let counts: FunnelSQL.Counts
        if let groups {
            counts = sql.totals(of: groups)
        } else {
            do throws(DatabaseError) {
                counts = try sql.counts(keys: [], joint: steps.map { ($0.from, $0.to) }, isCancelled: context.isCancelled)
            } catch {
                throw DatabaseLoader.diagnostic(error, range: definition.source.range)
            }
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
        countedFunnel(definition, view: view, counts: FunnelSQL.Counts.none).stepsFromOptionalStages
    }

    /// `F` (or `F where …`) on a database table.
    func databaseFunnelTable(_ definition: FunnelDefinition, session: Session, where condition: Expr? = nil) throws(Diagnostic) -> ResultTable? {
        guard let sql = try databaseFunnel(definition, session: session, view: nil, where: condition),
              let view = session.tables[definition.syntax.table] else { return nil }
        var (funnel, totals, counts) = try databaseTotals(definition, sql, session: session, view: view)
        if condition != nil { funnel.countedRowsKept = (counts.rows, view.table.rowCount) }
        let rowStages = definition.syntax.stages.filter { $0.count == nil }
        let notes = untimedNotes(definition) { k in k < counts.untimed.count && k < rowStages.count ? counts.untimed[k] : 0 }
        let evaluation = FunnelEvaluation(definition: definition, funnel: funnel)
        return FunnelTables.overview(funnel, counts: totals, targets: try stepTargets(evaluation, session: session), notes: notes, asOf: context.today, title: nil)
    }

    /// `F by key` (or `F by month`) on a database table.
    func databaseFunnelBreakdown(_ definition: FunnelDefinition, keys: [Expr], session: Session, view override: TableValue?,
                                 where condition: Expr? = nil) throws(Diagnostic) -> ResultTable? {
        guard let sql = try databaseFunnel(definition, session: session, view: override, where: condition),
              let view = override ?? session.tables[definition.syntax.table] else { return nil }
        let dimensions = Aggregation.dimensions(keys)
        var period: DateUnit? = nil
        if keys.count == 1, case .name(let n) = keys[0].kind, !view.table.hasColumn(n) { period = Aggregation.periodNames[n] }
        let keySQL = period == nil ? self.keySQL(dimensions, sql, view: view, session: session) : []
        guard let keySQL else { return nil }
        let joint = jointSteps(definition, view: view).map { ($0.from, $0.to) }
        var counted: [[Value]: [Int]] = [:]
        var groups: FunnelSQL.Counts? = nil
        do throws(DatabaseError) {
            if let period {
                // The totals come from the same pass.
                let (byPeriod, totals) = try sql.countsByPeriod(period, joint: joint, isCancelled: context.isCancelled)
                for (start, counts) in byPeriod { counted[[.date(Int32(start))]] = counts }
                groups = FunnelSQL.Counts.all(totals)
            } else {
                let byKey = try sql.counts(keys: keySQL, joint: joint, withNotes: false, isCancelled: context.isCancelled)
                for (key, counts) in zip(byKey.keys, byKey.counts) { counted[key] = counts }
                groups = byKey
            }
        } catch {
            throw DatabaseLoader.diagnostic(error, range: keys[0].range)
        }
        let (funnel, totals, _) = try databaseTotals(definition, sql, session: session, view: view, groups: groups)
        let countStageValues = try countStageValuesByKey(definition, keys: keys, period: period, session: session)
        return FunnelTables.breakdown(funnel, keyNames: dimensions.map(\.name), groups: .counted(counted, period: period),
                                      countStageValues: countStageValues, overall: totals, asOf: context.today)
    }

    /// `velocity F [by key]` on a database table.
    func databaseVelocity(_ definition: FunnelDefinition, keys: [Expr], session: Session) throws(Diagnostic) -> ResultTable? {
        guard let sql = try databaseFunnel(definition, session: session, view: nil), let view = session.tables[definition.syntax.table] else { return nil }
        let dimensions = Aggregation.dimensions(keys)
        guard let keySQL = self.keySQL(dimensions, sql, view: view, session: session) else { return nil }
        let durations: (keys: [[Value]], steps: [[Int: FunnelSQL.Durations]], endToEnd: [FunnelSQL.Durations?])
        do throws(DatabaseError) {
            durations = try sql.durations(keys: keySQL, isCancelled: context.isCancelled)
        } catch {
            throw DatabaseLoader.diagnostic(error, range: keys.first?.range ?? definition.source.range)
        }
        let funnel = countedFunnel(definition, view: view, counts: FunnelSQL.Counts.none)
        func summary(_ d: FunnelSQL.Durations?) -> DurationSummary {
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
    /// `demand F [by key]` on a database table: the stage counts per group and the lift from
    /// the server, spend and revenue sliced as any formula is. With `orders` (a count per funnel
    /// row of a linked table) it runs in memory.
    func databaseDemand(_ definition: FunnelDefinition, keys: [Expr], session: Session, range: SourceRange) throws(Diagnostic) -> ResultTable? {
        let syntax = definition.syntax
        guard syntax.orders == nil, let sql = try databaseFunnel(definition, session: session, view: nil),
              let view = session.tables[syntax.table] else { return nil }
        let dimensions = Aggregation.dimensions(keys)
        guard let keySQL = self.keySQL(dimensions, sql, view: view, session: session) else { return nil }
        var marketing: String? = nil
        if session.rules["marketing"] != nil {
            let evaluator = RowEvaluator(session: session, view: view, context: context)
            guard let lowered = try? evaluator.lower(Expr(.name("marketing"), range)), evaluator.lowered.joins.isEmpty,
                  let condition = sql.keySQL(lowered), condition.type == .boolean else { return nil }
            marketing = condition.sql
        }
        let counts: FunnelSQL.Counts
        do throws(DatabaseError) {
            counts = try sql.counts(keys: keySQL, joint: [], lastStageWhere: marketing, withNotes: false, isCancelled: context.isCancelled)
        } catch {
            throw DatabaseLoader.diagnostic(error, range: keys.first?.range ?? range)
        }
        let aggregation = Aggregation(session: session, context: context)
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
        let revenue = try sliced(syntax.revenue)
        let funnel = countedFunnel(definition, view: view, counts: FunnelSQL.Counts.none)
        var footnotes: [String] = []
        if marketing != nil {
            let reachedLast = sql.totals(of: counts).counts.first.map { $0[funnel.rowStages.count - 1] } ?? 0
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
        return FunnelTables.demand(funnel, inputs)
    }
}
