/// The types a column can have after inference or an override.
public enum ColumnType: String, Sendable, CaseIterable {
    case integer, decimal, boolean, date, timestamp, text

    public var isNumeric: Bool { self == .integer || self == .decimal }
    public var isTemporal: Bool { self == .date || self == .timestamp }
}
