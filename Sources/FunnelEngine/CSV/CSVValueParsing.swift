// Parsers from raw field bytes to numbers, booleans, dates and timestamps, without Strings.

enum CSVNumber {
    /// Whether the text reads as a number (whole or decimal, `separator` the accepted decimal
    /// mark) and is not a code that would lose its zeros or plus as one.
    static func isNumber(_ p: UnsafePointer<UInt8>, _ n: Int, _ separator: Separator) -> Bool {
        var used: UInt8 = 0
        return !isCode(p, n) && (parseInteger(p, n) != nil || parseDecimal(p, n, separator, used: &used) != nil)
    }

    /// A code, not a number: digits with a significant leading zero (`09001`, `0900`, `00`,
    /// `-007`) or a `+` before six digits or more (a phone number, `+31612345678`; `+7` is a
    /// change of seven). Read as a number it would lose what makes it the code, so a column
    /// holding one is text (unless its type is given). `0.5` and `0123.4` are numbers.
    @inline(__always)
    static func isCode(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let c0 = p[0]
        guard n >= 2, c0 == 0x30 || c0 == 0x2B || (c0 == 0x2D && p[1] == 0x30) else { return false }
        return isCodeSlow(p, n)
    }

    @inline(never)
    private static func isCodeSlow(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let signed = p[0] == 0x2B || p[0] == 0x2D
        let start = signed ? 1 : 0
        for i in start..<n where p[i] &- 0x30 > 9 { return false }
        let digits = n - start
        if p[0] == 0x2B { return digits >= 6 }
        return digits >= 2 && p[start] == 0x30
    }

    /// `[+-]?digits` that fits Int64, or nil.
    @inline(__always)
    static func parseInteger(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        var i = 0
        var negative = false
        let c0 = p[0]
        if c0 == 0x2D {
            negative = true
            i = 1
        } else if c0 == 0x2B {
            i = 1
        }
        let digits = n - i
        if digits <= 0 { return nil }
        if digits <= 18 {
            var v: Int64 = 0
            while i < n {
                let d = p[i] &- 0x30
                if d > 9 { return nil }
                v = v &* 10 &+ Int64(d)
                i += 1
            }
            return negative ? -v : v
        }
        return parseLongInteger(p, n, from: i, negative: negative)
    }

    @inline(never)
    private static func parseLongInteger(_ p: UnsafePointer<UInt8>, _ n: Int, from start: Int, negative: Bool) -> Int64? {
        var i = start
        var v: UInt64 = 0
        while i < n {
            let d = p[i] &- 0x30
            if d > 9 { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return nil }
            v = a
            i += 1
        }
        if negative {
            if v == UInt64(Int64.max) + 1 { return Int64.min }
            return v <= UInt64(Int64.max) ? -Int64(v) : nil
        }
        return v <= UInt64(Int64.max) ? Int64(v) : nil
    }

    /// Which decimal separators a parse accepts.
    enum Separator: UInt8, Sendable {
        case point, comma, either
    }

    /// Exact powers of ten representable as Double.
    @inline(__always)
    private static func exactPower(_ e: Int) -> Double {
        switch e {
        case 0: return 1e0
        case 1: return 1e1
        case 2: return 1e2
        case 3: return 1e3
        case 4: return 1e4
        case 5: return 1e5
        case 6: return 1e6
        case 7: return 1e7
        case 8: return 1e8
        case 9: return 1e9
        case 10: return 1e10
        case 11: return 1e11
        case 12: return 1e12
        case 13: return 1e13
        case 14: return 1e14
        case 15: return 1e15
        case 16: return 1e16
        case 17: return 1e17
        case 18: return 1e18
        case 19: return 1e19
        case 20: return 1e20
        case 21: return 1e21
        default: return 1e22
        }
    }

