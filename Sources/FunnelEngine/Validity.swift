/// A validity bitmap: bit i set means row i holds a value, clear means null.
public struct Validity: Sendable, Equatable {
    public private(set) var words: [UInt64]
    public let count: Int

    public init(count: Int, allValid: Bool) {
        self.count = count
        let wordCount = (count + 63) >> 6
        words = [UInt64](repeating: allValid ? ~0 : 0, count: wordCount)
        if allValid, count & 63 != 0, wordCount > 0 {
            words[wordCount - 1] = (UInt64(1) << UInt64(count & 63)) - 1
        }
    }

    public init(_ flags: [Bool]) {
        self.init(count: flags.count, allValid: false)
        for (i, valid) in flags.enumerated() where valid { set(i) }
    }

    @inline(__always)
    public func isValid(_ i: Int) -> Bool {
        words[i >> 6] & (UInt64(1) << UInt64(i & 63)) != 0
    }

    /// Whether bit `i` is set (a row of a funnel stage reached it, of a column holds a value).
    public subscript(i: Int) -> Bool {
        @inline(__always) get { isValid(i) }
        set { if newValue { set(i) } else { clear(i) } }
    }

    @inline(__always)
    public mutating func set(_ i: Int) { words[i >> 6] |= UInt64(1) << UInt64(i & 63) }

    @inline(__always)
    public mutating func clear(_ i: Int) { words[i >> 6] &= ~(UInt64(1) << UInt64(i & 63)) }

    public var nullCount: Int {
        var valid = 0
        for w in words { valid += w.nonzeroBitCount }
        return count - valid
    }
}

extension Validity {
    /// Wraps a ready bitmap: bit `i & 63` of `words[i >> 6]` set means row `i` holds a value.
    /// `words` must have `(count + 63) / 64` entries and no bits set at or past `count`.
    public init(words: [UInt64], count: Int) {
        self.words = words
        self.count = count
    }
}

extension Validity {
    /// Bit `i` set where `flags[i]` is true. Eight flags at a time: a Bool is stored as 0 or 1, so
    /// eight of them read as one word whose low bits a multiplication gathers into one byte.
    public init(packing flags: [Bool]) {
        let count = flags.count
        let words = [UInt64](unsafeUninitializedCapacity: (count + 63) >> 6) { buffer, initialized in
            buffer.initialize(repeating: 0)
            flags.withUnsafeBytes { raw in
                let whole = count >> 3
                for chunk in 0..<whole {
                    let eight = raw.loadUnaligned(fromByteOffset: chunk << 3, as: UInt64.self)
                    let byte = (eight &* 0x0102_0408_1020_4080) >> 56
                    buffer[chunk >> 3] |= byte << UInt64((chunk & 7) << 3)
                }
                for i in (whole << 3)..<count where raw[i] != 0 {
                    buffer[i >> 6] |= UInt64(1) << UInt64(i & 63)
                }
            }
            initialized = buffer.count
        }
        self.init(words: words, count: count)
    }

    /// One flag per row: true where the bit is set. Eight at a time: each byte of bits becomes
    /// eight bytes of 0 or 1 through a table.
    public var flags: [Bool] {
        let n = count
        return [Bool](unsafeUninitializedCapacity: n) { buffer, initialized in
            let out = UnsafeMutableRawPointer(buffer.baseAddress)
            Validity.spreadBytes.withUnsafeBufferPointer { spread in
                words.withUnsafeBufferPointer { w in
                    let whole = n >> 3
                    for chunk in 0..<whole {
                        let byte = Int((w[chunk >> 3] >> UInt64((chunk & 7) << 3)) & 0xFF)
                        out.unsafelyUnwrapped.storeBytes(of: spread[byte], toByteOffset: chunk << 3, as: UInt64.self)
                    }
                    for i in (whole << 3)..<n { buffer[i] = (w[i >> 6] >> UInt64(i & 63)) & 1 == 1 }
                }
            }
            initialized = n
        }
    }

    /// Per byte of bits: the eight bytes (0 or 1, lowest bit first) it stands for.
    private static let spreadBytes: [UInt64] = (0..<256).map { byte in
        (0..<8).reduce(UInt64(0)) { word, bit in word | (UInt64((byte >> bit) & 1) << UInt64(bit << 3)) }
    }
}

extension Validity {
    /// Calls `body` with every row below `limit` whose bit is set (`valid`) or clear (not
    /// `valid`), in order, 64 rows per word: a mostly empty column costs a look per word.
    @inline(__always)
    public func forEachRow(valid: Bool, below limit: Int, _ body: (Int) -> Void) {
        let limit = min(limit, count)
        guard limit > 0 else { return }
        words.withUnsafeBufferPointer { words in
            for w in 0..<min(words.count, (limit + 63) >> 6) {
                var bits = Validity.bits(words[w], valid: valid, base: w << 6, limit: limit)
                while bits != 0 {
                    body((w << 6) | bits.trailingZeroBitCount)
                    bits &= bits &- 1
                }
            }
        }
    }

    /// How many rows `forEachRow(valid:below:)` visits.
    public func rowCount(valid: Bool, below limit: Int) -> Int {
        let limit = min(limit, count)
        guard limit > 0 else { return 0 }
        var total = 0
        for w in 0..<min(words.count, (limit + 63) >> 6) {
            total += Validity.bits(words[w], valid: valid, base: w << 6, limit: limit).nonzeroBitCount
        }
        return total
    }

    /// The word's bits of the rows asked for, none at or past `limit`.
    @inline(__always)
    private static func bits(_ word: UInt64, valid: Bool, base: Int, limit: Int) -> UInt64 {
        let bits = valid ? word : ~word
        return base + 64 > limit ? bits & ((UInt64(1) << UInt64(limit - base)) &- 1) : bits
    }
}

extension Validity {
    /// A bit for each row of `rows` below `count` whose bit is set in `mask` (nil: every row).
    public init(rows: Selection, count: Int, within mask: Validity? = nil) {
        var words = [UInt64](repeating: 0, count: (count + 63) >> 6)
        words.withUnsafeMutableBufferPointer { out in
            if let mask, mask.count == count {
                mask.words.withUnsafeBufferPointer { m in
                    for r in rows where r >= 0 && Int(r) < count {
                        let w = Int(r) >> 6
                        out[w] |= m[w] & (UInt64(1) << UInt64(r & 63))
                    }
                }
            } else if let mask {
                for r in rows where r >= 0 && Int(r) < min(count, mask.count) && mask.isValid(Int(r)) {
                    out[Int(r) >> 6] |= UInt64(1) << UInt64(r & 63)
                }
            } else {
                for r in rows where r >= 0 && Int(r) < count { out[Int(r) >> 6] |= UInt64(1) << UInt64(r & 63) }
            }
        }
        self.init(words: words, count: count)
    }

    /// Bit `r` of a bitmap's words, as 0 or 1 (so that it adds up without a branch).
    @inlinable @inline(__always)
    public static func bit(_ words: UnsafePointer<UInt64>, _ r: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: (words[r &>> 6] &>> UInt64(r & 63)) & 1)
    }
}
