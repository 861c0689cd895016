/// How many terminal columns text takes, roughly as wcwidth does: East Asian wide characters and
/// emoji count 2, combining marks and other zero-width characters 0, everything else 1.
public enum DisplayWidth {
    public static func of(_ text: String) -> Int {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text.utf8.count }
        var width = 0
        for character in text { width += of(character) }
        return width
    }

    /// One grapheme cluster ("e" + U+0301 is one character, one column).
    public static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if first.value < 0x80 && scalars.count == 1 { return 1 }
        if scalars.count > 1 {
            // Emoji presentation selector, keycaps and flags render as one wide glyph.
            if scalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
            if (0x1F1E6...0x1F1FF).contains(first.value) { return 2 }
        }
        return width(of: first)
    }

    static func width(of scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x300 { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if (0x1160...0x11FF).contains(v) { return 0 }
        if scalar.properties.isEmojiPresentation { return 2 }
        for range in wide where range.contains(v) { return 2 }
        return 1
    }

    /// East Asian Wide and Fullwidth blocks (abridged from Unicode's EastAsianWidth.txt).
    private static let wide: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF,
        0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF,
        0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
        0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]

    /// `text` cut to at most `width` columns, ending in "…" ("..." in ASCII) when it had to be cut.
    public static func truncate(_ text: String, to width: Int, unicode: Bool = true) -> String {
        fit(text, width: width, unicode: unicode).text
    }

    /// `truncate` and the resulting width in one pass; stops reading at the cut, so huge strings
    /// cost only what is shown.
    static func fit(_ text: String, width limit: Int, unicode: Bool) -> (text: String, width: Int) {
        let limit = max(0, limit)
        if text.utf8.count <= limit && text.utf8.allSatisfy({ $0 < 0x80 }) { return (text, text.utf8.count) }
        let mark = unicode ? "…" : (limit >= 3 ? "..." : String(repeating: ".", count: limit))
        let markWidth = unicode ? min(1, limit) : mark.utf8.count
        var width = 0
        var cut = text.startIndex
        var cutWidth = 0
        var index = text.startIndex
        while index < text.endIndex {
            let w = of(text[index])
            if width + w > limit {
                return (String(text[..<cut]) + (limit == 0 ? "" : mark), cutWidth + markWidth)
            }
            width += w
            index = text.index(after: index)
            if width + markWidth <= limit {
                cut = index
                cutWidth = width
            }
        }
        return (text, width)
    }

    /// `text` padded with spaces to `width` columns, on the right (left-aligned) or the left.
    static func pad(_ text: String, width textWidth: Int, to width: Int, right: Bool) -> String {
        guard width > textWidth else { return text }
        let spaces = String(repeating: " ", count: width - textWidth)
        return right ? spaces + text : text + spaces
    }
}
