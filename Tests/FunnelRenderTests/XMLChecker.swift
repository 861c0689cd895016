/// A strict little XML reader, enough to prove the HTML report is well-formed XHTML-style markup
/// (every tag closed and balanced, attributes quoted and unique, `&` only in known entities, no raw
/// `<` in text) and to walk what it contains. `<!DOCTYPE …>` and comments are skipped.
struct XMLNode {
    var name: String
    var attributes: [String: String]
    var children: [XMLNode] = []
    /// Decoded text directly inside this element, pieces joined.
    var ownText = ""

    subscript(_ attribute: String) -> String? { attributes[attribute] }

    var classes: [String] { (attributes["class"] ?? "").split(separator: " ").map(String.init) }

    func hasClass(_ name: String) -> Bool { classes.contains(name) }

    /// All text inside, decoded, in document order.
    var text: String { textParts.joined() }

    private var textParts: [String] {
        // Own text and children's text are interleaved in the source; reading order within one
        // element is kept by `pieces`.
        pieces.map { piece in
            switch piece {
            case .text(let t): return t
            case .child(let i): return children[i].text
            }
        }
    }

    enum Piece { case text(String), child(Int) }
    var pieces: [Piece] = []

    /// Every element below this one, depth first, in document order.
    var descendants: [XMLNode] {
        var out: [XMLNode] = []
        for child in children {
            out.append(child)
            out += child.descendants
        }
        return out
    }

    func all(_ name: String, class className: String? = nil) -> [XMLNode] {
        descendants.filter { $0.name == name && (className == nil || $0.hasClass(className!)) }
    }

    func all(class className: String) -> [XMLNode] { descendants.filter { $0.hasClass(className) } }

    func first(_ name: String, class className: String? = nil) -> XMLNode? { all(name, class: className).first }

    func number(_ attribute: String) -> Double? { attributes[attribute].flatMap(Double.init) }
}

struct XMLError: Error, CustomStringConvertible {
    var message: String
    var offset: Int
    var description: String { message + " at byte " + String(offset) }
}

struct XMLChecker {
    private let bytes: [UInt8]
    private var i = 0

    /// The single root element, or the first problem found.
    static func parse(_ text: String) -> Result<XMLNode, XMLError> {
        var checker = XMLChecker(bytes: Array(text.utf8))
        do {
            try checker.skipProlog()
            let root = try checker.element()
            try checker.skipMisc()
            guard checker.i == checker.bytes.count else { throw checker.error("content after the root element") }
            return .success(root)
        } catch let error as XMLError {
            return .failure(error)
        } catch {
            return .failure(XMLError(message: "\(error)", offset: 0))
        }
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func error(_ message: String) -> XMLError { XMLError(message: message, offset: i) }

    private var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

    private func starts(_ s: String) -> Bool {
        let w = Array(s.utf8)
        return i + w.count <= bytes.count && Array(bytes[i..<(i + w.count)]) == w
    }

    private mutating func skipSpace() {
        while let b = peek, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { i += 1 }
    }

    private mutating func skip(past terminator: String) throws {
        while i < bytes.count {
            if starts(terminator) { i += terminator.utf8.count; return }
            i += 1
        }
        throw error("unterminated " + terminator)
    }

    private mutating func skipProlog() throws {
        skipSpace()
        if starts("<!DOCTYPE") || starts("<!doctype") { try skip(past: ">") }
        try skipMisc()
    }

    private mutating func skipMisc() throws {
        while true {
            skipSpace()
            if starts("<!--") { try skip(past: "-->") } else { return }
        }
    }

    private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F || b == 0x3A || b == 0x2E
    }

    private mutating func name() throws -> String {
        let start = i
        while let b = peek, XMLChecker.isNameByte(b) { i += 1 }
        guard i > start else { throw error("expected a name") }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    private mutating func element() throws -> XMLNode {
        guard peek == UInt8(ascii: "<") else { throw error("expected <") }
        i += 1
        let tag = try name()
        var node = XMLNode(name: tag, attributes: [:])
        while true {
            let before = i
            skipSpace()
            if starts("/>") { i += 2; return node }
            if peek == UInt8(ascii: ">") { i += 1; break }
            guard i > before else { throw error("expected a space before an attribute in <" + tag + ">") }
            let attribute = try name()
            skipSpace()
            guard peek == UInt8(ascii: "=") else { throw error("attribute " + attribute + " without a value") }
            i += 1
            skipSpace()
            guard peek == UInt8(ascii: "\"") || peek == UInt8(ascii: "'") else { throw error("unquoted attribute " + attribute) }
            let quote = bytes[i]
            i += 1
            let value = try text(until: quote)
            i += 1
            guard node.attributes[attribute] == nil else { throw error("duplicate attribute " + attribute) }
            node.attributes[attribute] = value
        }
        // Content until the matching end tag.
        while true {
            guard i < bytes.count else { throw error("unclosed <" + tag + ">") }
            if starts("</") {
                i += 2
                let end = try name()
                guard end == tag else { throw error("</" + end + "> closes <" + tag + ">") }
                skipSpace()
                guard peek == UInt8(ascii: ">") else { throw error("bad end tag") }
                i += 1
                return node
            }
            if starts("<!--") { try skip(past: "-->"); continue }
            if peek == UInt8(ascii: "<") {
                let child = try element()
                node.pieces.append(.child(node.children.count))
                node.children.append(child)
                continue
            }
            let t = try text(until: UInt8(ascii: "<"))
            node.ownText += t
            node.pieces.append(.text(t))
        }
    }

    /// Text up to (not including) `terminator`, entities decoded; rejects raw `<` and bare `&`.
    private mutating func text(until terminator: UInt8) throws -> String {
        var out: [UInt8] = []
        while let b = peek, b != terminator {
            if b == UInt8(ascii: "<") { throw error("raw < in an attribute") }
            if b == UInt8(ascii: "&") {
                guard let semicolon = bytes[i...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else { throw error("bare &") }
                let entity = String(decoding: bytes[(i + 1)..<semicolon], as: UTF8.self)
                switch entity {
                case "amp": out += Array("&".utf8)
                case "lt": out += Array("<".utf8)
                case "gt": out += Array(">".utf8)
                case "quot": out += Array("\"".utf8)
                case "apos": out += Array("'".utf8)
                default:
                    guard entity.hasPrefix("#"), let code = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16) : UInt32(entity.dropFirst()),
                          let scalar = Unicode.Scalar(code) else { throw error("unknown entity &" + entity + ";") }
                    out += Array(String(Character(scalar)).utf8)
                }
                i = semicolon + 1
                continue
            }
            if b < 0x20 && b != 0x0A && b != 0x0D && b != 0x09 { throw error("control character in text") }
            out.append(b)
            i += 1
        }
        guard peek == terminator || terminator == UInt8(ascii: "<") else { throw error("unterminated attribute") }
        return String(decoding: out, as: UTF8.self)
    }
}
