import FunnelEngine

/// A funnel over a database table, answered by the server: who reached which stage is worked
/// out row by row in SQL (the rule of `FunnelReach.compute`: each stage's condition and time,
/// strict order of times, the window from the first stage, optional stages), and only counts
/// and duration summaries per group come back. Nil from `init` when a stage's time or
/// condition has no SQL form (`SQLCompiler`): the funnel then runs in memory.
struct FunnelSQL: Sendable {
    let table: DatabaseTable
    let frame: SQLCompiler.Frame
    /// Per stage: time as a timestamp (nil: none), condition (nil: none).
    let times: [String?]
    let conditions: [String?]
    let optional: [Bool]
    let window: Int64?
    let endOfAsOf: Int64
    /// The rows kept (`F where …`); nil: every row.
    let filter: String?

    /// `catalog`: the relations the funnel's rows and the rows its joins read may be.
    init?(_ funnel: FunnelQuery, catalog: SQLCompiler.Catalog) {
        var rows = LogicalPlan.scan(funnel.relation, columns: nil)
        for join in funnel.joins { rows = .join(rows, join) }
        guard let frame = SQLCompiler.Frame(rows, catalog: catalog) else { return nil }
        let table = frame.table
        var times: [String?] = []
        var conditions: [String?] = []
        for stage in funnel.stages {
            if let time = stage.time {
                guard let typed = frame.expression(time), typed.type?.isTemporal == true else { return nil }
                times.append("(\(typed.sql))::timestamp")
            } else {
                times.append(nil)
            }
            if let condition = stage.condition {
                guard let typed = frame.expression(condition), typed.type == .boolean || typed.type == nil else { return nil }
                conditions.append(typed.sql)
            } else {
                conditions.append(nil)
            }
        }
        // The view's rows (the frame's conditions), then the funnel's `where`.
        var kept = frame.conditions.map { "(\($0))" }
        if let filter = funnel.filter {
            guard let typed = frame.expression(filter), typed.type == .boolean || typed.type == nil else { return nil }
            kept.append("(\(typed.sql))")
        }
        self.filter = kept.isEmpty ? nil : kept.joined(separator: " and ")
        self.table = table
        self.frame = frame
        self.times = times
        self.conditions = conditions
        optional = funnel.stages.map(\.optional)
        window = funnel.window
        endOfAsOf = funnel.endOfAsOf
    }

    var stageCount: Int { times.count }

    /// A key's SQL, nil when it has none.
    func keySQL(_ key: PlanExpression) -> (sql: String, type: ColumnType)? {
        guard let typed = frame.expression(key), let type = typed.type else { return nil }
        return (typed.sql, type)
    }

