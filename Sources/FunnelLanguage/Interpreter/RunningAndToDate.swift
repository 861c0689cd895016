import FunnelAnalytics
import FunnelEngine

/// `signups by month running` (each period's figure from the first period through it) and
/// `mqls quarter to date` (the current period up to the as-of date beside the same days of the
/// period before).
extension Interpreter {
    /// The session with each of `tables` that has a time column cut to the rows whose time falls
    /// in `from..<to` (days; no lower bound when nil). A figure evaluated in it is the figure of
    /// that span, rates and averages included (a running rate is not a sum of rates).
    func cutSession(_ session: Session, within from: Int?, _ to: Int, tables: [String], at range: SourceRange) throws(Diagnostic) -> Session {
        var cut = session
        for name in tables {
            guard var view = session.tables[name], let time = view.table.timeColumn, view.table.type(of: time)?.isTemporal == true else { continue }
            let column = Expr(.name(time), range)
            var condition = Expr(.binary(.less, column, Expr(.date(Int32(clamping: to)), range)), range)
            if let from {
                condition = Expr(.binary(.and, Expr(.binary(.greaterEqual, column, Expr(.date(Int32(clamping: from)), range)), range), condition), range)
            }
            view.selection = try RowEvaluator(session: session, view: view, context: context).filter(condition, selection: view.selection)
            cut.tables[name] = view
        }
        // Funnels evaluated in the cut session are not the whole session's: a cache key of their own.
        cut.generation = funnelCache.nextGeneration()
        return cut
    }

    /// The tables a figure names, directly, through `has`, or through the KPIs and rules it names.
    func tablesRead(by figure: Expr, session: Session) -> [String] {
        var found: [String] = []
        var seen = Set<String>()
        var stack = [figure]
        while let e = stack.popLast() {
            let named: String?
            switch e.kind {
            case .name(let n), .has(let n): named = n
            default: named = nil
            }
            if let n = named, seen.insert(n).inserted {
                if session.tables[n] != nil { found.append(n) }
                if let kpi = session.kpis[n] { stack.append(kpi.definition.formula) }
                if let rule = session.rules[n] { stack.append(rule.condition) }
            }
            stack.append(contentsOf: ExprWalk.children(of: e))
        }
        return found
    }

    /// The tables a figure reads that have no time column: a span cannot cut them, so `running`
    /// and `to date` refuse the figure rather than count them whole.
    func untimedTables(in figure: Expr, session: Session) -> [String] {
        tablesRead(by: figure, session: session).filter { n in
            guard let view = session.tables[n] else { return false }
            return !(view.table.timeColumn.flatMap { view.table.type(of: $0) }?.isTemporal ?? false)
        }
    }

    private func refuseUntimed(_ figure: Expr, session: Session, what: String) throws(Diagnostic) {
        guard let table = untimedTables(in: figure, session: session).first else { return }
        throw Diagnostic.error("`\(what)` cuts each table by its time column, and \(table) has none", at: figure.range,
                               notes: ["load it with one: \(table) = load \"…\" time created_at"])
    }

    /// The one period key of a breakdown, or an error saying what `what` needs.
    private func singlePeriod(_ keys: [Expr], what: String, example: String, at range: SourceRange) throws(Diagnostic) -> DateUnit {
        guard keys.count == 1, case .name(let n) = keys[0].kind, let unit = Aggregation.periodNames[n] else {
            throw Diagnostic.error("`\(what)` needs a breakdown by one period (by month, by quarter…): \(example)", at: range)
        }
        return unit
    }

