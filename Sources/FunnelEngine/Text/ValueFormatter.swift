/// How one value reads to an analyst in the terminal and in Markdown.
///
/// - null: "—" ("-" in ASCII).
/// - integers: plain digits with no format (ids, years: "2025"); `.number` groups thousands ("12,345").
/// - decimals: no format → up to 4 decimals, trailing zeros dropped ("0.25", "1234.5"), 4 significant
///   digits below 1 ("0.0001235"), scientific beyond 1e15 or below 1e-9; `.number` → up to 2 decimals
///   with separators ("1,234.57"); `.percent` → ×100, one decimal, "%" ("12.3%"); `.money` → two
///   decimals with separators, no currency sign ("1,234.50"); `.days` → one decimal and " days"
///   ("12.5 days"). Rounding is half away from zero on the shortest decimal form (2.675 → "2.68").
///   NaN reads "NaN", infinities "∞" and "-∞" ("inf", "-inf" in ASCII), whatever the format.
/// - formats apply to integers too (1 as `.percent` → "100.0%"); on non-numbers they are ignored.
/// - booleans "true" / "false"; dates "2025-07-01"; timestamps "2025-07-01 13:05:00".
/// - text as is, with control characters made visible (see `visible(_:)`).
public enum ValueFormatter {
    public static func format(_ value: Value, as format: DisplayFormat?, unicode: Bool = true) -> String {
        switch value {
        case .null:
            return nullText(unicode: unicode)
        case .integer(let v):
            guard let format else { return String(v) }
            if format == .bar { return bar(Double(v), unicode: unicode) }
            return formatted(DecimalDigits(v), as: format)
        case .decimal(let v):
            guard v.isFinite else { return nonFinite(v, unicode: unicode) }
            if format == .bar { return bar(v, unicode: unicode) }
            let digits = DecimalDigits(v)
            guard let format else { return natural(digits) }
            return formatted(digits, as: format)
        case .boolean(let b):
            return b ? "true" : "false"
        case .date(let d):
            return dateText(d)
        case .timestamp(let s):
            return timestampText(s)
        case .text(let s):
            return visible(s)
        }
    }

    /// What a null cell shows.
    /// Gives the plain decimals of one column the same number of decimals (at most 4), so that
    /// 603 and 2301.8 read as 603.00 and 2301.80 beside 5790.71. Other texts are left alone.
    public static func alignDecimals(_ texts: [String]) -> [String] {
        func isPlainDecimal(_ t: String) -> Bool {
            var sawDigit = false, sawPoint = false
            for (i, c) in t.enumerated() {
                if c == "-" && i == 0 { continue }
                if c == "." && !sawPoint { sawPoint = true; continue }
                guard c.isASCII, c.isNumber else { return false }
                sawDigit = true
            }
            return sawDigit
        }
        var places = 0
        for t in texts where isPlainDecimal(t) {
            if let dot = t.firstIndex(of: ".") { places = max(places, t.distance(from: dot, to: t.endIndex) - 1) }
        }
        places = min(places, 4)
        guard places > 0 else { return texts }
        return texts.map { t in
            guard isPlainDecimal(t) else { return t }
            let current = t.firstIndex(of: ".").map { t.distance(from: $0, to: t.endIndex) - 1 } ?? -1
            if current >= places { return t }
            return t + (current < 0 ? "." : "") + String(repeating: "0", count: places - max(current, 0))
        }
    }

    public static func nullText(unicode: Bool) -> String { unicode ? "—" : "-" }

    /// "2025-07-01" for days since 1970-01-01.
    public static func dateText(_ days: Int32) -> String {
        let (y, m, d) = CivilDate.civil(fromDays: Int(days))
        guard (0...9999).contains(y) else { return CivilDate.format(days: Int(days)) }
        // Written byte by byte: exports format a date per row.
        return String(unsafeUninitializedCapacity: 10) { buffer in
            digits(y, 4, buffer, at: 0)
            buffer[4] = UInt8(ascii: "-")
            digits(m, 2, buffer, at: 5)
            buffer[7] = UInt8(ascii: "-")
            digits(d, 2, buffer, at: 8)
            return 10
        }
    }