    /// The funnel's rows with their keys (k0, k1, …), stage times (t0, …), conditions (c0, …),
    /// eligibility (e0, …), whether they may enter each stage (g0, …) and reached it (h0, …),
    /// and per stage the time of the last stage reached up to it and of the first (p0, f0, …).
    ///
    /// The inputs are one layer, fenced with OFFSET 0 so that the server evaluates each stage's
    /// condition once per row (a rule's regular expression is the costly part); the reach is
    /// one more layer of comparisons between those columns. It is the rule of
    /// `FunnelReach.compute` written out stage by stage, with what is known simplified away:
    /// after a required stage the previous time is that stage's own, and the running "still in"
    /// is the stage's reach; only an optional stage needs a CASE for the time before it.
    /// `extra`: a condition computed with the inputs, as column x; `inputs`: more columns
    /// computed with them (`name as alias`); `numbered`: each row's position in the table's
    /// order (funnel_n) and the table's rows (funnel_total), before the funnel's `where`.
    func reachRows(keys: [String], extra: String? = nil, inputs: [String] = [], numbered: Bool = false) -> String {
        var base: [String] = numbered ? ["funnel_n", "funnel_total"] : []
        for (i, key) in keys.enumerated() { base.append("\(key) as k\(i)") }
        if let extra { base.append("(\(extra)) as x") }
        base += inputs
        for j in 0..<stageCount {
            base.append("\(times[j] ?? "null::timestamp") as t\(j)")
            base.append("\(conditions[j] ?? "true") as c\(j)")
        }
        // Eligible: the condition holds and the time is there; from the input columns, so that
        // a rule (its regular expression) is evaluated once per row.
        func eligible(_ j: Int) -> String {
            var e = conditions[j] == nil ? "true" : "coalesce(q.c\(j), false)"
            if times[j] != nil { e += " and q.t\(j) is not null" }
            return "(\(e))"
        }
        // The running state, each valid where `still` holds: SQL text, and whether it may be null.
        var still = "true"
        var previous: (sql: String, nullable: Bool)? = nil     // nil: no timed stage reached yet
        var first: (sql: String, nullable: Bool)? = nil
        var reach: [String] = []
        for j in 0..<stageCount {
            // The rows that may enter the stage: they reached the one before, or it was optional
            // and they could have entered it (as `EvaluatedFunnel.rowsThatMayEnter`).
            reach.append("\(still) as g\(j)")
            var here = "\(still) and \(eligible(j))"
            if times[j] != nil {
                if let previous { here += previous.nullable ? " and (\(previous.sql) is null or q.t\(j) >= \(previous.sql))" : " and q.t\(j) >= \(previous.sql)" }
                if let window, let first {
                    let within = "q.t\(j) - \(first.sql) <= interval '\(window) seconds'"
                    here += first.nullable ? " and (\(first.sql) is null or \(within))" : " and \(within)"
                }
            }
            let h = "(\(here))"
            reach.append("\(eligible(j)) as e\(j)")
            reach.append("\(h) as h\(j)")
            if optional[j] {
                if times[j] != nil {
                    previous = ("case when \(h) then q.t\(j) else \(previous?.sql ?? "null::timestamp") end", previous?.nullable ?? true)
                    first = first.map { f in f.nullable ? ("case when \(h) and \(f.sql) is null then q.t\(j) else \(f.sql) end", true) : f }
                        ?? ("case when \(h) then q.t\(j) end", true)
                }
                still = "(\(h) or \(still))"
            } else {
                if times[j] != nil {
                    previous = ("q.t\(j)", false)
                    if let f = first {
                        if f.nullable { first = ("coalesce(\(f.sql), q.t\(j))", false) }
                    } else {
                        first = ("q.t\(j)", false)
                    }
                }
                still = h
            }
            reach.append("\(previous?.sql ?? "null::timestamp") as p\(j)")
            reach.append("\(first?.sql ?? "null::timestamp") as f\(j)")
        }
        var from = frame.from
        if numbered {
            from = "(\(table.numberedRows(["*"]))) as numbered" + frame.joins.sql
        }
        let inputs = "select \(base.joined(separator: ", ")) from \(from)" + (filter.map { " where \($0)" } ?? "") + " offset 0"
        return "select q.*, \(reach.joined(separator: ", ")) from (\(inputs)) as q"
    }

    /// The measures over the funnel's rows, per group of the keys (k0, k1, …) in the order `by`
    /// gives groups: ascending, text byte by byte, nulls last.
    func grouped(_ measures: [String], keys: [(sql: String, type: ColumnType)], extra: String? = nil, inputs: [String] = []) -> String {
        let keyList = keys.indices.map { "k\($0)" }
        var sql = "select \((keyList + measures).joined(separator: ", ")) from (\(reachRows(keys: keys.map(\.sql), extra: extra, inputs: inputs))) as reach"
        if !keys.isEmpty {
            sql += " group by \(keyList.joined(separator: ", ")) order by "
                + keys.indices.map { keys[$0].type == .text ? "k\($0) collate \"C\" nulls last" : "k\($0) nulls last" }.joined(separator: ", ")
        }
        return sql
    }

    static func timestamp(_ seconds: Int64) -> String {
        "(timestamp '1970-01-01' + make_interval(secs => \(seconds)))"
    }

    /// Aggregates over the funnel's rows per group, in SQL: each one's expression over the
    /// reach rows (its argument and filter computed with the stage inputs, as a0, f0, …), and
    /// those inputs; nil when one has no SQL form.
    /// `amongEntrantsOf`: only over the rows that may enter that stage; `amongReachersOf`: only
    /// over those that reached it.
    func aggregates(_ measures: [Measure], amongEntrantsOf entered: Int? = nil, amongReachersOf reached: Int? = nil) -> (sql: [String], inputs: [String])? {
        var sql: [String] = [], inputs: [String] = []
        for stage in [entered, reached].compactMap({ $0 }) where stage < 0 || stage >= stageCount { return nil }
        guard entered == nil || reached == nil else { return nil }
        let among = entered.map { "g\($0)" } ?? reached.map { "h\($0)" }
        for (i, measure) in measures.enumerated() {
            var filter = among.map { " filter (where \($0))" } ?? ""
            if let f = measure.filter {
                guard let condition = frame.expression(f), condition.type == .boolean || condition.type == nil else { return nil }
                inputs.append("(\(condition.sql)) as f\(i)_m")
                filter = " filter (where \(among.map { "\($0) and " } ?? "")f\(i)_m)"
            }
            if measure.function == .countRows {
                sql.append("count(*)\(filter)")
                continue
            }
            guard let argument = measure.argument, let value = frame.expression(argument) else { return nil }
            // A sum of a numeric column reads its exact values alone.
            let column: SQLCompiler.Typed
            if measure.function == .sum, let exact = value.exact {
                inputs.append("(\(exact)) as a\(i)_x")
                column = SQLCompiler.Typed(sql: "a\(i)_x::float8", type: value.type, exact: "a\(i)_x")
            } else {
                inputs.append("(\(value.sql)) as a\(i)_m")
                column = SQLCompiler.Typed(sql: "a\(i)_m", type: value.type)
            }
            guard let (aggregate, _) = SQLCompiler.Frame.aggregate(measure.function, of: column, filter: filter) else { return nil }
            sql.append(aggregate)
        }
        return (sql, inputs)
    }