    func running(_ base: Expr, session: Session, baseDirectory: String, range: SourceRange) throws(Diagnostic) -> ResultTable {
        let example = "count(leads) by month running"
        guard case .groupBy(let figure, let keys) = base.kind else {
            throw Diagnostic.error("`running` follows a breakdown by period: \(example)", at: range)
        }
        let unit = try singlePeriod(keys, what: "running", example: example, at: range)
        try refuseUntimed(figure, session: session, what: "running")
        if let (definition, view) = try funnelBase(figure, session: session, baseDirectory: baseDirectory) {
            let evaluation = try evaluateFunnel(definition, session: session, view: view)
            return try funnelBreakdown(evaluation, keys: keys, session: session, running: true)
        }
        guard case .result(var result) = try evaluate(base, session: session, baseDirectory: baseDirectory), result.table.columns.count >= 2 else {
            throw Diagnostic.error("`running` follows a breakdown by period: \(example)", at: range)
        }
        // Each period's figure again, over every row up to the period's end.
        var values: [Value] = []
        for r in 0..<result.table.rowCount {
            try context.checkCancelled()
            guard let start = Self.periodStart(result.table.columns[0].value(at: r)) else {
                values.append(.null)
                continue
            }
            let cut = try cutSession(session, within: nil, Periods.next(start, unit: unit), tables: tablesRead(by: figure, session: session), at: range)
            guard case .scalar(let v, _, _) = try evaluate(figure, session: cut, baseDirectory: baseDirectory) else {
                throw Diagnostic.error("`running` needs a figure (a count, a sum, a KPI): \(example)", at: figure.range)
            }
            values.append(v)
        }
        result.table.columns.insert(ColumnBuilder.column(from: values, name: "running"), at: 2)
        result.table = Table(name: result.table.name, columns: result.table.columns, rowCount: result.table.rowCount)
        result.formats.insert(result.formats.count > 1 ? result.formats[1] : nil, at: min(2, result.formats.count))
        result.footnotes.append("running: the figure over every row up to the end of each \(unit.rawValue), each table cut by its own time column "
            + "(as it stood then: a row timed later is not counted yet)")
        return result
    }

    func toDate(_ figure: Expr, unitName: String, session: Session, baseDirectory: String, range: SourceRange) throws(Diagnostic) -> ResultTable {
        guard let unit = Aggregation.periodNames[unitName] else {
            throw Diagnostic.error("`\(unitName) to date` needs a period: month, quarter, week or year", at: range)
        }
        if case .name(let n) = figure.kind, session.funnels[n] != nil {} else {
            try refuseUntimed(figure, session: session, what: "\(unitName) to date")
        }
        let today = Int(context.today)
        let start = Periods.start(ofDay: today, unit: unit)
        let earlierStart = PeriodComparison.previous.earlier(start, unit: unit)
        // The same number of days into the period before, at most all of it.
        let earlierEnd = min(earlierStart + (today - start), start - 1)
        let spans = [(earlierStart, earlierEnd + 1), (start, today + 1)]
        let labels = spans.map { PeriodLabels.label(.date(Int32($0.0)), unit: unit) }
        let days = today - start + 1
        let spanNote = "\(TextForm.of(labels[1])) to date: \(CivilDate.format(days: start)) through \(CivilDate.format(days: today)) (the as-of date; --set today=YYYY-MM-DD to change); "
            + "previous: the same \(CountText.of(days, "day")) of \(TextForm.of(labels[0])), \(CivilDate.format(days: earlierStart)) through \(CivilDate.format(days: earlierEnd))"
        var notes: [String] = []
        if let latest = try latestTime(in: session, range: range), latest < start {
            notes.append("the data's latest time is \(CivilDate.format(days: latest)), before \(TextForm.of(labels[1])): --set today=\(CivilDate.format(days: latest)) looks at the data's last \(unitName)")
        }
        if let (definition, view) = try funnelBase(figure, session: session, baseDirectory: baseDirectory) {
            let table = try funnelWithin(spans, labels: labels, keyName: unitName, definition: definition, view: view, session: session, range: range)
            var compared = Self.compared(table, keyCount: 1, periodKey: 0, unit: unit, .previous)
            // Only the current period's rows: the earlier span is their `previous`.
            let keep = (0..<compared.table.rowCount).filter { compared.table.columns[0].value(at: $0) == labels[1] }
            compared.table = ResultRows.table(keep.map { r in compared.table.columns.map { $0.value(at: r) } }, names: compared.table.columns.map(\.name))
            compared.title = "\(definition.syntax.name) \(unitName) to date"
            compared.footnotes = table.footnotes + [spanNote] + notes
            return compared
        }
        var values: [Value] = []
        for span in spans {
            let cut = try cutSession(session, within: span.0, span.1, tables: tablesRead(by: figure, session: session), at: range)
            guard case .scalar(let v, _, _) = try evaluate(figure, session: cut, baseDirectory: baseDirectory) else {
                throw Diagnostic.error("`\(unitName) to date` needs a figure (a count, a sum, a KPI) or a funnel: count(leads) \(unitName) to date", at: figure.range)
            }
            values.append(v)
        }
        let kpi: KPI? = { if case .name(let n) = figure.kind { return session.kpis[n] } else { return nil } }()
        let name = kpi?.definition.displayName ?? figure.range.file.slice(figure.range)
        let format = kpi?.definition.format
        let (before, now) = (values[0], values[1])
        var change: [Value] = [.null, .null]
        if let x = now.number, let y = before.number { change = [.decimal(x - y), y != 0 ? .decimal((x - y) / abs(y)) : .null] }
        let columns = [ColumnBuilder.column(from: [labels[1]], name: unitName),
                       ColumnBuilder.column(from: [now], name: name, emptyAs: .decimal),
                       ColumnBuilder.column(from: [before], name: "previous", emptyAs: .decimal),
                       ColumnBuilder.column(from: [change[0]], name: "change", emptyAs: .decimal),
                       ColumnBuilder.column(from: [change[1]], name: "change %", emptyAs: .decimal)]
        return ResultTable(title: "\(name) \(unitName) to date", table: Table(name: "result", columns: columns, rowCount: 1),
                           formats: [nil, format, format, format == .percent ? .points : format, .percent],
                           footnotes: [spanNote + (format == .percent ? "; change in points" : "")] + notes)
    }

