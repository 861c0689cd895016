// Text encodings of CSV files: UTF-8 checks, Windows-1252 and UTF-16 decoding, NUL bytes.

enum CSVEncoding {
    struct Scan {
        var valid = true
        var nulCount = 0
        var firstNul = -1
    }

    /// Length of the valid UTF-8 sequence starting at `p[i]` (a byte >= 0x80), or 0.
    @inline(__always)
    static func sequenceLength(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        let c = p[i]
        @inline(__always) func cont(_ k: Int) -> Bool { i + k < end && p[i + k] & 0xC0 == 0x80 }
        if c < 0xC2 { return 0 }
        if c < 0xE0 { return cont(1) ? 2 : 0 }
        if c < 0xF0 {
            guard cont(1), cont(2) else { return 0 }
            let c1 = p[i + 1]
            if c == 0xE0 && c1 < 0xA0 { return 0 }
            if c == 0xED && c1 >= 0xA0 { return 0 }
            return 3
        }
        if c < 0xF5 {
            guard cont(1), cont(2), cont(3) else { return 0 }
            let c1 = p[i + 1]
            if c == 0xF0 && c1 < 0x90 { return 0 }
            if c == 0xF4 && c1 >= 0x90 { return 0 }
            return 4
        }
        return 0
    }

    /// Checks `p[from..<to]` for valid UTF-8 and counts NUL bytes. Stops early on invalid UTF-8.
    static func scan(_ p: UnsafePointer<UInt8>, from: Int, to: Int) -> Scan {
        var result = Scan()
        var i = from
        let highs: UInt64 = 0x8080_8080_8080_8080
        let ones: UInt64 = 0x0101_0101_0101_0101
        while i < to {
            while i + 8 <= to {
                let w = UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
                if w & highs != 0 { break }
                if (w &- ones) & ~w & highs != 0 {
                    for k in 0..<8 where p[i + k] == 0 {
                        if result.firstNul < 0 { result.firstNul = i + k }
                        result.nulCount += 1
                    }
                }
                i += 8
            }
            if i >= to { break }
            let c = p[i]
            if c < 0x80 {
                if c == 0 {
                    if result.firstNul < 0 { result.firstNul = i }
                    result.nulCount += 1
                }
                i += 1
                continue
            }
            let len = sequenceLength(p, i, to)
            if len == 0 {
                result.valid = false
                return result
            }
            i += len
        }
        return result
    }

    /// `scan` over the whole input on several threads.
    static func scanParallel(_ p: UnsafePointer<UInt8>, count n: Int, threads: Int) -> Scan {
        let parts = n < (4 << 20) ? 1 : max(1, threads)
        if parts == 1 { return scan(p, from: 0, to: n) }
        var bounds = [0]
        for k in 1..<parts {
            var b = n / parts * k
            // Never split inside a multi-byte sequence.
            var steps = 0
            while b < n && p[b] & 0xC0 == 0x80 && steps < 3 {
                b += 1
                steps += 1
            }
            bounds.append(max(b, bounds[bounds.count - 1]))
        }
        bounds.append(n)
        let results = UnsafeMutablePointer<Scan>.allocate(capacity: parts)
        results.initialize(repeating: Scan(), count: parts)
        defer { results.deallocate() }
        let shared = UnsafeSendable((p, results, bounds))
        CSVParallel.forEach(parts) { k in
            let (p, results, bounds) = shared.value
            results[k] = scan(p, from: bounds[k], to: bounds[k + 1])
        }
        var total = Scan()
        for k in 0..<parts {
            let r = results[k]
            if !r.valid { total.valid = false }
            if r.nulCount > 0 && total.firstNul < 0 { total.firstNul = r.firstNul }
            total.nulCount += r.nulCount
        }
        return total
    }

    private static let windows1252High: [UInt16] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    private static func appendScalar(_ v: UInt32, to out: inout [UInt8]) {
        if v < 0x80 {
            out.append(UInt8(v))
        } else if v < 0x800 {
            out.append(UInt8(0xC0 | (v >> 6)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        } else if v < 0x10000 {
            out.append(UInt8(0xE0 | (v >> 12)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        } else {
            out.append(UInt8(0xF0 | (v >> 18)))
            out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    /// Decodes bytes that are not valid UTF-8 as Windows-1252. Sequences that are valid UTF-8
    /// are kept as they are, so a file that mixes both (concatenated exports) reads well.
    static func decodeWindows1252(_ p: UnsafePointer<UInt8>, count n: Int) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(n + n / 8)
        var i = 0
        while i < n {
            let c = p[i]
            if c < 0x80 {
                out.append(c)
                i += 1
                continue
            }
            let len = sequenceLength(p, i, n)
            if len > 0 {
                out.append(contentsOf: UnsafeBufferPointer(start: p + i, count: len))
                i += len
                continue
            }
            let scalar = c < 0xA0 ? UInt32(windows1252High[Int(c) - 0x80]) : UInt32(c)
            appendScalar(scalar, to: &out)
            i += 1
        }
        return out
    }

    /// UTF-16 (after its BOM) to UTF-8; unpaired surrogates become U+FFFD.
    static func decodeUTF16(_ p: UnsafePointer<UInt8>, count n: Int, bigEndian: Bool) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(n)
        var i = 0
        @inline(__always) func unit(_ k: Int) -> UInt32 {
            bigEndian ? UInt32(p[k]) << 8 | UInt32(p[k + 1]) : UInt32(p[k + 1]) << 8 | UInt32(p[k])
        }
        while i + 1 < n {
            let u = unit(i)
            i += 2
            if u >= 0xD800 && u < 0xDC00 {
                if i + 1 < n {
                    let l = unit(i)
                    if l >= 0xDC00 && l < 0xE000 {
                        i += 2
                        appendScalar(0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00), to: &out)
                        continue
                    }
                }
                appendScalar(0xFFFD, to: &out)
            } else if u >= 0xDC00 && u < 0xE000 {
                appendScalar(0xFFFD, to: &out)
            } else {
                appendScalar(u, to: &out)
            }
        }
        return out
    }

    /// For files without a BOM: nil, or whether the first bytes look like UTF-16 (big endian?).
    static func sniffUTF16(_ p: UnsafePointer<UInt8>, count n: Int) -> Bool? {
        let window = min(n, 4096) & ~1
        guard window >= 4 else { return nil }
        var evenNul = 0
        var oddNul = 0
        var k = 0
        while k < window {
            if p[k] == 0 { evenNul += 1 }
            if p[k + 1] == 0 { oddNul += 1 }
            k += 2
        }
        let pairs = window / 2
        if oddNul * 10 >= pairs * 9 && evenNul * 10 <= pairs { return false }
        if evenNul * 10 >= pairs * 9 && oddNul * 10 <= pairs { return true }
        return nil
    }

    static func stripNULs(_ p: UnsafePointer<UInt8>, count n: Int) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(n)
        for i in 0..<n where p[i] != 0 { out.append(p[i]) }
        return out
    }

    /// The 1-based physical line holding byte `offset` (LF, CRLF and lone CR each end a line).
    static func line(of offset: Int, in p: UnsafePointer<UInt8>, count n: Int) -> Int {
        var line = 1
        var i = 0
        let stop = min(offset, n)
        while i < stop {
            let c = p[i]
            if c == CSVByte.lf {
                line += 1
            } else if c == CSVByte.cr && !(i + 1 < n && p[i + 1] == CSVByte.lf) {
                line += 1
            }
            i += 1
        }
        return line
    }
}
