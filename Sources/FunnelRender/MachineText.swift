import FunnelEngine

/// Raw values for CSV and JSON: numbers unformatted (a percent is the ratio 0.123), dates ISO,
/// text exact. Text columns are dictionary-encoded, so each distinct string is escaped once.
enum MachineText {
    enum Dialect { case csv, json }

    /// A CSV field per RFC 4180: quoted when it holds a comma, quote, CR or LF, quotes doubled.
    /// The empty string is written `""` so that it differs from null (an empty field).
    static func csvField(_ text: String) -> String {
        if text.isEmpty { return "\"\"" }
        guard text.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }) else { return text }
        var out = "\""
        for character in text.unicodeScalars {
            if character == "\"" { out += "\"\"" } else { out.unicodeScalars.append(character) }
        }
        return out + "\""
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped, and U+2028/U+2029
    /// too, so the output is also safe to paste into JavaScript.
    static func jsonString(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0xE2 }) else {
            return "\"" + text + "\""
        }
        var out = "\""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x00..<0x20, 0x2028, 0x2029: out += "\\u" + ValueFormatter.hex(scalar.value, digits: 4)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A decimal as the shortest text that reads back as the same double, a whole number without
    /// ".0" (a count is 808, not 808.0; a spreadsheet reads both the same); nil for NaN and infinities.
    static func number(_ v: Double) -> String? {
        guard v.isFinite else { return nil }
        if v == v.rounded(), v.magnitude < 9_007_199_254_740_992 { return v == 0 ? "0" : String(Int64(v)) }
        return v.description
    }

    /// One value in the dialect (for scalars and small tables; columns use `writer`).
    static func value(_ value: Value, _ dialect: Dialect) -> String {
        let null = dialect == .csv ? "" : "null"
        switch value {
        case .null: return null
        case .integer(let v): return String(v)
        case .decimal(let v): return number(v) ?? null
        case .boolean(let b): return b ? "true" : "false"
        case .date(let d): return quoted(ValueFormatter.dateText(d), dialect)
        case .timestamp(let s): return quoted(ValueFormatter.timestampText(s), dialect)
        case .text(let s): return dialect == .csv ? csvField(s) : jsonString(s)
        }
    }

    private static func quoted(_ iso: String, _ dialect: Dialect) -> String {
        dialect == .csv ? iso : "\"" + iso + "\""
    }

    /// A function that appends the cell at a row of `column` to the output.
    static func writer(for column: Column, _ dialect: Dialect, rows: Int, nullText: String? = nil) -> (inout String, Int) -> Void {
        let null = nullText ?? (dialect == .csv ? "" : "null")
        let validity = column.validity
        let available = min(column.count, validity?.count ?? column.count)
        switch column.storage {
        case .integer(let values):
            return { out, row in
                guard row < available, validity?.isValid(row) ?? true else { out += null; return }
                out += String(values[row])
            }
        case .decimal(let values):
            return { out, row in
                guard row < available, validity?.isValid(row) ?? true else { out += null; return }
                out += number(values[row]) ?? null
            }
        case .boolean(let values):
            return { out, row in
                guard row < available, validity?.isValid(row) ?? true else { out += null; return }
                out += values[row] ? "true" : "false"
            }
        case .date(let values):
            return { out, row in
                guard row < available, validity?.isValid(row) ?? true else { out += null; return }
                out += quoted(ValueFormatter.dateText(values[row]), dialect)
            }
        case .timestamp(let values):
            return { out, row in
                guard row < available, validity?.isValid(row) ?? true else { out += null; return }
                out += quoted(ValueFormatter.timestampText(values[row]), dialect)
            }
        case .text(let codes, let dictionary):
            let encode: @Sendable (String) -> String
            switch dialect {
            case .csv: encode = { csvField($0) }
            case .json: encode = { jsonString($0) }
            }
            // Escape each distinct string once, unless the dictionary is far bigger than the rows.
            let cache: [String]? = dictionary.count <= max(rows, 16) ? dictionary.map(encode) : nil
            return { out, row in
                guard row < available, validity?.isValid(row) ?? true else { out += null; return }
                let code = Int(codes[row])
                guard code >= 0 && code < dictionary.count else { out += null; return }
                out += cache?[code] ?? encode(dictionary[code])
            }
        }
    }
}

/// JSON text for callers outside the renderers (the document of a script's results).
public enum JSONText {
    /// A JSON string literal of `text`.
    public static func string(_ text: String) -> String { MachineText.jsonString(text) }
}
