/// The ways a result can be written: a terminal table for people, CSV and JSON for machines
/// (raw values), Markdown for reports (values formatted as in the terminal).
public enum OutputFormat: String, Sendable, CaseIterable {
    case table, csv, json, markdown
}

/// What the terminal allows: its width in columns, how many rows to show before summarising the
/// rest, and whether ANSI colour and Unicode box drawing may be used. Only `.table` output reads
/// `width` and `maxRows`; CSV, JSON and Markdown always carry every row and column.
public struct TerminalStyle: Sendable {
    public var width: Int
    public var maxRows: Int
    public var color: Bool
    public var unicode: Bool

    public init(width: Int = 100, maxRows: Int = 40, color: Bool = false, unicode: Bool = true) {
        self.width = width
        self.maxRows = maxRows
        self.color = color
        self.unicode = unicode
    }
}

/// ANSI styling, applied only when the style asks for colour.
enum ANSI {
    static func dim(_ text: String, _ on: Bool) -> String { on ? "\u{1B}[2m" + text + "\u{1B}[0m" : text }
    static func bold(_ text: String, _ on: Bool) -> String { on ? "\u{1B}[1m" + text + "\u{1B}[0m" : text }
}
