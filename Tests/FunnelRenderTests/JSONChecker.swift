/// A strict JSON validator (RFC 8259 grammar), enough to prove the renderer's output parses.
struct JSONChecker {
    private let bytes: [UInt8]
    private var i = 0

    static func isValid(_ text: String) -> Bool {
        var checker = JSONChecker(bytes: Array(text.utf8))
        guard checker.value() else { return false }
        checker.skipSpace()
        return checker.i == checker.bytes.count
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

    private mutating func skipSpace() {
        while let b = peek, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { i += 1 }
    }

    private mutating func literal(_ word: String) -> Bool {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { return false }
        i += w.count
        return true
    }

    private mutating func value() -> Bool {
        skipSpace()
        switch peek {
        case UInt8(ascii: "{"): return container(close: UInt8(ascii: "}"), keyed: true)
        case UInt8(ascii: "["): return container(close: UInt8(ascii: "]"), keyed: false)
        case UInt8(ascii: "\""): return string()
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number()
        }
    }

    private mutating func container(close: UInt8, keyed: Bool) -> Bool {
        i += 1
        skipSpace()
        if peek == close { i += 1; return true }
        while true {
            if keyed {
                skipSpace()
                guard peek == UInt8(ascii: "\""), string() else { return false }
                skipSpace()
                guard peek == UInt8(ascii: ":") else { return false }
                i += 1
            }
            guard value() else { return false }
            skipSpace()
            if peek == UInt8(ascii: ",") { i += 1; continue }
            if peek == close { i += 1; return true }
            return false
        }
    }

    private mutating func string() -> Bool {
        i += 1
        while let b = peek {
            i += 1
            switch b {
            case UInt8(ascii: "\""): return true
            case UInt8(ascii: "\\"):
                guard let e = peek else { return false }
                i += 1
                if e == UInt8(ascii: "u") {
                    for _ in 0..<4 {
                        guard let h = peek, (h >= 0x30 && h <= 0x39) || (h | 0x20 >= 0x61 && h | 0x20 <= 0x66) else { return false }
                        i += 1
                    }
                } else if !Array("\"\\/bfnrt".utf8).contains(e) {
                    return false
                }
            case 0x00..<0x20: return false
            default: break
            }
        }
        return false
    }

    private mutating func digits() -> Int {
        let start = i
        while let b = peek, b >= 0x30 && b <= 0x39 { i += 1 }
        return i - start
    }

    private mutating func number() -> Bool {
        if peek == UInt8(ascii: "-") { i += 1 }
        if peek == UInt8(ascii: "0") {
            i += 1
        } else if digits() == 0 {
            return false
        }
        if peek == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { return false }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            i += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return false }
        }
        return true
    }
}
