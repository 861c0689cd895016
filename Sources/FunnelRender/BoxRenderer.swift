import FunnelEngine

/// The terminal table, drawn like duckdb's box renderer: numbers right-aligned, everything else
/// left; columns that do not fit the width are replaced by a "…" column, rows past `maxRows` by a
/// line saying how many more there are.
enum BoxRenderer {
    /// No column grows wider than this; longer values end in "…".
    static let maxColumnWidth = 40

    struct Cell {
        var text: String
        var width: Int
        var isNull = false
    }

    struct LaidColumn {
        var header: Cell
        var cells: [Cell]
        var rightAligned: Bool
        var width: Int
    }

    private struct Glyphs {
        let horizontal, vertical: String
        let topLeft, topMiddle, topRight: String
        let middleLeft, middle, middleRight: String
        let bottomLeft, bottomMiddle, bottomRight: String
        let ellipsis: String

        static let unicode = Glyphs(horizontal: "─", vertical: "│", topLeft: "┌", topMiddle: "┬", topRight: "┐",
                                    middleLeft: "├", middle: "┼", middleRight: "┤",
                                    bottomLeft: "└", bottomMiddle: "┴", bottomRight: "┘", ellipsis: "…")
        static let ascii = Glyphs(horizontal: "-", vertical: "|", topLeft: "+", topMiddle: "+", topRight: "+",
                                  middleLeft: "+", middle: "+", middleRight: "+",
                                  bottomLeft: "+", bottomMiddle: "+", bottomRight: "+", ellipsis: "...")
    }

    /// The lines of a result; `countLine: false` leaves out "3 rows" when every row is shown.
    static func lines(_ result: ResultTable, style: TerminalStyle, countLine: Bool = true) -> [String] {
        var lines: [String] = []
        if let title = result.title { lines += visibleLines(title) }
        let table = result.table
        let rowCount = table.safeRowCount
        let shownRows = min(rowCount, max(0, style.maxRows))
        let glyphs = style.unicode ? Glyphs.unicode : Glyphs.ascii
        var hidden: [String] = []

        // Laid out once: `auto` decides by the widths the side-by-side table would take.
        let laid = style.expanded == .on ? [] : table.columns.indices.map { layOut(result, column: $0, rows: shownRows, style: style) }
        if table.columns.isEmpty {
            lines.append("(no columns)")
        } else if style.expanded == .on || (style.expanded == .auto && laid.reduce(1, { $0 + $1.width + 3 }) > style.width) {
            lines += expanded(result, rows: shownRows, style: style, glyphs: glyphs)
        } else {
            let roles = table.columns.indices.map { role(of: result, column: $0) }
            let shown = chosenColumns(laid.map(\.width), roles: roles, width: style.width, ellipsisWidth: glyphs.ellipsis.count)
            let shownSet = Set(shown)
            hidden = table.columns.indices.filter { !shownSet.contains($0) }.map { c in
                let name = ValueFormatter.visible(table.columns[c].name)
                return name.isEmpty ? (result.format(ofColumn: c) == .bar ? "(the bars)" : "(unnamed)") : name
            }
            var columns = shown.map { laid[$0] }
            // One column can still be too wide for the terminal: narrow it.
            let reserved = 1 + (hidden.isEmpty ? 0 : glyphs.ellipsis.count + 3)
            if columns.count == 1 && reserved + columns[0].width + 3 > style.width {
                narrow(&columns[0], to: max(1, style.width - reserved - 3), unicode: style.unicode)
            }
            if !hidden.isEmpty {
                // The "…" stands where the first left-out column was.
                let firstHidden = table.columns.indices.first { !shownSet.contains($0) } ?? table.columns.count
                let at = shown.firstIndex { $0 > firstHidden } ?? columns.count
                let mark = Cell(text: glyphs.ellipsis, width: glyphs.ellipsis.count)
                columns.insert(LaidColumn(header: mark, cells: Array(repeating: mark, count: shownRows),
                                          rightAligned: false, width: mark.width), at: at)
            }
            lines += box(columns, rows: shownRows, glyphs: glyphs, color: style.color)
        }

        if shownRows < rowCount {
            lines.append(glyphs.ellipsis + " " + counted(rowCount - shownRows, "more row", "more rows")
                         + " (" + NumberText.count(rowCount) + " in all)")
        } else if countLine {
            lines.append(counted(rowCount, "row", "rows"))
        }
        if !hidden.isEmpty {
            // Every left-out column is named, over as many lines as it takes.
            lines += wrapped(counted(hidden.count, "more column", "more columns") + ": ", hidden, width: max(style.width, 20))
        }
        for footnote in result.footnotes { lines += visibleLines(footnote) }
        return lines
    }

