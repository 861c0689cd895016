/// A named set of equally long columns, as loaded from a CSV or produced by a query.
public struct Table: Sendable {
    public var name: String
    public var columns: [Column]
    public var rowCount: Int
    /// The column `by month` and friends use; set by an override or inferred at load.
    public var timeColumn: String?
    /// Why a column has the type it has, when a reader should know: "read as text: rows 2 to
    /// 900,000 hold numbers, row 900,001 holds "n/a"". By column name; said in type errors.
    public var typeNotes: [String: String] = [:]
    /// How a column written for people was read, by column name: "decimal, from "$1,234.56"",
    /// "months as their first day, from "Jan 2024"". Shown with the table's shape.
    public var readAs: [String: String] = [:]

    public init(name: String, columns: [Column], rowCount: Int? = nil, timeColumn: String? = nil) {
        self.name = name
        self.columns = columns
        self.rowCount = rowCount ?? columns.first?.count ?? 0
        self.timeColumn = timeColumn
    }

    public func columnIndex(named name: String) -> Int? {
        columns.firstIndex { $0.name == name }
    }

    public func column(named name: String) -> Column? {
        columnIndex(named: name).map { columns[$0] }
    }
}

/// The rows of a table that a filter kept, as ascending row indices. `nil` where used means all rows.
public typealias Selection = [Int32]
