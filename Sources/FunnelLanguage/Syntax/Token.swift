/// The kinds of token the lexer produces.
public enum TokenKind: Sendable, Equatable {
    case identifier(String)
    /// A name written in backticks: always a name, never a keyword.
    case quotedIdentifier(String)
    case keyword(Keyword)
    case number(NumberLiteral)
    case string(String)
    /// A date literal such as 2025-07-01, as days since 1970-01-01.
    case date(Int32)
    case symbol(Symbol)
    case newline
    case end
    /// Text the lexer could not read; the message says why.
    case invalid(String)
}

/// A number as written: its value, and whether it was a percentage or had a k/M/B suffix.
public struct NumberLiteral: Sendable, Equatable {
    public var value: Double
    public var isInteger: Bool
    public var isPercent: Bool
    /// The exact value of a whole-number literal (`9223372036854775807`, `2M`): a Double holds
    /// only 53 bits, so the lexer keeps the integer itself and refuses one that does not fit.
    public var exact: Int64?

    public init(value: Double, isInteger: Bool, isPercent: Bool, exact: Int64? = nil) {
        self.value = value
        self.isInteger = isInteger
        self.isPercent = isPercent
        self.exact = exact
    }
}

public enum Symbol: String, Sendable, CaseIterable {
    case leftParen = "(", rightParen = ")", leftBrace = "{", rightBrace = "}", leftBracket = "[", rightBracket = "]"
    case comma = ",", dot = ".", semicolon = ";", colon = ":"
    case assign = "=", equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case plus = "+", minus = "-", star = "*", slash = "/", percent = "%"
    case match = "~", notMatch = "!~", arrow = "->"
}

/// Reserved words. This one list is what the lexer, completion and the grammar file agree on.
public enum Keyword: String, Sendable, CaseIterable {
    case and, or, not, `is`, null, `in`, between, `true`, `false`, has, distinct
    case `where`, by, select, sort, top, asc, desc
    case load, link, check, rule, kpi, `as`, target, assert, export, to, include, param
}

public struct Token: Sendable {
    public var kind: TokenKind
    public var range: SourceRange
}
