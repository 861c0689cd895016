import FunnelEngine

/// What a bare table name prints: its shape, its columns, and its first rows.
///
/// In the terminal and Markdown: "leads: 3,000 rows × 14 columns (time column: created_at)", one
/// line (or Markdown row) per column with its type and nulls, then the first min(10, maxRows) rows.
/// CSV and JSON describe the columns only (name, type, nulls): a machine wants no partial rows.
public enum SummaryRenderer {
    public static let previewRows = 10

    public static func render(_ table: Table, as format: OutputFormat, style: TerminalStyle = TerminalStyle()) -> String {
        switch format {
        case .table:
            return terminal(table, style: style)
        case .markdown:
            return markdown(table, style: style)
        case .csv:
            return CSVRenderer.render(schema(table))
        case .json:
            return json(table)
        }
    }

    /// "leads: 3,000 rows × 14 columns (time column: created_at)".
    static func headline(_ table: Table, unicode: Bool, bold: Bool = false) -> String {
        let name = ValueFormatter.visible(table.name)
        var line = (bold && !name.isEmpty ? "**" + name + "**" : name) + ": " + counted(table.safeRowCount, "row", "rows")
            + (unicode ? " × " : " x ") + counted(table.columns.count, "column", "columns")
        if let time = table.timeColumn { line += " (time column: " + ValueFormatter.visible(time) + ")" }
        return line
    }

    /// "17 nulls (0.6%)", or "" when there are none.
    static func nullNote(_ column: Column, in table: Table, rows: Int) -> String {
        let nulls = table.nullCount(of: column)
        guard nulls > 0 else { return "" }
        var note = counted(nulls, "null", "nulls")
        if rows > 0 {
            note += " (" + ValueFormatter.format(.decimal(Double(nulls) / Double(rows)), as: .percent) + ")"
        }
        return note
    }

    private static func preview(_ table: Table, style: TerminalStyle) -> (result: ResultTable, style: TerminalStyle)? {
        guard !table.columns.isEmpty, table.safeRowCount > 0 else { return nil }
        var previewStyle = style
        previewStyle.maxRows = min(previewRows, max(0, style.maxRows))
        return (ResultTable(table: table), previewStyle)
    }

    private static func terminal(_ table: Table, style: TerminalStyle) -> String {
        var lines = [headline(table, unicode: style.unicode)]
        let names = table.columns.map {
            DisplayWidth.fit(ValueFormatter.visible($0.name), width: BoxRenderer.maxColumnWidth, unicode: style.unicode)
        }
        let nameWidth = names.map(\.width).max() ?? 0
        let typeWidth = table.columns.map(\.type.rawValue.count).max() ?? 0
        for (column, name) in zip(table.columns, names) {
            var note = nullNote(column, in: table, rows: table.safeRowCount)
            if let readAs = table.readAs[column.name] {
                note = (note.isEmpty ? "" : note + ", ") + "read as " + ValueFormatter.visible(readAs)
            }
            var line = "  " + DisplayWidth.pad(name.text, width: name.width, to: nameWidth, right: false) + "  "
            line += note.isEmpty ? column.type.rawValue
                : DisplayWidth.pad(column.type.rawValue, width: column.type.rawValue.count, to: typeWidth, right: false) + "  " + note
            lines.append(line)
        }
        if let (result, previewStyle) = preview(table, style: style) {
            lines += BoxRenderer.lines(result, style: previewStyle, countLine: false)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func markdown(_ table: Table, style: TerminalStyle) -> String {
        var lines = [headline(table, unicode: style.unicode, bold: true)]
        if !table.columns.isEmpty {
            lines.append("")
            lines += MarkdownRenderer.table(ResultTable(table: schema(table)), rows: table.columns.count, unicode: style.unicode)
        }
        if let (result, previewStyle) = preview(table, style: style) {
            let rows = min(table.safeRowCount, previewStyle.maxRows)
            lines.append("")
            lines += MarkdownRenderer.table(result, rows: rows, unicode: style.unicode)
            if rows < table.safeRowCount {
                lines.append("")
                lines.append((style.unicode ? "… " : "... ") + counted(table.safeRowCount - rows, "more row", "more rows")
                             + " (" + NumberText.count(table.safeRowCount) + " in all)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func json(_ table: Table) -> String {
        var out = "{\n"
        out += "  \"name\": " + MachineText.jsonString(table.name) + ",\n"
        out += "  \"rows\": " + String(table.safeRowCount) + ",\n"
        out += "  \"time_column\": " + (table.timeColumn.map(MachineText.jsonString) ?? "null") + ",\n"
        if table.columns.isEmpty { return out + "  \"columns\": []\n}\n" }
        out += "  \"columns\": [\n"
        for (i, column) in table.columns.enumerated() {
            out += "    {\"name\": " + MachineText.jsonString(column.name) + ", \"type\": \"" + column.type.rawValue
                + "\", \"nulls\": " + String(table.nullCount(of: column)) + (i + 1 < table.columns.count ? "},\n" : "}\n")
        }
        return out + "  ]\n}\n"
    }

    /// The columns as a table: column, type, nulls, and how values written for people were read.
    static func schema(_ table: Table) -> Table {
        var columns = [
            textColumn("column", table.columnNames),
            textColumn("type", table.columns.map(\.type.rawValue)),
            Column(name: "nulls", storage: .integer(.int64(table.columns.map { Int64(table.nullCount(of: $0)) }))),
        ]
        if !table.readAs.isEmpty { columns.append(textColumn("read as", table.columns.map { table.readAs[$0.name] ?? "" })) }
        return Table(name: table.name, columns: columns, rowCount: table.columns.count)
    }
}
