/// The groups of a `by` clause: which group each row falls in, and the groups' key values.
public struct Grouping: Sendable {
    public var groupCount: Int
    /// Table-length: the group of each row, or -1 for rows not in the selection.
    public var groupOfRow: [Int32]
    /// One column per key, `groupCount` rows each: the distinct key combinations, sorted ascending
    /// by the keys (text by string value, nulls last). Key columns keep the key's name and type.
    public var keys: [Column]

    public init(groupCount: Int, groupOfRow: [Int32], keys: [Column]) {
        self.groupCount = groupCount
        self.groupOfRow = groupOfRow
        self.keys = keys
    }
}

public enum GroupBy {
    /// Groups the rows of `selection` (nil = all of `0..<rowCount`) by the key columns.
    ///
    /// - Group ids are dense and follow the sorted order of the key combinations, so group 0 holds
    ///   the smallest keys; a null key is its own group, placed after every value of that key.
    /// - Text groups by string value (two codes holding equal strings are one group).
    /// - With no keys there is exactly one group (even when no row is selected), like SQL's
    ///   aggregate without GROUP BY.
    /// - Selected rows outside `0..<rowCount` are ignored; rows past the end of a shorter key column
    ///   read as null.
    public static func group(keys: [Column], selection: Selection?, rowCount: Int) -> Grouping {
        let n = clampedRowCount(rowCount)
        if keys.isEmpty {
            var groupOfRow = [Int32](repeating: -1, count: n)
            groupOfRow.withUnsafeMutableBufferPointer { g in
                forEachRow(selection, below: n) { g[$0] = 0 }
            }
            return Grouping(groupCount: 1, groupOfRow: groupOfRow, keys: [])
        }
        var combined = ranks(of: keys[0], selection: selection, rowCount: n)
        for key in keys.dropFirst() {
            if fuse(&combined, key, selection: selection, rowCount: n) { continue }
            let next = ranks(of: key, selection: selection, rowCount: n)
            combined = combine(combined, next, selection: selection, rowCount: n)
        }
        // The first row of each group stands for its key values.
        var firstRow = [Int32](repeating: -1, count: combined.count)
        combined.ids.withUnsafeBufferPointer { ids in
            firstRow.withUnsafeMutableBufferPointer { first in
                forEachRow(selection, below: n) { r in
                    let g = Int(ids[r])
                    if g >= 0 && g < first.count && first[g] < 0 { first[g] = Int32(truncatingIfNeeded: r) }
                }
            }
        }
        let keyColumns = keys.map { Gather.take($0, rows: firstRow) }
        return Grouping(groupCount: combined.count, groupOfRow: combined.ids, keys: keyColumns)
    }

    /// Dense ranks of one column's values over the selected rows (nulls last, as their own rank).
    static func ranks(of column: Column, selection: Selection?, rowCount: Int) -> KeyRanks {
        if case .text(let codes, let dictionary) = column.storage {
            return rankText(codes: codes, dictionary: dictionary, validity: column.validity,
                            selection: selection, rowCount: rowCount)
        }
        return visitKeys(of: column, selection: selection, rowCount: rowCount,
                         RankVisitor(selection: selection, rowCount: rowCount))
    }

    /// Folds one more key into `combined` in place when the key has few values (text, booleans,
    /// a small range of numbers or dates) and the combinations fit a slot table: no table-length
    /// array is made for the key. Returns false, having changed nothing, otherwise.
    static func fuse(_ combined: inout KeyRanks, _ key: Column, selection: Selection?, rowCount: Int) -> Bool {
        let n = min(rowCount, combined.ids.count)
        if case .text(let codes, let dictionary) = key.storage {
            let ranking = TextRanking(codes: codes, dictionary: dictionary, validity: key.validity,
                                      selection: selection, rowCount: n)
            let width = ranking.distinctCount + (ranking.sawNull ? 1 : 0)
            switch codes {
            case .bytes(let c):
                return fuseKeys(&combined, TextRankKeys(c, ranking, key.validity), low: 0,
                                rankOf: nil, width: width, selection: selection, rowCount: n)
            case .shorts(let c):
                return fuseKeys(&combined, TextRankKeys(c, ranking, key.validity), low: 0,
                                rankOf: nil, width: width, selection: selection, rowCount: n)
            case .words(let c):
                return fuseKeys(&combined, TextRankKeys(c, ranking, key.validity), low: 0,
                                rankOf: nil, width: width, selection: selection, rowCount: n)
            }
        }
        // The box hands the ids to the visitor without a second reference, so they stay uniquely
        // owned and are rewritten in place rather than copied.
        let box = RanksBox(combined)
        combined = KeyRanks(ids: [], count: 0)
        let fused = visitKeys(of: key, selection: selection, rowCount: n,
                              FuseVisitor(box: box, selection: selection, rowCount: n))
        combined = box.take()
        return fused
    }

