import FunnelEngine

/// Turns source text into tokens. Newlines are tokens (they end statements) except inside
/// brackets or after a token that cannot end a statement (an operator, `and`, a comma).
public struct Lexer {
    private let file: SourceFile
    private let bytes: [UInt8]
    private var position = 0
    /// Open brackets, innermost last. Newlines are statement ends at the top level and inside
    /// `{ }` blocks (one stage per line), but not inside ( ) or [ ].
    private var open: [Symbol] = []
    private var lastKind: TokenKind = .newline

    public init(file: SourceFile) {
        self.file = file
        bytes = file.bytes
        // A byte-order mark at the start of a script (editors on Windows write one) is not text.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
    }

    public static func tokenize(_ file: SourceFile) -> [Token] {
        var lexer = Lexer(file: file)
        var tokens: [Token] = []
        while true {
            let token = lexer.next()
            tokens.append(token)
            if token.kind == .end { break }
        }
        return tokens
    }

    private func range(_ start: Int) -> SourceRange { SourceRange(file: file, start: start, end: position) }

    private func peek(_ offset: Int = 0) -> UInt8 {
        let i = position + offset
        return i < bytes.count ? bytes[i] : 0
    }

    /// Whether a statement whose last token is `kind` goes on at the next line.
    public static func continuesStatement(after kind: TokenKind) -> Bool { continuesLine(kind) }

    /// Whether the statement may continue on the next line after this token.
    private static func continuesLine(_ kind: TokenKind) -> Bool {
        switch kind {
        case .newline: return true
        case .symbol(let s):
            switch s {
            case .rightParen, .rightBrace, .rightBracket, .percent, .leftBrace: return false
            default: return true
            }
        case .keyword(let k):
            switch k {
            case .and, .or, .not, .is, .in, .between, .where, .by, .select, .sort, .top, .as, .target, .to, .has: return true
            default: return false
            }
        default: return false
        }
    }

