/// Maps key values of one column to the first row holding them, for `link a.x -> b.y`.
///
/// Keys match by value within a family: numbers (integer, and decimal that are whole numbers
/// match integers; other decimals match equal decimals), text (by string), dates, timestamps,
/// booleans. Across families only number ↔ text matches, by reading the text as a number
/// (`"42"` and `"042"` match 42); any other pairing matches nothing. Nulls never match.
public struct KeyIndex: Sendable {
    /// Number of distinct keys that appear more than once.
    public private(set) var duplicateKeys: Int = 0
    /// Number of rows whose key is null.
    public private(set) var nullKeys: Int = 0
    /// Number of distinct non-null keys.
    public private(set) var distinctKeys: Int = 0

    private var family: Family
    /// Whole-number keys (numbers, booleans, dates, timestamps) → first row.
    private var whole = IntRowMap.empty
    /// Decimal keys that are not whole numbers, by bit pattern → first row.
    private var fractional: [UInt64: Int32] = [:]
    /// Text keys → first row.
    private var strings = StringRowMap(capacity: 0)

    private enum Family: Sendable { case number, text, date, timestamp, boolean }

    /// Indexes every row of `column` (integer, decimal, text, date, timestamp or boolean keys).
    public init(column: Column) {
        let validity = column.validity
        let limit = min(column.count, validity?.count ?? Int.max, Int(Int32.max) - 1)
        @inline(__always) func valid(_ r: Int) -> Bool { validity?.isValid(r) ?? true }
        switch column.storage {
        case .integer(let v):
            family = .number
            switch v {
            case .int8(let x): buildWhole(IntegerKeys(x, validity), limit: limit, totalRows: column.count)
            case .int16(let x): buildWhole(IntegerKeys(x, validity), limit: limit, totalRows: column.count)
            case .int32(let x): buildWhole(IntegerKeys(x, validity), limit: limit, totalRows: column.count)
            case .int64(let x): buildWhole(IntegerKeys(x, validity), limit: limit, totalRows: column.count)
            }
        case .date(let v):
            family = .date
            buildWhole(Int32Keys(v, validity), limit: limit, totalRows: column.count)
        case .timestamp(let v):
            family = .timestamp
            switch v {
            case .int8(let x): buildWhole(IntegerKeys(x, validity), limit: limit, totalRows: column.count)
            case .int16(let x): buildWhole(IntegerKeys(x, validity), limit: limit, totalRows: column.count)
            case .int32(let x): buildWhole(IntegerKeys(x, validity), limit: limit, totalRows: column.count)
            case .int64(let x): buildWhole(IntegerKeys(x, validity), limit: limit, totalRows: column.count)
            }
        case .boolean(let v):
            family = .boolean
            buildWhole(BoolKeys(v, validity), limit: limit, totalRows: column.count)
        case .decimal(let v):
            family = .number
            // Whole numbers go to the integer map, the rest to a hash of their bit patterns.
            var wholeValues = [Int64](repeating: 0, count: limit)
            var isWhole = Validity(count: limit, allValid: false)
            var fractionalCounts: [UInt64: Int] = [:]
            for r in 0..<limit where valid(r) {
                if let w = exactInt64(v[r]) {
                    wholeValues[r] = w
                    isWhole.set(r)
                } else {
                    let bits = canonicalBits(v[r])
                    if fractional[bits] == nil { fractional[bits] = Int32(r) }
                    fractionalCounts[bits, default: 0] += 1
                }
            }
            buildWhole(Int64Keys(wholeValues, isWhole), limit: limit)
            duplicateKeys += fractionalCounts.values.filter { $0 > 1 }.count
            distinctKeys += fractionalCounts.count
            var nulls = column.count - limit
            for r in 0..<limit where !valid(r) { nulls += 1 }
            nullKeys = nulls
        case .text(let codes, let dictionary):
            family = .text
            var firstRowOfCode = [Int32](repeating: -1, count: dictionary.count)
            var rowsOfCode = [Int32](repeating: 0, count: dictionary.count)
            var nulls = column.count - limit
            func tally<C: TextCode>(_ codes: [C]) {
                codes.withUnsafeBufferPointer { cp in
                    firstRowOfCode.withUnsafeMutableBufferPointer { fp in
                        rowsOfCode.withUnsafeMutableBufferPointer { rp in
                            for r in 0..<min(limit, cp.count) {
                                let c = Int(cp[r])
                                if !valid(r) || c < 0 || c >= fp.count {
                                    nulls += 1
                                    continue
                                }
                                if fp[c] < 0 { fp[c] = Int32(r) }
                                rp[c] = rp[c] == 0 ? 1 : 2  // once, or more than once
                            }
                        }
                    }
                }
            }
            switch codes {
            case .bytes(let c): tally(c)
            case .shorts(let c): tally(c)
            case .words(let c): tally(c)
            }
            nullKeys = nulls
            var occurring = 0
            for c in 0..<dictionary.count where firstRowOfCode[c] >= 0 { occurring += 1 }
            var present: [String] = []
            var presentRows: [Int32] = []
            var presentCodes: [Int] = []
            present.reserveCapacity(occurring)
            presentRows.reserveCapacity(occurring)
            presentCodes.reserveCapacity(occurring)
            for c in 0..<dictionary.count where firstRowOfCode[c] >= 0 {
                present.append(dictionary[c])
                presentRows.append(firstRowOfCode[c])
                presentCodes.append(c)
            }
            var map = StringRowMap(capacity: 0)
            let owner = map.build(keys: present, rows: presentRows)
            // A key is repeated if one of its codes occurs twice or two codes hold its string
            // (a well-formed dictionary has no such pair).
            var repeated = [Bool](repeating: false, count: owner.count)
            for (i, o) in owner.enumerated() where o >= 0 && o < repeated.count {
                if o != i || rowsOfCode[presentCodes[i]] > 1 { repeated[o] = true }
            }
            strings = map
            distinctKeys = map.count
            duplicateKeys = repeated.filter { $0 }.count
        }
    }

