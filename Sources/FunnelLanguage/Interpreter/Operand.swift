import FunnelEngine

/// The value of a row expression over a table: one value for every row, or a constant.
/// Vectors are table-length; only the rows of the current selection are meaningful.
enum Operand {
    case scalar(Value)
    case vector(Column)

    var type: ColumnType? {
        switch self {
        case .scalar(let v): return v.type
        case .vector(let c): return c.type
        }
    }
}

extension Column {
    /// A nameless table-length column of the given storage and validity.
    static func vector(_ storage: ColumnStorage, _ validity: Validity?) -> Column {
        Column(name: "", storage: storage, validity: validity)
    }
}

/// Visits the selected rows, or all rows when there is no selection.
@inline(__always)
func forEachRow(_ selection: Selection?, _ rowCount: Int, _ body: (Int) -> Void) {
    if let selection {
        for r in selection { body(Int(r)) }
    } else {
        for r in 0..<rowCount { body(r) }
    }
}