    /// A line that starts with a clause keyword goes on with the statement before it:
    ///     leads
    ///       where score >= 60
    ///       by source
    private func nextLineContinues() -> Bool {
        var i = position
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") || c == UInt8(ascii: "\n") { i += 1; continue }
            if c == UInt8(ascii: "#") {
                while i < bytes.count, bytes[i] != UInt8(ascii: "\n") { i += 1 }
                continue
            }
            break
        }
        var end = i
        while end < bytes.count, isIdentifierPart(bytes[end]) { end += 1 }
        guard end > i, end - i <= 6 else { return false }
        switch String(decoding: bytes[i..<end], as: UTF8.self) {
        case "where", "by", "select", "sort", "top": return end == bytes.count || !isIdentifierPart(bytes[end])
        default: return false
        }
    }

    public mutating func next() -> Token {
        let token = scan()
        lastKind = token.kind
        return token
    }

    private mutating func scan() -> Token {
        while position < bytes.count {
            let c = bytes[position]
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") {
                position += 1
            } else if c == UInt8(ascii: "#") {
                while position < bytes.count, bytes[position] != UInt8(ascii: "\n") { position += 1 }
            } else if c == UInt8(ascii: "\n") {
                let start = position
                position += 1
                if (open.last ?? .leftBrace) == .leftBrace && !Lexer.continuesLine(lastKind) && !nextLineContinues() {
                    return Token(kind: .newline, range: range(start))
                }
            } else {
                break
            }
        }
        let start = position
        guard position < bytes.count else { return Token(kind: .end, range: range(start)) }
        let c = bytes[position]

        if isIdentifierStart(c) {
            while position < bytes.count, isIdentifierPart(bytes[position]) { position += 1 }
            let word = String(decoding: bytes[start..<position], as: UTF8.self)
            if let keyword = Keyword(rawValue: word.lowercased()), word == word.lowercased() {
                return Token(kind: .keyword(keyword), range: range(start))
            }
            return Token(kind: .identifier(word), range: range(start))
        }
        if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") { return scanNumberOrDate(start) }
        if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") { return scanString(start, quote: c) }
        if c == UInt8(ascii: "`") {
            position += 1
            while position < bytes.count, bytes[position] != UInt8(ascii: "`"), bytes[position] != UInt8(ascii: "\n") { position += 1 }
            guard position < bytes.count, bytes[position] == UInt8(ascii: "`") else {
                return Token(kind: .invalid("unterminated `name`: add the closing backtick"), range: range(start))
            }
            let name = String(decoding: bytes[(start + 1)..<position], as: UTF8.self)
            position += 1
            if name.isEmpty { return Token(kind: .invalid("empty `` name"), range: range(start)) }
            return Token(kind: .quotedIdentifier(name), range: range(start))
        }
        return scanSymbol(start)
    }

    private mutating func scanSymbol(_ start: Int) -> Token {
        let c = bytes[position]
        let two = position + 1 < bytes.count ? String(decoding: bytes[position...(position + 1)], as: UTF8.self) : ""
        if let symbol = Symbol(rawValue: two), two.count == 2 {
            position += 2
            return Token(kind: .symbol(symbol), range: range(start))
        }
        if two == "<>" {
            position += 2
            return Token(kind: .symbol(.notEqual), range: range(start))
        }
        if c < 0x80, let symbol = Symbol(rawValue: String(UnicodeScalar(c))) {
            position += 1
            switch symbol {
            case .leftParen, .leftBracket, .leftBrace: open.append(symbol)
            case .rightParen, .rightBracket, .rightBrace: if !open.isEmpty { open.removeLast() }
            default: break
            }
            return Token(kind: .symbol(symbol), range: range(start))
        }
        // Skip one whole UTF-8 character so the error names it, not a byte of it.
        position += 1
        while position < bytes.count, bytes[position] & 0xC0 == 0x80 { position += 1 }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        return Token(kind: .invalid("unexpected character '\(text)'"), range: range(start))
    }

    private mutating func scanString(_ start: Int, quote: UInt8) -> Token {
        position += 1
        var value: [UInt8] = []
        while position < bytes.count {
            let c = bytes[position]
            if c == quote {
                position += 1
                return Token(kind: .string(String(decoding: value, as: UTF8.self)), range: range(start))
            }
            if c == UInt8(ascii: "\n") { break }
            if c == UInt8(ascii: "\\"), position + 1 < bytes.count {
                let e = bytes[position + 1]
                switch e {
                case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "t"): value.append(UInt8(ascii: "\t"))
                case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"): value.append(e)
                // Other backslashes stay, so that regular expressions read as written: "\d+".
                default: value.append(UInt8(ascii: "\\")); value.append(e)
                }
                position += 2
                continue
            }
            value.append(c)
            position += 1
        }
        return Token(kind: .invalid("unterminated string: add the closing \(quote == UInt8(ascii: "\"") ? "\"" : "'")"), range: range(start))
    }

    private mutating func scanNumberOrDate(_ start: Int) -> Token {
        // A date literal: dddd-dd-dd not followed by more digits.
        if position + 10 <= bytes.count, isDigits(position, 4), bytes[position + 4] == UInt8(ascii: "-"),
            isDigits(position + 5, 2), bytes[position + 7] == UInt8(ascii: "-"), isDigits(position + 8, 2),
            position + 10 == bytes.count || !isIdentifierPart(bytes[position + 10])
        {
            let y = digitsValue(position, 4), m = digitsValue(position + 5, 2), d = digitsValue(position + 8, 2)
            position += 10
            guard CivilDate.isValid(year: y, month: m, day: d) else {
                return Token(kind: .invalid("\(String(decoding: bytes[start..<position], as: UTF8.self)) is not a calendar date"), range: range(start))
            }
            return Token(kind: .date(Int32(CivilDate.days(year: y, month: m, day: d))), range: range(start))
        }
        var digits: [UInt8] = []
        var isInteger = true
        while position < bytes.count {
            let c = bytes[position]
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                digits.append(c)
            } else if c == UInt8(ascii: "_") && position + 1 < bytes.count && isDigit(bytes[position + 1]) && !digits.isEmpty {
                // digit group separator
            } else if c == UInt8(ascii: ".") && isInteger && position + 1 < bytes.count && isDigit(bytes[position + 1]) {
                isInteger = false
                digits.append(c)
            } else {
                break
            }
            position += 1
        }
        let written = String(decoding: bytes[start..<position], as: UTF8.self)
        guard var value = Double(String(decoding: digits, as: UTF8.self)), value.isFinite else {
            return Token(kind: .invalid("number \(Lexer.abbreviated(written)) is too large"), range: range(start))
        }
        // Whole numbers are kept exact: 9223372036854775807 - 1 must not round through a Double.
        var exact: Int64? = nil
        if isInteger {
            guard let whole = Int64(String(decoding: digits, as: UTF8.self)) else {
                return Token(kind: .invalid("whole number \(Lexer.abbreviated(written)) is too large (the largest is 9223372036854775807)"), range: range(start))
            }
            exact = whole
        }
        var isPercent = false
        // Suffixes marketers write: 100k, 1.5M, 2B, 25%.
        let suffix = peek()
        if (suffix == UInt8(ascii: "k") || suffix == UInt8(ascii: "K") || suffix == UInt8(ascii: "M") || suffix == UInt8(ascii: "B"))
            && !isIdentifierPart(peek(1))
        {
            let factor: Int64 = suffix == UInt8(ascii: "B") ? 1_000_000_000 : suffix == UInt8(ascii: "M") ? 1_000_000 : 1_000
            value *= Double(factor)
            position += 1
            if let whole = exact {
                let (product, overflow) = whole.multipliedReportingOverflow(by: factor)
                guard !overflow else {
                    return Token(kind: .invalid("whole number \(Lexer.abbreviated(String(decoding: bytes[start..<position], as: UTF8.self))) is too large (the largest is 9223372036854775807)"), range: range(start))
                }
                exact = product
            } else {
                isInteger = value == value.rounded() && abs(value) < 9e15
                exact = isInteger ? Int64(value) : nil
            }
        } else if suffix == UInt8(ascii: "%") {
            isPercent = true
            value /= 100
            isInteger = false
            exact = nil
            position += 1
        } else if isIdentifierStart(suffix) {
            while position < bytes.count, isIdentifierPart(bytes[position]) { position += 1 }
            return Token(kind: .invalid("malformed number '\(String(decoding: bytes[start..<position], as: UTF8.self))'"), range: range(start))
        }
        return Token(kind: .number(NumberLiteral(value: value, isInteger: isInteger, isPercent: isPercent, exact: exact)), range: range(start))
    }

    /// A long literal shown by its first and last digits in a message.
    static func abbreviated(_ text: String) -> String {
        text.count <= 40 ? text : "\(text.prefix(12))…\(text.suffix(6)) (\(text.count) characters)"
    }

    private func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
    private func isDigits(_ at: Int, _ n: Int) -> Bool {
        guard at + n <= bytes.count else { return false }
        for i in at..<(at + n) where !isDigit(bytes[i]) { return false }
        return true
    }
    private func digitsValue(_ at: Int, _ n: Int) -> Int {
        var v = 0
        for i in at..<(at + n) { v = v * 10 + Int(bytes[i] - UInt8(ascii: "0")) }
        return v
    }
    private func isIdentifierStart(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || c == UInt8(ascii: "_") || c >= 0xC0
    }
    private func isIdentifierPart(_ c: UInt8) -> Bool { isIdentifierStart(c) || isDigit(c) || (c >= 0x80) }
}
