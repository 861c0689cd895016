import Testing
import FunnelEngine
@testable import FunnelRender

@Suite struct ValueFormatterTests {
    func f(_ value: Value, _ format: DisplayFormat? = nil, unicode: Bool = true) -> String {
        ValueFormatter.format(value, as: format, unicode: unicode)
    }

    @Test func percent() {
        #expect(f(.decimal(0.1234), .percent) == "12.3%")
        #expect(f(.decimal(0.024), .percent) == "2.4%")
        #expect(f(.decimal(1), .percent) == "100.0%")
        #expect(f(.decimal(12.5), .percent) == "1,250.0%")
        // A share too small for one decimal keeps two significant digits (0.05%, not 0.1%).
        #expect(f(.decimal(0.0005), .percent) == "0.050%")
        #expect(f(.decimal(-0.0004), .percent) == "-0.040%")
        #expect(f(.decimal(0.000_006_01), .percent) == "0.0006%")
        #expect(f(.decimal(0.001), .percent) == "0.1%")
        #expect(f(.decimal(-0.25), .percent) == "-25.0%")
        #expect(f(.integer(1), .percent) == "100.0%")
        #expect(f(.integer(0), .percent) == "0.0%")
    }

    @Test func money() {
        #expect(f(.decimal(1234.5), .money) == "1,234.50")
        #expect(f(.decimal(-1_234_567.891), .money) == "-1,234,567.89")
        #expect(f(.decimal(0), .money) == "0.00")
        #expect(f(.decimal(-0.001), .money) == "0.00")
        // Rounding is on the decimal the analyst sees, as a spreadsheet does.
        #expect(f(.decimal(2.675), .money) == "2.68")
        #expect(f(.decimal(1.005), .money) == "1.01")
        #expect(f(.decimal(999.995), .money) == "1,000.00")
        #expect(f(.integer(1234), .money) == "1,234.00")
        #expect(f(.decimal(100_000), .money) == "100,000.00")
    }

    @Test func number() {
        #expect(f(.integer(-1_234_567), .number) == "-1,234,567")
        #expect(f(.integer(12345), .number) == "12,345")
        #expect(f(.integer(999), .number) == "999")
        #expect(f(.integer(1000), .number) == "1,000")
        #expect(f(.decimal(1234.567), .number) == "1,234.57")
        #expect(f(.decimal(1234.5), .number) == "1,234.5")
        #expect(f(.decimal(2.0), .number) == "2")
        #expect(f(.decimal(0.004), .number) == "0")
    }

    @Test func days() {
        #expect(f(.decimal(12.45), .days) == "12.5 days")
        #expect(f(.decimal(1), .days) == "1.0 days")
        #expect(f(.integer(3), .days) == "3.0 days")
        #expect(f(.decimal(1234.56), .days) == "1,234.6 days")
    }

    @Test func plainIntegers() {
        #expect(f(.integer(2025)) == "2025")
        #expect(f(.integer(123_456_789)) == "123456789")
        #expect(f(.integer(-7)) == "-7")
    }

    @Test func plainDecimals() {
        #expect(f(.decimal(0.25)) == "0.25")
        #expect(f(.decimal(1234.5)) == "1234.5")
        #expect(f(.decimal(2.0 / 3.0)) == "0.6667")
        #expect(f(.decimal(3)) == "3")
        #expect(f(.decimal(0)) == "0")
        #expect(f(.decimal(-0.0)) == "0")
        #expect(f(.decimal(0.000123456)) == "0.0001235")
        #expect(f(.decimal(-0.5)) == "-0.5")
        #expect(f(.decimal(123_456_789.123456)) == "123456789.1235")
        #expect(f(.decimal(1e20)) == "1e+20")
        #expect(f(.decimal(-1.23456e-12)) == "-1.2346e-12")
        #expect(f(.decimal(9.99999e20)) == "1e+21")
        #expect(f(.decimal(.leastNonzeroMagnitude)) == "5e-324")
        #expect(f(.decimal(1.7976931348623157e308)) == "1.7977e+308")
    }

    @Test func extremes() {
        #expect(f(.integer(Int64.min)) == "-9223372036854775808")
        #expect(f(.integer(Int64.min), .number) == "-9,223,372,036,854,775,808")
        #expect(f(.integer(Int64.min), .percent) == "-922,337,203,685,477,580,800.0%")
        #expect(f(.integer(Int64.max), .money) == "9,223,372,036,854,775,807.00")
        let huge = f(.decimal(-.greatestFiniteMagnitude), .money)
        #expect(huge.hasPrefix("-179,769,313,486,231,57"))
        #expect(huge.hasSuffix(",000.00"))
        #expect(f(.decimal(.leastNonzeroMagnitude), .percent) == "0.0%")
    }

