/// A width a text column's per-row codes can be stored in.
public protocol TextCode: FixedWidthInteger, Sendable {}
extension UInt8: TextCode {}
extension UInt16: TextCode {}
extension Int32: TextCode {}

/// The per-row dictionary codes of a text column, as narrow as the codes allow.
///
/// Most text columns of a CRM export (source, country, stage, owner, campaign) have a few dozen
/// distinct values, so one byte per row holds their codes instead of four. Kernels switch on the
/// width once and run a loop specialised for it. Codes outside the dictionary (which read as null)
/// and negative codes are kept as they are, in the wide form.
public enum TextCodes: Sendable, Equatable, ExpressibleByArrayLiteral {
    /// Every code is in 0...255.
    case bytes([UInt8])
    /// Every code is in 0...65,535.
    case shorts([UInt16])
    case words([Int32])

    /// The codes in the narrowest form that holds every one of them.
    public init(_ codes: [Int32]) {
        var low: Int32 = 0
        var high: Int32 = 0
        for c in codes {
            low = Swift.min(low, c)
            high = Swift.max(high, c)
        }
        if low < 0 || high > Int32(UInt16.max) {
            self = .words(codes)
        } else if high <= Int32(UInt8.max) {
            self = .bytes(codes.map { UInt8(truncatingIfNeeded: $0) })
        } else {
            self = .shorts(codes.map { UInt16(truncatingIfNeeded: $0) })
        }
    }

    public init(arrayLiteral elements: Int32...) {
        self.init(elements)
    }

    /// `count` rows all holding `code`.
    public init(repeating code: Int32, count: Int) {
        if code >= 0 && code <= Int32(UInt8.max) {
            self = .bytes([UInt8](repeating: UInt8(truncatingIfNeeded: code), count: count))
        } else {
            self = .words([Int32](repeating: code, count: count))
        }
    }

    /// Codes of a dictionary with `dictionaryCount` entries, filled by `fill` through a buffer of
    /// the narrowest width that can index it. `fill` must write every one of the `count` slots.
    public static func make(count: Int, dictionaryCount: Int,
                            _ fill: (TextCodesBuffer) -> Void) -> TextCodes {
        if dictionaryCount <= Int(UInt8.max) + 1 {
            return .bytes([UInt8](unsafeUninitializedCapacity: count) { b, n in
                fill(.bytes(b))
                n = count
            })
        }
        if dictionaryCount <= Int(UInt16.max) + 1 {
            return .shorts([UInt16](unsafeUninitializedCapacity: count) { b, n in
                fill(.shorts(b))
                n = count
            })
        }
        return .words([Int32](unsafeUninitializedCapacity: count) { b, n in
            fill(.words(b))
            n = count
        })
    }

    public var count: Int {
        switch self {
        case .bytes(let c): return c.count
        case .shorts(let c): return c.count
        case .words(let c): return c.count
        }
    }

    /// The code of row `r`; for slow paths (display, single values), not for loops over rows.
    public subscript(r: Int) -> Int32 {
        switch self {
        case .bytes(let c): return Int32(c[r])
        case .shorts(let c): return Int32(c[r])
        case .words(let c): return c[r]
        }
    }

    /// The codes as 32-bit values (a copy unless they are stored that way).
    public var wide: [Int32] {
        switch self {
        case .bytes(let c): return c.map { Int32($0) }
        case .shorts(let c): return c.map { Int32($0) }
        case .words(let c): return c
        }
    }

    /// The same codes, whatever the width each is stored in.
    public static func == (lhs: TextCodes, rhs: TextCodes) -> Bool {
        switch (lhs, rhs) {
        case (.bytes(let a), .bytes(let b)): return a == b
        case (.shorts(let a), .shorts(let b)): return a == b
        case (.words(let a), .words(let b)): return a == b
        default: return lhs.wide == rhs.wide
        }
    }

    /// Bytes per row.
    public var width: Int {
        switch self {
        case .bytes: return 1
        case .shorts: return 2
        case .words: return 4
        }
    }
}

/// A buffer being filled with new codes, at the width chosen by `TextCodes.make`.
public enum TextCodesBuffer {
    case bytes(UnsafeMutableBufferPointer<UInt8>)
    case shorts(UnsafeMutableBufferPointer<UInt16>)
    case words(UnsafeMutableBufferPointer<Int32>)
}

extension TextCodes {
    /// Calls `body(row, code)` for every row of `selection` (nil = all rows) below `limit` and
    /// below the codes' count, in a loop specialised for the codes' width.
    @inlinable
    public func forEachCode(_ selection: Selection?, below limit: Int, _ body: (_ row: Int, _ code: Int) -> Void) {
        switch self {
        case .bytes(let c):
            c.withUnsafeBufferPointer { p in forEachRow(selection, below: Swift.min(limit, p.count)) { body($0, Int(p[$0])) } }
        case .shorts(let c):
            c.withUnsafeBufferPointer { p in forEachRow(selection, below: Swift.min(limit, p.count)) { body($0, Int(p[$0])) } }
        case .words(let c):
            c.withUnsafeBufferPointer { p in forEachRow(selection, below: Swift.min(limit, p.count)) { body($0, Int(p[$0])) } }
        }
    }

    /// New codes (for a dictionary of `dictionaryCount` entries), one per row below `count`:
    /// `remap[code]` for the rows of `selection`, 0 for the others.
    public func remapped(_ remap: [Int32], dictionaryCount: Int, selection: Selection?, count: Int) -> TextCodes {
        // The common case (`lower(trim(source))` over the whole table): one byte to one byte
        // through a full table, so no code needs a bounds test.
        if selection == nil, dictionaryCount <= 256, case .bytes(let source) = self {
            var table = [UInt8](repeating: 0, count: 256)
            for (c, to) in remap.prefix(256).enumerated() { table[c] = UInt8(truncatingIfNeeded: to) }
            return .bytes([UInt8](unsafeUninitializedCapacity: count) { out, initialized in
                let n = Swift.min(count, source.count)
                source.withUnsafeBufferPointer { src in
                    table.withUnsafeBufferPointer { t in
                        for r in 0..<n { out[r] = t[Int(src[r])] }
                    }
                }
                for r in n..<count { out[r] = 0 }
                initialized = count
            })
        }
        func fill<D: TextCode>(_ out: UnsafeMutableBufferPointer<D>) {
            out.initialize(repeating: 0)
            remap.withUnsafeBufferPointer { m in
                forEachCode(selection, below: count) { r, c in
                    if c >= 0 && c < m.count { out[r] = D(truncatingIfNeeded: m[c]) }
                }
            }
        }
        return TextCodes.make(count: count, dictionaryCount: dictionaryCount) { buffer in
            switch buffer {
            case .bytes(let b): fill(b)
            case .shorts(let b): fill(b)
            case .words(let b): fill(b)
            }
        }
    }
}
