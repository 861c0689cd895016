/// `column op constant` straight to a selection: one pass over the rows in scope, no vector of
/// booleans in between. The common shape of rule clauses (`score >= 60`, `source == "email"`,
/// `title ~ "vp|director"`); anything else goes through the general evaluator.
public enum FastFilter {
    /// The rows of `selection` (all rows when nil) where `keep(row)` holds, in order. Branch-free:
    /// every row is written and the count moves on only when it is kept, so the outcome of the
    /// test (often a coin flip) costs no misprediction.
    @inline(__always)
    public static func select(_ selection: Selection?, _ rowCount: Int, _ validity: Validity?, _ keep: (Int) -> Bool) -> Selection {
        let capacity = selection?.count ?? rowCount
        return [Int32](unsafeUninitializedCapacity: capacity) { buffer, count in
            var n = 0
            // A Bool is stored as 0 or 1: added as a number, it costs no branch (`? 1 : 0` and
            // `&&` compile to branches, which mispredict on coin-flip tests).
            @inline(__always) func one(_ b: Bool) -> Int { Int(unsafeBitCast(b, to: UInt8.self)) }
            if let selection {
                if let validity {
                    for r in selection {
                        buffer[n] = r
                        let row = Int(r)
                        n &+= one(keep(row)) & one(validity.isValid(row))
                    }
                } else {
                    for r in selection {
                        buffer[n] = r
                        n &+= one(keep(Int(r)))
                    }
                }
            } else if let validity {
                for r in 0..<rowCount {
                    buffer[n] = Int32(truncatingIfNeeded: r)
                    n &+= one(keep(r)) & one(validity.isValid(r))
                }
            } else {
                for r in 0..<rowCount {
                    buffer[n] = Int32(truncatingIfNeeded: r)
                    n &+= one(keep(r))
                }
            }
            count = n
        }
    }

    /// One loop per operator, so that the comparison is inlined rather than chosen per row.
    @inline(__always)
    /// `scan` over whole numbers (or seconds) at the width they are stored in.
    static func scanWhole(_ op: BinaryOperator, _ k: Int64, _ values: IntegerValues, _ selection: Selection?, _ rowCount: Int,
                          _ validity: Validity?) -> Selection? {
        func run<T: StoredInteger>(_ values: [T]) -> Selection? {
            values.withUnsafeBufferPointer { v in scan(op, k, selection, rowCount, validity) { Int64(v[$0]) } }
        }
        switch values {
        case .int8(let v): return run(v)
        case .int16(let v): return run(v)
        case .int32(let v): return run(v)
        case .int64(let v): return run(v)
        }
    }

    public static func scan<T: Comparable>(_ op: BinaryOperator, _ k: T, _ selection: Selection?, _ rowCount: Int, _ validity: Validity?, _ value: (Int) -> T) -> Selection? {
        switch op {
        case .equal: return select(selection, rowCount, validity) { value($0) == k }
        case .notEqual: return select(selection, rowCount, validity) { value($0) != k }
        case .less: return select(selection, rowCount, validity) { value($0) < k }
        case .lessEqual: return select(selection, rowCount, validity) { value($0) <= k }
        case .greater: return select(selection, rowCount, validity) { value($0) > k }
        case .greaterEqual: return select(selection, rowCount, validity) { value($0) >= k }
        default: return nil
        }
    }

    /// `column is null` (`negated`: `is not null`) straight to a selection, from the column's
    /// validity: without a selection, 64 rows per word (`mql_at is not null` keeps a third of the
    /// rows, and later stages' times far fewer). nil when the column does not cover the rows.
    public static func nulls(_ column: Column, negated: Bool, selection: Selection?, rowCount: Int) -> Selection? {
        guard column.count == rowCount, rowCount <= Int(Int32.max) else { return nil }
        guard let validity = column.validity else {
            // No bitmap: every row holds a value.
            return negated ? selection ?? (0..<Int32(rowCount)).map { $0 } : []
        }
        guard validity.count >= rowCount else { return nil }
        if let selection {
            return select(selection, rowCount, nil) { validity.isValid($0) == negated }
        }
        return [Int32](unsafeUninitializedCapacity: validity.rowCount(valid: negated, below: rowCount)) { buffer, count in
            var n = 0
            validity.forEachRow(valid: negated, below: rowCount) { r in
                buffer[n] = Int32(truncatingIfNeeded: r)
                n &+= 1
            }
            count = n
        }
    }

