/// The value of a row expression over a table: one value for every row, or a constant.
/// Vectors are table-length; only the rows of the current selection are meaningful.
public enum Operand {
    case scalar(Value)
    case vector(Column)

    public var type: ColumnType? {
        switch self {
        case .scalar(let v): return v.type
        case .vector(let c): return c.type
        }
    }
}

public extension Column {
    /// A nameless table-length column of the given storage and validity.
    static func vector(_ storage: ColumnStorage, _ validity: Validity?) -> Column {
        Column(name: "", storage: storage, validity: validity)
    }
}
