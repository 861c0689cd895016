// Splits CSV bytes into fields: quotes, doubled quotes, and LF / CRLF / lone-CR line breaks.

enum CSVByte {
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let quote: UInt8 = 0x22
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let comma: UInt8 = 0x2C
    static let semicolon: UInt8 = 0x3B
    static let pipe: UInt8 = 0x7C
    static let point: UInt8 = 0x2E
    static let backslash: UInt8 = 0x5C
}

/// Reads one field at a time from `data[pos..<end]`.
///
/// Quoting follows RFC 4180 and forgives what spreadsheets and hand edits produce:
/// spaces before an opening quote are skipped, a quote inside an unquoted field is an ordinary
/// character, a quote inside a quoted field that is not doubled is part of the value when the
/// field closes later on the same line (`"Lahr "Vis-à-Vis" Bus"`), and otherwise text after a
/// closing quote is kept (spaces there are dropped). Such quotes are counted (`strayQuotes`), so
/// that the load can say so. With `quoting` off (a file whose quotes are not CSV quoting), a
/// quote is an ordinary character everywhere.
/// `line` counts the line breaks consumed, including those inside quoted fields.
struct CSVTokenizer {
    let data: UnsafePointer<UInt8>
    let end: Int
    let delimiter: UInt8
    /// Whether `"` quotes fields.
    let quoting: Bool
    /// The quote character: `"`, or `'` in a file that quotes with it.
    var quote: UInt8 = CSVByte.quote
    /// Inside quoted fields, `\"` is a quote (the file escapes quotes with a backslash, as
    /// MySQL and some exporters do) where the quote does not end the field.
    var backslashEscapes = false
    var pos: Int
    var line = 0
    /// Quotes inside quoted fields that neither close the field nor are doubled, and the line
    /// (0-based, as `line`) of the first.
    var strayQuotes = 0
    var firstStrayQuoteLine = -1
    /// Stray quotes right after a backslash (`\"`): a file that escapes quotes so.
    var strayQuotesAfterBackslash = 0
    /// Line breaks read inside quoted fields.
    var quotedLineBreaks = 0
    /// Within the current line, a quote that closes its field lies before this offset: quotes
    /// before it that do not close are literal without looking ahead again (-1: not known).
    private var closingQuoteAhead = -1
    /// No quote closes a field from here to the end of the line that starts before this offset.
    private var noClosingQuoteBefore = -1
    /// Holds a field's text when it had to be unescaped.
    var scratch = RawBuffer<UInt8>()
    var fieldPtr: UnsafePointer<UInt8>
    var fieldLen = 0
    /// What ended the last field: 0 a delimiter, 1 a line break, 2 the end of the input.
    var term: UInt8 = 0
    /// Set when the input ended inside quotes: the line where the quote opened.
    var unterminatedLine = -1
    /// The 64-byte block of `data` whose special bytes are in `blockBits` (-1: none yet).
    private var blockBase = -1
    private var blockBits: UInt64 = 0

    init(data: UnsafePointer<UInt8>, end: Int, delimiter: UInt8, pos: Int, quoting: Bool = true) {
        self.data = data
        self.end = end
        self.delimiter = delimiter
        self.quoting = quoting
        self.pos = pos
        fieldPtr = data
    }

    mutating func release() { scratch.release() }

    /// True when `data[pos]` starts a line break (a blank line when at a record start).
    @inline(__always)
    mutating func skipBlankLine() -> Bool {
        let c = data[pos]
        if c == CSVByte.lf {
            pos += 1
            line += 1
            return true
        }
        if c == CSVByte.cr {
            pos += (pos + 1 < end && data[pos + 1] == CSVByte.lf) ? 2 : 1
            line += 1
            return true
        }
        return false
    }

    /// Scans the next field and leaves it in `fieldPtr`/`fieldLen`, with `term` saying what ended it.
    @inline(__always)
    mutating func next() {
        let p = data
        var i = pos
        if i >= end {
            fieldPtr = p + end
            fieldLen = 0
            term = 2
            return
        }
        let first = p[i]
        if first == quote && quoting {
            scanQuotedField(i)
            return
        }
        if first == CSVByte.space && quoting, startsQuotedAfterSpaces(i) {
            return
        }
        let start = i
        while true {
            let base = i & ~63
            if base != blockBase { loadBlock(base) }
            let m = blockBits & (~UInt64(0) &<< UInt64(i & 63))
            if m != 0 {
                let j = base + m.trailingZeroBitCount
                fieldPtr = p + start
                fieldLen = j - start
                if p[j] == delimiter {
                    pos = j + 1
                    term = 0
                } else {
                    finishField(at: j)
                }
                return
            }
            i = base + 64
            if i >= end {
                fieldPtr = p + start
                fieldLen = end - start
                pos = end
                term = 2
                return
            }
        }
    }