    /// Indexes the whole-number keys below `limit`; every other row of a `totalRows`-row column
    /// counts as a null key.
    private mutating func buildWhole<K: OrderedKeys>(_ keys: K, limit: Int, totalRows: Int? = nil) {
        let built = IntRowMap.build(keys, limit: limit)
        whole = built.map
        duplicateKeys += built.duplicates
        distinctKeys += built.distinct
        if let totalRows { nullKeys = max(0, totalRows - (limit - built.nulls)) }
    }

    /// Table-length (of `column`'s table) array: the row in the indexed table matching each row's
    /// key, or -1 (no match / null / unselected).
    public func lookup(_ column: Column, selection: Selection?) -> [Int32] {
        let n = clampedRowCount(column.count)
        var result = [Int32](repeating: -1, count: n)
        let validity = column.validity
        let limit = min(n, validity?.count ?? Int.max)
        switch (family, column.storage) {
        case (.number, .integer(let v)):
            switch v {
            case .int8(let x): probeWhole(IntegerKeys(x, validity), selection: selection, into: &result)
            case .int16(let x): probeWhole(IntegerKeys(x, validity), selection: selection, into: &result)
            case .int32(let x): probeWhole(IntegerKeys(x, validity), selection: selection, into: &result)
            case .int64(let x): probeWhole(IntegerKeys(x, validity), selection: selection, into: &result)
            }
        case (.timestamp, .timestamp(let v)):
            switch v {
            case .int8(let x): probeWhole(IntegerKeys(x, validity), selection: selection, into: &result)
            case .int16(let x): probeWhole(IntegerKeys(x, validity), selection: selection, into: &result)
            case .int32(let x): probeWhole(IntegerKeys(x, validity), selection: selection, into: &result)
            case .int64(let x): probeWhole(IntegerKeys(x, validity), selection: selection, into: &result)
            }
        case (.date, .date(let v)):
            probeWhole(Int32Keys(v, validity), selection: selection, into: &result)
        case (.boolean, .boolean(let v)):
            probeWhole(BoolKeys(v, validity), selection: selection, into: &result)
        case (.number, .decimal(let v)):
            let l = min(limit, v.count)
            result.withUnsafeMutableBufferPointer { out in
                forEachRow(selection, below: l) { r in
                    if let validity, !validity.isValid(r) { return }
                    out[r] = numberRow(v[r])
                }
            }
        case (.number, .text(let codes, let dictionary)):
            // Read each distinct string once as a number.
            let rowOfCode = dictionary.map { s -> Int32 in
                if let w = Int64(s) { return whole.find(w) }
                if let d = Double(s) { return numberRow(d) }
                return -1
            }
            probeCodes(codes, rowOfCode, validity, selection: selection, into: &result)
        case (.text, .text(let codes, let dictionary)):
            let rowOfCode = strings.findAll(Array(dictionary))
            probeCodes(codes, rowOfCode, validity, selection: selection, into: &result)
        case (.text, .integer(let v)):
            let numbers = textAsNumbers()
            let l = min(limit, v.count)
            result.withUnsafeMutableBufferPointer { out in
                v.forEachValue(selection, below: l) { r, value in
                    if let validity, !validity.isValid(r) { return }
                    out[r] = numbers.whole.find(value)
                }
            }
        case (.text, .decimal(let v)):
            let numbers = textAsNumbers()
            let l = min(limit, v.count)
            result.withUnsafeMutableBufferPointer { out in
                forEachRow(selection, below: l) { r in
                    if let validity, !validity.isValid(r) { return }
                    if let w = exactInt64(v[r]) {
                        out[r] = numbers.whole.find(w)
                    } else {
                        out[r] = numbers.fractional[canonicalBits(v[r])] ?? -1
                    }
                }
            }
        default:
            break
        }
        return result
    }