    /// Rows per group that reached each stage, then each of `joint`'s pairs of stages; with no
    /// key, also what the funnel's notes count. `aggregates`: more measures per group (from
    /// `aggregates(_:)`), read back as `measures`.
    /// `withNotes`: also count what the funnel's notes say (rows not counted, after the as-of
    /// date, without a time); only the funnel's own table prints them, and they cost time.
    func counts(keys: [(sql: String, type: ColumnType)], joint: [(from: Int, to: Int)], lastStageWhere: String? = nil,
                withNotes: Bool = true, aggregates: (sql: [String], inputs: [String]) = ([], []), staleBefore: Int64? = nil,
                isCancelled: @escaping @Sendable () -> Bool) throws(DatabaseError) -> FunnelGroupCounts {
        var measures: [String] = []
        for j in 0..<stageCount { measures.append("count(*) filter (where h\(j))") }
        for step in joint { measures.append("count(*) filter (where h\(step.from) and h\(step.to))") }
        // What the notes count, per group too: the totals are the groups' sums (one pass).
        for j in 0..<stageCount { measures.append(withNotes ? "count(*) filter (where h0 and e\(j) and not h\(j))" : "0::int8") }
        let late = (0..<stageCount).filter { times[$0] != nil }.map { "(h\($0) and t\($0) >= \(Self.timestamp(endOfAsOf)))" }
        measures.append(late.isEmpty || !withNotes ? "0::int8" : "count(*) filter (where h0 and (\(late.joined(separator: " or "))))")
        for j in 0..<stageCount {
            measures.append(withNotes && times[j] != nil && conditions[j] != nil ? "count(*) filter (where coalesce(c\(j), false) and t\(j) is null)" : "0::int8")
        }
        measures.append(lastStageWhere == nil ? "0::int8" : "count(*) filter (where h\(stageCount - 1) and coalesce(x, false))")
        measures.append("count(*)")
        measures += aggregates.sql
        if let staleBefore {
            // A row's furthest stage: reached, and no later one (a row may skip an optional stage).
            for j in 0..<stageCount {
                let later = ((j + 1)..<stageCount).map { "h\($0)" }
                let furthest = later.isEmpty ? "h\(j)" : "h\(j) and not (\(later.joined(separator: " or ")))"
                measures.append("count(*) filter (where \(furthest))")
                measures.append(times[j] == nil ? "0::int8" : "count(*) filter (where \(furthest) and t\(j) < \(Self.timestamp(staleBefore)))")
            }
        }
        let columns = try table.connection.columns(grouped(measures, keys: keys, extra: lastStageWhere, inputs: aggregates.inputs), isCancelled: isCancelled)
        let rowCount = columns.first?.count ?? 0
        var out = FunnelGroupCounts(keys: [], counts: [], notCounted: [Int](repeating: 0, count: stageCount), afterAsOf: 0,
                         untimed: [Int](repeating: 0, count: stageCount))
        let countWidth = stageCount + joint.count
        for r in 0..<rowCount {
            out.keys.append(keys.indices.map { columns[$0].value(at: r) })
            out.counts.append((0..<countWidth).map { Self.int(columns[keys.count + $0].value(at: r)) })
            var c = keys.count + countWidth
            for j in 0..<stageCount { out.notCounted[j] += Self.int(columns[c + j].value(at: r)) }
            c += stageCount
            out.afterAsOf += Self.int(columns[c].value(at: r))
            c += 1
            for j in 0..<stageCount { out.untimed[j] += Self.int(columns[c + j].value(at: r)) }
            out.lastStageMatching += Self.int(columns[c + stageCount].value(at: r))
            out.rows += Self.int(columns[c + stageCount + 1].value(at: r))
            let first = c + stageCount + 2
            out.measures.append(aggregates.sql.indices.map { first + $0 < columns.count ? columns[first + $0].value(at: r) : .null })
            if staleBefore != nil {
                let w = first + aggregates.sql.count
                if out.furthest.isEmpty { (out.furthest, out.stale) = ([Int](repeating: 0, count: stageCount), [Int](repeating: 0, count: stageCount)) }
                for j in 0..<stageCount where w + 2 * j + 1 < columns.count {
                    out.furthest[j] += Self.int(columns[w + 2 * j].value(at: r))
                    out.stale[j] += Self.int(columns[w + 2 * j + 1].value(at: r))
                }
            }
        }
        return out
    }

