/// How names and values are written in the SQL funnel sends.
public enum SQLText {
    /// `'it''s'`: a string literal (standard_conforming_strings, the default since 9.1).
    public static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// `"Lead Source"`: a quoted identifier, exactly as spelled.
    public static func identifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