    private final class RanksBox {
        private var ranks: KeyRanks
        init(_ ranks: KeyRanks) { self.ranks = ranks }
        func take() -> KeyRanks {
            let taken = ranks
            ranks = KeyRanks(ids: [], count: 0)
            return taken
        }
        func put(_ ranks: KeyRanks) { self.ranks = ranks }
    }

    private struct FuseVisitor: KeysVisitor {
        let box: RanksBox
        let selection: Selection?
        let rowCount: Int
        func visit<K: OrderedKeys>(_ keys: K) -> Bool {
            let limit = min(rowCount, keys.limit)
            var lo = Int64.max
            var hi = Int64.min
            var sawNull = false
            forEachRow(selection, below: rowCount) { r in
                if r >= limit || keys.isNull(r) { sawNull = true; return }
                let k = keys.key(r)
                if k < lo { lo = k }
                if k > hi { hi = k }
            }
            if lo > hi { lo = 0; hi = 0 }  // only nulls
            let range = UInt64(bitPattern: hi &- lo)
            guard range < 1 << 16 else { return false }
            // Rank of each value offset; mark, then number in order.
            var rankOf = [Int32](repeating: -1, count: Int(range) + 1)
            rankOf.withUnsafeMutableBufferPointer { rp in
                forEachRow(selection, below: limit) { r in
                    if keys.isNull(r) { return }
                    let i = Int(truncatingIfNeeded: keys.key(r) &- lo)
                    if i >= 0 && i < rp.count { rp[i] = 0 }
                }
            }
            var distinct = 0
            for i in 0..<rankOf.count where rankOf[i] == 0 {
                rankOf[i] = Int32(distinct)
                distinct += 1
            }
            var combined = box.take()
            let fused = fuseKeys(&combined, keys, low: lo, rankOf: rankOf, width: distinct + (sawNull ? 1 : 0),
                                 selection: selection, rowCount: rowCount)
            box.put(combined)
            return fused
        }
    }

    /// The lexicographic combination of two rankings, compacted to dense ranks.
    static func combine(_ a: consuming KeyRanks, _ b: KeyRanks, selection: Selection?, rowCount: Int) -> KeyRanks {
        if b.count <= 1 { return a }
        if a.count <= 1 { return b }
        let n = min(rowCount, a.ids.count, b.ids.count)
        // Both counts are at most rowCount + 1 <= 2^31, so the product fits in 63 bits.
        let width = b.count
        let span = a.count &* width
        if span <= max(1 << 16, min(2 * n, 1 << 24)) {
            // Few combinations: mark the ones that occur in a slot per combination, number them
            // in order, then look each row's combination up.
            // The combined ids overwrite a's (which nothing needs afterwards) to save an allocation.
            var slot = [Int32](repeating: -1, count: span)
            var ids = a.ids
            a.ids = []
            var distinct: Int32 = 0
            b.ids.withUnsafeBufferPointer { bp in
                slot.withUnsafeMutableBufferPointer { sp in
                    ids.withUnsafeMutableBufferPointer { ip in
                        forEachRow(selection, below: n) { r in
                            let c = Int(ip[r]) &* width &+ Int(bp[r])
                            if c >= 0 && c < span {
                                ip[r] = Int32(truncatingIfNeeded: c)
                                sp[c] = 0
                            }
                        }
                        for c in 0..<span where sp[c] == 0 {
                            sp[c] = distinct
                            distinct += 1
                        }
                        forEachRow(selection, below: n) { r in
                            let c = Int(ip[r])
                            if c >= 0 && c < span { ip[r] = sp[c] }
                        }
                    }
                }
            }
            return KeyRanks(ids: ids, count: Int(distinct))
        }
        var values = [Int64](repeating: 0, count: n)
        a.ids.withUnsafeBufferPointer { ap in
            b.ids.withUnsafeBufferPointer { bp in
                values.withUnsafeMutableBufferPointer { vp in
                    forEachRow(selection, below: n) { r in
                        vp[r] = Int64(ap[r]) &* Int64(width) &+ Int64(bp[r])
                    }
                }
            }
        }
        return rankRows(PlainKeys(values: values), selection: selection, rowCount: n)
    }
}

