import FunnelEngine

/// A funnel over a database table, answered by the server: who reached which stage is worked
/// out row by row in SQL (the rule of `FunnelReach.compute`: each stage's condition and time,
/// strict order of times, the window from the first stage, optional stages), and only counts
/// and duration summaries per group come back. Nil from `init` when a stage's time or
/// condition has no SQL form (`SQLCompiler`): the funnel then runs in memory.
public struct FunnelSQL: Sendable {
    public struct Stage: Sendable {
        public var time: PlanExpression?
        public var condition: PlanExpression?
        public var optional: Bool

        public init(time: PlanExpression?, condition: PlanExpression?, optional: Bool) {
            self.time = time
            self.condition = condition
            self.optional = optional
        }
    }

    /// Per group: its key values, and the rows that reached each stage (then each joint step).
    public struct Counts: Sendable {
        public var keys: [[Value]]
        public var counts: [[Int]]
        /// Over all rows (no key): per stage, rows that meet it and entered but are not counted.
        public var notCounted: [Int]
        /// Rows with a counted stage time after the as-of date.
        public var afterAsOf: Int
        /// Per stage, rows whose condition holds but whose time is missing.
        public var untimed: [Int]

        public static let none = Counts(keys: [], counts: [], notCounted: [], afterAsOf: 0, untimed: [])
    }

    /// Durations of one step (or end to end) in seconds: how many, and their median, 90th
    /// percentile and mean in days.
    public struct Durations: Sendable {
        public var count: Int
        public var medianDays: Double?
        public var p90Days: Double?
        public var meanDays: Double?
    }

    public let table: DatabaseTable
    let frame: SQLCompiler.Frame
    /// Per stage: time as a timestamp (nil: none), condition (nil: none).
    let times: [String?]
    let conditions: [String?]
    let optional: [Bool]
    let window: Int64?
    let endOfAsOf: Int64

