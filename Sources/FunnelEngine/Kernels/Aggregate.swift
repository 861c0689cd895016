public enum AggregateFunction: Sendable, Hashable {
    /// count() / count(table): rows.
    case countRows
    /// count(x): non-null values.
    case count
    /// Distinct non-null values (text by string value).
    case countDistinct
    case sum, avg, min, max
    /// = percentile(0.5).
    case median
    /// Continuous, with linear interpolation, like DuckDB's quantile_cont. q in 0...1 (clamped).
    case percentile(Double)
}

/// Aggregates over rows, optionally per group, with SQL's null rules:
///
/// | function          | input                         | result                                       |
/// |-------------------|-------------------------------|----------------------------------------------|
/// | countRows         | any, or no column             | .integer (0 for no rows)                     |
/// | count             | any                           | .integer: non-null values                    |
/// | countDistinct     | any                           | .integer: distinct non-null values           |
/// | sum               | integer, boolean (true = 1)   | .integer; .decimal if it leaves Int64's range |
/// | sum               | decimal                       | .decimal                                     |
/// | avg               | integer, decimal, boolean     | .decimal                                     |
/// | min, max          | any                           | the column's type (text by string order)     |
/// | median, percentile| integer, decimal, boolean     | .decimal                                     |
/// | avg, median, pct. | date, timestamp               | .date / .timestamp, rounded down to a whole day / second |
///
/// sum/avg/min/max/median/percentile over no non-null value are .null, and so are the pairs the
/// table does not list (sum of dates, avg or median of text). Integer sums are exact (128-bit
/// accumulators, so an intermediate overflow that comes back into range stays an integer).
/// Decimal NaNs order above +infinity.
public enum Aggregate {
    /// One value per group (or exactly one when grouping is nil). `column` is nil only for countRows.
    /// Only rows in `selection` (nil = all) count; with a grouping, rows whose group is -1 are skipped.
    public static func compute(_ function: AggregateFunction, column: Column?, selection: Selection?,
                               rowCount: Int, grouping: Grouping?) -> [Value] {
        let n = clampedRowCount(rowCount)
        let groups = GroupMap(grouping)
        guard let column else {
            switch function {
            case .countRows, .count: return countRows(selection: selection, rowCount: n, groups: groups)
            case .countDistinct: return Array(repeating: .integer(0), count: groups.count)
            default: return Array(repeating: .null, count: groups.count)
            }
        }
        switch function {
        case .countRows:
            return countRows(selection: selection, rowCount: n, groups: groups)
        case .count:
            let counts: [Int]
            switch column.storage {
            case .text(let codes, let dictionary):
                counts = visitTextCodes(codes, dictionaryCount: dictionary.count, column.validity,
                                        CountValuesVisitor(selection: selection, rowCount: n, groups: groups))
            default:
                counts = visitKeys(of: column, selection: selection, rowCount: n,
                                   CountVisitor(selection: selection, rowCount: n, groups: groups))
            }
            return counts.map { .integer(Int64($0)) }
        case .countDistinct:
            return countDistinct(column, selection: selection, rowCount: n, groups: groups)
        case .sum, .avg:
            return sumOrAverage(column, average: function == .avg, selection: selection, rowCount: n, groups: groups)
        case .min, .max:
            return minMax(column, max: function == .max, selection: selection, rowCount: n, groups: groups)
        case .median:
            return percentile(column, q: 0.5, selection: selection, rowCount: n, groups: groups)
        case .percentile(let q):
            return percentile(column, q: q, selection: selection, rowCount: n, groups: groups)
        }
    }
}

// MARK: - Groups

/// The grouping as the loops need it: a group count and (optionally) a table-length group map.
struct GroupMap {
    let count: Int
    let groupOfRow: [Int32]?

    init(_ grouping: Grouping?) {
        if let grouping {
            count = max(0, grouping.groupCount)
            groupOfRow = grouping.groupOfRow
        } else {
            count = 1
            groupOfRow = nil
        }
    }
}

/// Calls `body(row, group)` for every selected row below `limit` that belongs to a group.
@inline(__always)
func forEachGroupedRow(_ selection: Selection?, below limit: Int, _ groups: GroupMap, _ body: (Int, Int) -> Void) {
    if let groupOfRow = groups.groupOfRow {
        let groupCount = groups.count
        groupOfRow.withUnsafeBufferPointer { gp in
            forEachRow(selection, below: min(limit, gp.count)) { r in
                let g = Int(gp[r])
                if g >= 0 && g < groupCount { body(r, g) }
            }
        }
    } else {
        forEachRow(selection, below: limit) { body($0, 0) }
    }
}

