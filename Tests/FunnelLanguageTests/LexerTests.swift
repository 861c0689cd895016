import FunnelEngine
import Testing
@testable import FunnelLanguage

/// Token-level tests: literals as marketers write them, names, keywords, and where a newline ends
/// a statement.
struct LexerTests {
    static func kinds(_ text: String) -> [TokenKind] {
        Lexer.tokenize(SourceFile(path: "t", text: text)).map(\.kind)
    }

    /// The kinds without the final `.end`.
    static func body(_ text: String) -> [TokenKind] {
        var k = kinds(text)
        if k.last == .end { k.removeLast() }
        return k
    }

    static func number(_ value: Double, integer: Bool = true, percent: Bool = false) -> TokenKind {
        .number(NumberLiteral(value: value, isInteger: integer, isPercent: percent, exact: integer ? Int64(exactly: value) : nil))
    }

    static func isInvalid(_ kind: TokenKind) -> Bool {
        if case .invalid = kind { return true }
        return false
    }

    // MARK: Numbers

    @Test func plainNumbers() {
        #expect(Self.body("42") == [Self.number(42)])
        #expect(Self.body("0.5") == [Self.number(0.5, integer: false)])
        #expect(Self.body("007") == [Self.number(7)])
        #expect(Self.body("1_000_000") == [Self.number(1_000_000)])
        #expect(Self.body("12_345.5") == [Self.number(12_345.5, integer: false)])
    }

    @Test func suffixes() {
        #expect(Self.body("100k") == [Self.number(100_000)])
        #expect(Self.body("250K") == [Self.number(250_000)])
        #expect(Self.body("1.5M") == [Self.number(1_500_000)])
        #expect(Self.body("2B") == [Self.number(2_000_000_000)])
        // 1.5k is a whole number once scaled; 0.0001k is not.
        #expect(Self.body("1.5k") == [Self.number(1_500)])
        #expect(Self.body("0.0001k") == [Self.number(0.1, integer: false)])
    }

    @Test func percentages() {
        #expect(Self.body("25%") == [Self.number(0.25, integer: false, percent: true)])
        #expect(Self.body("12.5%") == [Self.number(0.125, integer: false, percent: true)])
        #expect(Self.body("100%") == [Self.number(1, integer: false, percent: true)])
        // A % not right after a number is the modulo operator.
        #expect(Self.body("7 % 3") == [Self.number(7), .symbol(.percent), Self.number(3)])
    }

    @Test(arguments: ["1e400", "1e5", "100km", "1kk", "1__0", "1_", "12abc", "3rd"])
    func malformedNumbers(_ text: String) {
        let k = Self.body(text)
        #expect(k.count == 1, "\(text) should be one invalid token, got \(k)")
        #expect(k.first.map(Self.isInvalid) == true, "\(text) should be invalid, got \(k)")
    }

    @Test func wholeNumbersPastInt64AreRefusedNotRounded() {
        // A Double would print 99999999999999999999999 as 1e23: refused where it is written.
        guard case .invalid(let message)? = Self.body("99999999999999999999999").first else {
            Issue.record("expected an invalid token")
            return
        }
        #expect(message.contains("too large"))
        guard case .number(let n)? = Self.body("9223372036854775807").first else {
            Issue.record("expected a number")
            return
        }
        #expect(n.exact == Int64.max)
        #expect(Self.body("99999999999999999999999.5").first.map(Self.isInvalid) == false, "a decimal past 2^64 is still a decimal")
    }

    @Test func durationsAreANumberAndAUnitWord() {
        // The parser turns these into durations; the lexer keeps the unit a plain name.
        #expect(Self.body("30 days") == [Self.number(30), .identifier("days")])
        #expect(Self.body("2 weeks") == [Self.number(2), .identifier("weeks")])
    }

    // MARK: Dates

    @Test func dates() {
        #expect(Self.body("2025-07-01") == [.date(Int32(CivilDate.days(year: 2025, month: 7, day: 1)))])
        #expect(Self.body("2024-02-29") == [.date(Int32(CivilDate.days(year: 2024, month: 2, day: 29)))])
        #expect(Self.body("1970-01-01") == [.date(0)])
        // A date inside an expression.
        #expect(Self.body("x >= 2025-01-01") == [.identifier("x"), .symbol(.greaterEqual), .date(Int32(CivilDate.days(year: 2025, month: 1, day: 1)))])
    }

