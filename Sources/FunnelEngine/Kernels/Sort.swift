public enum Sort {
    /// Row indices of `selection` (nil = all rows) ordered by the keys; stable; nulls last in both
    /// directions. Text orders by string value, booleans false before true, decimals with NaN
    /// above +infinity. Selected rows outside `0..<rowCount` are dropped; rows past the end of a
    /// shorter key column read as null.
    ///
    /// Least-significant-key-first radix sort: for each key from the last to the first, a stable
    /// sort of the current order by that key alone — a counting sort when the key spans under
    /// 4096 values (text ranks, booleans, dates), else an LSD radix sort of (code << 32 | row)
    /// words, with nulls given the largest code; keys spanning more than 2^32 values sort
    /// (code, row) pairs and then move their nulls to the end.
    public static func order(keys: [(column: Column, descending: Bool)], selection: Selection?, rowCount: Int) -> Selection {
        let n = clampedRowCount(rowCount)
        var rows: [Int32]
        if let selection {
            rows = selection.filter { $0 >= 0 && Int($0) < n }
        } else {
            rows = (0..<Int32(n)).map { $0 }
        }
        if rows.count < 2 { return rows }
        for key in keys.reversed() {
            let rowsForRanking = selection == nil ? nil : rows
            rows = visitKeys(of: key.column, selection: rowsForRanking, rowCount: n,
                             SortPass(rows: rows, descending: key.descending))
        }
        return rows
    }
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
