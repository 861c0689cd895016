import FunnelEngine

/// Values given on the command line: numbers, percentages, dates or text.
public enum Parameters {
    public static func parse(_ text: String) -> Value {
        let file = SourceFile(path: "--set", text: text)
        let tokens = Lexer.tokenize(file)
        if tokens.count == 2 {
            switch tokens[0].kind {
            case .number(let n): return Literals.value(of: n)
            case .date(let d): return .date(d)
            case .keyword(.true): return .boolean(true)
            case .keyword(.false): return .boolean(false)
            default: break
            }
        }
        return .text(text)
    }
}