    private func numberRow(_ d: Double) -> Int32 {
        if let w = exactInt64(d) { return whole.find(w) }
        return fractional[canonicalBits(d)] ?? -1
    }

    private func probeWhole<K: OrderedKeys>(_ keys: K, selection: Selection?, into result: inout [Int32]) {
        let map = whole
        result.withUnsafeMutableBufferPointer { out in
            forEachRow(selection, below: min(out.count, keys.limit)) { r in
                if !keys.isNull(r) { out[r] = map.find(keys.key(r)) }
            }
        }
    }

    private func probeCodes(_ codes: TextCodes, _ rowOfCode: [Int32], _ validity: Validity?, selection: Selection?, into result: inout [Int32]) {
        switch codes {
        case .bytes(let c): probeCodes(c, rowOfCode, validity, selection: selection, into: &result)
        case .shorts(let c): probeCodes(c, rowOfCode, validity, selection: selection, into: &result)
        case .words(let c): probeCodes(c, rowOfCode, validity, selection: selection, into: &result)
        }
    }

    private func probeCodes<C: TextCode>(_ codes: [C], _ rowOfCode: [Int32], _ validity: Validity?, selection: Selection?, into result: inout [Int32]) {
        let keys = TextCodeKeys(codes, rowOfCode.count, validity)
        rowOfCode.withUnsafeBufferPointer { rp in
            result.withUnsafeMutableBufferPointer { out in
                forEachRow(selection, below: min(out.count, keys.limit)) { r in
                    if !keys.isNull(r) { out[r] = rp[Int(keys.codes[r])] }
                }
            }
        }
    }

    /// For a text index probed with numbers: the strings that read as numbers, by value.
    private func textAsNumbers() -> (whole: IntRowMap, fractional: [UInt64: Int32]) {
        var wholeKeys: [Int64] = []
        var wholeRows: [Int32] = []
        var fractional: [UInt64: Int32] = [:]
        for (s, row) in zip(strings.strings, strings.rows) {
            if let w = Int64(s) {
                wholeKeys.append(w)
                wholeRows.append(row)
            } else if let d = Double(s) {
                if let w = exactInt64(d) {
                    wholeKeys.append(w)
                    wholeRows.append(row)
                } else {
                    let bits = canonicalBits(d)
                    fractional[bits] = min(fractional[bits] ?? Int32.max, row)
                }
            }
        }
        return (IntRowMap.build(keys: wholeKeys, rows: wholeRows), fractional)
    }
}