/// Calls `body(row, group)` for every row below `limit` whose bit is set in `validity` and that
/// belongs to a group, 64 rows per word: a mostly empty column costs a look per word, not per row.
@inline(__always)
func forEachValidGroupedRow(_ validity: Validity, below limit: Int, _ groups: GroupMap, _ body: (Int, Int) -> Void) {
    if let groupOfRow = groups.groupOfRow {
        let groupCount = groups.count
        groupOfRow.withUnsafeBufferPointer { gp in
            validity.forEachRow(valid: true, below: min(limit, gp.count)) { r in
                let g = Int(gp[r])
                if g >= 0 && g < groupCount { body(r, g) }
            }
        }
    } else {
        validity.forEachRow(valid: true, below: limit) { body($0, 0) }
    }
}

// MARK: - Counting

private func countRows(selection: Selection?, rowCount: Int, groups: GroupMap) -> [Value] {
    var counts = [Int](repeating: 0, count: groups.count)
    counts.withUnsafeMutableBufferPointer { cp in
        forEachGroupedRow(selection, below: rowCount, groups) { _, g in cp[g] += 1 }
    }
    return counts.map { .integer(Int64($0)) }
}

private struct CountValuesVisitor: KeysVisitor {
    let selection: Selection?
    let rowCount: Int
    let groups: GroupMap
    func visit<K: OrderedKeys>(_ keys: K) -> [Int] { countValues(keys, selection, rowCount, groups) }
}

private func countValues<K: OrderedKeys>(_ keys: K, _ selection: Selection?, _ rowCount: Int, _ groups: GroupMap) -> [Int] {
    var counts = [Int](repeating: 0, count: groups.count)
    counts.withUnsafeMutableBufferPointer { cp in
        if selection == nil, let validity = keys.nullsExactly {
            forEachValidGroupedRow(validity, below: min(rowCount, keys.limit), groups) { _, g in cp[g] += 1 }
        } else {
            forEachGroupedRow(selection, below: min(rowCount, keys.limit), groups) { r, g in
                if !keys.isNull(r) { cp[g] += 1 }
            }
        }
    }
    return counts
}

private struct CountVisitor: KeysVisitor {
    let selection: Selection?
    let rowCount: Int
    let groups: GroupMap
    func visit<K: OrderedKeys>(_ keys: K) -> [Int] { countValues(keys, selection, rowCount, groups) }
}

private func countDistinct(_ column: Column, selection: Selection?, rowCount: Int, groups: GroupMap) -> [Value] {
    let ranks = GroupBy.ranks(of: column, selection: selection, rowCount: rowCount)
    let nullRank = ranks.nullRank
    guard groups.groupOfRow != nil else {
        return [.integer(Int64(ranks.count - (nullRank >= 0 ? 1 : 0)))]
    }
    var counts = [Int](repeating: 0, count: groups.count)
    let width = ranks.count
    if width == 0 || groups.count == 0 { return counts.map { .integer(Int64($0)) } }
    // A hand-made grouping may claim any number of groups: guard the product.
    let (span, overflow) = groups.count.multipliedReportingOverflow(by: width)
    let limit = min(rowCount, ranks.ids.count)
    if !overflow && span <= max(1 << 16, min(4 * limit, 1 << 26)) {
        var seen = [Bool](repeating: false, count: span)
        ranks.ids.withUnsafeBufferPointer { ip in
            seen.withUnsafeMutableBufferPointer { sp in
                counts.withUnsafeMutableBufferPointer { cp in
                    forEachGroupedRow(selection, below: limit, groups) { r, g in
                        let v = ip[r]
                        if v < 0 || v == nullRank { return }
                        let pair = g &* width &+ Int(v)
                        if pair < span && !sp[pair] {
                            sp[pair] = true
                            cp[g] += 1
                        }
                    }
                }
            }
        }
    } else {
        var pairs: [UInt64] = []
        var rows: [Int32] = []
        ranks.ids.withUnsafeBufferPointer { ip in
            forEachGroupedRow(selection, below: limit, groups) { r, g in
                let v = ip[r]
                if v < 0 || v == nullRank { return }
                pairs.append(UInt64(g) &* UInt64(width) &+ UInt64(v))
                rows.append(Int32(truncatingIfNeeded: r))
            }
        }
        radixSort(keys: &pairs, payload: &rows)
        var previous: UInt64 = 0
        for (i, p) in pairs.enumerated() where i == 0 || p != previous {
            previous = p
            let g = Int(truncatingIfNeeded: p / UInt64(width))
            if g >= 0 && g < counts.count { counts[g] += 1 }
        }
    }
    return counts.map { .integer(Int64($0)) }
}

