/// One scalar: a cell of a column, a literal, or an aggregate's result. Nulls follow SQL.
public enum Value: Sendable, Hashable {
    case null
    case integer(Int64)
    case decimal(Double)
    case boolean(Bool)
    /// Days since 1970-01-01.
    case date(Int32)
    /// Seconds since 1970-01-01T00:00:00, wall-clock time with no zone.
    case timestamp(Int64)
    case text(String)

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// The value as a number when it is one (integers, decimals, booleans as 0/1 are not numbers).
    public var number: Double? {
        switch self {
        case .integer(let v): return Double(v)
        case .decimal(let v): return v
        default: return nil
        }
    }

    public var type: ColumnType? {
        switch self {
        case .null: return nil
        case .integer: return .integer
        case .decimal: return .decimal
        case .boolean: return .boolean
        case .date: return .date
        case .timestamp: return .timestamp
        case .text: return .text
        }
    }
}
