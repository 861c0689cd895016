import FunnelEngine

/// A GitHub-flavoured Markdown table with every row: values formatted as in the terminal, numeric
/// columns right-aligned (`---:`), pipes escaped as `\|`, cells padded so the source reads too.
enum MarkdownRenderer {
    /// Cells are padded to at most this width; longer ones simply stick out.
    static let maxPadding = 40

    static func render(_ result: ResultTable, unicode: Bool) -> String {
        var lines: [String] = []
        if let title = result.title {
            lines.append("**" + visibleLines(title).joined(separator: " ") + "**")
            lines.append("")
        }
        lines += table(result, rows: result.table.safeRowCount, unicode: unicode)
        if !result.footnotes.isEmpty {
            lines.append("")
            for footnote in result.footnotes { lines += visibleLines(footnote) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The table's lines for its first `rows` rows.
    static func table(_ result: ResultTable, rows: Int, unicode: Bool) -> [String] {
        let columns = result.table.columns
        guard !columns.isEmpty else { return ["(no columns)"] }
        var headers: [(String, Int)] = []
        var cells: [[(String, Int)]] = []
        var widths: [Int] = []
        for (index, column) in columns.enumerated() {
            let format = result.format(ofColumn: index)
            let header = cell(column.name)
            var width = header.1
            var texts: [(String, Int)] = []
            texts.reserveCapacity(rows)
            var formatted = (0..<rows).map { ValueFormatter.format(column.safeValue(at: $0), as: format, unicode: unicode) }
            if column.type == .decimal && format == nil { formatted = ValueFormatter.alignDecimals(formatted) }
            for text in formatted.map(cell) {
                width = max(width, text.1)
                texts.append(text)
            }
            headers.append(header)
            cells.append(texts)
            widths.append(min(max(3, width), maxPadding))
        }
        let right = columns.map { $0.type.isNumeric }
        func line(_ texts: [(String, Int)]) -> String {
            var parts: [String] = []
            for (i, text) in texts.enumerated() {
                parts.append(DisplayWidth.pad(text.0, width: text.1, to: widths[i], right: right[i]))
            }
            return "| " + parts.joined(separator: " | ") + " |"
        }
        var lines = [line(headers)]
        lines.append("| " + widths.indices.map { i in
            right[i] ? String(repeating: "-", count: widths[i] - 1) + ":" : String(repeating: "-", count: widths[i])
        }.joined(separator: " | ") + " |")
        for row in 0..<rows { lines.append(line(cells.map { $0[row] })) }
        return lines
    }

    /// A cell's text and width: control characters made visible and pipes escaped.
    static func cell(_ text: String) -> (String, Int) {
        var escaped = ValueFormatter.visible(text)
        if escaped.utf8.contains(UInt8(ascii: "|")) {
            var out = ""
            for character in escaped { out += character == "|" ? "\\|" : String(character) }
            escaped = out
        }
        return (escaped, DisplayWidth.of(escaped))
    }
}
