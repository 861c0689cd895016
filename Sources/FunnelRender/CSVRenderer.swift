import FunnelEngine

/// CSV per RFC 4180 with LF line ends: a header row of column names, then every row with raw
/// values (no separators, percent as the ratio, dates ISO); null is an empty field.
enum CSVRenderer {
    static func render(_ table: Table) -> String {
        guard !table.columns.isEmpty else { return "" }
        let rows = table.safeRowCount
        // In a one-column file an empty field is an empty line, which many readers skip.
        let null = table.columns.count == 1 ? "\"\"" : ""
        let writers = table.columns.map { MachineText.writer(for: $0, .csv, rows: rows, nullText: null) }
        var out = table.columns.map { MachineText.csvField($0.name) }.joined(separator: ",") + "\n"
        out.reserveCapacity(out.utf8.count * (rows + 1))
        for row in 0..<rows {
            for (i, write) in writers.enumerated() {
                if i > 0 { out += "," }
                write(&out, row)
            }
            out += "\n"
        }
        return out
    }
}
