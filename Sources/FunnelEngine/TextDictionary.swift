#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The distinct strings of a text column, as UTF-8 bytes back to back in one buffer.
///
/// A column of e-mail addresses has about one distinct value per row. As Swift `String`s each
/// would cost 16 bytes plus, past 15 bytes of text, a heap object of 32 bytes of header and
/// malloc rounding: about 80 bytes for a 25-byte address. Here it costs its bytes and one offset.
/// Strings are made on demand (`self[i]`), so code that works per distinct value stays as it was.
public struct TextDictionary: Sendable, RandomAccessCollection, Equatable, ExpressibleByArrayLiteral {
    /// Entry `i` is `bytes[offsets[i] ..< offsets[i + 1]]`.
    private var bytes: [UInt8]
    /// `count + 1` ascending offsets into `bytes`, starting at 0.
    private var offsets: TextOffsets
    /// Every entry is ASCII, so byte order is string order and equal strings have equal bytes.
    public private(set) var isASCII: Bool

    public init() {
        bytes = []
        offsets = .narrow([0])
        isASCII = true
    }

    public init<S: Sequence>(_ strings: S) where S.Element == String {
        self.init()
        for s in strings { append(s) }
    }

    public init(arrayLiteral elements: String...) {
        self.init(elements)
    }

    /// Wraps ready storage: `offsets` has `count + 1` ascending entries from 0 to `bytes.count`,
    /// and every entry is valid UTF-8. Callers that build dictionaries from bytes (the CSV reader)
    /// check both.
    public init(bytes: [UInt8], offsets: [Int]) {
        self.bytes = bytes
        self.offsets = TextOffsets(offsets.isEmpty ? [0] : offsets)
        isASCII = TextDictionary.allASCII(bytes)
    }

    /// `init(bytes:offsets:)` for bytes under 4 GiB, with the offsets as they are stored.
    public init(bytes: [UInt8], offsets32 offsets: [UInt32]) {
        self.bytes = bytes
        self.offsets = .narrow(offsets.isEmpty ? [0] : offsets)
        isASCII = TextDictionary.allASCII(bytes)
    }

    public mutating func append(_ string: String) {
        var s = string
        s.withUTF8 { utf8 in
            bytes.append(contentsOf: utf8)
            if isASCII && !TextDictionary.allASCII(utf8) { isASCII = false }
        }
        offsets.append(bytes.count)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { offsets.count - 1 }

    public subscript(i: Int) -> String {
        withUTF8(i) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with entry `i`'s bytes, without making a `String`.
    public func withUTF8<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let start = offsets[i]
        let end = offsets[i + 1]
        return try bytes.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[start..<end]))
        }
    }

    /// The entries' byte count (what the text itself costs).
    public var byteCount: Int { bytes.count }

    /// Whether entry `i` sorts before entry `j` as `String`s do. Byte order when every entry is
    /// ASCII; otherwise the strings are compared (Swift compares canonical equivalents as equal).
    public func precedes(_ i: Int, _ j: Int) -> Bool {
        if isASCII { return compareBytes(i, j) < 0 }
        return self[i] < self[j]
    }

    /// Whether entries `i` and `j` are equal as `String`s.
    public func same(_ i: Int, _ j: Int) -> Bool {
        if isASCII { return compareBytes(i, j) == 0 }
        return self[i] == self[j]
    }

    private func compareBytes(_ i: Int, _ j: Int) -> Int {
        let a = offsets[i], aEnd = offsets[i + 1]
        let b = offsets[j], bEnd = offsets[j + 1]
        let n = Swift.min(aEnd - a, bEnd - b)
        let c: Int32 = n == 0 ? 0 : bytes.withUnsafeBufferPointer { p in
            memcmp(p.baseAddress.unsafelyUnwrapped + a, p.baseAddress.unsafelyUnwrapped + b, n)
        }
        if c != 0 { return Int(c) }
        return (aEnd - a) - (bEnd - b)
    }

    public static func == (lhs: TextDictionary, rhs: TextDictionary) -> Bool {
        lhs.offsets == rhs.offsets && lhs.bytes == rhs.bytes
    }

    private static func allASCII<C: Collection<UInt8>>(_ bytes: C) -> Bool {
        var high: UInt8 = 0
        for b in bytes { high |= b }
        return high < 0x80
    }
}

/// Offsets into a dictionary's bytes: 32 bits each while the bytes stay under 4 GiB (always, in
/// practice), so a column of distinct e-mails spends 4 bytes per value on them rather than 8.
private enum TextOffsets: Sendable, Equatable {
    case narrow([UInt32])
    case wide([Int])

    init(_ offsets: [Int]) {
        if let last = offsets.last, last <= Int(UInt32.max) {
            self = .narrow(offsets.map { UInt32(truncatingIfNeeded: $0) })
        } else {
            self = .wide(offsets)
        }
    }

    var count: Int {
        switch self {
        case .narrow(let o): return o.count
        case .wide(let o): return o.count
        }
    }

    subscript(i: Int) -> Int {
        switch self {
        case .narrow(let o): return Int(o[i])
        case .wide(let o): return o[i]
        }
    }

    mutating func append(_ offset: Int) {
        switch self {
        case .narrow(var o):
            if offset <= Int(UInt32.max) {
                self = .wide([])  // drop the reference so `o` is appended in place
                o.append(UInt32(truncatingIfNeeded: offset))
                self = .narrow(o)
            } else {
                self = .wide(o.map { Int($0) } + [offset])
            }
        case .wide(var o):
            self = .narrow([])
            o.append(offset)
            self = .wide(o)
        }
    }
}
