import FunnelAnalytics
import FunnelEngine
import FunnelRender

/// `demand F [by key]`: the demand-marketing view of a funnel. Per group: the stage counts, what
/// each stage cost (spend / count), conversion first → last, revenue, average deal, ROMI, and with
/// an orders table promoters and lifetime value; under it, lift (the share of the last stage from
/// marketing sources, by the client's `marketing` rule). Formulas: docs/metrics.md.
extension Interpreter {
    func demandTable(_ evaluation: FunnelEvaluation, keys: [Expr], session: Session, range: SourceRange) throws(Diagnostic) -> ResultTable {
        let syntax = evaluation.definition.syntax
        var aggregation = Aggregation(session: session, context: context)
        let dimensions = Aggregation.dimensions(keys)
        // Group the funnel's rows.
        var keyOfGroup: [[Value]] = [[]]
        let groupOfRow: [Int32]
        var resolved = dimensions
        if dimensions.isEmpty {
            groupOfRow = [Int32](repeating: 0, count: evaluation.view.table.rowCount)
        } else {
            let grouped = try groupRows(of: evaluation, by: dimensions, session: session, range: keys[0].range)
            // Revenue summed over the funnel's own table reuses the same groups.
            aggregation.knownGrouping = grouped
            resolved = grouped.dimensions
            groupOfRow = grouped.grouping.groupOfRow
            keyOfGroup = (0..<grouped.grouping.groupCount).map { g in grouped.grouping.keys.map { $0.value(at: g) } }
        }
        // Spend and revenue, sliced by the same keys in their own tables.
        func sliced(_ formula: Expr?) throws(Diagnostic) -> [[Value]: Double]? {
            guard let formula else { return nil }
            let result = try aggregation.evaluate([formula], by: keys, defaultTable: evaluation.view)
            var map: [[Value]: Double] = [:]
            for (i, row) in result.values.enumerated() {
                // A sum over no rows is null (shown as —), as everywhere else.
                guard let number = row.first?.number else { continue }
                // Sliced formulas label periods ("2025-01"); the funnel's groups hold their first day.
                let key = result.keyColumns.enumerated().map { d, column -> Value in
                    let value = column.value(at: i)
                    guard d < resolved.count, let unit = resolved[d].period, case .text(let label) = value,
                          let period = Period.parse(label) else { return value }
                    return .date(Int32(Periods.start(ofDay: period.start, unit: unit)))
                }
                map[key] = number
            }
            return map
        }
        let spend = try sliced(syntax.spend)
        let revenue = try sliced(syntax.revenue)
        // Orders per funnel row, through the link orders → funnel table.
        var orderCounts: [Int64]? = nil
        var orderAmounts: Column? = nil
        if let orders = syntax.orders {
            let evaluator = RowEvaluator(session: session, view: evaluation.view, context: context)
            guard case .member(let tableExpr, _) = orders.kind else {
                throw Diagnostic.error("orders names the amount column of a linked table: orders orders.amount", at: orders.range)
            }
            let countColumn = VectorOps.materialize(try evaluator.evaluate(Expr(.call("count", [tableExpr], distinct: false), orders.range), selection: evaluation.view.selection), rowCount: evaluation.view.table.rowCount)
            let sumColumn = VectorOps.materialize(try evaluator.evaluate(Expr(.call("sum", [orders], distinct: false), orders.range), selection: evaluation.view.selection), rowCount: evaluation.view.table.rowCount)
            guard case .integer(let c) = countColumn.storage else {
                throw Diagnostic.error("orders must be a table linked to \(syntax.table): link orders.contact_id -> \(syntax.table).id", at: orders.range)
            }
            orderCounts = c.wide
            orderAmounts = sumColumn
        }
        var footnotes: [String] = []
        if session.rules["marketing"] != nil {
            let lastRows = FunnelTables.lastStageRows(evaluation.funnel)
            let fromMarketing = try RowEvaluator(session: session, view: evaluation.view, context: context)
                .filter(Expr(.name("marketing"), range), selection: lastRows).count
            let share = lastRows.isEmpty ? "—" : ValueFormatter.format(.decimal(Double(fromMarketing) / Double(lastRows.count)), as: .percent)
            footnotes.append("lift: \(share) of \(evaluation.rowStageNames.last ?? "the last stage") came from marketing sources (\(CountText.of(fromMarketing)) of \(CountText.of(lastRows.count)), by rule marketing)")
        } else {
            footnotes.append("lift needs the client's marketing sources: rule marketing = source in (\"paid_search\", \"social\", …)")
        }
        if spend == nil { footnotes.append("add `spend sum(spend.amount)` to the funnel for cost per stage and ROMI") }
        if revenue == nil { footnotes.append("add `revenue sum(revenue)` to the funnel for revenue, average deal and ROMI") }
        let inputs = DemandInputs(keyNames: resolved.map(\.name), keyPeriods: resolved.map(\.period), keyOfGroup: keyOfGroup, groupOfRow: groupOfRow,
                                  spend: spend, revenue: revenue, orderCounts: orderCounts, orderAmounts: orderAmounts, notes: footnotes)
        return FunnelTables.demand(evaluation.funnel, inputs)
    }
}
