public enum Sort {
    /// Row indices of `selection` (nil = all rows) ordered by the keys; stable; nulls last in both
    /// directions. Text orders by string value, booleans false before true, decimals with NaN
    /// above +infinity. Selected rows outside `0..<rowCount` are dropped; rows past the end of a
    /// shorter key column read as null.
    ///
    /// Every key becomes an unsigned code per row (its offset from the smallest value, reversed
    /// when descending, nulls one past the largest). When the codes of all keys fit together in
    /// 64 bits they are concatenated and the rows sorted once by the result; otherwise keys are
    /// applied from the last to the first, each a stable sort of the current order. A sort by
    /// codes is a counting sort under 4096 distinct codes, else an LSD radix sort of
    /// (code << 32 | row) words, or of (code, row) pairs for codes wider than 32 bits.
    public static func order(keys: [(column: Column, descending: Bool)], selection: Selection?, rowCount: Int) -> Selection {
        let n = clampedRowCount(rowCount)
        var rows: [Int32]
        if let selection {
            rows = selection.filter { $0 >= 0 && Int($0) < n }
        } else {
            rows = (0..<Int32(n)).map { $0 }
        }
        if rows.count < 2 || keys.isEmpty { return rows }
        let rowsForRanking = selection == nil ? nil : rows
        // Text ranks depend only on which rows take part, so one ranking per key serves both passes.
        let rankings = keys.map { key -> TextRanking? in
            guard case .text(let codes, let dictionary) = key.column.storage else { return nil }
            return TextRanking(codes: codes, dictionary: dictionary, validity: key.column.validity,
                               selection: rowsForRanking, rowCount: n)
        }
        if keys.count > 1 {
            let stats = keys.indices.map { visit(keys[$0].column, rankings[$0], KeyStats(rows: rows)) }
            let widths = stats.map(\.codeBits)
            if widths.reduce(0, +) <= 64 {
                // Concatenate the codes, last key in the low bits, then sort once.
                let buffer = CodeBuffer(count: rows.count)
                var shift = 0
                for i in keys.indices.reversed() where widths[i] > 0 {
                    visit(keys[i].column, rankings[i],
                          CodeWriter(rows: rows, stats: stats[i], descending: keys[i].descending,
                                     shift: UInt64(shift), buffer: buffer))
                    shift += widths[i]
                }
                var codes = buffer.take()
                return sortRows(rows, byCodes: &codes, bits: shift)
            }
        }
        for i in keys.indices.reversed() {
            rows = visit(keys[i].column, rankings[i], SortPass(rows: rows, descending: keys[i].descending))
        }
        return rows
    }

    /// `visitKeys`, with text ranked by a ranking made beforehand.
    private static func visit<V: KeysVisitor>(_ column: Column, _ ranking: TextRanking?, _ visitor: V) -> V.Result {
        if case .text(let codes, _) = column.storage, let ranking {
            return visitTextKeys(codes, ranking, column.validity, visitor)
        }
        return visitKeys(of: column, selection: nil, rowCount: column.count, visitor)
    }
}

/// A key's smallest and largest value and null count over some rows, and so the bits its codes need.
private struct KeyStats: KeysVisitor {
    let rows: [Int32]
    var low = Int64.max
    var high = Int64.min
    var nulls = 0

    init(rows: [Int32]) { self.rows = rows }

    /// Bits of the largest code (the null code when there are nulls); 65 when they cannot fit.
    var codeBits: Int {
        if low > high { return 0 }  // only nulls: one code, nothing to order
        let range = UInt64(bitPattern: high &- low)
        if nulls > 0 {
            if range == UInt64.max { return 65 }
            return 64 - (range + 1).leadingZeroBitCount
        }
        return 64 - range.leadingZeroBitCount
    }