    /// `[+-]?(digits[sep digits*] | sep digits)([eE][+-]?digits)?`, correctly rounded.
    /// `used` reports the separator written: 0 none, '.' or ','.
    @inline(__always)
    static func parseDecimal(_ p: UnsafePointer<UInt8>, _ n: Int, _ accepted: Separator, used: inout UInt8) -> Double? {
        var i = 0
        var negative = false
        let c0 = p[0]
        if c0 == 0x2D {
            negative = true
            i = 1
        } else if c0 == 0x2B {
            i = 1
        }
        var mantissa: UInt64 = 0
        var significant = 0
        var exponent = 0
        var anyDigit = false
        var inexact = false
        while i < n {
            let d = p[i] &- 0x30
            if d > 9 { break }
            anyDigit = true
            if significant < 19 {
                if mantissa != 0 || d != 0 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    significant += 1
                }
            } else {
                exponent += 1
                if d != 0 { inexact = true }
            }
            i += 1
        }
        used = 0
        if i < n {
            let c = p[i]
            let isSeparator: Bool
            switch accepted {
            case .point: isSeparator = c == 0x2E
            case .comma: isSeparator = c == 0x2C
            case .either: isSeparator = c == 0x2E || c == 0x2C
            }
            if isSeparator {
                used = c
                i += 1
                while i < n {
                    let d = p[i] &- 0x30
                    if d > 9 { break }
                    anyDigit = true
                    if significant < 19 {
                        if mantissa != 0 || d != 0 {
                            mantissa = mantissa &* 10 &+ UInt64(d)
                            significant += 1
                        }
                        exponent -= 1
                    } else if d != 0 {
                        inexact = true
                    }
                    i += 1
                }
            }
        }
        if !anyDigit { return nil }
        if i < n {
            let c = p[i]
            if c != 0x65 && c != 0x45 { return nil }
            i += 1
            var expNegative = false
            if i < n && (p[i] == 0x2D || p[i] == 0x2B) {
                expNegative = p[i] == 0x2D
                i += 1
            }
            if i >= n { return nil }
            var e = 0
            while i < n {
                let d = p[i] &- 0x30
                if d > 9 { return nil }
                if e < 100_000 { e = e * 10 + Int(d) }
                i += 1
            }
            exponent += expNegative ? -e : e
        }
        if !inexact && mantissa <= (1 << 53) && exponent >= -22 && exponent <= 22 {
            var v = Double(mantissa)
            if exponent >= 0 { v *= exactPower(exponent) } else { v /= exactPower(-exponent) }
            return negative && mantissa != 0 ? -v : v
        }
        // `-0` is zero: a sign on nothing would print as `-0.0` in exports (and only when the
        // value landed in a chunk that read decimals: fuzz-csv's first finding).
        if mantissa == 0 && !inexact { return 0.0 }
        return parseSlow(p, n)
    }

    /// Correct rounding for long mantissas and large exponents, through the standard library.
    @inline(never)
    private static func parseSlow(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        var bytes = [UInt8](UnsafeBufferPointer(start: p, count: n))
        for k in bytes.indices where bytes[k] == 0x2C { bytes[k] = 0x2E }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let v = Double(text), v.isFinite else { return nil }
        return v == 0 ? 0 : v
    }

    /// 1 true, 0 false, nil otherwise: true/false and yes/no in any case; 1/0 when `digits`.
    @inline(__always)
    static func parseBoolean(_ p: UnsafePointer<UInt8>, _ n: Int, digits: Bool = false) -> Bool? {
        @inline(__always) func lower(_ k: Int) -> UInt8 { p[k] | 0x20 }
        switch n {
        case 4:
            if lower(0) == 0x74 && lower(1) == 0x72 && lower(2) == 0x75 && lower(3) == 0x65 { return true }
        case 5:
            if lower(0) == 0x66 && lower(1) == 0x61 && lower(2) == 0x6C && lower(3) == 0x73 && lower(4) == 0x65 {
                return false
            }
        case 3:
            if lower(0) == 0x79 && lower(1) == 0x65 && lower(2) == 0x73 { return true }
        case 2:
            if lower(0) == 0x6E && lower(1) == 0x6F { return false }
        case 1:
            if digits && p[0] == 0x31 { return true }
            if digits && p[0] == 0x30 { return false }
        default:
            break
        }
        return nil
    }
}

/// The result of reading a date or a date and time.
struct CSVTemporalValue {
    enum Kind: UInt8 { case invalid, date, timestamp }
    var kind: Kind
    /// The date part is dd/mm vs mm/dd and the order was not known: `date` and `seconds`
    /// hold packed forms that `CSVTemporal.resolve…` turns into final values later.
    var pending: Bool
    /// Bit 0: the first part was above 12 (so day first); bit 1: the second part was.
    var evidence: UInt8
    /// Days since 1970-01-01 of the date as written, or packed `y*10000 + a*100 + b` when pending.
    var date: Int32
    /// Seconds since 1970 in UTC (timestamps; dates at midnight), or packed when pending.
    var seconds: Int64

    static let invalid = CSVTemporalValue(kind: .invalid, pending: false, evidence: 0, date: 0, seconds: 0)
}