// MARK: - Sum and average

private func sumIntegers<K: OrderedKeys>(_ keys: K, _ selection: Selection?, _ rowCount: Int, _ groups: GroupMap) -> (sums: [Int128], counts: [Int]) {
    var sums = [Int128](repeating: 0, count: groups.count)
    var counts = [Int](repeating: 0, count: groups.count)
    sums.withUnsafeMutableBufferPointer { sp in
        counts.withUnsafeMutableBufferPointer { cp in
            forEachGroupedRow(selection, below: min(rowCount, keys.limit), groups) { r, g in
                if keys.isNull(r) { return }
                // 2^64 rows of Int64 cannot overflow 128 bits.
                sp[g] &+= Int128(keys.key(r))
                cp[g] += 1
            }
        }
    }
    return (sums, counts)
}

/// Sums of decimals per group, compensated (Neumaier) so that the only error left is that of
/// the inputs themselves, then written as the shortest decimal that error allows: amounts read
/// as 19.99 and 0.01 sum to 20, not 20.000000000000004 (see `DecimalSum.settled`).
private func sumDecimals(_ values: [Double], _ validity: Validity?, _ selection: Selection?, _ rowCount: Int, _ groups: GroupMap) -> (sums: [Double], counts: [Int]) {
    var sums = [Double](repeating: 0, count: groups.count)
    var compensations = [Double](repeating: 0, count: groups.count)
    var magnitudes = [Double](repeating: 0, count: groups.count)
    var counts = [Int](repeating: 0, count: groups.count)
    let limit = min(rowCount, values.count, validity?.count ?? Int.max)
    values.withUnsafeBufferPointer { vp in
        sums.withUnsafeMutableBufferPointer { sp in
            compensations.withUnsafeMutableBufferPointer { ep in
                magnitudes.withUnsafeMutableBufferPointer { mp in
                    counts.withUnsafeMutableBufferPointer { cp in
                        if selection == nil, let validity {
                            forEachValidGroupedRow(validity, below: limit, groups) { r, g in
                                DecimalSum.add(vp[r], to: &sp[g], compensation: &ep[g], magnitude: &mp[g])
                                cp[g] += 1
                            }
                        } else {
                            forEachGroupedRow(selection, below: limit, groups) { r, g in
                                if let validity, !validity.isValid(r) { return }
                                DecimalSum.add(vp[r], to: &sp[g], compensation: &ep[g], magnitude: &mp[g])
                                cp[g] += 1
                            }
                        }
                    }
                }
            }
        }
    }
    for g in sums.indices { sums[g] = DecimalSum.settled(sums[g] + compensations[g], magnitude: magnitudes[g]) }
    return (sums, counts)
}

public enum DecimalSum {
    /// One step of a compensated sum (Neumaier): `sum + compensation` is the sum of the values
    /// added to within one rounding; `magnitude` sums their sizes, for `settled`.
    // Inlinable: other modules call it once per value (velocity's mean, demand's sums), and a
    // call across modules per value cost more than the addition.
    @inlinable @inline(__always)
    public static func add(_ v: Double, to sum: inout Double, compensation: inout Double, magnitude: inout Double) {
        let t = sum + v
        compensation += sum.magnitude >= v.magnitude ? (sum - t) + v : (v - t) + sum
        sum = t
        magnitude += v.magnitude
    }

    /// The mean of `count` values whose settled sum is `sum`, without the division's last-bit noise.
    public static func mean(_ sum: Double, count: Int) -> Double {
        let mean = sum / Double(count)
        return settled(mean, magnitude: mean.magnitude)
    }

    /// The settled sum of values, in the order given.
    /// Inlinable so that it is specialised where it is called: unspecialised, each value of a
    /// lazy sequence went through the runtime's generic metadata (a quarter of velocity's time).
    @inlinable
    public static func total<S: Sequence>(_ values: S) -> Double where S.Element == Double {
        var sum = 0.0, compensation = 0.0, magnitude = 0.0
        for v in values { add(v, to: &sum, compensation: &compensation, magnitude: &magnitude) }
        return settled(sum + compensation, magnitude: magnitude)
    }

