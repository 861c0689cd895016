import FunnelEngine

/// JSON: an array with one object per row, one line per object; keys are the column names (a
/// repeated name gets "_2", "_3"), numbers are JSON numbers (NaN and infinities become null),
/// dates and timestamps ISO strings.
enum JSONRenderer {
    static func render(_ table: Table) -> String {
        let rows = table.safeRowCount
        guard rows > 0 else { return "[]\n" }
        let keys = uniqueKeys(table.columnNames).map { MachineText.jsonString($0) + ": " }
        let writers = table.columns.map { MachineText.writer(for: $0, .json, rows: rows) }
        var out = "[\n"
        for row in 0..<rows {
            out += "  {"
            for (i, write) in writers.enumerated() {
                if i > 0 { out += ", " }
                out += keys[i]
                write(&out, row)
            }
            out += row + 1 < rows ? "},\n" : "}\n"
        }
        return out + "]\n"
    }

    /// Names made unique so that no value is lost to a repeated key.
    static func uniqueKeys(_ names: [String]) -> [String] {
        var taken = Set(names)
        var seen = Set<String>()
        var keys: [String] = []
        keys.reserveCapacity(names.count)
        for name in names {
            if seen.insert(name).inserted {
                keys.append(name)
                continue
            }
            var n = 2
            while taken.contains(name + "_" + String(n)) { n += 1 }
            let key = name + "_" + String(n)
            taken.insert(key)
            seen.insert(key)
            keys.append(key)
        }
        return keys
    }
}