    /// "2025-07-01 13:05:00" for seconds since 1970-01-01; safe for every Int64.
    public static func timestampText(_ seconds: Int64) -> String {
        // Floor division without the overflow `CivilDate.days(fromSeconds:)` has near Int64.min.
        var days = seconds / CivilDate.secondsPerDay
        var rest = seconds % CivilDate.secondsPerDay
        if rest < 0 {
            days -= 1
            rest += CivilDate.secondsPerDay
        }
        let r = Int(rest)
        let (y, m, d) = CivilDate.civil(fromDays: Int(days))
        guard (0...9999).contains(y) else {
            return CivilDate.format(days: Int(days)) + " " + two(r / 3600) + ":" + two(r / 60 % 60) + ":" + two(r % 60)
        }
        return String(unsafeUninitializedCapacity: 19) { buffer in
            digits(y, 4, buffer, at: 0)
            buffer[4] = UInt8(ascii: "-")
            digits(m, 2, buffer, at: 5)
            buffer[7] = UInt8(ascii: "-")
            digits(d, 2, buffer, at: 8)
            buffer[10] = UInt8(ascii: " ")
            digits(r / 3600, 2, buffer, at: 11)
            buffer[13] = UInt8(ascii: ":")
            digits(r / 60 % 60, 2, buffer, at: 14)
            buffer[16] = UInt8(ascii: ":")
            digits(r % 60, 2, buffer, at: 17)
            return 19
        }
    }

    /// Writes the non-negative `value` as `count` zero-padded digits.
    private static func digits(_ value: Int, _ count: Int, _ buffer: UnsafeMutableBufferPointer<UInt8>, at start: Int) {
        var v = value
        for i in stride(from: start + count - 1, through: start, by: -1) {
            buffer[i] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
        }
    }

    /// Text with the characters that would break a terminal line or table made visible:
    /// newline, return and tab as `\n` `\r` `\t`; other C0/C1 controls and DEL as `\x1B`; line and
    /// paragraph separators and bidirectional overrides as `\u{202E}`. Backslashes stay as they are.
    public static func visible(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 || $0 == 0xE2 }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            if let escape = escape(scalar) {
                out += escape
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    public static func escape(_ scalar: Unicode.Scalar) -> String? {
        switch scalar.value {
        case 0x0A: return "\\n"
        case 0x0D: return "\\r"
        case 0x09: return "\\t"
        case 0x00..<0x20, 0x7F..<0xA0: return "\\x" + hex(scalar.value, digits: 2)
        case 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: return "\\u{" + hex(scalar.value, digits: 4) + "}"
        default: return nil
        }
    }

    public static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return text.count >= digits ? text : String(repeating: "0", count: digits - text.count) + text
    }

    private static func two(_ v: Int) -> String { v < 10 ? "0" + String(v) : String(v) }

    private static func nonFinite(_ v: Double, unicode: Bool) -> String {
        if v.isNaN { return "NaN" }
        if v > 0 { return unicode ? "∞" : "inf" }
        return unicode ? "-∞" : "-inf"
    }

    /// A decimal with no display format.
    private static func natural(_ digits: DecimalDigits) -> String {
        if digits.isZero { return "0" }
        if digits.exponent > 15 || digits.exponent <= -9 {
            return NumberText.scientific(digits, decimals: 4)
        }
        // Below 1, keep four significant digits after the leading zeros.
        let decimals = digits.exponent >= 1 ? 4 : 4 - digits.exponent
        return NumberText.fixed(digits, decimals: decimals, trim: true, group: false)
    }

    private static func formatted(_ digits: DecimalDigits, as format: DisplayFormat) -> String {
        switch format {
        case .number:
            return NumberText.fixed(digits, decimals: 2, trim: true, group: true)
        case .percent:
            // One decimal, except a share too small for it (0.06% is not "0.1%", nor "0.0%"): two
            // significant digits. Tables and charts write every rate this way.
            let percent = digits.shifted(by: 2)
            let tiny = !digits.isZero && percent.exponent <= -1 && percent.exponent >= -3
            return NumberText.fixed(percent, decimals: tiny ? min(4, 2 - percent.exponent) : 1, trim: false, group: true) + "%"
        case .money:
            return NumberText.fixed(digits, decimals: 2, trim: false, group: true)
        case .days:
            return NumberText.fixed(digits, decimals: 1, trim: false, group: true) + " days"
        case .bar:
            return NumberText.fixed(digits, decimals: 2, trim: true, group: false)
        case .points:
            let text = NumberText.fixed(digits.shifted(by: 2), decimals: 1, trim: false, group: true) + " pts"
            return text.hasPrefix("-") || digits.isZero ? text : "+" + text
        }
    }

    /// Width of a full bar (a ratio of 1) in characters.
    public static let barWidth = 24

    /// A ratio as a bar of eighths: 0.5 → 12 full blocks; ASCII uses '#'. Values outside 0…1 are clamped.
    public static func bar(_ ratio: Double, unicode: Bool) -> String {
        let clamped = ratio.isFinite ? min(1, max(0, ratio)) : 0
        let eighths = Int((clamped * Double(barWidth * 8)).rounded())
        guard unicode else { return String(repeating: "#", count: (eighths + 4) / 8) }
        let partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        return String(repeating: "█", count: eighths / 8) + partials[eighths % 8]
    }
}
