/// Whether typed text is a whole statement yet, for the shell's continuation prompt: an open
/// bracket or string, or a last token that cannot end a statement, asks for another line.
public enum Completeness {
    public static func needsMoreInput(_ text: String) -> Bool {
        let file = SourceFile(path: "<input>", text: text)
        var lexer = Lexer(file: file)
        var depth = 0
        var last: TokenKind = .newline
        while true {
            let token = lexer.next()
            switch token.kind {
            case .end:
                return depth > 0 || Lexer.continuesStatement(after: last) && !isBlank(last)
            case .invalid:
                // Strings and `names` end on their line: an open one is an error to report now,
                // not a reason to wait (it would swallow the lines after it).
                break
            case .symbol(.leftParen), .symbol(.leftBracket), .symbol(.leftBrace): depth += 1
            case .symbol(.rightParen), .symbol(.rightBracket), .symbol(.rightBrace): depth = max(0, depth - 1)
            case .newline: break
            default: break
            }
            if token.kind != .newline { last = token.kind } else { last = .newline }
        }
    }

    private static func isBlank(_ kind: TokenKind) -> Bool {
        if case .newline = kind { return true }
        return false
    }
}
