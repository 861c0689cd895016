/// Why a backend could not run a plan: a value of the wrong type, a pattern that does not compile.
/// `origin` is the tag of the innermost expression it concerns (see `PlanExpression.origin`).
public struct PlanError: Error, Sendable {
    public var message: String
    public var origin: Int?
    public var notes: [String]

    public init(_ message: String, origin: Int? = nil, notes: [String] = []) {
        self.message = message
        self.origin = origin
        self.notes = notes
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
}
