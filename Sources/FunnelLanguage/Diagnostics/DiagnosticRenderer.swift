import FunnelEngine
import FunnelRender

/// Renders diagnostics the way compilers do: `file:line:col: error: message`, the line, a caret.
/// Control characters in messages and source lines are shown escaped (`\x1B`), so that a file from
/// someone else cannot send escape sequences to the terminal through an error.
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
        out += "\(bold)\(ValueFormatter.visible(prefix))\(reset)\(severityColor)\(diagnostic.severity.rawValue):\(reset) \(bold)\(ValueFormatter.visible(diagnostic.message))\(reset)\n"
        if let range = diagnostic.range {
            let (line, rawColumn) = range.file.location(of: range.start)
            let rawText = range.file.lineText(line)
            let (endLine, endColumn) = range.file.location(of: range.end)
            var width = endLine == line ? max(1, endColumn - rawColumn) : max(1, rawText.count - rawColumn + 1)
            // Escaped control characters take more columns than the raw ones: move the caret with them.
            let rawCharacters = Array(rawText)
            let before = String(rawCharacters.prefix(max(0, rawColumn - 1)))
            let underlined = String(rawCharacters.dropFirst(max(0, rawColumn - 1)).prefix(width))
            if ValueFormatter.visible(rawText) != rawText {
                let shownWidth = ValueFormatter.visible(underlined).count
                width = max(1, shownWidth)
            }
            let text = ValueFormatter.visible(rawText)
            var shown = text
            var caretColumn = ValueFormatter.visible(before).count + 1
            let column = caretColumn
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
            out += "\(cyan)note:\(reset) did you mean '\(ValueFormatter.visible(suggestion))'?\n"
        }
        for note in diagnostic.notes {
            out += "\(cyan)note:\(reset) \(ValueFormatter.visible(note))\n"
        }
        return out
    }
}