    /// The shortest decimal within the error the inputs carry (each decimal read from text is off
    /// by at most half a unit in its last binary place, so a sum by at most ε·Σ|v|), or the sum
    /// itself when none is shorter. Only digits that are noise are dropped.
    public static func settled(_ sum: Double, magnitude: Double) -> Double {
        guard sum.isFinite, magnitude.isFinite, sum.magnitude < 1e15 else { return sum }
        let tolerance = magnitude * Double.ulpOfOne + sum.magnitude * Double.ulpOfOne
        var scale = 1.0
        for _ in 0...15 {
            let candidate = (sum * scale).rounded() / scale
            if (candidate - sum).magnitude <= tolerance { return candidate }
            scale *= 10
        }
        return sum
    }
}

private func integerValue(_ s: Int128) -> Value {
    if let v = Int64(exactly: s) { return .integer(v) }
    return .decimal(Double(s))
}

/// The mean rounded down to a whole unit (for dates and timestamps).
private func floorMean(_ s: Int128, _ count: Int) -> Int64? {
    let c = Int128(count)
    var q = s / c
    if s % c != 0 && s < 0 { q -= 1 }
    return Int64(exactly: q)
}

private struct SumIntegersVisitor: KeysVisitor {
    let selection: Selection?
    let rowCount: Int
    let groups: GroupMap
    func visit<K: OrderedKeys>(_ keys: K) -> (sums: [Int128], counts: [Int]) { sumIntegers(keys, selection, rowCount, groups) }
}

private func sumOrAverage(_ column: Column, average: Bool, selection: Selection?, rowCount: Int, groups: GroupMap) -> [Value] {
    let nulls = [Value](repeating: .null, count: groups.count)
    func integers(_ result: (sums: [Int128], counts: [Int]), _ make: (Int128, Int) -> Value) -> [Value] {
        zip(result.sums, result.counts).map { $0.1 == 0 ? .null : make($0.0, $0.1) }
    }
    switch column.storage {
    case .integer(let v):
        let r = visitIntegerKeys(v, column.validity, SumIntegersVisitor(selection: selection, rowCount: rowCount, groups: groups))
        return average ? integers(r) { .decimal(Double($0) / Double($1)) } : integers(r) { s, _ in integerValue(s) }
    case .boolean(let v):
        let r = sumIntegers(BoolKeys(v, column.validity), selection, rowCount, groups)
        return average ? integers(r) { .decimal(Double($0) / Double($1)) } : integers(r) { s, _ in integerValue(s) }
    case .decimal(let v):
        let r = sumDecimals(v, column.validity, selection, rowCount, groups)
        return zip(r.sums, r.counts).map { s, c in
            c == 0 ? .null : .decimal(average ? DecimalSum.mean(s, count: c) : s)
        }
    case .date(let v):
        guard average else { return nulls }
        let r = sumIntegers(Int32Keys(v, column.validity), selection, rowCount, groups)
        return integers(r) { s, c in floorMean(s, c).flatMap { Int32(exactly: $0) }.map { .date($0) } ?? .null }
    case .timestamp(let v):
        guard average else { return nulls }
        let r = visitIntegerKeys(v, column.validity, SumIntegersVisitor(selection: selection, rowCount: rowCount, groups: groups))
        return integers(r) { s, c in floorMean(s, c).map { .timestamp($0) } ?? .null }
    case .text:
        return nulls
    }
}

// MARK: - Min and max

private func extremes<K: OrderedKeys>(_ keys: K, max: Bool, _ selection: Selection?, _ rowCount: Int, _ groups: GroupMap) -> [Int64?] {
    var best = [Int64](repeating: max ? Int64.min : Int64.max, count: groups.count)
    var found = [Bool](repeating: false, count: groups.count)
    best.withUnsafeMutableBufferPointer { bp in
        found.withUnsafeMutableBufferPointer { fp in
            forEachGroupedRow(selection, below: min(rowCount, keys.limit), groups) { r, g in
                if keys.isNull(r) { return }
                let k = keys.key(r)
                if max ? k > bp[g] : k < bp[g] { bp[g] = k }
                fp[g] = true
            }
        }
    }
    return zip(best, found).map { $0.1 ? $0.0 : nil }
}