    private static func layOut(_ result: ResultTable, column index: Int, rows: Int, style: TerminalStyle) -> LaidColumn {
        let column = result.table.columns[index]
        let format = result.format(ofColumn: index)
        let name = DisplayWidth.fit(ValueFormatter.visible(column.name), width: maxColumnWidth, unicode: style.unicode)
        var width = max(1, name.width)
        var cells: [Cell] = []
        cells.reserveCapacity(rows)
        let values = (0..<rows).map { column.safeValue(at: $0) }
        var texts = values.map { ValueFormatter.format($0, as: format, unicode: style.unicode) }
        if column.type == .decimal && format == nil { texts = ValueFormatter.alignDecimals(texts) }
        for (value, text) in zip(values, texts) {
            let fitted = DisplayWidth.fit(text, width: maxColumnWidth, unicode: style.unicode)
            cells.append(Cell(text: fitted.text, width: fitted.width, isNull: value.isNull))
            width = max(width, fitted.width)
        }
        // A bar grows from the left, as a bar chart's do; other numbers line up on the right.
        return LaidColumn(header: Cell(text: name.text, width: name.width), cells: cells,
                          rightAligned: column.type.isNumeric && format != .bar, width: width)
    }

    /// Each row as a record, one field per line (`name │ value`) under a `─[ row 1 ]─` rule, as
    /// psql's expanded display: every column is readable however narrow the terminal.
    private static func expanded(_ result: ResultTable, rows: Int, style: TerminalStyle, glyphs: Glyphs) -> [String] {
        let table = result.table
        let names = table.columns.map { ValueFormatter.visible($0.name) }
        let nameWidth = min(maxColumnWidth, table.columns.indices.filter { result.format(ofColumn: $0) != .bar }.map { DisplayWidth.of(names[$0]) }.max() ?? 0)
        let valueWidth = max(8, style.width - nameWidth - 3)
        var lines: [String] = []
        for r in 0..<rows {
            let head = glyphs.horizontal + "[ row \(NumberText.count(r + 1)) ]"
            lines.append(ANSI.dim(head + String(repeating: glyphs.horizontal, count: max(3, min(style.width, nameWidth + 3 + 20) - DisplayWidth.of(head))), style.color))
            // A bar needs the other rows to mean anything; its number is in the record.
            for (c, column) in table.columns.enumerated() where result.format(ofColumn: c) != .bar {
                let name = DisplayWidth.fit(names[c], width: nameWidth, unicode: style.unicode)
                let value = column.safeValue(at: r)
                let text = DisplayWidth.fit(ValueFormatter.format(value, as: result.format(ofColumn: c), unicode: style.unicode), width: valueWidth, unicode: style.unicode)
                let styledName = ANSI.bold(name.text, style.color) + String(repeating: " ", count: max(0, nameWidth - name.width))
                lines.append(styledName + " " + ANSI.dim(glyphs.vertical, style.color) + " " + (value.isNull ? ANSI.dim(text.text, style.color) : text.text))
            }
        }
        return lines
    }

    /// What a column is to a reader, for choosing which to keep when the terminal is narrow.
    enum ColumnRole: Comparable {
        /// The row's key (the leading text columns) and the verdicts (`worst step`, `target`):
        /// kept whatever else goes.
        case key, verdict
        /// A number or other value: kept left to right as long as they fit.
        case value
        /// A bar: the first to go, its numbers are beside it.
        case bar
    }

    static func role(of result: ResultTable, column c: Int) -> ColumnRole {
        let column = result.table.columns[c]
        if result.format(ofColumn: c) == .bar { return .bar }
        let name = column.name
        if !column.type.isNumeric {
            if result.verdicts.contains(name) { return .verdict }
            let leading = result.table.columns.prefix(c).allSatisfy { !$0.type.isNumeric }
            if leading && c < 3 { return .key }
        }
        return .value
    }

