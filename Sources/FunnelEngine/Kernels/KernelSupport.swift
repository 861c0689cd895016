// Shared plumbing for the vectorised kernels: row iteration over a selection, orderable
// 64-bit keys for every column type (one generic code path per kernel, specialised per
// storage type), string ranking of text codes, and a stable LSD radix sort.
//
// Safety rules every kernel follows: a row index is only used after checking it against the
// number of rows the data really holds (`limit`), so a selection or grouping that does not fit
// the column never traps; rows past the end of a shorter column read as null.

/// Calls `body` with every row of `selection` (nil = all rows) that lies in `0..<limit`.
/// Public and inlinable: the language and the analytics loop over rows the same way.
@inlinable @inline(__always)
public func forEachRow(_ selection: Selection?, below limit: Int, _ body: (Int) -> Void) {
    if let selection {
        selection.withUnsafeBufferPointer { rows in
            for s in rows {
                let r = Int(s)
                if r >= 0 && r < limit { body(r) }
            }
        }
    } else {
        var r = 0
        while r < limit {
            body(r)
            r += 1
        }
    }
}

/// A total order on doubles as signed integers: -0.0 equals 0.0, every NaN is one value above +inf.
@inline(__always)
func doubleOrderKey(_ d: Double) -> Int64 {
    let canonical: Double = d.isNaN ? .nan : (d == 0 ? 0 : d)
    let b = Int64(bitPattern: canonical.bitPattern)
    return b ^ ((b >> 63) & Int64.max)
}

/// The inverse of `doubleOrderKey`.
@inline(__always)
func doubleFromOrderKey(_ k: Int64) -> Double {
    Double(bitPattern: UInt64(bitPattern: k ^ ((k >> 63) & Int64.max)))
}

/// The Int64 equal to `d`, or nil when `d` is not a whole number in Int64's range (or NaN).
/// Written without `rounded`/`Int64(exactly:)`: on Linux those call libm's floor/trunc, which a
/// release build without Foundation does not link.
@inline(__always)
func exactInt64(_ d: Double) -> Int64? {
    guard d >= -9_223_372_036_854_775_808.0 && d < 9_223_372_036_854_775_808.0 else { return nil }
    let i = Int64(d)
    return Double(i) == d ? i : nil
}

/// Days since 1970-01-01 of a timestamp, rounding towards the past; never overflows.
@inline(__always)
func floorDays(seconds s: Int64) -> Int64 {
    let q = s / CivilDate.secondsPerDay
    return s % CivilDate.secondsPerDay < 0 ? q - 1 : q
}

// MARK: - Orderable keys

/// A column viewed as one signed 64-bit key per row whose integer order is the values' order.
/// Rows below `limit` may be read; rows at or past it are null.
protocol OrderedKeys {
    var limit: Int { get }
    /// Only called for `r < limit`.
    func isNull(_ r: Int) -> Bool
    /// Only called for non-null `r < limit`.
    func key(_ r: Int) -> Int64
    /// When not nil, a row below `limit` is null exactly where this bitmap's bit is clear (so
    /// loops over the values may visit set bits only).
    var nullsExactly: Validity? { get }
}

extension OrderedKeys {
    var nullsExactly: Validity? { nil }
}

@inline(__always)
private func validityLimit(_ count: Int, _ validity: Validity?) -> Int {
    if let validity { return min(count, validity.count) }
    return count
}

/// Whole numbers (or days, or seconds) of any stored width, keyed as themselves.
struct IntegerKeys<T: FixedWidthInteger>: OrderedKeys {
    let values: [T]
    let validity: Validity?
    let limit: Int
    init(_ values: [T], _ validity: Validity?) {
        self.values = values
        self.validity = validity
        limit = validityLimit(values.count, validity)
    }
    var nullsExactly: Validity? { validity }
    @inline(__always) func isNull(_ r: Int) -> Bool {
        if let validity { return !validity.isValid(r) }
        return false
    }
    @inline(__always) func key(_ r: Int) -> Int64 { Int64(truncatingIfNeeded: values[r]) }
}

typealias Int64Keys = IntegerKeys<Int64>
typealias Int32Keys = IntegerKeys<Int32>

/// Runs `visitor` on whole-number keys, specialised for the values' width.
func visitIntegerKeys<V: KeysVisitor>(_ values: IntegerValues, _ validity: Validity?, _ visitor: V) -> V.Result {
    switch values {
    case .int8(let v): return visitor.visit(IntegerKeys(v, validity))
    case .int16(let v): return visitor.visit(IntegerKeys(v, validity))
    case .int32(let v): return visitor.visit(IntegerKeys(v, validity))
    case .int64(let v): return visitor.visit(IntegerKeys(v, validity))
    }
}