@inline(__always)
private func canonicalBits(_ d: Double) -> UInt64 {
    (d.isNaN ? Double.nan : d == 0 ? 0 : d).bitPattern
}

/// Int64 key → smallest row, as a direct-address table when the keys span a small range and
/// an open-addressing hash table otherwise.
struct IntRowMap: Sendable {
    private enum Storage: Sendable {
        case empty
        case dense(low: Int64, rows: [Int32])
        case hashed(entries: [HashEntry], shift: UInt64)
    }
    private var storage: Storage

    static let empty = IntRowMap(storage: .empty)

    /// Builds the map of the non-null keys in `0..<limit`, counting distinct, duplicated and null keys.
    static func build<K: OrderedKeys>(_ keys: K, limit: Int) -> (map: IntRowMap, distinct: Int, duplicates: Int, nulls: Int) {
        let l = min(limit, keys.limit)
        var lo = Int64.max
        var hi = Int64.min
        var valid = 0
        for r in 0..<max(0, l) where !keys.isNull(r) {
            let k = keys.key(r)
            if k < lo { lo = k }
            if k > hi { hi = k }
            valid += 1
        }
        let nulls = max(0, limit) - valid
        if valid == 0 { return (.empty, 0, 0, nulls) }
        var distinct = 0
        var duplicates = 0
        let range = UInt64(bitPattern: hi &- lo)
        if range < UInt64(max(1024, min(4 * valid, 1 << 26))) {
            let size = Int(range) + 1
            var rows = [Int32](repeating: -1, count: size)
            var seenTwice = [Bool](repeating: false, count: size)
            for r in 0..<l where !keys.isNull(r) {
                let i = Int(truncatingIfNeeded: keys.key(r) &- lo)
                guard i >= 0 && i < size else { continue }
                if rows[i] < 0 {
                    rows[i] = Int32(r)
                    distinct += 1
                } else if !seenTwice[i] {
                    seenTwice[i] = true
                    duplicates += 1
                }
            }
            return (IntRowMap(storage: .dense(low: lo, rows: rows)), distinct, duplicates, nulls)
        }
        var table = HashBuilder(capacity: valid)
        for r in 0..<l where !keys.isNull(r) {
            switch table.insert(keys.key(r), row: Int32(r)) {
            case .inserted: distinct += 1
            case .firstDuplicate: duplicates += 1
            case .duplicate: break
            }
        }
        return (IntRowMap(storage: .hashed(entries: table.entries, shift: table.shift)), distinct, duplicates, nulls)
    }

    /// A map of explicit (key, row) pairs; the smallest row wins for a repeated key.
    static func build(keys: [Int64], rows: [Int32]) -> IntRowMap {
        let count = min(keys.count, rows.count)
        if count == 0 { return .empty }
        var table = HashBuilder(capacity: count)
        for i in 0..<count { table.insertKeepingSmallest(keys[i], row: rows[i]) }
        return IntRowMap(storage: .hashed(entries: table.entries, shift: table.shift))
    }

    /// The row for `key`, or -1.
    @inline(__always)
    func find(_ key: Int64) -> Int32 {
        switch storage {
        case .empty:
            return -1
        case .dense(let low, let rows):
            let (offset, overflow) = key.subtractingReportingOverflow(low)
            if overflow || offset < 0 || offset >= Int64(rows.count) { return -1 }
            return rows[Int(offset)]
        case .hashed(let entries, let shift):
            return entries.withUnsafeBufferPointer { ep in
                let mask = ep.count - 1
                var slot = hashSlot(key, shift)
                // The table is at most half full, so an empty slot ends every probe.
                for _ in 0..<ep.count {
                    let entry = ep[slot]
                    if entry.row < 0 { return -1 }
                    if entry.key == key { return entry.row }
                    slot = (slot + 1) & mask
                }
                return -1
            }
        }
    }
}