enum CSVTemporal {
    /// 0 = not known, 1 = day first, 2 = month first.
    typealias Order = UInt8
    static let unknownOrder: Order = 0
    static let dayFirst: Order = 1
    static let monthFirst: Order = 2
    /// Said with `dates "yy.mm.dd"`: a two-digit year, then month and day.
    static let shortYearFirst: Order = 3

    /// Evidence bit: the year was written with two digits.
    static let shortYearEvidence: UInt8 = 4

    /// The year a two-digit year stands for, as POSIX `%y` reads it: 69–99 are 1969–1999, 00–68
    /// are 2000–2068.
    @inline(__always)
    static func fullYear(_ twoDigits: Int) -> Int { twoDigits >= 69 ? 1900 + twoDigits : 2000 + twoDigits }

    /// Added to a pending timestamp's seconds-of-day (after the zone offset) so it stays positive.
    static let pendingBias: Int64 = 2 * 86_400

    @inline(__always)
    private static func digitRun(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int, max: Int) -> (value: Int, count: Int) {
        var v = 0
        var k = 0
        while i < n && k < max {
            let d = p[i] &- 0x30
            if d > 9 { break }
            v = v * 10 + Int(d)
            i += 1
            k += 1
        }
        return (v, k)
    }

    /// Days since 1970-01-01 for a valid date with year >= 0 (Hinnant's algorithm, inlined).
    @inline(__always)
    static func days(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        return era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
    }

    @inline(__always)
    static func isValid(_ year: Int, _ month: Int, _ day: Int) -> Bool {
        if month < 1 || month > 12 || day < 1 { return false }
        if day <= 28 { return true }
        return day <= CivilDate.daysInMonth(year: year, month: month)
    }