/// combined.ids[r] = combined.ids[r] * width + rank of the key at r (nulls: width - 1), then
/// compacted to dense ranks through a slot table. The rank of a non-null key is `key - low`,
/// looked up in `rankOf` when given.
private func fuseKeys<K: OrderedKeys>(_ combined: inout KeyRanks, _ keys: K, low: Int64, rankOf: [Int32]?,
                                      width: Int, selection: Selection?, rowCount: Int) -> Bool {
    let n = min(rowCount, combined.ids.count)
    let span = combined.count &* width
    guard width > 0, span <= max(1 << 16, min(2 * n, 1 << 24)) else { return false }
    if width == 1 { return true }
    let limit = min(n, keys.limit)
    let nullRank = width - 1
    var slot = [Int32](repeating: -1, count: span)
    var ids = combined.ids
    combined.ids = []
    var distinct: Int32 = 0
    let table = rankOf ?? []
    let useTable = rankOf != nil
    table.withUnsafeBufferPointer { tp in
        slot.withUnsafeMutableBufferPointer { sp in
            ids.withUnsafeMutableBufferPointer { ip in
                forEachRow(selection, below: n) { r in
                    var rank = nullRank
                    if r < limit && !keys.isNull(r) {
                        let offset = Int(truncatingIfNeeded: keys.key(r) &- low)
                        if useTable {
                            if offset >= 0 && offset < tp.count && tp[offset] >= 0 { rank = Int(tp[offset]) }
                        } else if offset >= 0 && offset < nullRank {
                            rank = offset
                        }
                    }
                    let c = Int(ip[r]) &* width &+ rank
                    if c >= 0 && c < span {
                        ip[r] = Int32(truncatingIfNeeded: c)
                        sp[c] = 0
                    }
                }
                for c in 0..<span where sp[c] == 0 {
                    sp[c] = distinct
                    distinct += 1
                }
                forEachRow(selection, below: n) { r in
                    let c = Int(ip[r])
                    if c >= 0 && c < span { ip[r] = sp[c] }
                }
            }
        }
    }
    combined = KeyRanks(ids: ids, count: Int(distinct))
    return true
}

/// Row indices are Int32 (see `Selection`), so no kernel handles more rows than that.
@inline(__always)
func clampedRowCount(_ rowCount: Int) -> Int {
    min(max(0, rowCount), Int(Int32.max) - 1)
}

/// Dense ranks of one key: `ids[r]` in `0..<count` for visited rows, -1 for the others.
struct KeyRanks {
    var ids: [Int32]
    var count: Int
    /// The rank of null keys (always `count - 1`), or -1 when no visited row was null.
    var nullRank: Int32 = -1
}

struct RankVisitor: KeysVisitor {
    let selection: Selection?
    let rowCount: Int
    func visit<K: OrderedKeys>(_ keys: K) -> KeyRanks {
        rankRows(keys, selection: selection, rowCount: rowCount)
    }
}

func rankText(codes: TextCodes, dictionary: TextDictionary, validity: Validity?, selection: Selection?, rowCount: Int) -> KeyRanks {
    let n = clampedRowCount(rowCount)
    let ranking = TextRanking(codes: codes, dictionary: dictionary, validity: validity, selection: selection, rowCount: n)
    switch codes {
    case .bytes(let c): return rankText(TextRankKeys(c, ranking, validity), ranking, selection: selection, rowCount: n)
    case .shorts(let c): return rankText(TextRankKeys(c, ranking, validity), ranking, selection: selection, rowCount: n)
    case .words(let c): return rankText(TextRankKeys(c, ranking, validity), ranking, selection: selection, rowCount: n)
    }
}

private func rankText<C: TextCode>(_ keys: TextRankKeys<C>, _ ranking: TextRanking, selection: Selection?, rowCount n: Int) -> KeyRanks {
    let nullRank = Int32(ranking.distinctCount)
    let limit = min(n, keys.limit)
    var ids = [Int32](repeating: -1, count: n)
    ids.withUnsafeMutableBufferPointer { ip in
        forEachRow(selection, below: n) { r in
            ip[r] = (r >= limit || keys.isNull(r)) ? nullRank : Int32(truncatingIfNeeded: keys.key(r))
        }
    }
    return KeyRanks(ids: ids, count: ranking.distinctCount + (ranking.sawNull ? 1 : 0),
                    nullRank: ranking.sawNull ? nullRank : -1)
}

