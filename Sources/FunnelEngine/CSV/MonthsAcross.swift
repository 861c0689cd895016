/// A plan as planners write it: one row per stage, one column per month (`stage,Jan 2025,Feb
/// 2025,…` or `2025-01,2025-02,…`). Read as one row per month with one column per stage, the
/// shape `F by month vs plan` reads, so that the sheet loads without being reshaped by hand.
struct MonthsAcross {
    /// `month` or `quarter`: the name of the column the headers become.
    var periodName: String
    /// The first day of each header's period, for the columns after the first.
    var starts: [Int32]

    /// The sheet's layout when every header after the first names a month (or every one a
    /// quarter), each once; nil for any other file.
    init?(headers names: [String]) {
        guard names.count >= 3 else { return nil }
        var kind: PeopleDates.Kind? = nil
        var starts: [Int32] = []
        for name in names.dropFirst() {
            guard let parsed = PeopleDates.parse(CSVFileReader.trim(name)), parsed.kind != .date, kind == nil || kind == parsed.kind else { return nil }
            kind = parsed.kind
            starts.append(Int32(parsed.seconds / 86_400))
        }
        guard Set(starts).count == starts.count, let kind else { return nil }
        periodName = kind == .quarter ? "quarter" : "month"
        self.starts = starts
    }

    /// The sheet turned: a date column of the periods in header order, then per row of the
    /// sheet a column named by its first cell. A row with no name and no number (a spacer) is
    /// left out; a row with numbers and no name, or a name twice, is an error naming its row.
    func transposed(_ table: Table, headers: [String], dataLine: Int, path: String) throws(CSVError) -> Table {
        let columns = table.columns
        guard let labels = columns.first else { return table }
        var stageColumns: [Column] = []
        var seen: [String: Int] = [:]
        for r in 0..<table.rowCount {
            let name = labels.isNull(r) ? "" : CSVFileReader.trim(TextForm.of(labels.value(at: r)))
            let values = columns.dropFirst().map { $0.value(at: r) }
            if name.isEmpty {
                if values.allSatisfy(\.isNull) { continue }
                throw CSVError(kind: .malformed, path: path, row: dataLine + r, column: 1,
                               message: "row \(dataLine + r) of the plan sheet has numbers but no stage name in its first column")
            }
            if let earlier = seen[name] {
                throw CSVError(kind: .malformed, path: path, row: dataLine + r, column: 1,
                               message: "the plan sheet names \"\(name)\" twice (rows \(earlier) and \(dataLine + r)): one row per stage")
            }
            seen[name] = dataLine + r
            stageColumns.append(ColumnBuilder.column(from: values, name: name, emptyAs: .integer))
        }
        let period = Column(name: periodName, storage: .date(starts), validity: nil)
        var turned = Table(name: table.name, columns: [period] + stageColumns, rowCount: starts.count, timeColumn: periodName)
        let first = CSVFileReader.trim(headers.dropFirst().first ?? ""), last = CSVFileReader.trim(headers.last ?? "")
        turned.readAs[periodName] = "\(periodName)s as their first day, from the headers \"\(first)\" to \"\(last)\": "
            + "a sheet with \(periodName)s across, read as one row per \(periodName) and one column per stage"
        return turned
    }
}