    /// `yyyy-mm-dd` and `yyyy-mm-dd HH:MM:SS` (or with `T`): the shapes of nearly every export,
    /// checked eight bytes at a time. Anything else goes to `parse`.
    @inline(__always)
    static func parseISO(_ p: UnsafePointer<UInt8>, _ n: Int, order: Order) -> CSVTemporalValue {
        guard n == 19 || n == 10 else { return parse(p, n, order: order) }
        // "yyyy-mm-" and then "dd" read as bytes.
        let w = CSVHash.load64(p) ^ 0x2D30_302D_3030_3030
        let digitLanes: UInt64 = 0x00FF_FF00_FFFF_FFFF
        let bad = ((((w & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7676_7676_7676_7676) | w) & 0x8080_8080_8080_8080 & digitLanes)
            | (w & ~digitLanes)
        let d0 = p[8] &- 0x30
        let d1 = p[9] &- 0x30
        guard bad == 0, d0 <= 9, d1 <= 9 else { return parse(p, n, order: order) }
        @inline(__always) func lane(_ k: Int) -> Int { Int((w >> UInt64(8 * k)) & 0xFF) }
        let year = lane(0) * 1000 + lane(1) * 100 + lane(2) * 10 + lane(3)
        let month = lane(5) * 10 + lane(6)
        let day = Int(d0) * 10 + Int(d1)
        guard isValid(year, month, day) else { return .invalid }
        let days = CSVTemporal.days(year, month, day)
        if n == 10 {
            return CSVTemporalValue(kind: .date, pending: false, evidence: 0, date: Int32(days),
                                    seconds: Int64(days) * 86_400)
        }
        // " HH:MM:SS" or "THH:MM:SS".
        let t = p[10]
        let v = CSVHash.load64(p + 11) ^ 0x3030_3A30_303A_3030
        let timeDigits: UInt64 = 0xFFFF_00FF_FF00_FFFF
        let badTime = ((((v & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7676_7676_7676_7676) | v) & 0x8080_8080_8080_8080 & timeDigits)
            | (v & ~timeDigits)
        guard t == 0x20 || t == 0x54, badTime == 0 else { return parse(p, n, order: order) }
        @inline(__always) func tlane(_ k: Int) -> Int { Int((v >> UInt64(8 * k)) & 0xFF) }
        let hour = tlane(0) * 10 + tlane(1)
        let minute = tlane(3) * 10 + tlane(4)
        let second = tlane(6) * 10 + tlane(7)
        guard hour <= 23, minute <= 59, second <= 59 else { return .invalid }
        return CSVTemporalValue(kind: .timestamp, pending: false, evidence: 0, date: Int32(days),
                                seconds: Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second))
    }

    /// Reads `yyyy-mm-dd`, `dd/mm/yyyy` / `mm/dd/yyyy` (separators `/ - .`), the same with a
    /// two-digit year last (`12/17/23`, `01-01-90`; with `.` only as `dd.mm.yy`), or first when
    /// the order says so (`yy.mm.dd`), each optionally followed by `T` or a space and
    /// `HH:MM[:SS[.fff]]`, `AM`/`PM`, and `Z`, `UTC` or `±hh[:mm]`.
    static func parse(_ p: UnsafePointer<UInt8>, _ n: Int, order: Order) -> CSVTemporalValue {
        if n < 6 { return .invalid }
        var i = 0
        let first = digitRun(p, n, &i, max: 4)
        guard i < n else { return .invalid }
        let sep = p[i]
        guard sep == 0x2D || sep == 0x2F || sep == 0x2E else { return .invalid }
        i += 1
        let second = digitRun(p, n, &i, max: 2)
        guard second.count >= 1, i < n, p[i] == sep else { return .invalid }
        i += 1
        var year = 0
        var month = 0
        var day = 0
        var pending = false
        var evidence: UInt8 = 0
        var packed: Int32 = 0
        if first.count == 4 {
            let third = digitRun(p, n, &i, max: 2)
            guard third.count >= 1 else { return .invalid }
            year = first.value
            month = second.value
            day = third.value
            guard isValid(year, month, day) else { return .invalid }
        } else if order == shortYearFirst {
            guard first.count == 2, second.count == 2 else { return .invalid }
            let third = digitRun(p, n, &i, max: 2)
            guard third.count == 2 else { return .invalid }
            year = fullYear(first.value)
            month = second.value
            day = third.value
            evidence = shortYearEvidence
            guard isValid(year, month, day) else { return .invalid }
        } else if first.count >= 1 && first.count <= 2 {
            let third = digitRun(p, n, &i, max: 4)
            let shortYear = third.count == 2
            // 1.5.20 may be a version number; 17.12.23 is a date.
            guard third.count == 4 || (shortYear && (sep != 0x2E || (first.count == 2 && second.count == 2))) else { return .invalid }
            year = shortYear ? fullYear(third.value) : third.value
            let a = first.value
            let b = second.value
            let yearEvidence = shortYear ? shortYearEvidence : 0
            evidence = yearEvidence
            switch order {
            case dayFirst:
                day = a
                month = b
            case monthFirst:
                day = b
                month = a
            default:
                guard a >= 1, a <= 31, b >= 1, b <= 31, !(a > 12 && b > 12) else { return .invalid }
                if sep == 0x2E && b <= 12 {
                    // Dotted dates are day first wherever they are written (01.02.2024 is
                    // 1 February in German, French and Russian exports; no tool writes mm.dd).
                    evidence = 1 | yearEvidence
                    day = a
                    month = b
                } else if a > 12 {
                    evidence = 1 | yearEvidence
                    day = a
                    month = b
                } else if b > 12 {
                    evidence = 2 | yearEvidence
                    day = b
                    month = a
                } else {
                    pending = true
                    packed = Int32(year * 10_000 + a * 100 + b)
                }
            }
            if !pending {
                guard isValid(year, month, day) else { return .invalid }
            }
        } else {
            return .invalid
        }
        let days = pending ? 0 : CSVTemporal.days(year, month, day)
        if i == n {
            if pending {
                return CSVTemporalValue(kind: .date, pending: true, evidence: evidence, date: packed,
                                        seconds: Int64(packed) << 32 | pendingBias)
            }
            return CSVTemporalValue(kind: .date, pending: false, evidence: evidence, date: Int32(days),
                                    seconds: Int64(days) * 86_400)
        }
        guard let secondsOfDay = parseTime(p, n, from: i) else { return .invalid }
        if pending {
            return CSVTemporalValue(kind: .timestamp, pending: true, evidence: evidence, date: packed,
                                    seconds: Int64(packed) << 32 | (Int64(secondsOfDay) + pendingBias))
        }
        return CSVTemporalValue(kind: .timestamp, pending: false, evidence: evidence, date: Int32(days),
                                seconds: Int64(days) * 86_400 + Int64(secondsOfDay))
    }

    /// Seconds east of UTC of a zone written by name at the end of a timestamp: UTC, GMT and
    /// the North American and Central European names exports use. Names that mean two zones
    /// (CST: US Central or China; IST; BST) are not read.
    private static func zoneOffset(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
        guard n >= 3, n <= 4 else { return nil }
        var name = 0
        for k in 0..<n {
            let c = p[k] | 0x20
            guard c >= 0x61, c <= 0x7A else { return nil }
            name = name << 8 | Int(c)
        }
        func code(_ text: StaticString) -> Int {
            var v = 0
            text.withUTF8Buffer { for b in $0 { v = v << 8 | Int(b) } }
            return v
        }
        let hour = 3600
        switch name {
        case code("utc"), code("gmt"): return 0
        case code("est"): return -5 * hour
        case code("edt"): return -4 * hour
        case code("cdt"): return -5 * hour
        case code("mst"): return -7 * hour
        case code("mdt"): return -6 * hour
        case code("pst"): return -8 * hour
        case code("pdt"): return -7 * hour
        case code("cet"): return hour
        case code("cest"): return 2 * hour
        default: return nil
        }
    }

    /// The time part starting at the `T` or space; seconds of the day in UTC (may fall
    /// outside 0..<86400 after the zone offset), or nil.
    private static func parseTime(_ p: UnsafePointer<UInt8>, _ n: Int, from start: Int) -> Int? {
        var i = start
        let t = p[i]
        guard t == 0x20 || t == 0x54 || t == 0x74 else { return nil }
        i += 1
        let h = digitRun(p, n, &i, max: 2)
        guard h.count >= 1, i < n, p[i] == 0x3A else { return nil }
        i += 1
        let m = digitRun(p, n, &i, max: 2)
        guard m.count == 2 else { return nil }
        var s = 0
        if i < n && p[i] == 0x3A {
            i += 1
            let sec = digitRun(p, n, &i, max: 2)
            guard sec.count == 2 else { return nil }
            s = sec.value
            if i < n && (p[i] == 0x2E || p[i] == 0x2C) {
                i += 1
                let frac = digitRun(p, n, &i, max: 9)
                guard frac.count >= 1 else { return nil }
                while i < n && p[i] &- 0x30 <= 9 { i += 1 }
            }
        }
        var hour = h.value
        guard m.value <= 59, s <= 59 else { return nil }
        // Optional AM/PM.
        var j = i
        if j < n && p[j] == 0x20 { j += 1 }
        if j + 2 <= n {
            let a = p[j] | 0x20
            let mm = p[j + 1] | 0x20
            if (a == 0x61 || a == 0x70) && mm == 0x6D {
                guard hour >= 1 && hour <= 12 else { return nil }
                if a == 0x61 { hour = hour == 12 ? 0 : hour } else { hour = hour == 12 ? 12 : hour + 12 }
                i = j + 2
            }
        }
        guard hour <= 23 else { return nil }
        var offset = 0
        if i < n {
            if p[i] == 0x20 { i += 1 }
            guard i < n else { return nil }
            let c = p[i]
            if c == 0x5A || c == 0x7A {
                i += 1
            } else if c == 0x2B || c == 0x2D {
                i += 1
                let oh = digitRun(p, n, &i, max: 2)
                guard oh.count == 2, oh.value <= 23 else { return nil }
                var om = 0
                if i < n {
                    if p[i] == 0x3A { i += 1 }
                    let mm = digitRun(p, n, &i, max: 2)
                    guard mm.count == 2, mm.value <= 59 else { return nil }
                    om = mm.value
                }
                offset = (oh.value * 3600 + om * 60) * (c == 0x2D ? -1 : 1)
            } else if let zone = zoneOffset(p + i, n - i) {
                offset = zone
                i = n
            } else {
                return nil
            }
            guard i == n else { return nil }
        }
        return hour * 3600 + m.value * 60 + s - offset
    }

    /// Days of a pending packed date once the order is known, or nil if not a real date.
    static func resolveDate(_ packed: Int32, order: Order) -> Int32? {
        let v = Int(packed)
        let year = v / 10_000
        let a = v / 100 % 100
        let b = v % 100
        let (day, month) = order == monthFirst ? (b, a) : (a, b)
        guard CivilDate.isValid(year: year, month: month, day: day) else { return nil }
        return Int32(CivilDate.days(year: year, month: month, day: day))
    }

    /// Seconds of a pending packed timestamp once the order is known.
    static func resolveTimestamp(_ packed: Int64, order: Order) -> Int64? {
        guard let days = resolveDate(Int32(truncatingIfNeeded: packed >> 32), order: order) else { return nil }
        return Int64(days) * 86_400 + (packed & 0xFFFF_FFFF) - pendingBias
    }
}