private struct ExtremesVisitor: KeysVisitor {
    let max: Bool
    let selection: Selection?
    let rowCount: Int
    let groups: GroupMap
    func visit<K: OrderedKeys>(_ keys: K) -> [Int64?] { extremes(keys, max: max, selection, rowCount, groups) }
}

private func minMax(_ column: Column, max: Bool, selection: Selection?, rowCount: Int, groups: GroupMap) -> [Value] {
    let visitor = ExtremesVisitor(max: max, selection: selection, rowCount: rowCount, groups: groups)
    if case .text(let codes, let dictionary) = column.storage {
        let ranking = TextRanking(codes: codes, dictionary: dictionary, validity: column.validity,
                                  selection: selection, rowCount: rowCount)
        let best = visitTextKeys(codes, ranking, column.validity, visitor)
        return best.map { k in
            guard let k, k >= 0, Int(k) < ranking.codeOfRank.count else { return .null }
            let code = Int(ranking.codeOfRank[Int(k)])
            return code >= 0 && code < dictionary.count ? .text(dictionary[code]) : .null
        }
    }
    let best = visitKeys(of: column, selection: selection, rowCount: rowCount, visitor)
    return best.map { k in
        guard let k else { return .null }
        return value(fromKey: k, type: column.type)
    }
}

/// Turns an orderable key back into a value of a non-text column type.
private func value(fromKey k: Int64, type: ColumnType) -> Value {
    switch type {
    case .integer: return .integer(k)
    case .decimal: return .decimal(doubleFromOrderKey(k))
    case .boolean: return .boolean(k != 0)
    case .date: return Int32(exactly: k).map { .date($0) } ?? .null
    case .timestamp: return .timestamp(k)
    case .text: return .null
    }
}

// MARK: - Median and percentiles

private struct QuantileVisitor: KeysVisitor {
    let q: Double
    let selection: Selection?
    let rowCount: Int
    let groups: GroupMap
    func visit<K: OrderedKeys>(_ keys: K) -> [(lo: Int64, hi: Int64, fraction: Double)?] {
        quantiles(keys, q: q, selection, rowCount, groups)
    }
}

/// Per group: the two order statistics around position q*(n-1) and the fraction between them.
private func quantiles<K: OrderedKeys>(_ keys: K, q: Double, _ selection: Selection?, _ rowCount: Int, _ groups: GroupMap) -> [(lo: Int64, hi: Int64, fraction: Double)?] {
    let limit = min(rowCount, keys.limit)
    // Bucket the keys by group: count, prefix offsets, scatter.
    var starts = [Int](repeating: 0, count: groups.count + 1)
    starts.withUnsafeMutableBufferPointer { sp in
        forEachGroupedRow(selection, below: limit, groups) { r, g in
            if !keys.isNull(r) { sp[g + 1] += 1 }
        }
    }
    for g in 0..<groups.count { starts[g + 1] += starts[g] }
    let total = starts[groups.count]
    var flat = [Int64](repeating: 0, count: total)
    var next = Array(starts.dropLast())
    flat.withUnsafeMutableBufferPointer { fp in
        next.withUnsafeMutableBufferPointer { np in
            forEachGroupedRow(selection, below: limit, groups) { r, g in
                if keys.isNull(r) { return }
                let p = np[g]
                if p < total {
                    fp[p] = keys.key(r)
                    np[g] = p + 1
                }
            }
        }
    }
    var result: [(lo: Int64, hi: Int64, fraction: Double)?] = []
    result.reserveCapacity(groups.count)
    flat.withUnsafeMutableBufferPointer { fp in
        for g in 0..<groups.count {
            result.append(Quantiles.bracket(fp, from: starts[g], to: next[g], q: q))
        }
    }
    return result
}

public enum Quantiles {
    /// The order statistic at position q·(n−1) of `values` (n values), the one after it, and the
    /// fraction of the way between them: what median and percentile interpolate. nil for no
    /// values or a q that is not a number. Reorders `values`.
    public static func bracket(_ values: UnsafeMutableBufferPointer<Int64>, q: Double) -> (lo: Int64, hi: Int64, fraction: Double)? {
        bracket(values, from: 0, to: values.count, q: q)
    }

    /// The same over four-byte values (velocity keeps durations so when they fit).
    public static func bracket(_ values: UnsafeMutableBufferPointer<Int32>, q: Double) -> (lo: Int64, hi: Int64, fraction: Double)? {
        bracket(values, from: 0, to: values.count, q: q)
    }

