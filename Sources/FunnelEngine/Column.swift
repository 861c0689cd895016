/// A typed column: contiguous primitives (or dictionary codes for text) plus a validity bitmap.
public struct Column: Sendable {
    public var name: String
    public var storage: ColumnStorage
    /// nil when every row holds a value.
    public var validity: Validity?

    public init(name: String, storage: ColumnStorage, validity: Validity? = nil) {
        self.name = name
        self.storage = storage
        self.validity = (validity?.nullCount == 0) ? nil : validity
    }

    public var type: ColumnType { storage.type }

    /// One row of a type's zero value: a column's type without its values.
    public static func standIn(_ type: ColumnType, name: String) -> Column {
        zeros(type, name: name, count: 1)
    }

    /// A column of `count` zero values of a type (an empty column when `count` is 0).
    public static func zeros(_ type: ColumnType, name: String, count: Int) -> Column {
        let storage: ColumnStorage
        switch type {
        case .integer: storage = .integer(IntegerValues.narrowest([Int64](repeating: 0, count: count)))
        case .decimal: storage = .decimal([Double](repeating: 0, count: count))
        case .boolean: storage = .boolean([Bool](repeating: false, count: count))
        case .date: storage = .date([Int32](repeating: 0, count: count))
        case .timestamp: storage = .timestamp(IntegerValues.narrowest([Int64](repeating: 0, count: count)))
        case .text: storage = .text(codes: TextCodes(repeating: 0, count: count), dictionary: count == 0 ? [] : [""])
        }
        return Column(name: name, storage: storage)
    }
    public var count: Int { storage.count }

    @inline(__always)
    public func isNull(_ row: Int) -> Bool {
        guard let validity else { return false }
        return !validity.isValid(row)
    }

    public var nullCount: Int { validity?.nullCount ?? 0 }

    /// The value at `row` as a scalar; slow path for display and tests, not for kernels.
    public func value(at row: Int) -> Value {
        if isNull(row) { return .null }
        switch storage {
        case .integer(let v): return .integer(v[row])
        case .decimal(let v): return .decimal(v[row])
        case .boolean(let v): return .boolean(v[row])
        case .date(let v): return .date(v[row])
        case .timestamp(let v): return .timestamp(v[row])
        case .text(let codes, let dictionary):
            let code = Int(codes[row])
            return code >= 0 && code < dictionary.count ? .text(dictionary[code]) : .null
        }
    }
}

/// The physical data of a column. Nulls are marked in the column's validity; the slot then holds 0.
public enum ColumnStorage: Sendable {
    case integer(IntegerValues)
    case decimal([Double])
    case boolean([Bool])
    /// Days since 1970-01-01.
    case date([Int32])
    /// Seconds since 1970-01-01T00:00:00 (wall-clock, no zone), as narrow as the values allow:
    /// a loaded column of times up to 2038 keeps four bytes a row, not eight (a CRM export's
    /// stage dates are most of what a funnel reads).
    case timestamp(IntegerValues)
    /// Dictionary-encoded text: `codes[row]` indexes `dictionary`; each distinct string appears once.
    case text(codes: TextCodes, dictionary: TextDictionary)

    public var type: ColumnType {
        switch self {
        case .integer: return .integer
        case .decimal: return .decimal
        case .boolean: return .boolean
        case .date: return .date
        case .timestamp: return .timestamp
        case .text: return .text
        }
    }

    public var count: Int {
        switch self {
        case .integer(let v): return v.count
        case .decimal(let v): return v.count
        case .boolean(let v): return v.count
        case .date(let v): return v.count
        case .timestamp(let v): return v.count
        case .text(let codes, _): return codes.count
        }
    }
}
