// Exports as marketing tools write them (Tests/ExportCorpus: HubSpot, Salesforce, Google Ads,
// Meta Ads, GA4, Mailchimp, LinkedIn Ads, plans, a French and a German agency), each with the
// reading an analyst expects in its truth.json: data rows only, column names, types, sums and
// first values. Every file must be read so; the summary line lists any that is not.
import Foundation
import Testing
@testable import FunnelEngine

@Suite struct ExportCorpusTests {
    static let folder: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(2)
        return parts.joined(separator: "/") + "/ExportCorpus"
    }()

    struct Expected {
        var name: String
        var types: Set<String>
        /// The type truth prefers; a column read as an accepted alternative is not held to its first value.
        var primary: String
        var sum: Double?
        var first: Any?
    }

    static func entries() -> [(String, rows: Int, columns: [Expected])] {
        guard let data = FileManager.default.contents(atPath: folder + "/truth.json"),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: [String: Any]] else { return [] }
        return json.keys.sorted().compactMap { file in
            guard let e = json[file], let rows = e["rows"] as? Int, let columns = e["columns"] as? [[String: Any]] else { return nil }
            return (file, rows, columns.map { c in
                // An accepted alternative may carry words after its type: "date with a warning (…)".
                func type(_ text: String) -> String { String(text.prefix { $0.isLetter }) }
                var types: Set<String> = [type(c["type"] as? String ?? "text")]
                for other in c["also_accepted"] as? [String] ?? [] { types.insert(type(other)) }
                if let one = c["also_accepted"] as? String { types.insert(type(one)) }
                return Expected(name: c["name"] as? String ?? "", types: types, primary: type(c["type"] as? String ?? "text"),
                                sum: c["sum"] as? Double, first: c["first"] as Any?)
            })
        }
    }

    static func family(_ type: ColumnType) -> String { type.rawValue }

    static func text(_ value: Value) -> String {
        switch value {
        case .null: return ""
        case .text(let s): return s
        case .date(let d): return CivilDate.format(days: Int(d))
        case .timestamp(let s): return CivilDate.format(seconds: s)
        case .integer(let i): return String(i)
        case .decimal(let d): return String(d)
        case .boolean(let b): return b ? "true" : "false"
        }
    }

    /// Why the reading of `file` is not the expected one, or nil when it is.
    static func problem(_ file: String, rows: Int, columns expected: [Expected]) -> String? {
        let loaded: LoadedTable
        do {
            loaded = try CSVReader.load(path: folder + "/" + file, name: "t")
        } catch {
            return "refused: \(error.message)"
        }
        let table = loaded.table
        guard table.rowCount == rows else { return "\(table.rowCount) rows, not \(rows)" }
        guard table.columns.count == expected.count else { return "\(table.columns.count) columns, not \(expected.count)" }
        for (column, want) in zip(table.columns, expected) {
            guard column.name == want.name else { return "a column named \"\(column.name)\", not \"\(want.name)\"" }
            let type = column.type.rawValue
            guard want.types.contains(type) || (want.types.contains("decimal") && type == "integer")
                    || (want.types.contains("integer") && type == "decimal" && want.sum.map { $0 == $0.rounded() } == true) else {
                return "\(want.name) is \(type), not \(want.types.sorted().joined(separator: "/"))"
            }
            if let sum = want.sum, column.type.isNumeric {
                let got = Aggregate.compute(.sum, column: column, selection: nil, rowCount: table.rowCount, grouping: nil).first?.number ?? 0
                if abs(got - sum) > 1e-6 * max(1, abs(sum)) { return "sum of \(want.name) is \(got), not \(sum)" }
            }
            let primary = type == want.primary || (want.primary == "decimal" && type == "integer") || (want.primary == "integer" && type == "decimal")
            if let first = want.first, !(first is NSNull), table.rowCount > 0, primary {
                let got = text(column.value(at: 0))
                let wanted: String
                if let flag = first as? Bool, column.type == .boolean {
                    if got != (flag ? "true" : "false") { return "first \(want.name) is \(got), not \(flag)" }
                    continue
                }
                if let n = first as? NSNumber, column.type.isNumeric {
                    if abs((column.value(at: 0).number ?? .nan) - n.doubleValue) > 1e-9 * max(1, abs(n.doubleValue)) {
                        return "first \(want.name) is \(got), not \(n)"
                    }
                    continue
                }
                wanted = "\(first)"
                if got != wanted && !(column.type == .timestamp && got.hasPrefix(wanted)) && !(got.hasPrefix(wanted + " 00:00")) {
                    return "first \(want.name) is \"\(got)\", not \"\(wanted)\""
                }
            }
        }
        return nil
    }


    @Test func exportsAreReadAsAnAnalystExpects() {
        let entries = ExportCorpusTests.entries()
        #expect(entries.count >= 30, "the export corpus is missing or small: \(ExportCorpusTests.folder)")
        var wrong: [(String, String)] = []
        for (file, rows, columns) in entries {
            if let problem = ExportCorpusTests.problem(file, rows: rows, columns: columns) { wrong.append((file, problem)) }
        }
        let right = Set(entries.map(\.0)).subtracting(wrong.map(\.0))
        print("export corpus: \(right.count) of \(entries.count) files read as an analyst expects")
        for (file, problem) in wrong { print("  \(file): \(problem)") }
        // Every file is read right.
        for (file, problem) in wrong { Issue.record("\(file): \(problem)") }
    }
}
