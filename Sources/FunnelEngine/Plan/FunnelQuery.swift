/// A funnel asked of a backend whole: its stages as expressions over one relation's rows, the
/// window, the as-of date and a filter. A backend that can work out who reached which stage
/// where the rows are (a database, in SQL) answers with counts and duration summaries per group
/// and no row; one that holds the rows declines, and the analytics compute the reach from them.
public struct FunnelQuery: Sendable {
    public struct Stage: Sendable {
        /// When a row reached the stage (nil: the stage has no time).
        public var time: PlanExpression?
        /// The stage's own condition (nil: every row meets it).
        public var condition: PlanExpression?
        /// Later stages do not require it.
        public var optional: Bool

        public init(time: PlanExpression?, condition: PlanExpression?, optional: Bool) {
            self.time = time
            self.condition = condition
            self.optional = optional
        }
    }

    /// The relation whose rows go through the funnel.
    public var relation: String
    public var stages: [Stage]
    /// The conversion window from the first stage's time, in seconds.
    public var window: Int64?
    /// The first second after the as-of date: later stage times are counted and noted.
    public var endOfAsOf: Int64
    /// The rows kept (`F where …`); nil: every row.
    public var filter: PlanExpression?
    /// The linked relations whose columns the stages, the filter and the keys read.
    public var joins: [LinkJoin]

    public init(relation: String, stages: [Stage], window: Int64?, endOfAsOf: Int64, filter: PlanExpression? = nil, joins: [LinkJoin] = []) {
        self.relation = relation
        self.joins = joins
        self.stages = stages
        self.window = window
        self.endOfAsOf = endOfAsOf
        self.filter = filter
    }
}

/// What a funnel's counts are grouped by.
public enum FunnelGroupBy: Sendable {
    /// By the values of these expressions, groups ordered as `by` orders them (ascending, text
    /// byte by byte, nulls last); no key: one group of every row.
    case keys([PlanExpression])
    /// By the period of each stage's own time: a row counts in a stage's period when it reached it.
    case period(DateUnit)
    /// By the period of each row's entry, the time of the first timed stage it reached (cohorts):
    /// a row counts in every stage it reached, all in its entry's period; rows with no entry in none.
    case entryPeriod(DateUnit)
}

/// The counts a funnel query asks for.
public struct FunnelCountsRequest: Sendable {
    public var grouping: FunnelGroupBy
    /// Pairs of stages whose rows reached both are counted too (steps out of optional stages).
    public var joint: [(from: Int, to: Int)]
    /// Rows in the last stage for which this holds are counted (`demand`'s lift by rule marketing).
    public var lastStageWhere: PlanExpression?
    /// Also count what the funnel's notes say (rows not counted, after the as-of date, without a
    /// time): only the funnel's own table prints them, and they cost time.
    public var withNotes: Bool
    /// Aggregates over each group's rows (every row the funnel's filter kept, whatever stage it
    /// reached), worked out in the same pass as the counts (`demand`'s revenue); by keys only.
    /// A backend that cannot compute one declines the whole request.
    public var measures: [Measure]
    /// The measures count only the rows that may enter this stage (they reached the one before,
    /// or it was optional and they could have entered it): what `explain F.stage` starts from.
    public var measuresAmongEntrantsOf: Int?
    /// The measures count only the rows that reached this stage (`demand`'s promoters and
    /// lifetime value, over the last stage).
    public var measuresAmongReachersOf: Int?
    /// Also count, per stage, the rows whose furthest stage it is, and of them those whose time
    /// there is before this second (`health`, `decay`); by keys only.
    public var staleBefore: Int64?

