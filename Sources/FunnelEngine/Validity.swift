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
