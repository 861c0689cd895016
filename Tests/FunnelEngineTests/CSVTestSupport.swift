// Helpers shared by the CSV reader tests.
@testable import FunnelEngine

enum CSVTest {
    static func read(_ text: String, options: CSVOptions = CSVOptions(), chunks: Int? = nil) throws(CSVError) -> LoadedTable {
        try CSVReader.parse(bytes: Array(text.utf8), path: "test.csv", name: "t", options: options, chunkCount: chunks)
    }

    static func read(bytes: [UInt8], options: CSVOptions = CSVOptions(), chunks: Int? = nil) throws(CSVError) -> LoadedTable {
        try CSVReader.parse(bytes: bytes, path: "test.csv", name: "t", options: options, chunkCount: chunks)
    }

    /// The error a read throws, or nil when it succeeds.
    static func error(_ text: String, options: CSVOptions = CSVOptions()) -> CSVError? {
        error(bytes: Array(text.utf8), options: options)
    }

    static func error(bytes: [UInt8], options: CSVOptions = CSVOptions()) -> CSVError? {
        do {
            _ = try read(bytes: bytes, options: options)
            return nil
        } catch {
            return error
        }
    }

    static func values(_ loaded: LoadedTable, _ name: String) -> [Value] {
        guard let column = loaded.table.column(named: name) else { return [] }
        return (0..<column.count).map { column.value(at: $0) }
    }

    static func type(_ loaded: LoadedTable, _ name: String) -> ColumnType? {
        loaded.table.column(named: name)?.type
    }

    static func names(_ loaded: LoadedTable) -> [String] {
        loaded.table.columns.map(\.name)
    }

    static func days(_ y: Int, _ m: Int, _ d: Int) -> Value {
        .date(Int32(CivilDate.days(year: y, month: m, day: d)))
    }

    static func seconds(_ y: Int, _ m: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> Value {
        .timestamp(Int64(CivilDate.days(year: y, month: m, day: d)) * 86_400 + Int64(h * 3600 + mi * 60 + s))
    }

    /// Describes every difference between two tables (empty when equal, dictionaries included).
    static func differences(_ a: Table, _ b: Table) -> [String] {
        var out: [String] = []
        if a.rowCount != b.rowCount { out.append("rows \(a.rowCount) vs \(b.rowCount)") }
        if a.columns.count != b.columns.count { out.append("columns \(a.columns.count) vs \(b.columns.count)") }
        if a.timeColumn != b.timeColumn { out.append("time column \(a.timeColumn ?? "-") vs \(b.timeColumn ?? "-")") }
        for (x, y) in zip(a.columns, b.columns) {
            if x.name != y.name { out.append("name \(x.name) vs \(y.name)") }
            if x.type != y.type { out.append("\(x.name): type \(x.type) vs \(y.type)") }
            if case .text(_, let dx) = x.storage, case .text(_, let dy) = y.storage, dx != dy {
                out.append("\(x.name): dictionaries differ (\(dx.count) vs \(dy.count) entries)")
            }
            guard x.count == y.count else {
                out.append("\(x.name): count \(x.count) vs \(y.count)")
                continue
            }
            var shown = 0
            for r in 0..<x.count where x.value(at: r) != y.value(at: r) {
                if shown < 3 { out.append("\(x.name) row \(r): \(x.value(at: r)) vs \(y.value(at: r))") }
                shown += 1
            }
        }
        return out
    }
}