    /// Per period (its first day as a date): the rows that reached each stage (then each joint
    /// step, dated by its later stage) whose own time falls in it, periods in order; and the same
    /// counts over all the funnel's rows (`periodTotals`). One pass: the rows are grouped by the period of every stage they
    /// reached at once (a few thousand combinations), and each combination's rows are added to
    /// each of its stages' periods here.
    func countsByPeriod(_ unit: DateUnit, joint: [(from: Int, to: Int)],
                        isCancelled: @escaping @Sendable () -> Bool) throws(DatabaseError) -> FunnelGroupCounts {
        var periods: [(stage: Int, sql: String)] = []
        func period(_ hit: String, _ time: String) -> String {
            "case when \(hit) then (\(SQLCompiler.truncate(time, unit)) - date '1970-01-01')::int8 end"
        }
        for j in 0..<stageCount where times[j] != nil { periods.append((j, period("reach.h\(j)", "reach.t\(j)"))) }
        for (i, step) in joint.enumerated() where times[step.to] != nil {
            periods.append((stageCount + i, period("reach.h\(step.from) and reach.h\(step.to)", "reach.t\(step.to)")))
        }
        let width = stageCount + joint.count
        var reached = (0..<stageCount).map { "count(*) filter (where reach.h\($0))" }
        reached += joint.map { "count(*) filter (where reach.h\($0.from) and reach.h\($0.to))" }
        let list = periods.enumerated().map { "\($1.sql) as m\($0)" }
        var sql = "select \((list + reached).joined(separator: ", ")) from (\(reachRows(keys: []))) as reach"
        if !periods.isEmpty { sql += " group by \(periods.indices.map { "m\($0)" }.joined(separator: ", "))" }
        let columns = try table.connection.columns(sql, isCancelled: isCancelled)
        var out: [Int: [Int]] = [:]
        var totals = [Int](repeating: 0, count: width)
        for r in 0..<(columns.first?.count ?? 0) {
            var combination = [Int](repeating: 0, count: width)
            for i in 0..<width { combination[i] = Self.int(columns[periods.count + i].value(at: r)) }
            for i in 0..<width { totals[i] += combination[i] }
            for (c, entry) in periods.enumerated() where !columns[c].isNull(r) {
                out[Self.int(columns[c].value(at: r)), default: [Int](repeating: 0, count: width)][entry.stage] += combination[entry.stage]
            }
        }
        let starts = out.keys.sorted()
        return FunnelGroupCounts(keys: starts.map { [Value.date(Int32(clamping: $0))] }, counts: starts.map { out[$0] ?? [] },
                                 notCounted: [], afterAsOf: 0, untimed: [], periodTotals: totals)
    }

    /// The positions (in the table's order) of the rows whose furthest stage is `stage` and whose
    /// time there is before `staleBefore`, in that order; with the table's row count then.
    func staleRows(stage: Int, staleBefore: Int64, isCancelled: @escaping @Sendable () -> Bool) throws(DatabaseError) -> (positions: [Int64], total: Int64?) {
        guard stage < stageCount, times[stage] != nil else { return ([], nil) }
        let later = ((stage + 1)..<stageCount).map { "h\($0)" }
        let furthest = later.isEmpty ? "h\(stage)" : "h\(stage) and not (\(later.joined(separator: " or ")))"
        let sql = "select funnel_n, funnel_total from (\(reachRows(keys: [], numbered: true))) as reach "
            + "where \(furthest) and t\(stage) < \(Self.timestamp(staleBefore)) order by funnel_n"
        let columns = try table.connection.columns(sql, isCancelled: isCancelled)
        var positions: [Int64] = []
        var total: Int64? = nil
        for r in 0..<(columns.first?.count ?? 0) {
            guard case .integer(let n) = columns[0].value(at: r), case .integer(let t) = columns[1].value(at: r) else { continue }
            positions.append(n)
            total = t
        }
        return (positions, total)
    }