    @Test(arguments: ["2025-02-30", "2025-13-01", "2023-02-29", "2025-00-10", "2025-01-00"])
    func impossibleDates(_ text: String) {
        let k = Self.body(text)
        #expect(k.count == 1 && Self.isInvalid(k[0]), "\(text): \(k)")
    }

    @Test func notQuiteADateIsArithmetic() {
        // More digits after the day: not a date, but numbers and minus signs.
        #expect(Self.body("2025-07-011") == [Self.number(2025), .symbol(.minus), Self.number(7), .symbol(.minus), Self.number(11)])
        #expect(Self.body("2025 - 7") == [Self.number(2025), .symbol(.minus), Self.number(7)])
    }

    // MARK: Strings

    @Test func strings() {
        #expect(Self.body(#""paid search""#) == [.string("paid search")])
        #expect(Self.body("'single'") == [.string("single")])
        #expect(Self.body(#""say \"hi\"""#) == [.string(#"say "hi""#)])
        #expect(Self.body(#""a\tb\nc""#) == [.string("a\tb\nc")])
        #expect(Self.body(#""back\\slash""#) == [.string(#"back\slash"#)])
        #expect(Self.body(#""it's""#) == [.string("it's")])
        #expect(Self.body(#"'say "hi"'"#) == [.string(#"say "hi""#)])
        #expect(Self.body(#""""#) == [.string("")])
        #expect(Self.body(#""日本語""#) == [.string("日本語")])
    }

