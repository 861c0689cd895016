/// A width whole numbers can be stored in.
public protocol StoredInteger: FixedWidthInteger, SignedInteger, Sendable {}
extension Int8: StoredInteger {}
extension Int16: StoredInteger {}
extension Int32: StoredInteger {}
extension Int64: StoredInteger {}

/// The values of a whole-number column, stored as narrow as a loaded file's values allow.
///
/// Scores, head counts, quantities and row ids of a CRM export fit in one, two or four bytes, so
/// a loaded column keeps them that way rather than in eight. Values computed by expressions are
/// kept in eight bytes (`int64`). Kernels switch on the width once and run a loop specialised for
/// it; everything reads a value as `Int64`.
public enum IntegerValues: Sendable, Equatable, ExpressibleByArrayLiteral {
    case int8([Int8])
    case int16([Int16])
    case int32([Int32])
    case int64([Int64])

    /// The values in the narrowest width that holds every one of them.
    public static func narrowest(_ values: [Int64]) -> IntegerValues {
        var low: Int64 = 0
        var high: Int64 = 0
        for v in values {
            low = Swift.min(low, v)
            high = Swift.max(high, v)
        }
        return make(count: values.count, low: low, high: high) { buffer in
            switch buffer {
            case .int8(let b): for i in values.indices { b[i] = Int8(truncatingIfNeeded: values[i]) }
            case .int16(let b): for i in values.indices { b[i] = Int16(truncatingIfNeeded: values[i]) }
            case .int32(let b): for i in values.indices { b[i] = Int32(truncatingIfNeeded: values[i]) }
            case .int64(let b): for i in values.indices { b[i] = values[i] }
            }
        }
    }

    public init(arrayLiteral elements: Int64...) {
        self = .narrowest(elements)
    }

    /// `count` values between `low` and `high`, written by `fill` (which must write every slot)
    /// into a buffer of the narrowest width that holds that range.
    public static func make(count: Int, low: Int64, high: Int64, _ fill: (IntegerBuffer) -> Void) -> IntegerValues {
        if low >= Int64(Int8.min) && high <= Int64(Int8.max) {
            return .int8([Int8](unsafeUninitializedCapacity: count) { b, n in fill(.int8(b)); n = count })
        }
        if low >= Int64(Int16.min) && high <= Int64(Int16.max) {
            return .int16([Int16](unsafeUninitializedCapacity: count) { b, n in fill(.int16(b)); n = count })
        }
        if low >= Int64(Int32.min) && high <= Int64(Int32.max) {
            return .int32([Int32](unsafeUninitializedCapacity: count) { b, n in fill(.int32(b)); n = count })
        }
        return .int64([Int64](unsafeUninitializedCapacity: count) { b, n in fill(.int64(b)); n = count })
    }

    public var count: Int {
        switch self {
        case .int8(let v): return v.count
        case .int16(let v): return v.count
        case .int32(let v): return v.count
        case .int64(let v): return v.count
        }
    }

    /// The value of row `r`; for slow paths (display, single values), not for loops over rows.
    public subscript(r: Int) -> Int64 {
        switch self {
        case .int8(let v): return Int64(v[r])
        case .int16(let v): return Int64(v[r])
        case .int32(let v): return Int64(v[r])
        case .int64(let v): return v[r]
        }
    }

    /// The values in eight bytes each (a copy unless they are stored that way).
    public var wide: [Int64] {
        switch self {
        case .int8(let v): return v.map { Int64($0) }
        case .int16(let v): return v.map { Int64($0) }
        case .int32(let v): return v.map { Int64($0) }
        case .int64(let v): return v
        }
    }

    /// Bytes per row.
    public var width: Int {
        switch self {
        case .int8: return 1
        case .int16: return 2
        case .int32: return 4
        case .int64: return 8
        }
    }

    /// The same values, whatever the width each is stored in.
    public static func == (lhs: IntegerValues, rhs: IntegerValues) -> Bool {
        switch (lhs, rhs) {
        case (.int8(let a), .int8(let b)): return a == b
        case (.int16(let a), .int16(let b)): return a == b
        case (.int32(let a), .int32(let b)): return a == b
        case (.int64(let a), .int64(let b)): return a == b
        default: return lhs.wide == rhs.wide
        }
    }

    /// Calls `body(row, value)` for every row of `selection` (nil = all rows) below `limit` and
    /// below the values' count, in a loop specialised for the width.
    @inlinable
    public func forEachValue(_ selection: Selection?, below limit: Int, _ body: (_ row: Int, _ value: Int64) -> Void) {
        switch self {
        case .int8(let v):
            v.withUnsafeBufferPointer { p in forEachRow(selection, below: Swift.min(limit, p.count)) { body($0, Int64(p[$0])) } }
        case .int16(let v):
            v.withUnsafeBufferPointer { p in forEachRow(selection, below: Swift.min(limit, p.count)) { body($0, Int64(p[$0])) } }
        case .int32(let v):
            v.withUnsafeBufferPointer { p in forEachRow(selection, below: Swift.min(limit, p.count)) { body($0, Int64(p[$0])) } }
        case .int64(let v):
            v.withUnsafeBufferPointer { p in forEachRow(selection, below: Swift.min(limit, p.count)) { body($0, p[$0]) } }
        }
    }
}

/// A buffer being filled with new values, at the width chosen by `IntegerValues.make`.
public enum IntegerBuffer {
    case int8(UnsafeMutableBufferPointer<Int8>)
    case int16(UnsafeMutableBufferPointer<Int16>)
    case int32(UnsafeMutableBufferPointer<Int32>)
    case int64(UnsafeMutableBufferPointer<Int64>)
}

/// Reads whole numbers stored at any width, for loops that read several columns side by side
/// (a funnel's stage times): the width is a field, so one loop serves every mix of widths, and
/// the branch on it is the same at every row.
public struct IntegerReader {
    public let base: UnsafeRawPointer
    /// log2 of the bytes per value.
    public let shift: Int

    @inlinable
    public init(base: UnsafeRawPointer, shift: Int) {
        self.base = base
        self.shift = shift
    }

    @inline(__always)
    public subscript(r: Int) -> Int64 {
        switch shift {
        case 2: return Int64(base.load(fromByteOffset: r &<< 2, as: Int32.self))
        case 3: return base.load(fromByteOffset: r &<< 3, as: Int64.self)
        case 1: return Int64(base.load(fromByteOffset: r &<< 1, as: Int16.self))
        default: return Int64(base.load(fromByteOffset: r, as: Int8.self))
        }
    }
}

extension IntegerValues {
    /// Calls `body` with a reader of the values, valid for the call; nil when there are none.
    @inlinable
    public func withReader<R>(_ body: (IntegerReader?) throws -> R) rethrows -> R {
        switch self {
        case .int8(let v): return try v.withUnsafeBytes { try body($0.baseAddress.map { IntegerReader(base: $0, shift: 0) }) }
        case .int16(let v): return try v.withUnsafeBytes { try body($0.baseAddress.map { IntegerReader(base: $0, shift: 1) }) }
        case .int32(let v): return try v.withUnsafeBytes { try body($0.baseAddress.map { IntegerReader(base: $0, shift: 2) }) }
        case .int64(let v): return try v.withUnsafeBytes { try body($0.baseAddress.map { IntegerReader(base: $0, shift: 3) }) }
        }
    }
}
