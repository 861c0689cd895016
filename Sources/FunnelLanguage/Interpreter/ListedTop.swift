import FunnelEngine

/// `top N` after a statement that lists rows (`velocity F by source top 3`, `stuck … top 5`).
extension Interpreter {
    mutating func runTop(_ inner: Statement, _ n: Int, in session: inout Session, baseDirectory: String) throws(Diagnostic) {
        let outer = emit
        let previewed = previewRows
        defer {
            emit = outer
            previewRows = previewed
        }
        switch inner.kind {
        case .stuck:
            // Its rows are a preview already: N of them instead of the first 20.
            previewRows = n
        case .velocity(_, let keys):
            emit = { output in outer(Self.topOutput(output) { Self.largestGroups($0, n, keyColumns: keys.count, sizeColumn: keys.count + 1) }) }
        case .demand(_, let keys):
            emit = { output in outer(Self.topOutput(output) { Self.largestGroups($0, n, keyColumns: keys.count, sizeColumn: keys.count) }) }
        default:
            emit = { output in outer(Self.topOutput(output) { Self.firstRows($0, n) }) }
        }
        try run(inner, in: &session, baseDirectory: baseDirectory)
    }

    private static func topOutput(_ output: Output, _ shorten: (ResultTable) -> ResultTable) -> Output {
        guard case .table(let table) = output else { return output }
        return .table(shorten(table))
    }

    private static func firstRows(_ result: ResultTable, _ n: Int) -> ResultTable {
        let rows = result.table.rowCount
        guard rows > n else { return result }
        var shortened = result
        shortened.table = Gather.take(result.table, rows: (0..<Int32(n)).map { $0 })
        shortened.footnotes.append("top \(n): the first \(n == 1 ? "" : CountText.of(n) + " ")of \(CountText.of(rows)) rows")
        return shortened
    }

    /// A breakdown's N groups with the most rows (`sizeColumn` of a group's first row: the rows
    /// at the first stage or step), largest first; ties keep the breakdown's order. Without
    /// keys, the first N rows.
    private static func largestGroups(_ result: ResultTable, _ n: Int, keyColumns: Int, sizeColumn: Int) -> ResultTable {
        guard keyColumns > 0 else { return firstRows(result, n) }
        let table = result.table
        guard sizeColumn < table.columns.count else { return firstRows(result, n) }
        // Consecutive rows with the same key are one group.
        var groups: [(rows: [Int32], size: Double)] = []
        var previousKey: [Value]? = nil
        for r in 0..<table.rowCount {
            let key = table.columns.prefix(keyColumns).map { $0.value(at: r) }
            if key == previousKey, !groups.isEmpty {
                groups[groups.count - 1].rows.append(Int32(r))
            } else {
                groups.append(([Int32(r)], table.columns[sizeColumn].value(at: r).number ?? 0))
                previousKey = key
            }
        }
        guard groups.count > n else { return result }
        let kept = groups.indices.sorted { groups[$0].size != groups[$1].size ? groups[$0].size > groups[$1].size : $0 < $1 }.prefix(n)
        var shortened = result
        shortened.table = Gather.take(table, rows: kept.flatMap { groups[$0].rows })
        shortened.footnotes.append("top \(n): \(CountText.of(n, "group")) of \(CountText.of(groups.count)) with the most rows, largest first")
        return shortened
    }
}