    /// Where the delimiter, LF and CR bytes of `data[base..<base + 64]` are (bit k = byte base + k).
    @inline(__always)
    private mutating func loadBlock(_ base: Int) {
        blockBase = base
        if base + 64 <= end {
            let p = UnsafeRawPointer(data + base)
            blockBits = CSVTokenizer.specials16(p, delimiter)
                | CSVTokenizer.specials16(p + 16, delimiter) << 16
                | CSVTokenizer.specials16(p + 32, delimiter) << 32
                | CSVTokenizer.specials16(p + 48, delimiter) << 48
        } else {
            var bits: UInt64 = 0
            var k = base
            while k < end {
                let c = data[k]
                if c == delimiter || c == CSVByte.lf || c == CSVByte.cr { bits |= 1 &<< UInt64(k - base) }
                k += 1
            }
            blockBits = bits
        }
    }

    /// A 16-bit mask of the delimiter, LF and CR bytes among 16 bytes.
    @inline(__always)
    private static func specials16(_ p: UnsafeRawPointer, _ d: UInt8) -> UInt64 {
        mask16(p, d, CSVByte.lf, CSVByte.cr)
    }

    /// Bit k set when byte k of the 16 at `p` is `x`, `y` or `z` (compiles to SSE2 compares).
    @inline(__always)
    static func mask16(_ p: UnsafeRawPointer, _ x: UInt8, _ y: UInt8, _ z: UInt8) -> UInt64 {
        let v = p.loadUnaligned(as: SIMD16<UInt8>.self)
        let a = unsafeBitCast(v .== SIMD16<UInt8>(repeating: x), to: SIMD16<UInt8>.self)
        let b = unsafeBitCast(v .== SIMD16<UInt8>(repeating: y), to: SIMD16<UInt8>.self)
        let c = unsafeBitCast(v .== SIMD16<UInt8>(repeating: z), to: SIMD16<UInt8>.self)
        let m = (a | b | c) & SIMD16<UInt8>(1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128)
        let w = unsafeBitCast(m, to: SIMD2<UInt64>.self)
        let lo = (w[0] &* 0x0101_0101_0101_0101) >> 56
        let hi = (w[1] &* 0x0101_0101_0101_0101) >> 56
        return lo | hi << 8
    }

    /// Consumes the delimiter or line break at `i` (or notes the end of input).
    @inline(__always)
    private mutating func finishField(at i: Int) {
        if i >= end {
            pos = end
            term = 2
            return
        }
        let c = data[i]
        if c == delimiter {
            pos = i + 1
            term = 0
        } else {
            pos = (c == CSVByte.cr && i + 1 < end && data[i + 1] == CSVByte.lf) ? i + 2 : i + 1
            line += 1
            term = 1
        }
    }

    /// A quoted field starting at `i`: the usual one (closing quote within 16 bytes, then the
    /// delimiter or a line break) directly, anything else through `scanQuoted`.
    @inline(never)
    private mutating func scanQuotedField(_ i: Int) {
        let p = data
        let s1 = i + 1
        if s1 + 16 <= end {
            let m = CSVTokenizer.mask16(UnsafeRawPointer(p + s1), quote, CSVByte.lf, CSVByte.cr)
            let k = s1 + m.trailingZeroBitCount
            if m != 0 && p[k] == quote && k + 1 < end && !(backslashEscapes && k > s1 && p[k - 1] == CSVByte.backslash) {
                let c = p[k + 1]
                if c == delimiter {
                    fieldPtr = p + s1
                    fieldLen = k - s1
                    pos = k + 2
                    term = 0
                    return
                }
                if c == CSVByte.lf || c == CSVByte.cr {
                    fieldPtr = p + s1
                    fieldLen = k - s1
                    finishField(at: k + 1)
                    return
                }
            }
        }
        scanQuoted(i)
    }

    /// Whether the quote at `q` ends its field: spaces or tabs, then a delimiter, a line break or
    /// the end of the input.
    private func closesField(_ q: Int) -> Bool {
        var j = q + 1
        while j < end && (data[j] == CSVByte.space || data[j] == CSVByte.tab) && data[j] != delimiter { j += 1 }
        return j >= end || data[j] == delimiter || data[j] == CSVByte.lf || data[j] == CSVByte.cr
    }