    /// The latest day among the times of the tables that have a time column.
    private func latestTime(in session: Session, range: SourceRange) throws(Diagnostic) -> Int? {
        var latest: Int? = nil
        for name in session.tableOrder {
            guard let view = session.tables[name], let time = view.table.timeColumn, view.table.type(of: time)?.isTemporal == true else { continue }
            let maximum = Expr(.call("max", [Expr(.member(Expr(.name(name), range), time), range)], distinct: false), range)
            guard case .scalar(let v, _, _) = try evaluate(maximum, session: session, baseDirectory: "."), let seconds = VectorOps.scalarSeconds(v) else { continue }
            let day = CivilDate.days(fromSeconds: seconds)
            latest = max(latest ?? day, day)
        }
        return latest
    }

    /// A funnel's stages counted in each span as `F by month` counts a period (each stage in the
    /// span its own time falls in), as a breakdown whose key is the span's period.
    private func funnelWithin(_ spans: [(Int, Int)], labels: [Value], keyName: String, definition: FunnelDefinition, view: TableValue?, session: Session,
                              range: SourceRange) throws(Diagnostic) -> ResultTable {
        let evaluation = try evaluateFunnel(definition, session: session, view: view)
        let steps = evaluation.stepsFromOptionalStages
        let (extended, times) = evaluation.reach.appendingJointStages(steps, times: evaluation.times)
        let names = evaluation.stageNames
        var rows: [[Value]] = []
        for (i, span) in spans.enumerated() {
            let counted = FunnelGrouping.countsWithin(extended, times: times, from: Int64(span.0) * CivilDate.secondsPerDay, to: Int64(span.1) * CivilDate.secondsPerDay)
            var counts: [Double] = []
            if !evaluation.countFormulas.isEmpty {
                let cut = try cutSession(session, within: span.0, span.1,
                                         tables: evaluation.countFormulas.flatMap { tablesRead(by: $0, session: session) }, at: range)
                let aggregation = Aggregation(session: cut, context: context)
                for formula in evaluation.countFormulas {
                    counts.append(try aggregation.evaluate([formula], by: [], defaultTable: nil).values.first?.first?.number ?? 0)
                }
            }
            counts += counted.prefix(evaluation.reach.stageCount).map(Double.init)
            let stageCounts = FunnelCounts(stages: names, counts: counts, joint: evaluation.jointCounts(counted, steps: steps))
            rows.append([labels[i]] + counts.map { .decimal($0) } + (1..<max(1, names.count)).map { k in stageCounts.stepRate(k).map { .decimal($0) } ?? .null })
        }
        let rates = (1..<max(1, names.count)).map { RateColumn(column: "\(names[$0])/\(names[$0 - 1])", numerator: names[$0], denominator: names[$0 - 1]) }
        let rateNames = rates.map(\.column)
        var notes = ["each stage counted in the span its own time falls in, as `\(definition.syntax.name) by month` counts a month"]
        notes += evaluation.funnel.countingNotes
        let columnNames = [keyName] + names + rateNames
        let columns = columnNames.enumerated().map { i, name in
            ColumnBuilder.column(from: rows.map { i < $0.count ? $0[i] : .null }, name: name, emptyAs: i == 0 ? .text : .decimal)
        }
        var result = ResultTable(title: nil, table: Table(name: "result", columns: columns, rowCount: rows.count),
                                 formats: [nil] + names.map { _ in DisplayFormat.number } + rateNames.map { _ in DisplayFormat.percent }, footnotes: notes)
        result.rates = rates
        return result
    }

    static func periodStart(_ value: Value) -> Int? {
        switch value {
        case .date(let d): return Int(d)
        case .text(let label): return Period.parse(label)?.start
        default: return nil
        }
    }
}
