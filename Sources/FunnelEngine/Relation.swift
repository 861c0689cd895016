import Synchronization

/// A table as a script sees it: the loaded data and the rows a filter kept (in order).
public struct TableValue: Sendable {
    public var table: Table { didSet { selectedBy = nil } }
    /// nil = all rows. After `sort`, not ascending.
    public var selection: Selection? { didSet { selectedBy = nil } }
    /// The session name of the loaded table this view is over, for links.
    public var sourceName: String
    /// A condition over `table`'s rows that holds for exactly the rows `selection` keeps (in
    /// their table order), when a backend chose them by it: a database then answers figures over
    /// the view with it instead of reading rows. Any other change of the selection or the table
    /// forgets it.
    public private(set) var selectedBy: PlanExpression?

    /// Keeps `rows`, the rows of `table` for which `condition` holds, in table order.
    public mutating func select(_ rows: Selection, by condition: PlanExpression) {
        selection = rows
        selectedBy = condition
    }

    public var rowCount: Int { selection?.count ?? table.rowCount }

    public init(table: Table, selection: Selection?, sourceName: String) {
        self.table = table
        self.selection = selection
        self.sourceName = sourceName
    }
}

/// `link deals.contact_id -> leads.id`: each row of `fromTable` reaches at most one row of `toTable`.
public struct Link: Sendable {
    public var fromTable: String
    public var fromColumn: String
    public var toTable: String
    public var toColumn: String
    /// For each row of fromTable, the matching row of toTable, or -1; for a link whose counts a
    /// database worked out, matched when first needed (reading both key columns).
    public var target: [Int32] { targets.value }
    /// The rows of fromTable (the length of `target`), known without matching them.
    public let fromRowCount: Int
    public var duplicateKeys: Int
    public var unmatched: Int
    public var nullKeys: Int
    /// Rows of toTable that several rows of fromTable link to, when a database counted them
    /// (the first of them is the one a column read against the link comes from); nil when not.
    public var severalLinking: Int?
    private let targets: LinkTargets

    public init(fromTable: String, fromColumn: String, toTable: String, toColumn: String, target: [Int32], duplicateKeys: Int, unmatched: Int, nullKeys: Int) {
        self.fromTable = fromTable
        self.fromColumn = fromColumn
        self.toTable = toTable
        self.toColumn = toColumn
        self.targets = LinkTargets(target)
        self.fromRowCount = target.count
        self.duplicateKeys = duplicateKeys
        self.unmatched = unmatched
        self.nullKeys = nullKeys
    }

    /// A link whose counts are known (a database counted them) and whose rows are matched by
    /// `match` when a statement first needs them.
    public init(_ step: LinkStep, fromRowCount: Int, duplicateKeys: Int, unmatched: Int, nullKeys: Int, severalLinking: Int? = nil,
                match: @escaping @Sendable () -> [Int32]) {
        fromTable = step.fromTable
        fromColumn = step.fromColumn
        toTable = step.toTable
        toColumn = step.toColumn
        targets = LinkTargets(match)
        self.fromRowCount = fromRowCount
        self.duplicateKeys = duplicateKeys
        self.unmatched = unmatched
        self.nullKeys = nullKeys
        self.severalLinking = severalLinking
    }

    /// The link from `fromKey`'s rows to `toKey`'s (the first row of a key that appears more than once).
    public init(_ step: LinkStep, fromKey: Column, toKey: Column) {
        let index = KeyIndex(column: toKey)
        let target = index.lookup(fromKey, selection: nil)
        var unmatched = 0
        var nullKeys = 0
        for (r, t) in target.enumerated() where t < 0 {
            if fromKey.isNull(r) { nullKeys += 1 } else { unmatched += 1 }
        }
        self.init(fromTable: step.fromTable, fromColumn: step.fromColumn, toTable: step.toTable, toColumn: step.toColumn, target: target,
                  duplicateKeys: index.duplicateKeys, unmatched: unmatched, nullKeys: nullKeys)
    }

    public var step: LinkStep { LinkStep(fromTable: fromTable, fromColumn: fromColumn, toTable: toTable, toColumn: toColumn) }
}

/// A link's matched rows, worked out once, when first asked for.
final class LinkTargets: Sendable {
    private let state: Mutex<[Int32]?>
    private let match: (@Sendable () -> [Int32])?

    init(_ target: [Int32]) {
        state = Mutex(target)
        match = nil
    }

    init(_ match: @escaping @Sendable () -> [Int32]) {
        state = Mutex(nil)
        self.match = match
    }

    var value: [Int32] {
        state.withLock { state in
            if let known = state { return known }
            let matched = match?() ?? []
            state = matched
            return matched
        }
    }
}