    static func bracket<T: StoredInteger>(_ values: UnsafeMutableBufferPointer<T>, from: Int, to: Int, q: Double) -> (lo: Int64, hi: Int64, fraction: Double)? {
        guard from >= 0, from < to, to <= values.count, !q.isNaN else { return nil }
        let m = to - from
        let position = Swift.min(1, Swift.max(0, q)) * Double(m - 1)
        // position is in 0...m-1, so truncation is the floor (and needs no libm).
        let k = Swift.min(m - 1, Swift.max(0, Int(position)))
        let fraction = position - Double(k)
        let (lo, hi) = orderStatistics(values, from: from, to: to, k: from + k, needNext: fraction > 0)
        return (Int64(lo), Int64(hi), fraction)
    }
}

/// The k-th smallest of a[from..<to] and, when `needNext`, the (k+1)-th (else the k-th again);
/// reorders the segment. Radix selection: one pass counts the values by their top bits (up to
/// 11), a second keeps only the bucket holding k (and the smallest value above it), then the
/// bucket is searched the same way; a few dozen values are left to quickselect. Both passes are
/// branch-free, so random data costs no mispredictions.
func orderStatistics<T: StoredInteger>(_ a: UnsafeMutableBufferPointer<T>, from: Int, to: Int, k: Int, needNext: Bool) -> (T, T) {
    guard from <= k, k < to, to <= a.count else { return (0, 0) }
    if to - from <= 48 {
        let kth = selectKth(a, from: from, to: to, k: k)
        guard needNext, k + 1 < to else { return (kth, kth) }
        // Everything right of k is >= the k-th; the next order statistic is their minimum.
        var next = a[k + 1]
        for i in (k + 2)..<to where a[i] < next { next = a[i] }
        return (kth, next)
    }
    var lowest = T.max
    var highest = T.min
    for i in from..<to {
        let v = a[i]
        if v < lowest { lowest = v }
        if v > highest { highest = v }
    }
    if lowest == highest { return (lowest, lowest) }
    // Differences in 64 bits: those of narrower values cannot overflow there.
    let low = Int64(lowest)
    let range = UInt64(bitPattern: Int64(highest) &- low)
    let bits = 64 - range.leadingZeroBitCount
    // Up to 11-bit digits, fewer for small segments so the histogram stays small next to them.
    let digitBits = min(11, max(4, Int.bitWidth - (to - from).leadingZeroBitCount - 3))
    let digitMask = (1 << digitBits) - 1
    let shift = UInt64(max(0, bits - digitBits))
    var counts = [Int](repeating: 0, count: digitMask + 1)
    counts.withUnsafeMutableBufferPointer { cp in
        for i in from..<to { cp[Int((UInt64(bitPattern: Int64(a[i]) &- low) >> shift) & UInt64(digitMask))] += 1 }
    }
    var bucket = 0
    var before = 0
    while bucket < digitMask && before + counts[bucket] <= k - from {
        before += counts[bucket]
        bucket += 1
    }
    let rank = k - from - before
    let size = counts[bucket]
    // Branch-free: the bucket may hold about half the values, in random order. Every value is
    // written at the next free slot, which only advances for members (hence one spare slot).
    var members = [T](unsafeUninitializedCapacity: size + 1) { _, initialized in initialized = size + 1 }
    let (nextAbove, foundAbove) = members.withUnsafeMutableBufferPointer { mp -> (T, Bool) in
        var count = 0
        var nextAbove = Int64.max
        var aboveSeen: Int64 = 0
        for i in from..<to {
            let stored = a[i]
            let v = Int64(stored)
            let d = Int((UInt64(bitPattern: v &- low) >> shift) & UInt64(digitMask))
            mp[min(count, size)] = stored
            // Masks rather than conditions keep the compiler from emitting branches:
            // (x - 1) >> 63 is -1 exactly when x == 0, (bucket - d) >> 63 when d > bucket.
            count &-= ((d ^ bucket) &- 1) >> 63
            let above = Int64(bucket &- d) >> 63
            nextAbove = min(nextAbove, (v & above) | (Int64.max & ~above))
            aboveSeen |= above
        }
        let foundAbove = aboveSeen != 0
        // The smallest value above the bucket is one of the values: it fits `T`.
        return (T(truncatingIfNeeded: nextAbove), foundAbove)
    }
    members.removeLast()
    let within = min(rank, max(0, members.count - 1))
    let nextInside = needNext && within + 1 < members.count
    let (kth, next) = members.withUnsafeMutableBufferPointer { mp in
        orderStatistics(mp, from: 0, to: mp.count, k: within, needNext: nextInside)
    }
    if !needNext { return (kth, kth) }
    return (kth, nextInside ? next : (foundAbove ? nextAbove : kth))
}

