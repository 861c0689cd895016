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

    /// Writes `v` as UTF-8 at `out[k...]` (room for 4 bytes) and returns the new end.
    @inline(__always)
    private static func put(_ v: UInt32, _ out: UnsafeMutablePointer<UInt8>, _ k: Int) -> Int {
        if v < 0x80 {
            out[k] = UInt8(v)
            return k + 1
        } else if v < 0x800 {
            out[k] = UInt8(0xC0 | (v >> 6))
            out[k + 1] = UInt8(0x80 | (v & 0x3F))
            return k + 2
        } else if v < 0x10000 {
            out[k] = UInt8(0xE0 | (v >> 12))
            out[k + 1] = UInt8(0x80 | ((v >> 6) & 0x3F))
            out[k + 2] = UInt8(0x80 | (v & 0x3F))
            return k + 3
        }
        out[k] = UInt8(0xF0 | (v >> 18))
        out[k + 1] = UInt8(0x80 | ((v >> 12) & 0x3F))
        out[k + 2] = UInt8(0x80 | ((v >> 6) & 0x3F))
        out[k + 3] = UInt8(0x80 | (v & 0x3F))
        return k + 4
    }

    /// Decodes bytes that are not valid UTF-8 as Windows-1252. Sequences that are valid UTF-8
    /// are kept as they are, so a file that mixes both (concatenated exports) reads well.
    static func decodeWindows1252(_ p: UnsafePointer<UInt8>, count n: Int) -> [UInt8] {
        // Each byte becomes at most 3 bytes (U+20AC and friends).
        [UInt8](unsafeUninitializedCapacity: n * 3 + 4) { buffer, written in
            let out = buffer.baseAddress.unsafelyUnwrapped
            var i = 0
            var k = 0
            while i < n {
                let c = p[i]
                if c < 0x80 {
                    out[k] = c
                    k += 1
                    i += 1
                    continue
                }
                let len = sequenceLength(p, i, n)
                if len > 0 {
                    (out + k).update(from: p + i, count: len)
                    k += len
                    i += len
                    continue
                }
                k = put(c < 0xA0 ? UInt32(windows1252High[Int(c) - 0x80]) : UInt32(c), out, k)
                i += 1
            }
            written = k
        }
    }

    /// UTF-16 (after its BOM) to UTF-8; unpaired surrogates become U+FFFD.
    static func decodeUTF16(_ p: UnsafePointer<UInt8>, count n: Int, bigEndian: Bool) -> [UInt8] {
        // Each 2-byte unit becomes at most 3 bytes; a 4-byte pair becomes 4.
        [UInt8](unsafeUninitializedCapacity: n / 2 * 3 + 4) { buffer, written in
            let out = buffer.baseAddress.unsafelyUnwrapped
            var i = 0
            var k = 0
            @inline(__always) func unit(_ j: Int) -> UInt32 {
                bigEndian ? UInt32(p[j]) << 8 | UInt32(p[j + 1]) : UInt32(p[j + 1]) << 8 | UInt32(p[j])
            }
            while i + 1 < n {
                let u = unit(i)
                i += 2
                if u >= 0xD800 && u < 0xDC00 {
                    if i + 1 < n {
                        let l = unit(i)
                        if l >= 0xDC00 && l < 0xE000 {
                            i += 2
                            k = put(0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00), out, k)
                            continue
                        }
                    }
                    k = put(0xFFFD, out, k)
                } else if u >= 0xDC00 && u < 0xE000 {
                    k = put(0xFFFD, out, k)
                } else {
                    k = put(u, out, k)
                }
            }
            written = k
        }
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
        [UInt8](unsafeUninitializedCapacity: max(n, 1)) { buffer, written in
            let out = buffer.baseAddress.unsafelyUnwrapped
            var k = 0
            for i in 0..<n where p[i] != 0 {
                out[k] = p[i]
                k += 1
            }
            written = k
        }
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

extension CSVEncoding {
    /// A text column read from a file whose other columns were UTF-8 but whose values are not:
    /// every value decoded as Windows-1252, as the whole file would have been had the load
    /// read this column (NUL bytes removed); values that come out equal share one code.
    static func windows1252Column(_ column: Column) -> Column? {
        guard case .text(let codes, let dictionary) = column.storage else { return nil }
        var decoded = TextDictionary()
        var codeOf: [String: Int32] = [:]
        var remap: [Int32] = []
        remap.reserveCapacity(dictionary.count)
        for i in 0..<dictionary.count {
            let bytes: [UInt8] = dictionary.withUTF8(i) { b in
                guard let base = b.baseAddress, b.count > 0 else { return [] }
                return decodeWindows1252(base, count: b.count).filter { $0 != 0 }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            if let code = codeOf[text] {
                remap.append(code)
            } else {
                let code = Int32(decoded.count)
                codeOf[text] = code
                decoded.append(text)
                remap.append(code)
            }
        }
        let recoded = TextCodes(codes.wide.map { remap[Int($0)] })
        return Column(name: column.name, storage: .text(codes: recoded, dictionary: decoded), validity: column.validity)
    }
}
