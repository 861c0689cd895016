import FunnelEngine

/// A row stage of a funnel as plans read it: when each row reached it and what else it needs.
public struct StagePlan: Sendable {
    public var name: String
    /// A date or timestamp per row; nil for a stage with no `at` (reached with the stage before).
    public var time: PlanExpression?
    public var condition: PlanExpression?
    public var optional: Bool
    /// The time as written (`mql_at`), for messages.
    public var timeLabel: String

    public init(name: String, time: PlanExpression?, condition: PlanExpression?, optional: Bool, timeLabel: String = "") {
        self.name = name
        self.time = time
        self.condition = condition
        self.optional = optional
        self.timeLabel = timeLabel
    }
}

/// What a funnel's row stages ask of the data: its rows (a scan of its relation, with the joins
/// its stages need) and each stage's time and condition.
public struct FunnelPlan: Sendable {
    public var rows: LogicalPlan
    public var stages: [StagePlan]
    /// Conversion window from the first stage's time, in seconds.
    public var window: Int64?

    public init(rows: LogicalPlan, stages: [StagePlan], window: Int64?) {
        self.rows = rows
        self.stages = stages
        self.window = window
    }
}

/// The inputs of a funnel's reach, read through plans: one derive of every stage time, and per
/// stage with a condition one filter over the rows whose time is known.
public enum FunnelRows {
    /// Per stage (in order), its inputs over the rows of `view` (the relation `plan.rows` scans):
    /// table-length arrays, meaningful on the view's selection. `kept(k)` gives a stage's inputs
    /// when they are known already (a what-if keeps the stages its rule cannot change).
    public static func stages(_ plan: FunnelPlan, view: TableValue, on backend: any Backend,
                              kept: (Int) -> StageData? = { _ in nil }) throws(PlanError) -> [StageData] {
        let rowCount = view.table.rowCount
        let selection = view.selection
        // Asked once per stage (the caller may note which stages it keeps).
        let keptData = plan.stages.indices.map { kept($0) }
        var derived = plan.rows
        var timed: [Int] = []
        for (k, stage) in plan.stages.enumerated() where keptData[k] == nil {
            if let time = stage.time {
                derived = .derive(derived, name: "stage \(k) time", time)
                timed.append(k)
            }
        }
        var times: [Int: Column] = [:]
        if !timed.isEmpty {
            let result = try backend.execute(emptyScan(derived))
            let columns = result.table.columns.suffix(timed.count)
            for (k, column) in zip(timed, columns) {
                times[k] = selection.map { Gather.spread(column, over: $0, count: rowCount) } ?? column
            }
        }
        var stages: [StageData] = []
        for (k, stage) in plan.stages.enumerated() {
            if let data = keptData[k] {
                stages.append(data)
                continue
            }
            var eligible: Validity
            var seconds: IntegerValues? = nil
            if let column = times[k] {
                guard let values = VectorOps.timeValues(column) else {
                    throw located(PlanError("'\(stage.timeLabel)' is \(VectorOps.describe(column.type)); `at` needs a date or timestamp column"), stage.time)
                }
                seconds = values
                eligible = known(column.validity, of: selection, rowCount: rowCount)
            } else {
                eligible = known(nil, of: selection, rowCount: rowCount)
            }
            if let condition = stage.condition {
                // Only rows with a known time can be eligible; later stages have few.
                var filter = condition
                if let time = stage.time { filter = .binary(.and, .isNull(time, negated: true), condition) }
                let kept = try backend.view(.filter(plan.rows, filter)).selection ?? (0..<Int32(rowCount)).map { $0 }
                eligible = Validity(rows: kept, count: rowCount, within: eligible)
            }
            stages.append(StageData(name: stage.name, times: seconds, eligible: eligible, optional: stage.optional))
        }
        return stages
    }

    /// The plan with its scan naming no column: only what it derives comes back.
    private static func emptyScan(_ plan: LogicalPlan) -> LogicalPlan {
        switch plan {
        case .scan(let name, _): return .scan(name, columns: [])
        case .join(let p, let j): return .join(emptyScan(p), j)
        case .filter(let p, let e): return .filter(emptyScan(p), e)
        case .derive(let p, let n, let e): return .derive(emptyScan(p), name: n, e)
        case .aggregate(let p, let k, let m): return .aggregate(emptyScan(p), keys: k, measures: m)
        case .sort(let p, let k): return .sort(emptyScan(p), k)
        case .limit(let p, let n): return .limit(emptyScan(p), n)
        }
    }

    private static func located(_ error: PlanError, _ expression: PlanExpression?) -> PlanError {
        var located = error
        if located.origin == nil, case .origin(let id, _)? = expression { located.origin = id }
        return located
    }

    /// The selected rows whose value is not null (`validity` nil: every selected row), a bit each.
    private static func known(_ validity: Validity?, of selection: Selection?, rowCount: Int) -> Validity {
        guard let selection else {
            if let validity, validity.count == rowCount { return validity }
            var all = Validity(count: rowCount, allValid: validity == nil)
            if let validity { for r in 0..<min(rowCount, validity.count) where validity.isValid(r) { all.set(r) } }
            return all
        }
        return Validity(rows: selection, count: rowCount, within: validity)
    }
}