    @Test func nonFinite() {
        for format in [nil] + DisplayFormat.allCases.map(Optional.some) {
            #expect(f(.decimal(.nan), format) == "NaN")
            #expect(f(.decimal(.infinity), format) == "∞")
            #expect(f(.decimal(-.infinity), format) == "-∞")
            #expect(f(.decimal(.infinity), format, unicode: false) == "inf")
            #expect(f(.decimal(-.infinity), format, unicode: false) == "-inf")
        }
    }

    @Test func nulls() {
        #expect(f(.null) == "—")
        #expect(f(.null, .percent) == "—")
        #expect(f(.null, unicode: false) == "-")
    }

    @Test func datesAndTimes() {
        #expect(f(.date(Int32(CivilDate.days(year: 2025, month: 7, day: 1)))) == "2025-07-01")
        #expect(f(.date(0)) == "1970-01-01")
        #expect(f(.date(-1)) == "1969-12-31")
        let afternoon = Int64(CivilDate.days(year: 2025, month: 7, day: 1)) * 86_400 + 13 * 3600 + 5 * 60
        #expect(f(.timestamp(afternoon)) == "2025-07-01 13:05:00")
        #expect(f(.timestamp(-1)) == "1969-12-31 23:59:59")
        // The far ends of the storage types read as something, never trap.
        #expect(!f(.timestamp(Int64.min)).isEmpty)
        #expect(f(.timestamp(Int64.max)).hasSuffix(" 15:30:07"))
        #expect(!f(.date(Int32.min)).isEmpty)
        #expect(!f(.date(Int32.max)).isEmpty)
        // A format is a hint for numbers only.
        #expect(f(.date(0), .money) == "1970-01-01")
    }

    @Test func booleansAndText() {
        #expect(f(.boolean(true)) == "true")
        #expect(f(.boolean(false), .percent) == "false")
        #expect(f(.text("paid_search")) == "paid_search")
        #expect(f(.text("Société")) == "Société")
        #expect(f(.text("")) == "")
        #expect(f(.text("C:\\exports\\q3")) == "C:\\exports\\q3")
    }

    @Test func controlCharactersAreVisible() {
        #expect(f(.text("a\nb\tc\r\nd")) == "a\\nb\\tc\\r\\nd")
        #expect(f(.text("bell\u{7} esc\u{1B}[31m del\u{7F} c1\u{85}")) == "bell\\x07 esc\\x1B[31m del\\x7F c1\\x85")
        #expect(f(.text("evil\u{202E}txt.exe\u{2028}")) == "evil\\u{202E}txt.exe\\u{2028}")
        #expect(f(.text("nul\u{0}")) == "nul\\x00")
        #expect(f(.text("€ — …")) == "€ — …")
    }
}

@Suite struct DisplayWidthTests {
    @Test func widths() {
        #expect(DisplayWidth.of("Société") == 7)
        #expect(DisplayWidth.of("Socie\u{301}te\u{301}") == 7)
        #expect(DisplayWidth.of("東京") == 4)
        #expect(DisplayWidth.of("東京 office") == 11)
        #expect(DisplayWidth.of("😀") == 2)
        #expect(DisplayWidth.of("🇩🇪") == 2)
        #expect(DisplayWidth.of("❤️") == 2)
        #expect(DisplayWidth.of("👩‍💻") == 2)
        #expect(DisplayWidth.of("한국어") == 6)
        #expect(DisplayWidth.of("zero\u{200B}width") == 9)
        #expect(DisplayWidth.of("") == 0)
    }

    @Test func truncation() {
        #expect(DisplayWidth.truncate("Société Générale", to: 7) == "Sociét…")
        #expect(DisplayWidth.truncate("Société", to: 7) == "Société")
        #expect(DisplayWidth.truncate("東京東京", to: 5) == "東京…")
        #expect(DisplayWidth.truncate("東京東京", to: 4) == "東…")
        #expect(DisplayWidth.truncate("abcdefgh", to: 5, unicode: false) == "ab...")
        #expect(DisplayWidth.truncate("abcdefgh", to: 2, unicode: false) == "..")
        #expect(DisplayWidth.truncate("abc", to: 0) == "")
        #expect(DisplayWidth.truncate("abc", to: -3) == "")
        let huge = String(repeating: "x", count: 1_000_000) + "東"
        #expect(DisplayWidth.truncate(huge, to: 10) == "xxxxxxxxx…")
    }
}
