/// Why a backend could not run a plan: a value of the wrong type, a pattern that does not compile.
/// `origin` is the tag of the innermost expression it concerns (see `PlanExpression.origin`).
public struct PlanError: Error, Sendable {
    /// What kind of failure it is, for the exit code a script ends with.
    public enum Cause: Sendable {
        /// The data or the expression: a value of the wrong type, a pattern, a server's refusal.
        case data
        /// Where the rows are could not be reached (a database server, a dropped connection).
        case unavailable
        /// The rows' owner refused access.
        case permission
        /// A relation or column the rows' source does not have.
        case missing
        /// The user asked to stop (Ctrl-C).
        case cancelled
    }

    public var message: String
    public var origin: Int?
    public var notes: [String]
    public var cause: Cause

    public init(_ message: String, origin: Int? = nil, notes: [String] = [], cause: Cause = .data) {
        self.message = message
        self.origin = origin
        self.notes = notes
        self.cause = cause
    }
}

/// A relation's columns as a backend describes them.
public struct RelationSchema: Sendable {
    public var columns: [(name: String, type: ColumnType)]
    /// The column periods (`by month`) are taken from.
    public var timeColumn: String?
    /// The loaded table the relation's rows are of (a view's, a bound selection's).
    public var table: String

    public init(columns: [(name: String, type: ColumnType)], timeColumn: String?, table: String) {
        self.columns = columns
        self.timeColumn = timeColumn
        self.table = table
    }
}

/// Where plans run. The language and the analytics build plans and read their small results;
/// a backend decides how to answer them (columnar kernels in memory, SQL on a database).
public protocol Backend {
    func schema(of relation: String) -> RelationSchema?
    /// The plan's rows: one per group for an aggregate; else the rows kept, with the columns its
    /// scan names (all when it names none) and those derived after them.
    func execute(_ plan: LogicalPlan) throws(PlanError) -> ResultTable
    /// The rows of its relation a plan of scans, joins, filters, sorts and limits keeps, as a view
    /// of that relation (how the language keeps `won = deals where stage == "won"`).
    func view(_ plan: LogicalPlan) throws(PlanError) -> TableValue
    /// What running plans noticed that changes what a number means, in words, since last asked.
    func takeNotes() -> [String]
    /// A funnel's counts per group, worked out where the rows are, so that only counts come
    /// back; nil when this backend does not (the analytics then compute the reach from the rows).
    func funnelCounts(_ funnel: FunnelQuery, _ request: FunnelCountsRequest) throws(PlanError) -> FunnelGroupCounts?
    /// A funnel's step durations per group of `keys`, summarised where the rows are; nil as for
    /// `funnelCounts`.
    func funnelDurations(_ funnel: FunnelQuery, by keys: [PlanExpression]) throws(PlanError) -> FunnelGroupDurations?
    /// The rows (their positions in the relation) whose furthest stage of the funnel is `stage`
    /// and whose time there is before `staleBefore` (`stuck`), in table order; nil as for
    /// `funnelCounts`.
    func funnelStaleRows(_ funnel: FunnelQuery, stage: Int, staleBefore: Int64) throws(PlanError) -> Selection?
    /// A whole relation as `leads` shows it: its first `rows` rows with every column, and the
    /// row and null counts of all of it (`Table.knownNullCounts`), without reading it whole; nil
    /// when the rows are at hand (the summary reads them).
    func preview(of relation: String, rows: Int) throws(PlanError) -> Table?
}
