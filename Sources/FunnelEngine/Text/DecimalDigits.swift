/// Decimal digits of a finite number, so that rounding and thousands separators can be done by hand
/// on the shortest decimal form (what an analyst typed, what a spreadsheet shows), without Foundation.
public struct DecimalDigits {
    public var negative: Bool
    /// Significant digits as ASCII bytes, no leading or trailing zeros; empty for zero.
    public var digits: [UInt8]
    /// Position of the decimal point: the value is 0.d₁d₂d₃… × 10^exponent.
    public var exponent: Int

    public var isZero: Bool { digits.isEmpty }

    public init(_ value: Int64) {
        negative = value < 0
        digits = Array(String(value.magnitude).utf8)
        exponent = digits.count
        normalize()
    }

    /// `value` must be finite; the digits are those of Swift's shortest round-tripping description,
    /// so 2.675 rounds to 2.68 as it would on paper.
    public init(_ value: Double) {
        var bytes = Array(value.description.utf8)[...]
        negative = bytes.first == UInt8(ascii: "-")
        if negative { bytes = bytes.dropFirst() }
        var mantissa = bytes
        var power = 0
        if let e = bytes.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            mantissa = bytes[..<e]
            var sign = 1
            for byte in bytes[(e + 1)...] {
                switch byte {
                case UInt8(ascii: "-"): sign = -1
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    power = min(power * 10 + Int(byte - UInt8(ascii: "0")), 100_000)
                default: break
                }
            }
            power *= sign
        }
        digits = []
        digits.reserveCapacity(mantissa.count)
        var point: Int?
        for byte in mantissa {
            if byte == UInt8(ascii: ".") {
                point = digits.count
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                digits.append(byte)
            }
        }
        exponent = (point ?? digits.count) + power
        normalize()
    }

    private mutating func normalize() {
        let zero = UInt8(ascii: "0")
        guard let lead = digits.firstIndex(where: { $0 != zero }),
              let last = digits.lastIndex(where: { $0 != zero }) else {
            digits = []
            exponent = 0
            return
        }
        digits = Array(digits[lead...last])
        exponent -= lead
    }

    /// The value × 10^power (exact: only the decimal point moves).
    public func shifted(by power: Int) -> DecimalDigits {
        var copy = self
        if !copy.isZero { copy.exponent += power }
        return copy
    }

    /// The magnitude rounded half away from zero to `decimals` places: integer digits (at least "0")
    /// and exactly `decimals` fraction digits.
    public func rounded(decimals: Int) -> (integer: [UInt8], fraction: [UInt8]) {
        let zero = UInt8(ascii: "0")
        let places = max(0, decimals)
        // Digits kept, counted from the first significant one; the one after them decides rounding.
        let keep = exponent + places
        var kept: [UInt8] = []
        var roundUp = false
        if keep >= 0 && !isZero {
            kept = Array(digits.prefix(keep))
            if kept.count < keep { kept += [UInt8](repeating: zero, count: keep - kept.count) }
            roundUp = keep < digits.count && digits[keep] >= UInt8(ascii: "5")
        }
        if roundUp {
            var i = kept.count - 1
            while i >= 0 && kept[i] == UInt8(ascii: "9") {
                kept[i] = zero
                i -= 1
            }
            if i >= 0 { kept[i] += 1 } else { kept.insert(UInt8(ascii: "1"), at: 0) }
        }
        if kept.count < places + 1 {
            kept = [UInt8](repeating: zero, count: places + 1 - kept.count) + kept
        }
        var integer = Array(kept[..<(kept.count - places)])
        let fraction = Array(kept[(kept.count - places)...])
        let lead = integer.firstIndex { $0 != zero } ?? (integer.count - 1)
        integer.removeFirst(lead)
        return (integer, fraction)
    }
}