    @Test(arguments: [#"""#, "'", #""abc"#, "'abc", "\"abc\ndef\"", #""ends with backslash\"#])
    func unterminatedStrings(_ text: String) {
        let k = Self.kinds(text)
        #expect(k.contains(where: Self.isInvalid), "\(text.debugDescription): \(k)")
    }

    // MARK: Names and keywords

    @Test func backtickNames() {
        #expect(Self.body("`Became a Customer Date`") == [.quotedIdentifier("Became a Customer Date")])
        // A keyword in backticks is a name.
        #expect(Self.body("`where`") == [.quotedIdentifier("where")])
        #expect(Self.body("`naïve`") == [.quotedIdentifier("naïve")])
    }

    @Test(arguments: ["`", "`abc", "`abc\ndef`", "``"])
    func badBackticks(_ text: String) {
        #expect(Self.kinds(text).contains(where: Self.isInvalid), "\(text.debugDescription)")
    }

    @Test func everyKeywordIsAKeyword() {
        for keyword in Keyword.allCases {
            #expect(Self.body(keyword.rawValue) == [.keyword(keyword)], "\(keyword)")
        }
    }

    @Test func keywordsVersusIdentifiers() {
        #expect(Self.body("wherever") == [.identifier("wherever")])
        #expect(Self.body("by_source") == [.identifier("by_source")])
        #expect(Self.body("_private") == [.identifier("_private")])
        #expect(Self.body("source2") == [.identifier("source2")])
        // Period and function names are not reserved.
        #expect(Self.body("month") == [.identifier("month")])
        #expect(Self.body("count") == [.identifier("count")])
        #expect(Self.body("days") == [.identifier("days")])
        // Keywords are lower case; other spellings are names.
        #expect(Self.body("WHERE") == [.identifier("WHERE")])
        #expect(Self.body("Where") == [.identifier("Where")])
        // Letters beyond ASCII make names.
        #expect(Self.body("größe") == [.identifier("größe")])
    }

    // MARK: Symbols

    @Test func symbols() {
        #expect(Self.body("== != <> <= >= < > = ->") == [
            .symbol(.equal), .symbol(.notEqual), .symbol(.notEqual), .symbol(.lessEqual), .symbol(.greaterEqual),
            .symbol(.less), .symbol(.greater), .symbol(.assign), .symbol(.arrow),
        ])
        #expect(Self.body("~ !~ + - * / %") == [
            .symbol(.match), .symbol(.notMatch), .symbol(.plus), .symbol(.minus), .symbol(.star), .symbol(.slash), .symbol(.percent),
        ])
        #expect(Self.body("a.b") == [.identifier("a"), .symbol(.dot), .identifier("b")])
        #expect(Self.body("x-1") == [.identifier("x"), .symbol(.minus), Self.number(1)])
    }

    @Test(arguments: ["@", "$", "^", "&", "|", "!", "?", "\\", "\u{0}"])
    func strayCharacters(_ text: String) {
        let k = Self.body(text)
        #expect(k.count == 1 && Self.isInvalid(k[0]), "\(text.debugDescription): \(k)")
    }

    // MARK: Newlines and continuation

    @Test func newlineEndsAStatement() {
        #expect(Self.body("a\nb") == [.identifier("a"), .newline, .identifier("b")])
        #expect(Self.body("f(x)\ny") == [.identifier("f"), .symbol(.leftParen), .identifier("x"), .symbol(.rightParen), .newline, .identifier("y")])
        #expect(Self.body("25%\ny") == [Self.number(0.25, integer: false, percent: true), .newline, .identifier("y")])
    }

    @Test func blankLinesAndCommentsGiveOneNewline() {
        #expect(Self.body("a\n\n\n# note\n\nb") == [.identifier("a"), .newline, .identifier("b")])
        #expect(Self.body("a # trailing comment\nb") == [.identifier("a"), .newline, .identifier("b")])
        #expect(Self.body("# only a comment") == [])
        #expect(Self.body("") == [])
        #expect(Self.body("\n\n") == [])
    }

    @Test(arguments: ["+", "-", "*", "/", "==", "<", ">=", "~", "and", "or", "not", "where", "by", "select", "sort", "top", "as", "target", "to", ",", "=", "->", "."])
    func continuesAfter(_ op: String) {
        // Whatever follows is on the next line; no newline token between.
        let k = Self.body("a \(op)\n b")
        #expect(!k.contains(.newline), "a \(op) ⏎ b: \(k)")
    }

    @Test func continuesInsideBrackets() {
        #expect(!Self.body("f(\na\n,\nb\n)").contains(.newline))
        #expect(!Self.body("x in (\n1,\n2\n)").contains(.newline))
        #expect(!Self.body("[a\nb]").contains(.newline))
        // After the bracket closes, a newline ends the statement again.
        #expect(Self.body("f(\na\n)\ng") == [.identifier("f"), .symbol(.leftParen), .identifier("a"), .symbol(.rightParen), .newline, .identifier("g")])
    }

    @Test func unbalancedClosersDoNotUnderflow() {
        // A stray ')' must not make later newlines disappear.
        #expect(Self.body(")\na\nb").filter { $0 == .newline }.count == 2)
    }

    @Test func carriageReturnsAreWhitespace() {
        #expect(Self.body("a\r\nb\r\n") == [.identifier("a"), .newline, .identifier("b"), .newline])
    }

    @Test func byteOrderMarkAtTheStartIsIgnored() {
        // Editors on Windows save UTF-8 with a BOM; the first name must still be `x`.
        #expect(Self.body("\u{FEFF}x = 1") == [.identifier("x"), .symbol(.assign), Self.number(1)])
    }

    // MARK: Ranges

    @Test func rangesAreByteOffsets() {
        let file = SourceFile(path: "t", text: "ü = \"é\"")
        let tokens = Lexer.tokenize(file)
        #expect(tokens.count == 4)
        #expect(file.slice(tokens[0].range) == "ü")
        #expect(file.slice(tokens[1].range) == "=")
        #expect(file.slice(tokens[2].range) == "\"é\"")
        #expect(file.location(of: tokens[2].range.start) == (line: 1, column: 5))
    }

    @Test func endTokenIsAlwaysLast() {
        for text in ["", "a", "\"unterminated", "`", "((((", "\u{0}"] {
            let k = Self.kinds(text)
            #expect(k.last == .end, "\(text.debugDescription)")
            #expect(k.filter { $0 == .end }.count == 1)
        }
    }
}