/// Quickselect (Hoare partitioning around a median of three, which also splits runs of equal
/// values evenly) with a sort fallback that bounds the worst case. Afterwards a[k] is the k-th
/// smallest of a[from..<to], everything left of it is <= and everything right of it is >=.
func selectKth<T: StoredInteger>(_ a: UnsafeMutableBufferPointer<T>, from: Int, to: Int, k: Int) -> T {
    guard from <= k, k < to, to <= a.count else { return 0 }
    var lo = from
    var hi = to - 1  // inclusive
    var budget = 2 * (Int.bitWidth - (to - from).leadingZeroBitCount) + 8
    while hi - lo > 16 {
        if budget == 0 {
            var part = UnsafeMutableBufferPointer(rebasing: a[lo...hi])
            part.sort()
            return a[k]
        }
        budget -= 1
        let mid = lo + (hi - lo) / 2
        if a[mid] < a[lo] { a.swapAt(mid, lo) }
        if a[hi] < a[lo] { a.swapAt(hi, lo) }
        if a[hi] < a[mid] { a.swapAt(hi, mid) }
        // a[lo] <= pivot <= a[hi] stop both scans inside the range.
        let pivot = a[mid]
        var i = lo
        var j = hi
        while true {
            repeat { i += 1 } while a[i] < pivot
            repeat { j -= 1 } while a[j] > pivot
            if i >= j { break }
            a.swapAt(i, j)
        }
        // a[lo...j] <= pivot <= a[j+1...hi], both sides non-empty.
        if k <= j { hi = j } else { lo = j + 1 }
    }
    // Insertion sort of the small remainder.
    if lo < hi {
        for i in (lo + 1)...hi {
            let v = a[i]
            var j = i
            while j > lo && a[j - 1] > v {
                a[j] = a[j - 1]
                j -= 1
            }
            a[j] = v
        }
    }
    return a[k]
}

private func percentile(_ column: Column, q: Double, selection: Selection?, rowCount: Int, groups: GroupMap) -> [Value] {
    let nulls = [Value](repeating: .null, count: groups.count)
    if column.type == .text || q.isNaN { return nulls }
    let visitor = QuantileVisitor(q: q, selection: selection, rowCount: rowCount, groups: groups)
    let stats = visitKeys(of: column, selection: selection, rowCount: rowCount, visitor)
    let type = column.type
    return stats.map { stat in
        guard let (lo, hi, fraction) = stat else { return .null }
        switch type {
        case .integer, .boolean:
            if fraction == 0 || lo == hi { return .decimal(Double(lo)) }
            return .decimal(Double(lo) + (Double(hi) - Double(lo)) * fraction)
        case .decimal:
            let a = doubleFromOrderKey(lo), b = doubleFromOrderKey(hi)
            if fraction == 0 || lo == hi { return .decimal(a) }
            return .decimal(a + (b - a) * fraction)
        case .date:
            return interpolateWhole(lo, hi, fraction).flatMap { Int32(exactly: $0) }.map { .date($0) } ?? .null
        case .timestamp:
            return interpolateWhole(lo, hi, fraction).map { .timestamp($0) } ?? .null
        case .text:
            return .null
        }
    }
}

/// lo + (hi - lo) * fraction rounded down, for lo <= hi; nil if it cannot be represented.
private func interpolateWhole(_ lo: Int64, _ hi: Int64, _ fraction: Double) -> Int64? {
    if fraction <= 0 || lo == hi { return lo }
    let (span, overflow) = hi.subtractingReportingOverflow(lo)
    // step >= 0, so truncation is the floor (and needs no libm).
    let step = (overflow ? Double(hi) - Double(lo) : Double(span)) * fraction
    guard step >= 0 && step < 9.0e18 else { return nil }
    let offset = Int64(step)
    let (value, o) = lo.addingReportingOverflow(offset)
    return o ? nil : Swift.min(hi, value)
}