/// Ranks by a dense slot array when the keys span a small range, else by radix-sorting the rows.
func rankRows<K: OrderedKeys>(_ keys: K, selection: Selection?, rowCount: Int) -> KeyRanks {
    let n = clampedRowCount(rowCount)
    let limit = min(n, keys.limit)
    var ids = [Int32](repeating: -1, count: n)
    var lo = Int64.max
    var hi = Int64.min
    var valid = 0
    var sawNull = false
    forEachRow(selection, below: n) { r in
        if r >= limit || keys.isNull(r) { sawNull = true; return }
        let k = keys.key(r)
        if k < lo { lo = k }
        if k > hi { hi = k }
        valid += 1
    }
    if valid == 0 {
        if !sawNull { return KeyRanks(ids: ids, count: 0) }
        ids.withUnsafeMutableBufferPointer { ip in forEachRow(selection, below: n) { ip[$0] = 0 } }
        return KeyRanks(ids: ids, count: 1, nullRank: 0)
    }
    let range = UInt64(bitPattern: hi &- lo)
    let denseLimit = UInt64(max(1 << 16, min(2 * valid, 1 << 24)))
    if range < denseLimit {
        let size = Int(range) + 1
        var slot = [Int32](repeating: -1, count: size)
        var distinct: Int32 = 0
        slot.withUnsafeMutableBufferPointer { sp in
            forEachRow(selection, below: limit) { r in
                if keys.isNull(r) { return }
                let i = Int(truncatingIfNeeded: keys.key(r) &- lo)
                if i >= 0 && i < size { sp[i] = 0 }
            }
            for i in 0..<size where sp[i] == 0 {
                sp[i] = distinct
                distinct += 1
            }
        }
        let nullRank = distinct
        slot.withUnsafeBufferPointer { sp in
            ids.withUnsafeMutableBufferPointer { ip in
                forEachRow(selection, below: n) { r in
                    if r >= limit || keys.isNull(r) {
                        ip[r] = nullRank
                    } else {
                        let i = Int(truncatingIfNeeded: keys.key(r) &- lo)
                        ip[r] = i >= 0 && i < size ? sp[i] : nullRank
                    }
                }
            }
        }
        return KeyRanks(ids: ids, count: Int(distinct) + (sawNull ? 1 : 0), nullRank: sawNull ? nullRank : -1)
    }
    var rank: Int32 = -1
    if range <= UInt64(UInt32.max) {
        // code << 32 | row in one word.
        var packed = [UInt64](unsafeUninitializedCapacity: valid) { out, initialized in
            var i = 0
            forEachRow(selection, below: limit) { r in
                if i >= valid || keys.isNull(r) { return }
                out[i] = UInt64(bitPattern: keys.key(r) &- lo) << 32 | UInt64(r)
                i += 1
            }
            initialized = i
        }
        radixSortPacked(&packed, keyBits: 64 - range.leadingZeroBitCount)
        packed.withUnsafeBufferPointer { pp in
            ids.withUnsafeMutableBufferPointer { ip in
                var previous: UInt64 = 0
                for i in 0..<pp.count {
                    let code = pp[i] >> 32
                    if i == 0 || code != previous {
                        rank += 1
                        previous = code
                    }
                    ip[Int(pp[i] & 0xFFFF_FFFF)] = rank
                }
            }
        }
    } else {
        var codes: [UInt64] = []
        var rows: [Int32] = []
        codes.reserveCapacity(valid)
        rows.reserveCapacity(valid)
        forEachRow(selection, below: limit) { r in
            if keys.isNull(r) { return }
            codes.append(UInt64(bitPattern: keys.key(r) &- lo))
            rows.append(Int32(truncatingIfNeeded: r))
        }
        radixSort(keys: &codes, payload: &rows)
        codes.withUnsafeBufferPointer { cp in
            rows.withUnsafeBufferPointer { rp in
                ids.withUnsafeMutableBufferPointer { ip in
                    var previous: UInt64 = 0
                    for i in 0..<cp.count {
                        if i == 0 || cp[i] != previous {
                            rank += 1
                            previous = cp[i]
                        }
                        ip[Int(rp[i])] = rank
                    }
                }
            }
        }
    }
    let nullRank = rank + 1
    if sawNull {
        ids.withUnsafeMutableBufferPointer { ip in
            forEachRow(selection, below: n) { r in
                if r >= limit || keys.isNull(r) { ip[r] = nullRank }
            }
        }
    }
    return KeyRanks(ids: ids, count: Int(nullRank) + (sawNull ? 1 : 0), nullRank: sawNull ? nullRank : -1)
}
