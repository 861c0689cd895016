/// A named set of equally long columns, as loaded from a CSV or produced by a query.
public struct Table: Sendable {
    public var name: String
    /// The columns read, in file order.
    private var readColumns: [Column]
    /// Columns a load left unread, read when first needed (see `prepare`); nil = none.
    public private(set) var unread: UnreadColumns?
    public var rowCount: Int
    /// The column `by month` and friends use; set by an override or inferred at load.
    public var timeColumn: String?
    /// Why a column has the type it has, when a reader should know: "read as text: rows 2 to
    /// 900,000 hold numbers, row 900,001 holds "n/a"". By column name; said in type errors.
    public var typeNotes: [String: String] = [:]
    /// How a column written for people was read, by column name: "decimal, from "$1,234.56"",
    /// "months as their first day, from "Jan 2024"". Shown with the table's shape.
    public var readAs: [String: String] = [:]
    /// Nulls per column counted elsewhere (a database's count over all its rows), for a table
    /// that holds only its first rows: see `nullCount(of:)`.
    public var knownNullCounts: [String: Int]? = nil

    /// Every column's name, in file order.
    public private(set) var columnNames: [String]

    public init(name: String, columns: [Column], rowCount: Int? = nil, timeColumn: String? = nil) {
        self.name = name
        self.readColumns = columns
        self.columnNames = columns.map(\.name)
        self.rowCount = rowCount ?? columns.first?.count ?? 0
        self.timeColumn = timeColumn
    }

    /// A loaded table whose columns `unread` are read when first needed; `order` is every
    /// column's name in file order.
    public init(name: String, columns: [Column], unread: UnreadColumns, order: [String], rowCount: Int, timeColumn: String?) {
        self.init(name: name, columns: columns, rowCount: rowCount, timeColumn: timeColumn)
        self.unread = unread
        self.columnNames = order
    }

    /// Every column, in file order; unread columns are read first (in one pass over the file).
    /// Setting them replaces every column.
    public var columns: [Column] {
        get {
            guard let unread else { return readColumns }
            let late = unread.columnsOrNulls(unread.names, rows: rowCount)
            var byName: [String: Column] = [:]
            for column in readColumns { byName[column.name] = column }
            return columnNames.compactMap { byName[$0] ?? late[$0] }
        }
        set {
            readColumns = newValue
            columnNames = newValue.map(\.name)
            unread = nil
        }
    }

    /// A column's nulls: as counted over all the rows when only the first rows are held.
    public func nullCount(of column: Column) -> Int {
        knownNullCounts?[column.name] ?? column.nullCount
    }

    /// The columns read so far (a table's shape without reading the others).
    public var columnsRead: [Column] { readColumns }

    /// The type of a column, read or not.
    public func type(of name: String) -> ColumnType? {
        if let column = readColumns.first(where: { $0.name == name }) { return column.type }
        return unread?.types[name]
    }

    /// Whether the table has the column, read or not (nothing is read).
    public func hasColumn(_ name: String) -> Bool { type(of: name) != nil }

    public func columnIndex(named name: String) -> Int? {
        columnNames.firstIndex(of: name)
    }

    public func column(named name: String) -> Column? {
        if let column = readColumns.first(where: { $0.name == name }) { return column }
        guard let unread, unread.types[name] != nil else { return nil }
        return unread.columnsOrNulls([name], rows: rowCount)[name]
    }

    /// Reads, in one pass, the columns among `names` that the load left unread. Throws when
    /// the file changed since it was loaded.
    public func prepare(_ names: some Sequence<String>) throws(CSVError) {
        guard let unread else { return }
        _ = try unread.columns(names)
    }

    /// Whether its columns come from a database (read when a statement needs them).
    public var isInDatabase: Bool { unread?.source != nil }

    /// A one-row table of the same columns and types, with nothing read: what a type check over
    /// no rows evaluates on, so that it costs no read of a database table.
    public func typeStandIn() -> Table {
        let standIns = columnNames.map { name in Column.standIn(type(of: name) ?? .text, name: name) }
        var table = Table(name: name, columns: standIns, rowCount: 1, timeColumn: timeColumn)
        table.typeNotes = typeNotes
        return table
    }

    /// Reads every column the load left unread.
    public func prepareAll() throws(CSVError) {
        guard let unread else { return }
        _ = try unread.columns(unread.names)
    }
}

/// The rows of a table that a filter kept, as ascending row indices. `nil` where used means all rows.
public typealias Selection = [Int32]
