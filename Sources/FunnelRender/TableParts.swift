import FunnelEngine

/// A table wider than the page split into parts that each fit, every part led by the row's key
/// columns: no column is ever clipped, on screen or on paper. A verdict (`worst step`, `target`)
/// stays beside the keys in the first part, where the reader looks for it.
enum TableParts {
    /// The widths a part may take, in CSS pixels: the page's content on screen (936px, cells
    /// padded 24px, text at 14px) and on A4 (671px, cells padded 16px, text at 12px).
    static let screenWidth = 936.0, printWidth = 671.0

    /// Whether columns of these text widths (at 14px) fit both the screen and the printed page.
    static func fits(_ textWidths: [Double]) -> Bool {
        let text = textWidths.reduce(0, +), count = Double(textWidths.count)
        return text + 24 * count <= screenWidth && text * 12 / 14 + 16 * count <= printWidth
    }

    /// Each column's text width at 14px, estimated from its longest text (a bar cell: its bar and
    /// the value beside it).
    static func estimatedWidths(_ result: ResultTable, rows: Int) -> [Double] {
        result.table.columns.enumerated().map { c, column in
            let format = result.format(ofColumn: c)
            if format == .bar { return 172 }
            // Headers are 12px capitals with letter spacing, cells 14px with tabular digits.
            let header = Double(DisplayWidth.of(headerText(result, column: c))) * 7.7
            var longest = 0
            for r in 0..<rows {
                longest = max(longest, DisplayWidth.of(ValueFormatter.format(column.safeValue(at: r), as: format)))
            }
            return max(header, Double(longest) * 8.0)
        }
    }

    /// A column's header as the report shows it: a bar column without a name is the "chart".
    static func headerText(_ result: ResultTable, column c: Int) -> String {
        let name = result.table.columns[c].name
        return name.isEmpty && result.format(ofColumn: c) == .bar ? "chart" : name
    }

    /// The columns of each part, in table order within a part; one part when the table fits.
    static func parts(_ result: ResultTable, widths: [Double], fits: ([Double]) -> Bool = TableParts.fits) -> [[Int]] {
        let columns = result.table.columns
        guard !fits(widths), columns.count > 1 else { return [Array(columns.indices)] }
        let roles = columns.indices.map { BoxRenderer.role(of: result, column: $0) }
        let keys = columns.indices.filter { roles[$0] == .key || $0 == 0 }
        let verdicts = columns.indices.filter { roles[$0] == .verdict && !keys.contains($0) }
        let values = columns.indices.filter { !keys.contains($0) && !verdicts.contains($0) }
        // As few parts as fit, then the values shared out evenly among them (by at most a share
        // of the total each), so that no part is left with a lone column.
        func split(share: Double?) -> [[Int]] {
            var parts: [[Int]] = []
            var current = keys + verdicts
            var valuesWidth = 0.0
            for c in values {
                let full = !fits((current + [c]).map { widths[$0] }) || (share.map { valuesWidth + widths[c] > $0 } ?? false)
                if full && current.count > keys.count + (parts.isEmpty ? verdicts.count : 0) {
                    parts.append(current)
                    current = keys
                    valuesWidth = 0
                }
                current.append(c)
                valuesWidth += widths[c]
            }
            if current.count > keys.count || parts.isEmpty { parts.append(current) }
            return parts
        }
        var parts = split(share: nil)
        if parts.count > 1 {
            let total = values.reduce(0.0) { $0 + widths[$1] }
            let balanced = split(share: total / Double(parts.count) * 1.15)
            if balanced.count == parts.count { parts = balanced }
        }
        return parts
    }
}
