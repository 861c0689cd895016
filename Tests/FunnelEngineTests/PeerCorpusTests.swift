// 120 real CSV files from DuckDB's test corpus, each with the reading that is right for it
// (`../shared/data/peer-csv/truth.json`, read at run time: the files are not in this repository).
// Each file is read as truth says (rows, columns, names, type families, codes kept as text, cells), or
// refused with a row where truth says it is malformed. Files read right today must stay right;
// the summary line says how many are right and lists the others.
import Foundation
import Testing
@testable import FunnelEngine

@Suite struct PeerCorpusTests {
    static let folder: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/") + "/../shared/data/peer-csv"
    }()

    struct Entry {
        var path: String
        var rows: Int
        var columns: Int
        var header: Bool
        var headerOK: Bool
        var types: [[String]]
        var codes: [Int]
        var cells: [(row: Int, column: Int, anyOf: [String])]
        var refuse: Bool
        var refuseOK: Bool
        var names: [String]?
    }

    static func entries() -> [Entry]? {
        guard let data = FileManager.default.contents(atPath: folder + "/truth.json"),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: [String: Any]] else { return nil }
        return json.keys.sorted().compactMap { path in
            guard let e = json[path] else { return nil }
            let cells = (e["cells"] as? [[String: Any]] ?? []).map { c in
                (row: c["row"] as? Int ?? 0, column: c["column"] as? Int ?? 0, anyOf: c["any_of"] as? [String] ?? [])
            }
            return Entry(path: path, rows: e["rows"] as? Int ?? -1, columns: e["columns"] as? Int ?? -1,
                         header: e["header"] as? Bool ?? true, headerOK: e["header_ok"] as? Bool ?? false,
                         types: e["types"] as? [[String]] ?? [], codes: e["codes"] as? [Int] ?? [], cells: cells,
                         refuse: e["refuse"] as? Bool ?? false, refuseOK: e["refuse_ok"] as? Bool ?? false,
                         names: e["names"] as? [String])
        }
    }

    static func family(_ type: ColumnType) -> String {
        switch type {
        case .integer, .decimal: return "number"
        case .date: return "date"
        case .timestamp: return "timestamp"
        case .boolean: return "boolean"
        default: return "text"
        }
    }

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

    /// Why the reading of `entry` is not the right one, or nil when it is.
    static func problem(_ entry: Entry) -> String? {
        let loaded: LoadedTable
        do {
            loaded = try CSVReader.load(path: folder + "/files/" + entry.path, name: "t")
        } catch {
            if entry.refuse || entry.refuseOK { return error.row == nil ? "refused without a row" : nil }
            return "refused: \(error.message)"
        }
        if entry.refuse { return "read, but the file is malformed (\(loaded.table.rowCount) rows)" }
        let table = loaded.table
        // A file without a header read with its first record as the header: one row fewer.
        let headerTaken = !entry.header && entry.headerOK
        guard table.rowCount == entry.rows || (headerTaken && table.rowCount == entry.rows - 1) else {
            return "\(table.rowCount) rows, not \(entry.rows)"
        }
        guard table.columns.count == entry.columns else { return "\(table.columns.count) columns, not \(entry.columns)" }
        if let names = entry.names, table.columns.map(\.name) != names {
            return "columns named \(table.columns.map(\.name)), not \(names)"
        }
        for (i, column) in table.columns.enumerated() where i < entry.types.count {
            var accepted = Set(entry.types[i])
            if accepted.contains("date") { accepted.insert("timestamp") }
            let got = family(column.type)
            if !accepted.contains(got) { return "column \(i + 1) (\(column.name)) is \(got), not \(entry.types[i].joined(separator: "/"))" }
        }
        for c in entry.codes where c - 1 < table.columns.count && table.columns[c - 1].type != .text {
            return "column \(c) holds codes but is \(table.columns[c - 1].type)"
        }
        for cell in entry.cells {
            let row = cell.row - 1 - (table.rowCount == entry.rows - 1 ? 1 : 0)
            guard cell.column - 1 < table.columns.count, row >= 0, row < table.rowCount else { return "no cell at row \(cell.row)" }
            let value = text(table.columns[cell.column - 1].value(at: row))
            if !cell.anyOf.contains(value) { return "row \(cell.row), column \(cell.column) holds \"\(value)\", not \(cell.anyOf)" }
        }
        return nil
    }

    /// Files read right when this baseline was taken; none may regress.
    static let baseline: Set<String> = [
        "14512_og.csv", "15473.csv", "16857.csv", "17705.csv", "all_quotes.csv", "auto/14177.csv",
        "auto/int_bol.csv", "auto/issue_811.csv", "auto/large_mixed_data.csv",
        "auto/mock_duckdb_test_data.csv", "auto/normalize_names_6.csv", "auto/pipe_delim_quote.csv",
        "auto/rfc_conform_quote.csv", "auto/sample.csv", "auto/semicolon_quote.csv", "auto/tab.csv",
        "auto/test_fallback.csv", "auto/test_multiple_columns_rn.csv", "auto/time_date_timestamp.csv",
        "auto/time_date_timestamp_dd-mm-yyyy.csv", "auto/time_date_timestamp_mm-dd-yyyy.csv",
        "auto/time_date_timestamp_yyyy.mm.dd.csv", "auto/titlebasicsdebug.tsv", "auto/utf8bom.csv",
        "auto_date/date_example_1.csv", "auto_date/device_metadata_1.csv", "aws_locations.csv",
        "bad_csv_file_2047.csv", "bad_date_timestamp_mix.csv", "big_number.csv", "bool.csv", "bug_10283.csv",
        "bug_7578.csv", "comma_decimal_null.csv", "conflict_timestamp.csv", "csv_quoted_newline_odd.csv",
        "custom_date.csv", "customer.4.csv", "customer.csv", "dateformat/working.csv", "dates.csv",
        "decimal_separators/decimal_separators.csv", "decimal_separators/decimal_separators_csv.csv",
        "double_trouble.csv", "drug_exposure.csv", "empty_space_start_value.csv", "encodings/latin1.csv",
        "encodings/only_latin1.csv", "encodings/utf16.csv",
        "header_normalize.csv", "integer_exponent.csv", "issue2471.csv", "issue_13525/stat_bigrams.csv",
        "issue_13525/stat_stat_chars.csv", "issue_16098.csv", "later_quotes.csv", "leading_zeros.csv",
        "leading_zeros2.csv", "lineitem-carriage.csv", "locations_header_trailing_comma.csv",
        "mixed_decimal.csv", "null/hive_partition_null_overwrite.csv", "null/multiple_nulls.csv",
        "null_mismatch.csv", "null_string.csv", "nullpadding_big_mixed.csv", "people.csv",
        "phonenumbers.csv", "pollock/file_field_delimiter_0x20.csv", "real/greek_utf8.csv",
        "real/lineitem_sample.csv", "real/ncvoter.csv", "real/nfc_normalization.csv",
        "real/ontime_sample.csv", "real/web_page.csv", "rejects_sniffer.csv", "sales_snippet.csv",
        "sample-0.csv", "soccer_kaggle.csv", "special_date.csv", "split_part.csv",
        "test/mixed_line_endings.csv", "test/test.csv", "test/timestampoffset.csv",
        "test/windows_newline.csv", "test_ignore_errors.csv", "thousands_separator/integers.csv",
        "thousands_separator/multi_column.csv", "thousands_separator/multi_column_quote.csv",
        "timestamp_timezone.csv", "timings.csv", "titanic.csv", "tpcc_results.csv", "tpcds_14.csv",
        "union-by-name/gabor/Comment/part-2.csv", "union-by-name/gabor/Post/part-2.csv", "venue_pipe.csv",
        "venue_pipe_big.csv", "weather.csv"
    ]

    /// Files read otherwise than truth on purpose, with the reading they get instead: a single
    /// date `10/08/2008` is 10 August or 8 October, and funnel does not guess (issue 12: an
    /// ambiguous column is text, with a warning that says which option settles it).
    static let deliberate: [String: (reason: String, holds: @Sendable (LoadedTable) -> Bool)] = [
        "dates.csv": ("the one date 10/08/2008 is ambiguous: text, with a warning", { loaded in
            loaded.table.columns.count == 2 && loaded.table.columns[1].type == .text
                && loaded.warnings.contains { $0.message.contains("ambiguous (dd/mm vs mm/dd)") && $0.message.contains("dates \"mm/dd/yyyy\"") }
        }),
    ]

    @Test func theCorpusIsReadAsTruthSays() throws {
        guard let entries = PeerCorpusTests.entries() else {
            // The corpus lives beside the clone (../shared); without it there is nothing to check.
            print("peer corpus: \(PeerCorpusTests.folder) not found; skipped")
            return
        }
        var wrong: [(String, String)] = []
        var otherwise: [String] = []
        for entry in entries {
            if let (reason, holds) = PeerCorpusTests.deliberate[entry.path] {
                let loaded = try CSVReader.load(path: PeerCorpusTests.folder + "/files/" + entry.path, name: "t")
                #expect(holds(loaded), "\(entry.path) is no longer read as it deliberately is: \(reason)")
                otherwise.append("\(entry.path): \(reason)")
                continue
            }
            if let problem = PeerCorpusTests.problem(entry) { wrong.append((entry.path, problem)) }
        }
        let right = Set(entries.map(\.path)).subtracting(wrong.map(\.0)).subtracting(PeerCorpusTests.deliberate.keys)
        print("peer corpus: \(right.count) of \(entries.count) files read as truth says, \(otherwise.count) deliberately otherwise")
        for line in otherwise { print("  \(line)") }
        for (path, problem) in wrong { print("  \(path): \(problem)") }
        for path in PeerCorpusTests.baseline.subtracting(right).subtracting(PeerCorpusTests.deliberate.keys).sorted() {
            Issue.record("\(path) was read right and no longer is: \(wrong.first { $0.0 == path }?.1 ?? "")")
        }
    }
}