    /// nil when the column and constant are not a pair this path handles.
    public static func compare(_ column: Column, _ op: BinaryOperator, _ constant: Value, selection: Selection?, rowCount: Int) -> Selection? {
        guard column.count == rowCount else { return nil }
        if constant.isNull { return [] }
        let validity = column.validity
        switch (column.storage, constant) {
        case (.integer(let values), .integer(let k)):
            // Whole numbers compare as whole numbers: no conversion to double per row.
            return scanWhole(op, k, values, selection, rowCount, validity)
        case (.integer(let values), _) where constant.number != nil:
            let k = constant.number ?? 0
            func run<T: StoredInteger>(_ values: [T]) -> Selection? {
                values.withUnsafeBufferPointer { v in scan(op, k, selection, rowCount, validity) { Double(v[$0]) } }
            }
            switch values {
            case .int8(let v): return run(v)
            case .int16(let v): return run(v)
            case .int32(let v): return run(v)
            case .int64(let v): return run(v)
            }
        case (.decimal(let values), _) where constant.number != nil:
            let k = constant.number ?? 0
            return values.withUnsafeBufferPointer { v in scan(op, k, selection, rowCount, validity) { v[$0] } }
        case (.timestamp(let values), _):
            guard let k = VectorOps.scalarSeconds(constant) else { return nil }
            return scanWhole(op, k, values, selection, rowCount, validity)
        case (.date(let values), _):
            guard let k = VectorOps.scalarSeconds(constant) else { return nil }
            return values.withUnsafeBufferPointer { v in scan(op, k, selection, rowCount, validity) { Int64(v[$0]) * CivilDate.secondsPerDay } }
        case (.text(let codes, let dictionary), .text(let k)):
            let byCode = dictionary.map { VectorOps.holds(op, $0, k) }
            return selectByCode(codes, byCode, selection, rowCount, validity)
        default:
            return nil
        }
    }

    /// `text ~ pattern`: the pattern is matched once per distinct value.
    public static func match(_ column: Column, _ matcher: TextMatcher, negated: Bool, selection: Selection?, rowCount: Int) -> Selection? {
        guard column.count == rowCount, case .text(let codes, let dictionary) = column.storage else { return nil }
        let validity = column.validity
        let byCode = dictionary.map { matcher.matches($0) != negated }
        return selectByCode(codes, byCode, selection, rowCount, validity)
    }

    /// The rows whose code `keep`s, in a loop specialised for the codes' width. Codes outside
    /// the dictionary (and rows past the codes) are not kept.
    private static func selectByCode(_ codes: TextCodes, _ keep: [Bool], _ selection: Selection?, _ rowCount: Int,
                                     _ validity: Validity?) -> Selection {
        func run<C: TextCode>(_ codes: [C]) -> Selection {
            // A sorted view's selection is not ascending, so its largest row is looked for.
            if let largest = selection?.max(), Int(largest) >= codes.count {
                return select(selection, rowCount, validity) { r in
                    guard r < codes.count else { return false }
                    let code = Int(codes[r])
                    return code >= 0 && code < keep.count && keep[code]
                }
            }
            // One entry for every value a code of this width can hold: no bounds test per row.
            let table: [Bool]
            if C.bitWidth <= 16 {
                table = keep + [Bool](repeating: false, count: max(0, (1 << C.bitWidth) - keep.count))
            } else {
                table = keep
            }
            return codes.withUnsafeBufferPointer { c in
                table.withUnsafeBufferPointer { k in
                    select(selection, min(rowCount, c.count), validity) { r in
                        let code = Int(c[r])
                        if C.bitWidth <= 16 { return k[code] }
                        return code >= 0 && code < k.count && k[code]
                    }
                }
            }
        }
        switch codes {
        case .bytes(let c): return run(c)
        case .shorts(let c): return run(c)
        case .words(let c): return run(c)
        }
    }
}
