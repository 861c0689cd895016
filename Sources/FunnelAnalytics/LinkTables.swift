import FunnelEngine

/// `check link deals`: what matched and what did not.
public enum LinkTables {
    /// One row per link; `tables` by name, to show the first unmatched keys.
    public static func report(_ links: [Link], tables: [String: Table]) -> ResultTable {
        var rows: [[Value]] = []
        for link in links {
            let total = link.target.count
            rows.append([.text("\(link.fromTable).\(link.fromColumn) -> \(link.toTable).\(link.toColumn)"), .integer(Int64(total)),
                         .integer(Int64(total - link.unmatched - link.nullKeys)), .integer(Int64(link.unmatched)),
                         .integer(Int64(link.nullKeys)), .integer(Int64(link.duplicateKeys))])
        }
        let names = ["link", "rows", "matched", "unmatched", "empty key", "duplicate keys"]
        var footnotes: [String] = []
        for link in links where link.unmatched > 0 {
            if let key = tables[link.fromTable]?.column(named: link.fromColumn) {
                var examples: [String] = []
                for (r, t) in link.target.enumerated() where t < 0 && !key.isNull(r) {
                    examples.append(TextForm.of(key.value(at: r)))
                    if examples.count == 5 { break }
                }
                footnotes.append("unmatched \(link.fromColumn) values, first \(examples.count): \(examples.joined(separator: ", "))")
            }
        }
        var table = ResultRows.table(rows, names: names)
        table.name = "links"
        return ResultTable(title: "links from \(links.first?.fromTable ?? "")", table: table,
                           formats: [nil, .number, .number, .number, .number, .number], footnotes: footnotes)
    }
}