    public init(grouping: FunnelGroupBy, joint: [(from: Int, to: Int)] = [], lastStageWhere: PlanExpression? = nil, withNotes: Bool = false,
                measures: [Measure] = [], measuresAmongEntrantsOf: Int? = nil, measuresAmongReachersOf: Int? = nil, staleBefore: Int64? = nil) {
        self.grouping = grouping
        self.joint = joint
        self.lastStageWhere = lastStageWhere
        self.withNotes = withNotes
        self.measures = measures
        self.measuresAmongEntrantsOf = measuresAmongEntrantsOf
        self.measuresAmongReachersOf = measuresAmongReachersOf
        self.staleBefore = staleBefore
    }
}

/// A funnel's counts per group: its key values (a period's first day as a date), and the rows
/// that reached each stage, then each joint step.
public struct FunnelGroupCounts: Sendable {
    public var keys: [[Value]]
    public var counts: [[Int]]
    /// Over all the groups: per stage, rows that meet it and entered but are not counted.
    public var notCounted: [Int]
    /// Rows with a counted stage time after the as-of date.
    public var afterAsOf: Int
    /// Per stage, rows whose condition holds but whose time is missing.
    public var untimed: [Int]
    /// Rows in the last stage for which `lastStageWhere` holds.
    public var lastStageMatching: Int
    /// The funnel's rows (those its filter kept).
    public var rows: Int
    /// Grouped by period, each stage's (and joint step's) rows over all periods: a row's stages
    /// fall in different periods, so the groups do not add up to them. Nil when grouped by keys.
    public var periodTotals: [Int]?
    /// Per group, the value of each of the request's measures (null when it has no value, as
    /// a plan's aggregate gives it).
    public var measures: [[Value]] = []
    /// Over all the groups, asked with `staleBefore`: per stage, the rows whose furthest stage it
    /// is, and of them those whose time there is before that second (0 for a stage without time).
    public var furthest: [Int] = []
    public var stale: [Int] = []

    public init(keys: [[Value]], counts: [[Int]], notCounted: [Int], afterAsOf: Int, untimed: [Int],
                lastStageMatching: Int = 0, rows: Int = 0, periodTotals: [Int]? = nil) {
        self.keys = keys
        self.counts = counts
        self.notCounted = notCounted
        self.afterAsOf = afterAsOf
        self.untimed = untimed
        self.lastStageMatching = lastStageMatching
        self.rows = rows
        self.periodTotals = periodTotals
    }

    /// No group and nothing counted.
    public static let none = FunnelGroupCounts(keys: [], counts: [], notCounted: [], afterAsOf: 0, untimed: [])

    /// The counts of all groups together: for periods the totals the backend counted, else
    /// each stage's and joint step's sum over the groups.
    public var totals: FunnelGroupCounts {
        var total = self
        total.keys = [[]]
        if let periodTotals {
            total.counts = [periodTotals]
        } else {
            let width = counts.first?.count ?? 0
            total.counts = [(0..<width).map { i in counts.reduce(0) { $0 + (i < $1.count ? $1[i] : 0) } }]
        }
        total.periodTotals = nil
        return total
    }
}

/// Durations of one funnel step (or end to end): how many, and their median, 90th percentile and
/// mean in days.
public struct FunnelDurations: Sendable {
    public var count: Int
    public var medianDays: Double?
    public var p90Days: Double?
    public var meanDays: Double?

    public init(count: Int, medianDays: Double?, p90Days: Double?, meanDays: Double?) {
        self.count = count
        self.medianDays = medianDays
        self.p90Days = p90Days
        self.meanDays = meanDays
    }
}

/// Per group of a funnel's keys (ordered as `by` orders them): for each timed stage after the
/// first, the days from the row's previous reached stage; and end to end (first reached stage to
/// the last) when the last stage is timed.
public struct FunnelGroupDurations: Sendable {
    public var keys: [[Value]]
    public var steps: [[Int: FunnelDurations]]
    public var endToEnd: [FunnelDurations?]

    public init(keys: [[Value]], steps: [[Int: FunnelDurations]], endToEnd: [FunnelDurations?]) {
        self.keys = keys
        self.steps = steps
        self.endToEnd = endToEnd
    }
}
