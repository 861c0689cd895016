/// Renders diagnostics the way compilers do: `file:line:col: error: message`, the line, a caret.
public enum DiagnosticRenderer {
    public static func render(_ diagnostic: Diagnostic, color: Bool = false) -> String {
        let bold = color ? "\u{1B}[1m" : "", red = color ? "\u{1B}[1;31m" : "", cyan = color ? "\u{1B}[1;36m" : ""
        let green = color ? "\u{1B}[32m" : "", reset = color ? "\u{1B}[0m" : ""
        var out = ""
        var prefix = ""
        if let range = diagnostic.range {
            let (line, column) = range.file.location(of: range.start)
            prefix = "\(range.file.path):\(line):\(column): "
        } else if let ext = diagnostic.external {
            prefix = ext.path
            if let row = ext.row {
                prefix += ":\(row)"
                if let column = ext.column { prefix += ":\(column)" }
            }
            prefix += ": "
        }
        let severityColor = diagnostic.severity == .error ? red : cyan
        out += "\(bold)\(prefix)\(reset)\(severityColor)\(diagnostic.severity.rawValue):\(reset) \(bold)\(diagnostic.message)\(reset)\n"
        if let range = diagnostic.range {
            let (line, column) = range.file.location(of: range.start)
            let text = range.file.lineText(line)
            let (endLine, endColumn) = range.file.location(of: range.end)
            var width = endLine == line ? max(1, endColumn - column) : max(1, text.count - column + 1)
            var shown = text
            var caretColumn = column
            // Long lines (a minified script, a 1 MB line) show a window around the caret.
            if text.count > 120 {
                let start = max(0, column - 1 - 50)
                let characters = Array(text)
                let end = min(characters.count, start + 110)
                shown = (start > 0 ? "…" : "") + String(characters[start..<end]) + (end < characters.count ? "…" : "")
                caretColumn = column - start + (start > 0 ? 1 : 0)
                width = min(width, max(1, end - (column - 1)))
            }
            out += shown + "\n"
            out += String(repeating: " ", count: max(0, caretColumn - 1)) + green + "^" + String(repeating: "~", count: max(0, width - 1)) + reset + "\n"
        }
        if let suggestion = diagnostic.suggestion {
            out += "\(cyan)note:\(reset) did you mean '\(suggestion)'?\n"
        }
        for note in diagnostic.notes {
            out += "\(cyan)note:\(reset) \(note)\n"
        }
        return out
    }
}