@inline(__always)
private func hashSlot(_ key: Int64, _ shift: UInt64) -> Int {
    Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> shift)
}

/// Linear-probing hash table under construction (at most half full). One 16-byte entry per
/// slot, so a probe touches one cache line.
struct HashEntry: Sendable {
    var key: Int64 = 0
    /// -1 = empty slot.
    var row: Int32 = -1
    var seenTwice = false
}

private struct HashBuilder {
    typealias Entry = HashEntry
    var entries: [Entry]
    let shift: UInt64

    enum Outcome { case inserted, firstDuplicate, duplicate }

    init(capacity: Int) {
        var bits = 4
        while (1 << bits) < 2 * capacity && bits < 40 { bits += 1 }
        entries = [Entry](repeating: Entry(), count: 1 << bits)
        shift = UInt64(64 - bits)
    }

    mutating func insert(_ key: Int64, row: Int32) -> Outcome {
        entries.withUnsafeMutableBufferPointer { ep in
            let mask = ep.count - 1
            var slot = hashSlot(key, shift)
            for _ in 0..<ep.count {
                if ep[slot].row < 0 {
                    ep[slot] = Entry(key: key, row: row, seenTwice: false)
                    return .inserted
                }
                if ep[slot].key == key {
                    if ep[slot].seenTwice { return .duplicate }
                    ep[slot].seenTwice = true
                    return .firstDuplicate
                }
                slot = (slot + 1) & mask
            }
            return .duplicate  // full: cannot happen at half load
        }
    }

    mutating func insertKeepingSmallest(_ key: Int64, row: Int32) {
        entries.withUnsafeMutableBufferPointer { ep in
            let mask = ep.count - 1
            var slot = hashSlot(key, shift)
            for _ in 0..<ep.count {
                if ep[slot].row < 0 {
                    ep[slot] = Entry(key: key, row: row, seenTwice: false)
                    return
                }
                if ep[slot].key == key {
                    ep[slot].row = min(ep[slot].row, row)
                    return
                }
                slot = (slot + 1) & mask
            }
        }
    }
}

/// String → first row, as a linear-probing table over a hash of the UTF-8 bytes: several times
/// faster than `[String: Int32]` for the million-key case. Keys compare byte-wise (two spellings
/// of "é", composed and decomposed, are different keys, as in most databases).
struct StringRowMap: Sendable {
    /// 0 = empty; else the hash's low 32 bits << 32 | (entry + 1); the slot comes from the high bits.
    private var slots: [UInt64]
    private let shift: UInt64
    private(set) var strings: [String] = []
    private(set) var rows: [Int32] = []
    /// Distinct strings held (`strings` may also hold repeats that `build` folded away).
    private(set) var distinct = 0

    var count: Int { distinct }

    init(capacity: Int) {
        var bits = 4
        while (1 << bits) < 2 * capacity && bits < 40 { bits += 1 }
        slots = [UInt64](repeating: 0, count: 1 << bits)
        shift = UInt64(64 - bits)
    }