struct BoolKeys: OrderedKeys {
    let values: [Bool]
    let validity: Validity?
    let limit: Int
    init(_ values: [Bool], _ validity: Validity?) {
        self.values = values
        self.validity = validity
        limit = validityLimit(values.count, validity)
    }
    var nullsExactly: Validity? { validity }
    @inline(__always) func isNull(_ r: Int) -> Bool {
        if let validity { return !validity.isValid(r) }
        return false
    }
    /// Branch-free (a Bool is stored as 0 or 1): a `? 1 : 0` on random booleans mispredicts.
    @inline(__always) func key(_ r: Int) -> Int64 { Int64(unsafeBitCast(values[r], to: UInt8.self)) }
}

struct DoubleKeys: OrderedKeys {
    let values: [Double]
    let validity: Validity?
    let limit: Int
    init(_ values: [Double], _ validity: Validity?) {
        self.values = values
        self.validity = validity
        limit = validityLimit(values.count, validity)
    }
    var nullsExactly: Validity? { validity }
    @inline(__always) func isNull(_ r: Int) -> Bool {
        if let validity { return !validity.isValid(r) }
        return false
    }
    @inline(__always) func key(_ r: Int) -> Int64 { doubleOrderKey(values[r]) }
}

/// Text as the string-order rank of each row's code. Codes outside the dictionary read as null.
struct TextRankKeys<C: TextCode>: OrderedKeys {
    let codes: [C]
    let rankOfCode: [Int32]
    let validity: Validity?
    let limit: Int
    init(_ codes: [C], _ ranking: TextRanking, _ validity: Validity?) {
        self.codes = codes
        rankOfCode = ranking.rankOfCode
        self.validity = validity
        limit = validityLimit(codes.count, validity)
    }
    @inline(__always) func isNull(_ r: Int) -> Bool {
        if let validity, !validity.isValid(r) { return true }
        let c = Int(codes[r])
        return c < 0 || c >= rankOfCode.count || rankOfCode[c] < 0
    }
    @inline(__always) func key(_ r: Int) -> Int64 { Int64(rankOfCode[Int(codes[r])]) }
}

/// Text by raw dictionary code (no order meaning): for null checks and counting.
struct TextCodeKeys<C: TextCode>: OrderedKeys {
    let codes: [C]
    let dictionaryCount: Int
    let validity: Validity?
    let limit: Int
    init(_ codes: [C], _ dictionaryCount: Int, _ validity: Validity?) {
        self.codes = codes
        self.dictionaryCount = dictionaryCount
        self.validity = validity
        limit = validityLimit(codes.count, validity)
    }
    @inline(__always) func isNull(_ r: Int) -> Bool {
        if let validity, !validity.isValid(r) { return true }
        let c = Int(codes[r])
        return c < 0 || c >= dictionaryCount
    }
    @inline(__always) func key(_ r: Int) -> Int64 { Int64(codes[r]) }
}

/// Plain table-length keys with no nulls (combined group ids).
struct PlainKeys: OrderedKeys {
    let values: [Int64]
    var limit: Int { values.count }
    @inline(__always) func isNull(_ r: Int) -> Bool { false }
    @inline(__always) func key(_ r: Int) -> Int64 { values[r] }
}

/// Something to run on a column's keys, whatever their concrete type (keeps the hot loops generic
/// and specialised rather than dynamically dispatched).
protocol KeysVisitor {
    associatedtype Result
    func visit<K: OrderedKeys>(_ keys: K) -> Result
}

/// Runs `visitor` on the column's orderable keys. Text is ranked by string value over the rows of
/// `selection` below `rowCount`; codes occurring only outside those rows read as null.
func visitKeys<V: KeysVisitor>(of column: Column, selection: Selection?, rowCount: Int, _ visitor: V) -> V.Result {
    switch column.storage {
    case .integer(let v): return visitIntegerKeys(v, column.validity, visitor)
    case .timestamp(let v): return visitIntegerKeys(v, column.validity, visitor)
    case .date(let v): return visitor.visit(Int32Keys(v, column.validity))
    case .boolean(let v): return visitor.visit(BoolKeys(v, column.validity))
    case .decimal(let v): return visitor.visit(DoubleKeys(v, column.validity))
    case .text(let codes, let dictionary):
        let ranking = TextRanking(codes: codes, dictionary: dictionary, validity: column.validity,
                                  selection: selection, rowCount: rowCount)
        return visitTextKeys(codes, ranking, column.validity, visitor)
    }
}