    func visit<K: OrderedKeys>(_ keys: K) -> KeyStats {
        var result = self
        let limit = keys.limit
        var lo = Int64.max
        var hi = Int64.min
        var nulls = 0
        for r32 in rows {
            let r = Int(r32)
            if r >= limit || keys.isNull(r) {
                nulls += 1
                continue
            }
            let k = keys.key(r)
            if k < lo { lo = k }
            if k > hi { hi = k }
        }
        result.low = lo
        result.high = hi
        result.nulls = nulls
        return result
    }
}

/// The concatenated codes under construction; a class so that each key's writer updates the one
/// array in place instead of copying it.
private final class CodeBuffer {
    var codes: [UInt64]
    init(count: Int) { codes = [UInt64](repeating: 0, count: count) }
    func take() -> [UInt64] {
        let taken = codes
        codes = []
        return taken
    }
}

/// ORs one key's codes, shifted, into the buffer (aligned with `rows`).
private struct CodeWriter: KeysVisitor {
    let rows: [Int32]
    let stats: KeyStats
    let descending: Bool
    let shift: UInt64
    let buffer: CodeBuffer

    func visit<K: OrderedKeys>(_ keys: K) {
        let limit = keys.limit
        let lo = stats.low
        let hi = stats.high
        // Only nulls: every code is 0. Else nulls take the code after the largest value.
        let nullCode: UInt64 = lo > hi ? 0 : UInt64(bitPattern: hi &- lo) &+ 1
        let descending = self.descending
        let shift = self.shift
        rows.withUnsafeBufferPointer { rp in
            buffer.codes.withUnsafeMutableBufferPointer { op in
                for i in 0..<min(rp.count, op.count) {
                    let r = Int(rp[i])
                    let code: UInt64
                    if r >= limit || keys.isNull(r) {
                        code = nullCode
                    } else {
                        let k = keys.key(r)
                        code = UInt64(bitPattern: descending ? hi &- k : k &- lo)
                    }
                    op[i] |= code << shift
                }
            }
        }
    }
}

/// The rows ordered by their codes (aligned with them, `bits` wide), stably.
private func sortRows(_ rows: [Int32], byCodes codes: inout [UInt64], bits: Int) -> [Int32] {
    let n = min(rows.count, codes.count)
    if bits == 0 { return rows }
    if bits <= 12 {
        // Counting sort.
        let buckets = 1 << bits
        var offsets = [Int](repeating: 0, count: buckets + 1)
        return rows.withUnsafeBufferPointer { rp in
            codes.withUnsafeBufferPointer { cp in
                offsets.withUnsafeMutableBufferPointer { op in
                    for i in 0..<n { op[Int(cp[i] & UInt64(buckets - 1)) + 1] += 1 }
                    for b in 0..<buckets { op[b + 1] += op[b] }
                    return [Int32](unsafeUninitializedCapacity: n) { out, initialized in
                        for i in 0..<n {
                            let c = Int(cp[i] & UInt64(buckets - 1))
                            let p = op[c]
                            if p < n { out[p] = rp[i] }
                            op[c] = p + 1
                        }
                        initialized = n
                    }
                }
            }
        }
    }
    if codes.count > n { codes.removeLast(codes.count - n) }
    if bits <= 32 {
        // The codes become (code << 32 | row) words in place.
        codes.withUnsafeMutableBufferPointer { pp in
            rows.withUnsafeBufferPointer { rp in
                for i in 0..<n { pp[i] = pp[i] << 32 | UInt64(UInt32(bitPattern: rp[i])) }
            }
        }
        radixSortPacked(&codes, keyBits: bits)
        return codes.map { Int32(bitPattern: UInt32(truncatingIfNeeded: $0)) }
    }
    var payload = Array(rows.prefix(n))
    radixSort(keys: &codes, payload: &payload)
    return payload
}

/// One key's stable pass over the current order.
private struct SortPass: KeysVisitor {
    let rows: [Int32]
    let descending: Bool