    /// Per cohort (the period of each row's entry: the time of the first timed stage it reached,
    /// as `FunnelGrouping.cohorts` finds it), the rows that reached each stage, periods in order.
    func cohortCounts(_ unit: DateUnit, isCancelled: @escaping @Sendable () -> Bool) throws(DatabaseError) -> FunnelGroupCounts {
        let timed = (0..<stageCount).filter { times[$0] != nil }
        guard !timed.isEmpty else { return FunnelGroupCounts(keys: [], counts: [], notCounted: [], afterAsOf: 0, untimed: []) }
        let entry = "case " + timed.map { "when reach.h\($0) and reach.t\($0) is not null then reach.t\($0)" }.joined(separator: " ") + " end"
        let period = "(\(SQLCompiler.truncate(entry, unit)) - date '1970-01-01')::int8"
        let reached = (0..<stageCount).map { "count(*) filter (where reach.h\($0))" }
        let sql = "select \(period) as m, \(reached.joined(separator: ", ")) from (\(reachRows(keys: []))) as reach group by 1 order by 1"
        let columns = try table.connection.columns(sql, isCancelled: isCancelled)
        var out = FunnelGroupCounts(keys: [], counts: [], notCounted: [], afterAsOf: 0, untimed: [])
        for r in 0..<(columns.first?.count ?? 0) where !columns[0].isNull(r) {
            out.keys.append([.date(Int32(clamping: Self.int(columns[0].value(at: r))))])
            out.counts.append((0..<stageCount).map { 1 + $0 < columns.count ? Self.int(columns[1 + $0].value(at: r)) : 0 })
        }
        return out
    }

    /// Per group (ordered as `by` orders them): for each timed stage after the first, the days
    /// from the row's previous reached stage, and end to end (first reached stage to the last
    /// stage) when the last stage is timed — as `Velocity.stepDurations` measures them.
    func durations(keys: [(sql: String, type: ColumnType)], isCancelled: @escaping @Sendable () -> Bool) throws(DatabaseError) -> FunnelGroupDurations {
        var measures: [String] = []
        var cells: [Int] = []
        // In days as the in-memory summary takes them: each duration's seconds as a double divided
        // by a day, interpolated as it interpolates (percentile_cont's lerp is the same formula),
        // and the mean from the exact total of seconds (the durations are never negative).
        func summary(_ seconds: String, _ filter: String) -> [String] {
            ["count(*) filter (where \(filter))",
             "percentile_cont(0.5) within group (order by \(seconds)::float8 / 86400) filter (where \(filter))",
             "percentile_cont(0.9) within group (order by \(seconds)::float8 / 86400) filter (where \(filter))",
             "(sum(\(seconds)) filter (where \(filter)))::int8"]
        }
        for j in 1..<max(1, stageCount) where times[j] != nil {
            cells.append(j)
            measures += summary("extract(epoch from t\(j) - p\(j - 1))::int8", "h\(j) and p\(j - 1) is not null")
        }
        let last = stageCount - 1
        let endToEnd = last >= 0 && times[last] != nil
        if endToEnd { measures += summary("extract(epoch from t\(last) - f\(last))::int8", "h\(last)") }
        guard !measures.isEmpty else { return FunnelGroupDurations(keys: [], steps: [], endToEnd: []) }
        let columns = try table.connection.columns(grouped(measures, keys: keys), isCancelled: isCancelled)
        var outKeys: [[Value]] = [], outSteps: [[Int: FunnelDurations]] = [], outEnds: [FunnelDurations?] = []
        for r in 0..<(columns.first?.count ?? 0) {
            outKeys.append(keys.indices.map { columns[$0].value(at: r) })
            func read(_ c: Int) -> FunnelDurations {
                let count = Self.int(columns[c].value(at: r))
                var mean: Double? = nil
                if count > 0, case .integer(let seconds) = columns[c + 3].value(at: r) {
                    let days = Double(seconds) / 86_400
                    mean = DecimalSum.mean(DecimalSum.settled(days, magnitude: days.magnitude), count: count)
                }
                return FunnelDurations(count: count, medianDays: columns[c + 1].value(at: r).number,
                                 p90Days: columns[c + 2].value(at: r).number, meanDays: mean)
            }
            var steps: [Int: FunnelDurations] = [:]
            for (i, j) in cells.enumerated() { steps[j] = read(keys.count + 4 * i) }
            outSteps.append(steps)
            outEnds.append(endToEnd ? read(keys.count + 4 * cells.count) : nil)
        }
        return FunnelGroupDurations(keys: outKeys, steps: outSteps, endToEnd: outEnds)
    }

    static func int(_ value: Value) -> Int {
        if case .integer(let i) = value { return Int(i) }
        return Int(value.number ?? 0)
    }
}