/// Runs `visitor` on text keys ranked by `ranking`, specialised for the codes' width.
func visitTextKeys<V: KeysVisitor>(_ codes: TextCodes, _ ranking: TextRanking, _ validity: Validity?, _ visitor: V) -> V.Result {
    switch codes {
    case .bytes(let c): return visitor.visit(TextRankKeys(c, ranking, validity))
    case .shorts(let c): return visitor.visit(TextRankKeys(c, ranking, validity))
    case .words(let c): return visitor.visit(TextRankKeys(c, ranking, validity))
    }
}

/// Runs `visitor` on text keys by raw code (for null checks and counting).
func visitTextCodes<V: KeysVisitor>(_ codes: TextCodes, dictionaryCount: Int, _ validity: Validity?, _ visitor: V) -> V.Result {
    switch codes {
    case .bytes(let c): return visitor.visit(TextCodeKeys(c, dictionaryCount, validity))
    case .shorts(let c): return visitor.visit(TextCodeKeys(c, dictionaryCount, validity))
    case .words(let c): return visitor.visit(TextCodeKeys(c, dictionaryCount, validity))
    }
}

// MARK: - Text ranking

/// The string order of the dictionary codes that occur in some rows: equal strings share a rank.
struct TextRanking {
    /// Per dictionary code: its rank among the occurring strings, or -1 when it does not occur.
    var rankOfCode: [Int32]
    /// Per rank: one code holding that string.
    var codeOfRank: [Int32]
    /// Whether some visited row was null (or held a code outside the dictionary).
    var sawNull: Bool

    var distinctCount: Int { codeOfRank.count }

    init(codes: TextCodes, dictionary: TextDictionary, validity: Validity?, selection: Selection?, rowCount: Int) {
        let d = dictionary.count
        var seen = [Bool](repeating: false, count: d)
        let rows = max(0, rowCount)
        let limit = min(rows, validityLimit(codes.count, validity))
        func markSeen<C: TextCode>(_ codes: [C]) -> Bool {
            var sawNull = false
            codes.withUnsafeBufferPointer { cp in
                seen.withUnsafeMutableBufferPointer { sp in
                    forEachRow(selection, below: rows) { r in
                        if r >= limit { sawNull = true; return }
                        if let validity, !validity.isValid(r) { sawNull = true; return }
                        let c = Int(cp[r])
                        if c >= 0 && c < d { sp[c] = true } else { sawNull = true }
                    }
                }
            }
            return sawNull
        }
        switch codes {
        case .bytes(let c): sawNull = markSeen(c)
        case .shorts(let c): sawNull = markSeen(c)
        case .words(let c): sawNull = markSeen(c)
        }
        var present: [Int32] = []
        for c in 0..<d where seen[c] { present.append(Int32(c)) }
        var rankOfCode = [Int32](repeating: -1, count: d)
        var codeOfRank: [Int32] = []
        codeOfRank.reserveCapacity(present.count)
        if dictionary.isASCII {
            present.sort { dictionary.precedes(Int($0), Int($1)) }
            var previous = -1
            for c in present {
                if previous < 0 || !dictionary.same(previous, Int(c)) {
                    codeOfRank.append(c)
                    previous = Int(c)
                }
                rankOfCode[Int(c)] = Int32(codeOfRank.count - 1)
            }
        } else {
            // Non-ASCII text compares as Strings do (canonical equivalents are equal), so the
            // occurring strings are made once rather than once per comparison.
            let strings = present.map { dictionary[Int($0)] }
            var order = Array(present.indices)
            order.sort { strings[$0] < strings[$1] }
            var previous: String? = nil
            for i in order {
                let c = present[i]
                if strings[i] != previous {
                    codeOfRank.append(c)
                    previous = strings[i]
                }
                rankOfCode[Int(c)] = Int32(codeOfRank.count - 1)
            }
        }
        self.rankOfCode = rankOfCode
        self.codeOfRank = codeOfRank
    }
}

// MARK: - Radix sort