    func visit<K: OrderedKeys>(_ keys: K) -> [Int32] {
        let limit = keys.limit
        var lo = Int64.max
        var hi = Int64.min
        var nulls = 0
        for r32 in rows {
            let r = Int(r32)
            if r >= limit || keys.isNull(r) {
                nulls += 1
                continue
            }
            let k = keys.key(r)
            if k < lo { lo = k }
            if k > hi { hi = k }
        }
        if nulls == 0 && lo == hi { return rows }
        if nulls == rows.count { return rows }
        let range = UInt64(bitPattern: hi &- lo)
        let descending = self.descending
        @inline(__always) func code(_ r: Int) -> Int {
            if r >= limit || keys.isNull(r) { return Int(range) + 1 }
            let k = keys.key(r)
            return Int(truncatingIfNeeded: descending ? hi &- k : k &- lo)
        }
        if range < 4095 {
            // Few distinct codes (text, booleans, dates over a few years): one counting-sort pass
            // straight from the rows, with nulls as the largest code; no key array at all.
            let buckets = Int(range) + 2
            var offsets = [Int](repeating: 0, count: buckets + 1)
            let n = rows.count
            return rows.withUnsafeBufferPointer { rp in
                offsets.withUnsafeMutableBufferPointer { op in
                    for i in 0..<n { op[min(code(Int(rp[i])), buckets - 1) + 1] += 1 }
                    for b in 0..<buckets { op[b + 1] += op[b] }
                    return [Int32](unsafeUninitializedCapacity: n) { out, initialized in
                        for i in 0..<n {
                            let c = min(code(Int(rp[i])), buckets - 1)
                            let p = op[c]
                            if p < n { out[p] = rp[i] }
                            op[c] = p + 1
                        }
                        initialized = n
                    }
                }
            }
        }
        if range < UInt64(UInt32.max) {
            // Common case: code << 32 | row in one word, with nulls as the largest code.
            let nullCode = range + 1
            let n = rows.count
            var packed = [UInt64](unsafeUninitializedCapacity: n) { out, initialized in
                rows.withUnsafeBufferPointer { rp in
                    for i in 0..<n {
                        let r = Int(rp[i])
                        let code: UInt64
                        if r >= limit || keys.isNull(r) {
                            code = nullCode
                        } else {
                            let k = keys.key(r)
                            code = UInt64(bitPattern: descending ? hi &- k : k &- lo)
                        }
                        out[i] = code << 32 | UInt64(UInt32(bitPattern: rp[i]))
                    }
                }
                initialized = n
            }
            radixSortPacked(&packed, keyBits: 64 - nullCode.leadingZeroBitCount)
            return [Int32](unsafeUninitializedCapacity: n) { out, initialized in
                packed.withUnsafeBufferPointer { pp in
                    for i in 0..<n { out[i] = Int32(bitPattern: UInt32(truncatingIfNeeded: pp[i])) }
                }
                initialized = n
            }
        }
        var order = rows
        if lo != hi {
            var codes = [UInt64](repeating: 0, count: rows.count)
            rows.withUnsafeBufferPointer { rp in
                codes.withUnsafeMutableBufferPointer { cp in
                    for i in 0..<rp.count {
                        let r = Int(rp[i])
                        if r >= limit || keys.isNull(r) { continue }
                        let k = keys.key(r)
                        cp[i] = UInt64(bitPattern: descending ? hi &- k : k &- lo)
                    }
                }
            }
            radixSort(keys: &codes, payload: &order)
        }
        if nulls == 0 { return order }
        // Stable partition: values first, then nulls, each in their current order.
        var result: [Int32] = []
        result.reserveCapacity(order.count)
        var nullRows: [Int32] = []
        nullRows.reserveCapacity(nulls)
        for r32 in order {
            let r = Int(r32)
            if r >= limit || keys.isNull(r) { nullRows.append(r32) } else { result.append(r32) }
        }
        result.append(contentsOf: nullRows)
        return result
    }
}
