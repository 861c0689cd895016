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
    /// One field per line per row (psql's `\x`): always, never, or when a table is too wide.
    public var expanded: ExpandedMode

    public init(width: Int = 100, maxRows: Int = 40, color: Bool = false, unicode: Bool = true, expanded: ExpandedMode = .off) {
        self.width = width
        self.maxRows = maxRows
        self.color = color
        self.unicode = unicode
        self.expanded = expanded
    }
}

/// When a table is printed one field per line.
public enum ExpandedMode: String, Sendable, CaseIterable {
    case off, on, auto
}

/// ANSI styling, applied only when the style asks for colour.
enum ANSI {
    static func dim(_ text: String, _ on: Bool) -> String { on ? "\u{1B}[2m" + text + "\u{1B}[0m" : text }
    static func bold(_ text: String, _ on: Bool) -> String { on ? "\u{1B}[1m" + text + "\u{1B}[0m" : text }
}