/// Sorts `keys` ascending, carrying `payload` along; stable (equal keys keep their order).
/// `payload` must be as long as `keys` (otherwise nothing happens).
///
/// LSD radix sort with digits of up to 11 bits (2048-entry histograms stay in L1), only over the
/// bits some key uses, skipping digits on which every key agrees. Keys that fit in 32 bits are
/// packed with their payload into one word, halving the memory each pass moves.
func radixSort(keys: inout [UInt64], payload: inout [Int32]) {
    let n = keys.count
    guard n > 1, payload.count == n else { return }
    var highest: UInt64 = 0
    for k in keys { highest |= k }
    let bits = 64 - highest.leadingZeroBitCount
    if bits == 0 { return }
    if bits <= 32 {
        var packed = [UInt64](unsafeUninitializedCapacity: n) { out, initialized in
            keys.withUnsafeBufferPointer { kp in
                payload.withUnsafeBufferPointer { pp in
                    for i in 0..<n { out[i] = kp[i] << 32 | UInt64(UInt32(bitPattern: pp[i])) }
                }
            }
            initialized = n
        }
        radixSortPacked(&packed, keyBits: bits)
        packed.withUnsafeBufferPointer { src in
            keys.withUnsafeMutableBufferPointer { kp in
                payload.withUnsafeMutableBufferPointer { pp in
                    for i in 0..<n {
                        kp[i] = src[i] >> 32
                        pp[i] = Int32(bitPattern: UInt32(truncatingIfNeeded: src[i]))
                    }
                }
            }
        }
        return
    }
    radixPasses(&keys, payload: &payload, lowBit: 0, bits: bits)
}

/// Sorts words of the form `key << 32 | payload` by their key (`keyBits` wide), stably.
func radixSortPacked(_ packed: inout [UInt64], keyBits: Int) {
    guard packed.count > 1, keyBits > 0 else { return }
    var none: [Int32] = []
    radixPasses(&packed, payload: &none, lowBit: 32, bits: min(32, keyBits))
}

/// Stable LSD passes over bits `lowBit ..< lowBit + bits` of `keys`; `payload` moves along
/// when it is as long as `keys` and is ignored when empty.
private func radixPasses(_ keys: inout [UInt64], payload: inout [Int32], lowBit: Int, bits: Int) {
    let n = keys.count
    let carry = payload.count == n
    let passes = (bits + 10) / 11
    let digitBits = (bits + passes - 1) / passes
    let buckets = 1 << digitBits
    let mask = UInt64(buckets - 1)
    var histogram = [Int](repeating: 0, count: passes * buckets)
    keys.withUnsafeBufferPointer { kp in
        histogram.withUnsafeMutableBufferPointer { hp in
            for k in kp {
                var x = k >> UInt64(lowBit)
                var base = 0
                for _ in 0..<passes {
                    hp[base + Int(x & mask)] += 1
                    x >>= UInt64(digitBits)
                    base += buckets
                }
            }
        }
    }
    var tmpKeys = [UInt64](unsafeUninitializedCapacity: n) { _, initialized in initialized = n }
    var tmpPayload = [Int32](unsafeUninitializedCapacity: carry ? n : 0) { _, initialized in initialized = carry ? n : 0 }
    var offsets = [Int](repeating: 0, count: buckets)
    for pass in 0..<passes {
        let base = pass * buckets
        // A digit on which every key agrees does not reorder anything.
        var trivial = false
        var sum = 0
        for d in 0..<buckets {
            let c = histogram[base + d]
            if c == n { trivial = true }
            offsets[d] = sum
            sum += c
        }
        if trivial { continue }
        let shift = UInt64(lowBit + pass * digitBits)
        keys.withUnsafeBufferPointer { src in
            tmpKeys.withUnsafeMutableBufferPointer { dst in
                offsets.withUnsafeMutableBufferPointer { off in
                    if carry {
                        payload.withUnsafeBufferPointer { srcP in
                            tmpPayload.withUnsafeMutableBufferPointer { dstP in
                                for i in 0..<n {
                                    let k = src[i]
                                    let d = Int((k >> shift) & mask)
                                    let p = off[d]
                                    dst[p] = k
                                    dstP[p] = srcP[i]
                                    off[d] = p + 1
                                }
                            }
                        }
                    } else {
                        for i in 0..<n {
                            let k = src[i]
                            let d = Int((k >> shift) & mask)
                            let p = off[d]
                            dst[p] = k
                            off[d] = p + 1
                        }
                    }
                }
            }
        }
        swap(&keys, &tmpKeys)
        if carry { swap(&payload, &tmpPayload) }
    }
}
