// Small helpers the renderers share: safe cell access, free-text lines, counts.
import FunnelEngine

extension Column {
    /// The value at `row`, or null where the row lies outside the column's data or a text code
    /// outside its dictionary: renderers show whatever they are given and never trap.
    func safeValue(at row: Int) -> Value {
        guard row >= 0, row < count else { return .null }
        if let validity, row >= validity.count || !validity.isValid(row) { return .null }
        if case .text(let codes, let dictionary) = storage {
            let code = Int(codes[row])
            return code >= 0 && code < dictionary.count ? .text(dictionary[code]) : .null
        }
        return value(at: row)
    }
}

extension ResultTable {
    /// The display format of column `index`; nil where the list is short.
    func format(ofColumn index: Int) -> DisplayFormat? {
        index < formats.count ? formats[index] : nil
    }
}

extension Table {
    /// The number of rows to write; never negative.
    var safeRowCount: Int { max(0, rowCount) }
}

/// Lines of free text (titles, footnotes) with control characters other than newlines made visible.
func visibleLines(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { ValueFormatter.visible(String($0)) }
}

/// "1 row", "3,000 rows".
func counted(_ n: Int, _ singular: String, _ plural: String) -> String {
    NumberText.count(n) + " " + (n == 1 ? singular : plural)
}

/// A dictionary-encoded text column built from plain strings.
func textColumn(_ name: String, _ values: [String]) -> Column {
    var dictionary: [String] = []
    var codeOf: [String: Int32] = [:]
    let codes = values.map { value -> Int32 in
        if let code = codeOf[value] { return code }
        let code = Int32(dictionary.count)
        codeOf[value] = code
        dictionary.append(value)
        return code
    }
    return Column(name: name, storage: .text(codes: TextCodes(codes), dictionary: TextDictionary(dictionary)))
}
