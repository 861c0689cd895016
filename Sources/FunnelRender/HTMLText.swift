import FunnelEngine
/// Text for HTML and SVG: escaped for both text and attribute positions, and well-formed as XML
/// too (every element closed, every attribute quoted), so the report also reads as XHTML.
enum HTMLText {
    /// `text` safe anywhere in an element or a quoted attribute: & < > " ' as entities, control
    /// characters (newlines included) and bidirectional overrides made visible as `\n`, `\x1B`.
    static func escape(_ text: String) -> String {
        let visible = ValueFormatter.visible(text)
        guard visible.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else {
            return visible
        }
        var out = ""
        out.reserveCapacity(visible.utf8.count + 16)
        for scalar in visible.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// ` name="value"` with the value escaped.
    static func attribute(_ name: String, _ value: String) -> String {
        " " + name + "=\"" + escape(value) + "\""
    }

    /// Attributes from pairs, in order; nil values are left out.
    static func attributes(_ pairs: [(String, String?)]) -> String {
        var out = ""
        for (name, value) in pairs {
            if let value { out += attribute(name, value) }
        }
        return out
    }

    /// `<tag attrs>escaped text</tag>`.
    static func element(_ tag: String, _ attrs: [(String, String?)] = [], text: String) -> String {
        "<" + tag + attributes(attrs) + ">" + escape(text) + "</" + tag + ">"
    }

    /// A target as people read it: ">=" as "≥", "<=" as "≤", "!=" as "≠".
    static func prettyTarget(_ target: String, unicode: Bool = true) -> String {
        guard unicode else { return target }
        var out = ""
        var scalars = Array(target.unicodeScalars)[...]
        while let first = scalars.first {
            let second = scalars.dropFirst().first
            if second == "=" && (first == ">" || first == "<" || first == "!") {
                out += first == ">" ? "≥" : first == "<" ? "≤" : "≠"
                scalars = scalars.dropFirst(2)
            } else {
                out.unicodeScalars.append(first)
                scalars = scalars.dropFirst()
            }
        }
        return out
    }
}