    public init?(table: DatabaseTable, relation: String, stages: [Stage], window: Int64?, endOfAsOf: Int64) {
        guard let frame = SQLCompiler.Frame(.scan(relation, columns: nil), tables: [relation: table]) else { return nil }
        var times: [String?] = []
        var conditions: [String?] = []
        for stage in stages {
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
        self.table = table
        self.frame = frame
        self.times = times
        self.conditions = conditions
        optional = stages.map(\.optional)
        self.window = window
        self.endOfAsOf = endOfAsOf
    }

    var stageCount: Int { times.count }

    /// A key's SQL, nil when it has none.
    public func keySQL(_ key: PlanExpression) -> (sql: String, type: ColumnType)? {
        guard let typed = frame.expression(key), let type = typed.type else { return nil }
        return (typed.sql, type)
    }

    /// The funnel's rows with their keys (k0, k1, …), stage times (t0, …), conditions (c0, …),
    /// eligibility (e0, …), whether they reached each stage (h0, …) and the running state after
    /// each (ok, previous and first time: o0, p0, f0, …). Each stage is two layers, fenced with
    /// OFFSET 0 so that the server computes each column once instead of expanding them into
    /// one another.
    func reachRows(keys: [String]) -> String {
        var base: [String] = []
        for (i, key) in keys.enumerated() { base.append("\(key) as k\(i)") }
        for j in 0..<stageCount {
            base.append("\(times[j] ?? "null::timestamp") as t\(j)")
            base.append("\(conditions[j] ?? "true") as c\(j)")
            var eligible = conditions[j].map { "coalesce(\($0), false)" } ?? "true"
            if let t = times[j] { eligible += " and \(t) is not null" }
            base.append("(\(eligible)) as e\(j)")
        }
        base.append("true as ob, null::timestamp as pb, null::timestamp as fb")
        var sql = "select \(base.joined(separator: ", ")) from \(table.fromClause)"
        var previous = "b"
        for j in 0..<stageCount {
            var here = "q.o\(previous) and q.e\(j)"
            if times[j] != nil {
                here += " and (q.p\(previous) is null or q.t\(j) >= q.p\(previous))"
                if let window { here += " and (q.f\(previous) is null or q.t\(j) - q.f\(previous) <= interval '\(window) seconds')" }
            }
            sql = "select q.*, (\(here)) as h\(j) from (\(sql) offset 0) as q"
            let ok = optional[j] ? "(q.h\(j) or q.o\(previous))" : "q.h\(j)"
            let p = times[j] != nil ? "case when q.h\(j) then q.t\(j) else q.p\(previous) end" : "q.p\(previous)"
            let f = times[j] != nil ? "case when q.h\(j) and q.f\(previous) is null then q.t\(j) else q.f\(previous) end" : "q.f\(previous)"
            sql = "select q.*, \(ok) as o\(j), \(p) as p\(j), \(f) as f\(j) from (\(sql) offset 0) as q"
            previous = String(j)
        }
        return sql
    }

    static func timestamp(_ seconds: Int64) -> String {
        "(timestamp '1970-01-01' + make_interval(secs => \(seconds)))"
    }

    /// Rows per group that reached each stage, then each of `joint`'s pairs of stages; with no
    /// key, also what the funnel's notes count.
    public func counts(keys: [(sql: String, type: ColumnType)], joint: [(from: Int, to: Int)],
                       isCancelled: @escaping @Sendable () -> Bool) throws(DatabaseError) -> Counts {
        var measures: [String] = []
        for j in 0..<stageCount { measures.append("count(*) filter (where h\(j))") }
        for step in joint { measures.append("count(*) filter (where h\(step.from) and h\(step.to))") }
        let overall = keys.isEmpty
        if overall {
            for j in 0..<stageCount { measures.append("count(*) filter (where h0 and e\(j) and not h\(j))") }
            let late = (0..<stageCount).filter { times[$0] != nil }.map { "(h\($0) and t\($0) >= \(Self.timestamp(endOfAsOf)))" }
            measures.append(late.isEmpty ? "0::int8" : "count(*) filter (where h0 and (\(late.joined(separator: " or "))))")
            for j in 0..<stageCount { measures.append(times[j] != nil && conditions[j] != nil ? "count(*) filter (where coalesce(c\(j), false) and t\(j) is null)" : "0::int8") }
        }
        let keyList = keys.indices.map { "k\($0)" }
        var sql = "select \((keyList + measures).joined(separator: ", ")) from (\(reachRows(keys: keys.map(\.sql)))) as reach"
        if !keys.isEmpty {
            sql += " group by \(keyList.joined(separator: ", ")) order by "
                + keys.indices.map { keys[$0].type == .text ? "k\($0) collate \"C\" nulls last" : "k\($0) nulls last" }.joined(separator: ", ")
        }
        let columns = try table.connection.columns(sql, isCancelled: isCancelled)
        let rowCount = columns.first?.count ?? 0
        var out = Counts(keys: [], counts: [], notCounted: [], afterAsOf: 0, untimed: [])
        let countWidth = stageCount + joint.count
        for r in 0..<rowCount {
            out.keys.append(keys.indices.map { columns[$0].value(at: r) })
            out.counts.append((0..<countWidth).map { Self.int(columns[keys.count + $0].value(at: r)) })
        }
        if overall, rowCount == 1 {
            var c = countWidth
            out.notCounted = (0..<stageCount).map { _ in defer { c += 1 }; return Self.int(columns[c].value(at: 0)) }
            out.afterAsOf = Self.int(columns[c].value(at: 0))
            c += 1
            out.untimed = (0..<stageCount).map { _ in defer { c += 1 }; return Self.int(columns[c].value(at: 0)) }
        }
        return out
    }

    /// Per period (its first day, days since 1970): the rows that reached each stage (then each
    /// joint step, dated by its later stage) whose own time falls in it.
    public func countsByPeriod(_ unit: DateUnit, joint: [(from: Int, to: Int)],
                               isCancelled: @escaping @Sendable () -> Bool) throws(DatabaseError) -> [Int: [Int]] {
        var entries: [String] = []
        for j in 0..<stageCount where times[j] != nil { entries.append("(\(j), reach.h\(j), reach.t\(j))") }
        for (i, step) in joint.enumerated() where times[step.to] != nil {
            entries.append("(\(stageCount + i), reach.h\(step.from) and reach.h\(step.to), reach.t\(step.to))")
        }
        guard !entries.isEmpty else { return [:] }
        let sql = "select (\(SQLCompiler.truncate("s.t", unit)) - date '1970-01-01')::int8 as period, s.stage::int8 as stage, count(*) as rows "
            + "from (\(reachRows(keys: []))) as reach cross join lateral (values \(entries.joined(separator: ", "))) as s(stage, hit, t) "
            + "where s.hit group by 1, 2 order by 1, 2"
        let columns = try table.connection.columns(sql, isCancelled: isCancelled)
        var out: [Int: [Int]] = [:]
        let width = stageCount + joint.count
        for r in 0..<(columns.first?.count ?? 0) {
            let period = Self.int(columns[0].value(at: r)), stage = Self.int(columns[1].value(at: r))
            guard stage >= 0 && stage < width else { continue }
            out[period, default: [Int](repeating: 0, count: width)][stage] = Self.int(columns[2].value(at: r))
        }
        return out
    }

    /// Per group (ordered as `by` orders them): for each timed stage after the first, the days
    /// from the row's previous reached stage, and end to end (first reached stage to the last
    /// stage) when the last stage is timed — as `Velocity.stepDurations` measures them.
    public func durations(keys: [(sql: String, type: ColumnType)], isCancelled: @escaping @Sendable () -> Bool)
        throws(DatabaseError) -> (keys: [[Value]], steps: [[Int: Durations]], endToEnd: [Durations?]) {
        var measures: [String] = []
        var cells: [Int] = []
        func summary(_ seconds: String, _ filter: String) -> [String] {
            ["count(*) filter (where \(filter))",
             "percentile_cont(0.5) within group (order by \(seconds)) filter (where \(filter)) / 86400",
             "percentile_cont(0.9) within group (order by \(seconds)) filter (where \(filter)) / 86400",
             "avg(\(seconds) / 86400) filter (where \(filter))"]
        }
        for j in 1..<max(1, stageCount) where times[j] != nil {
            cells.append(j)
            measures += summary("extract(epoch from t\(j) - p\(j - 1))::float8", "h\(j) and p\(j - 1) is not null")
        }
        let last = stageCount - 1
        let endToEnd = last >= 0 && times[last] != nil
        if endToEnd { measures += summary("extract(epoch from t\(last) - f\(last))::float8", "h\(last)") }
        guard !measures.isEmpty else { return ([], [], []) }
        let keyList = keys.indices.map { "k\($0)" }
        var sql = "select \((keyList + measures).joined(separator: ", ")) from (\(reachRows(keys: keys.map(\.sql)))) as reach"
        if !keys.isEmpty {
            sql += " group by \(keyList.joined(separator: ", ")) order by "
                + keys.indices.map { keys[$0].type == .text ? "k\($0) collate \"C\" nulls last" : "k\($0) nulls last" }.joined(separator: ", ")
        }
        let columns = try table.connection.columns(sql, isCancelled: isCancelled)
        var outKeys: [[Value]] = [], outSteps: [[Int: Durations]] = [], outEnds: [Durations?] = []
        for r in 0..<(columns.first?.count ?? 0) {
            outKeys.append(keys.indices.map { columns[$0].value(at: r) })
            func read(_ c: Int) -> Durations {
                Durations(count: Self.int(columns[c].value(at: r)), medianDays: columns[c + 1].value(at: r).number,
                          p90Days: columns[c + 2].value(at: r).number, meanDays: columns[c + 3].value(at: r).number)
            }
            var steps: [Int: Durations] = [:]
            for (i, j) in cells.enumerated() { steps[j] = read(keys.count + 4 * i) }
            outSteps.append(steps)
            outEnds.append(endToEnd ? read(keys.count + 4 * cells.count) : nil)
        }
        return (outKeys, outSteps, outEnds)
    }

    static func int(_ value: Value) -> Int {
        if case .integer(let i) = value { return Int(i) }
        return Int(value.number ?? 0)
    }
}