    /// The columns to show, in table order: all when they fit; else the keys and verdicts, then
    /// values left to right while they fit beside a "…" column, bars last; at least the first
    /// column. Falls back to the leading columns when the keys and verdicts alone do not fit.
    static func chosenColumns(_ widths: [Int], roles: [ColumnRole], width: Int, ellipsisWidth: Int) -> [Int] {
        var used = 1
        for w in widths { used += w + 3 }
        if used <= width || widths.count <= 1 { return Array(widths.indices) }
        used = 1 + ellipsisWidth + 3
        var chosen = Set<Int>()
        for c in widths.indices where roles[c] == .key || roles[c] == .verdict || c == 0 {
            chosen.insert(c)
            used += widths[c] + 3
        }
        guard used <= width else { return Array(0..<fittingColumns(widths, width: width, ellipsisWidth: ellipsisWidth)) }
        for c in widths.indices.sorted(by: { (roles[$0], $0) < (roles[$1], $1) }) where !chosen.contains(c) {
            // Values in order: once one does not fit, the later ones are left out too, so that the
            // columns shown are never a gap-toothed selection.
            if used + widths[c] + 3 > width { break }
            chosen.insert(c)
            used += widths[c] + 3
        }
        return chosen.sorted()
    }

    /// `prefix` then the names, separated by commas, broken into lines of at most `width`.
    static func wrapped(_ prefix: String, _ names: [String], width: Int) -> [String] {
        var lines: [String] = []
        var line = prefix
        for (i, name) in names.enumerated() {
            let piece = name + (i == names.count - 1 ? "" : ",")
            if DisplayWidth.of(line) + DisplayWidth.of(piece) + 1 > width && line != prefix {
                lines.append(line)
                line = "  " + piece
            } else {
                line += (line == prefix || line.hasSuffix(": ") ? "" : " ") + piece
            }
        }
        lines.append(line)
        return lines
    }

    /// How many leading columns to show: all when they fit, else as many as fit beside a "…"
    /// column, and at least one.
    static func fittingColumns(_ widths: [Int], width: Int, ellipsisWidth: Int) -> Int {
        var used = 1
        for w in widths { used += w + 3 }
        if used <= width || widths.count <= 1 { return widths.count }
        used = 1 + ellipsisWidth + 3
        var shown = 0
        while shown < widths.count && used + widths[shown] + 3 <= width {
            used += widths[shown] + 3
            shown += 1
        }
        return max(1, shown)
    }

    private static func narrow(_ column: inout LaidColumn, to width: Int, unicode: Bool) {
        func cut(_ cell: Cell) -> Cell {
            let fitted = DisplayWidth.fit(cell.text, width: width, unicode: unicode)
            return Cell(text: fitted.text, width: fitted.width, isNull: cell.isNull)
        }
        column.header = cut(column.header)
        column.cells = column.cells.map(cut)
        column.width = width
    }

    private static func box(_ columns: [LaidColumn], rows: Int, glyphs: Glyphs, color: Bool) -> [String] {
        func border(_ left: String, _ middle: String, _ right: String) -> String {
            let runs = columns.map { String(repeating: glyphs.horizontal, count: $0.width + 2) }
            return ANSI.dim(left + runs.joined(separator: middle) + right, color)
        }
        let bar = ANSI.dim(glyphs.vertical, color)
        func line(_ cell: (LaidColumn) -> Cell, header: Bool) -> String {
            var text = bar
            for column in columns {
                let c = cell(column)
                // Bold the header name and dim the null dash, never the padding around them.
                let styled = header ? ANSI.bold(c.text, color) : c.isNull ? ANSI.dim(c.text, color) : c.text
                let spaces = String(repeating: " ", count: max(0, column.width - c.width))
                let shown = column.rightAligned ? spaces + styled : styled + spaces
                text += " " + shown + " " + bar
            }
            return text
        }
        var lines = [border(glyphs.topLeft, glyphs.topMiddle, glyphs.topRight), line({ $0.header }, header: true)]
        if rows > 0 {
            lines.append(border(glyphs.middleLeft, glyphs.middle, glyphs.middleRight))
            for row in 0..<rows { lines.append(line({ $0.cells[row] }, header: false)) }
        }
        lines.append(border(glyphs.bottomLeft, glyphs.bottomMiddle, glyphs.bottomRight))
        return lines
    }
}