    /// Fills an empty map with `keys` (their rows alongside) and returns, for each key, the entry
    /// that holds its string: itself, or an earlier equal key. Hashing everything first keeps the
    /// probing loop tight enough for its cache misses to overlap.
    mutating func build(keys: [String], rows keyRows: [Int32]) -> [Int] {
        let n = min(keys.count, keyRows.count)
        self = StringRowMap(capacity: n)
        strings = Array(keys.prefix(n))
        rows = Array(keyRows.prefix(n))
        var owner = [Int](repeating: -1, count: n)
        let hashes = strings.map(Self.hash)
        distinct = 0
        slots.withUnsafeMutableBufferPointer { sp in
            let mask = sp.count - 1
            for i in 0..<n {
                let h = hashes[i]
                let tag = h << 32
                var slot = Int(truncatingIfNeeded: h >> shift) & mask
                for _ in 0..<sp.count {
                    let v = sp[slot]
                    if v == 0 {
                        sp[slot] = tag | UInt64(i + 1)
                        owner[i] = i
                        distinct += 1
                        break
                    }
                    let entry = Int(v & 0xFFFF_FFFF) - 1
                    if v & 0xFFFF_FFFF_0000_0000 == tag && entry < i && Self.sameBytes(strings[entry], strings[i]) {
                        owner[i] = entry
                        if rows[i] < rows[entry] { rows[entry] = rows[i] }
                        break
                    }
                    slot = (slot + 1) & mask
                }
            }
        }
        return owner
    }

    /// The row of `s`, or -1.
    func find(_ s: String) -> Int32 {
        find(s, hash: Self.hash(s))
    }

    private func find(_ s: String, hash h: UInt64) -> Int32 {
        let tag = h << 32
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h >> shift) & mask
        for _ in 0..<slots.count {
            let v = slots[slot]
            if v == 0 { return -1 }
            let entry = Int(v & 0xFFFF_FFFF) - 1
            if v & 0xFFFF_FFFF_0000_0000 == tag && entry < strings.count && Self.sameBytes(strings[entry], s) {
                return rows[entry]
            }
            slot = (slot + 1) & mask
        }
        return -1
    }

    /// The row of each string, or -1. In phases, so that the cache misses of the probes overlap:
    /// hash everything, probe for the first entry with a matching tag, then confirm the bytes.
    func findAll(_ keys: [String]) -> [Int32] {
        let hashes = keys.map(Self.hash)
        var candidates = [Int32](repeating: -1, count: keys.count)
        slots.withUnsafeBufferPointer { sp in
            candidates.withUnsafeMutableBufferPointer { cp in
                let mask = sp.count - 1
                for i in 0..<hashes.count {
                    let h = hashes[i]
                    let tag = h << 32
                    var slot = Int(truncatingIfNeeded: h >> shift) & mask
                    for _ in 0..<sp.count {
                        let v = sp[slot]
                        if v == 0 { break }
                        if v & 0xFFFF_FFFF_0000_0000 == tag {
                            cp[i] = Int32(truncatingIfNeeded: Int(v & 0xFFFF_FFFF) - 1)
                            break
                        }
                        slot = (slot + 1) & mask
                    }
                }
            }
        }
        var result = [Int32](repeating: -1, count: keys.count)
        for i in 0..<keys.count {
            let entry = Int(candidates[i])
            if entry < 0 || entry >= strings.count { continue }
            // A tag match with other bytes (about one in four billion) falls back to a full probe.
            result[i] = Self.sameBytes(strings[entry], keys[i]) ? rows[entry] : find(keys[i], hash: hashes[i])
        }
        return result
    }

    static func sameBytes(_ a: String, _ b: String) -> Bool {
        var x = a
        var y = b
        return x.withUTF8 { xb in
            y.withUTF8 { yb in
                xb.count == yb.count && UnsafeRawBufferPointer(xb).elementsEqual(UnsafeRawBufferPointer(yb))
            }
        }
    }

    /// A 64-bit hash of the UTF-8 bytes, eight at a time.
    static func hash(_ s: String) -> UInt64 {
        var copy = s
        return copy.withUTF8 { bytes -> UInt64 in
            let raw = UnsafeRawBufferPointer(bytes)
            var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(raw.count)
            var i = 0
            while i + 8 <= raw.count {
                h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
                h ^= h >> 31
                i += 8
            }
            var tail: UInt64 = 0
            var bit: UInt64 = 0
            while i < raw.count {
                tail |= UInt64(raw[i]) << bit
                bit += 8
                i += 1
            }
            h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
            h ^= h >> 29
            h = h &* 0xBF58_476D_1CE4_E5B9
            return h ^ (h >> 32)
        }
    }
}
