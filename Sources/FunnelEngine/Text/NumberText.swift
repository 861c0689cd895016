/// Text for numbers as people read them.
public enum NumberText {
    /// Fixed-point text: rounded to `decimals` places, trailing fraction zeros dropped when `trim`,
    /// "," between thousands when `group`. A result that rounds to zero carries no minus sign.
    public static func fixed(_ number: DecimalDigits, decimals: Int, trim: Bool, group: Bool) -> String {
        var (integer, fraction) = number.rounded(decimals: decimals)
        if trim {
            while fraction.last == UInt8(ascii: "0") { fraction.removeLast() }
        }
        let zero = UInt8(ascii: "0")
        let isZero = integer.allSatisfy { $0 == zero } && fraction.allSatisfy { $0 == zero }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(integer.count + integer.count / 3 + fraction.count + 2)
        if number.negative && !isZero { bytes.append(UInt8(ascii: "-")) }
        if group {
            appendGrouped(integer[...], to: &bytes)
        } else {
            bytes += integer
        }
        if !fraction.isEmpty {
            bytes.append(UInt8(ascii: "."))
            bytes += fraction
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Scientific text with up to `decimals` mantissa decimals, trailing zeros dropped: "1.2346e+15".
    public static func scientific(_ number: DecimalDigits, decimals: Int) -> String {
        guard !number.isZero else { return "0" }
        var mantissa = number
        mantissa.exponent = 1
        var power = number.exponent - 1
        var text = fixed(mantissa, decimals: decimals, trim: true, group: false)
        // 9.99999 rounds up to 10: that is 1 at the next power.
        if text == "10" || text == "-10" {
            text = number.negative ? "-1" : "1"
            power += 1
        }
        return text + (power < 0 ? "e-" : "e+") + String(power.magnitude)
    }

    /// Digits (with an optional leading "-") with "," every three from the right.
    public static func grouped(_ digits: String) -> String {
        let utf8 = Array(digits.utf8)
        let sign = utf8.first == UInt8(ascii: "-") ? 1 : 0
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count + utf8.count / 3)
        if sign == 1 { bytes.append(UInt8(ascii: "-")) }
        appendGrouped(utf8[sign...], to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A count as the analyst reads it: 1,234.
    public static func count(_ n: Int) -> String { grouped(String(n)) }

    private static func appendGrouped(_ digits: ArraySlice<UInt8>, to bytes: inout [UInt8]) {
        var left = digits.count
        for digit in digits {
            bytes.append(digit)
            left -= 1
            if left > 0 && left % 3 == 0 { bytes.append(UInt8(ascii: ",")) }
        }
    }
}

/// Counts as people read them in notes: "1 row", "1,234 rows".
public enum CountText {
    public static func of(_ n: Int) -> String { ValueFormatter.format(.integer(Int64(n)), as: .number) }

    public static func of(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
        of(n) + " " + (n == 1 ? singular : plural ?? singular + "s")
    }
}