    /// Whether a quote that closes the field follows `from` before the next delimiter or line
    /// break (a doubled quote right before the end counts: `"a "b""` is `a "b"`). Past a
    /// delimiter the reading is ambiguous (`""a, b""` may be two fields), so it is not taken.
    /// Remembers what it found, so that a field of many stray quotes is looked at once.
    private mutating func closingQuoteLater(on from: Int) -> Bool {
        if from < closingQuoteAhead { return true }
        if from < noClosingQuoteBefore { return false }
        var j = from
        while j < end {
            let c = data[j]
            if c == CSVByte.lf || c == CSVByte.cr || c == delimiter { break }
            if c == quote {
                if j + 1 < end && data[j + 1] == quote {
                    if closesField(j + 1) {
                        closingQuoteAhead = j + 2
                        return true
                    }
                    j += 2
                    continue
                }
                if closesField(j) {
                    closingQuoteAhead = j + 1
                    return true
                }
            }
            j += 1
        }
        noClosingQuoteBefore = j
        return false
    }

    private mutating func noteStrayQuote() {
        if strayQuotes == 0 { firstStrayQuoteLine = line }
        strayQuotes += 1
    }

    @inline(never)
    private mutating func startsQuotedAfterSpaces(_ i: Int) -> Bool {
        var j = i
        while j < end && data[j] == CSVByte.space { j += 1 }
        if j < end && data[j] == quote && delimiter != CSVByte.space {
            scanQuoted(j)
            return true
        }
        return false
    }

    @inline(never)
    private mutating func scanQuoted(_ q: Int) {
        let p = data
        let openLine = line
        var i = q + 1
        var segment = i
        var copying = false
        var strayInField = false
        scratch.count = 0
        while true {
            // The next quote, counting line breaks on the way; 16 bytes at a time while there
            // is neither.
            while i < end {
                if i + 16 <= end {
                    let m = CSVTokenizer.mask16(UnsafeRawPointer(p + i), quote, CSVByte.lf, CSVByte.cr)
                    if m == 0 {
                        i += 16
                        continue
                    }
                    i += m.trailingZeroBitCount
                }
                let c = p[i]
                if c == quote { break }
                if c == CSVByte.lf {
                    line += 1
                    quotedLineBreaks += 1
                } else if c == CSVByte.cr && !(i + 1 < end && p[i + 1] == CSVByte.lf) {
                    line += 1
                    quotedLineBreaks += 1
                }
                i += 1
            }
            if i >= end {
                unterminatedLine = openLine
                if copying {
                    scratch.append(contentsOf: p + segment, count: end - segment)
                    fieldPtr = UnsafePointer(scratch.base ?? UnsafeMutablePointer(mutating: p))
                    fieldLen = scratch.count
                } else {
                    fieldPtr = p + segment
                    fieldLen = end - segment
                }
                pos = end
                term = 2
                return
            }
            if backslashEscapes && i > segment && p[i - 1] == CSVByte.backslash {
                // `\"` is a quote whatever follows it (`\\"` is a backslash, then the quote).
                var backslashes = 0
                var k = i - 1
                while k > q && p[k] == CSVByte.backslash { backslashes += 1; k -= 1 }
                if backslashes % 2 == 1 {
                    scratch.append(contentsOf: p + segment, count: i - 1 - segment)
                    scratch.append(contentsOf: p + i, count: 1)
                    copying = true
                    i += 1
                    segment = i
                    continue
                }
            }
            if i + 1 < end && p[i + 1] == quote {
                scratch.append(contentsOf: p + segment, count: i + 1 - segment)
                copying = true
                if strayInField && closesField(i + 1) {
                    // After an undoubled quote, `""` at the end is that quote's partner and the close.
                    i += 1
                    segment = i
                    break
                }
                i += 2
                segment = i
                continue
            }
            if !closesField(i) {
                if i > segment && p[i - 1] == CSVByte.backslash { strayQuotesAfterBackslash += 1 }
                noteStrayQuote()
                if closingQuoteLater(on: i + 1) {
                    strayInField = true
                    // An inner quote written without doubling: part of the value.
                    scratch.append(contentsOf: p + segment, count: i + 1 - segment)
                    copying = true
                    i += 1
                    segment = i
                    continue
                }
            }
            break
        }
        let closing = i
        // Text after the closing quote, up to the delimiter or line break.
        var j = closing + 1
        var trailingText = false
        while j < end {
            let c = p[j]
            if c == delimiter || c == CSVByte.lf || c == CSVByte.cr { break }
            if c != CSVByte.space && c != CSVByte.tab { trailingText = true }
            j += 1
        }
        if trailingText {
            scratch.append(contentsOf: p + segment, count: closing - segment)
            scratch.append(contentsOf: p + closing + 1, count: j - closing - 1)
            copying = true
        } else if copying {
            scratch.append(contentsOf: p + segment, count: closing - segment)
        }
        if copying && scratch.count > 0 {
            fieldPtr = UnsafePointer(scratch.base.unsafelyUnwrapped)
            fieldLen = scratch.count
        } else {
            fieldPtr = p + segment
            fieldLen = copying ? 0 : closing - segment
        }
        finishField(at: j)
    }
}
