#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A case-insensitive regular expression, compiled once and applied per distinct text value.
/// POSIX extended syntax through the C library, whose matcher does not backtrack exponentially
/// (`^(a+)+$` on a long string answers at once, where a backtracking engine would hang a review);
/// `\d`, `\w` and `\s` are accepted as shorthands.
public final class TextMatcher {
    public struct InvalidPattern: Error {
        /// Why, when it is more than the C library's "does not compile".
        public var reason: String? = nil
    }

    /// The most states a pattern may expand to. The C library compiles `x{n}` as n copies of x,
    /// so nested counts multiply: `((a{255}){255}){255}` asked for 16 million copies (11 s and
    /// 3.5 GB); one level more, 8 GB.
    public static let maxExpandedSize = 20_000

    private var compiled = regex_t()

    /// Case-insensitive matching of non-ASCII letters needs a UTF-8 character type.
    private static let utf8Ready: Bool = {
        if let current = setlocale(LC_CTYPE, nil), String(cString: current).lowercased().contains("utf") { return true }
        if setlocale(LC_CTYPE, "") != nil, let now = setlocale(LC_CTYPE, nil), String(cString: now).lowercased().contains("utf") { return true }
        return setlocale(LC_CTYPE, "C.UTF-8") != nil
    }()

    public init(pattern: String) throws(InvalidPattern) {
        _ = TextMatcher.utf8Ready
        if let reason = TextMatcher.refusal(pattern) { throw InvalidPattern(reason: reason) }
        guard !pattern.utf8.contains(0),
              regcomp(&compiled, TextMatcher.translate(pattern), REG_EXTENDED | REG_ICASE | REG_NOSUB) == 0 else {
            throw InvalidPattern()
        }
    }

    deinit { regfree(&compiled) }

    public func matches(_ text: String) -> Bool {
        // Text with NUL bytes is matched up to the first one, as C strings are.
        regexec(&compiled, text, 0, nil, 0) == 0
    }

    /// Why a pattern is refused before it reaches the C library, or nil: back-references (which
    /// make matching exponential), and patterns whose counted repetitions expand past
    /// `maxExpandedSize`. Linear in the pattern's length.
    public static func refusal(_ pattern: String) -> String? {
        let bytes = Array(pattern.utf8)
        // The expanded size of each open group's alternatives so far, innermost last.
        var groups: [(total: Int, branch: Int)] = [(0, 0)]
        var lastAtom = 0
        var i = 0
        func saturated(_ x: Int) -> Int { min(x, maxExpandedSize + 1) }
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "\\"):
                if i + 1 < bytes.count, bytes[i + 1] >= UInt8(ascii: "1"), bytes[i + 1] <= UInt8(ascii: "9") {
                    return "back-references (\\\(Character(Unicode.Scalar(bytes[i + 1])))) are not supported: they can make matching take exponential time"
                }
                lastAtom = 1
                i += 2
                groups[groups.count - 1].branch = saturated(groups[groups.count - 1].branch + 1)
                continue
            case UInt8(ascii: "["):
                // A bracket expression is one state; `]` first (or after `^`) is a member.
                var j = i + 1
                if j < bytes.count, bytes[j] == UInt8(ascii: "^") { j += 1 }
                if j < bytes.count, bytes[j] == UInt8(ascii: "]") { j += 1 }
                while j < bytes.count, bytes[j] != UInt8(ascii: "]") {
                    if bytes[j] == UInt8(ascii: "["), j + 1 < bytes.count, [UInt8(ascii: ":"), UInt8(ascii: "."), UInt8(ascii: "=")].contains(bytes[j + 1]) {
                        let close = bytes[j + 1]
                        j += 2
                        while j + 1 < bytes.count, !(bytes[j] == close && bytes[j + 1] == UInt8(ascii: "]")) { j += 1 }
                        j += 2
                    } else {
                        j += 1
                    }
                }
                lastAtom = 1
                groups[groups.count - 1].branch = saturated(groups[groups.count - 1].branch + 1)
                i = j + 1
                continue
            case UInt8(ascii: "("):
                groups.append((0, 0))
            case UInt8(ascii: ")"):
                if groups.count > 1 {
                    let group = groups.removeLast()
                    lastAtom = saturated(group.total + group.branch + 1)
                    groups[groups.count - 1].branch = saturated(groups[groups.count - 1].branch + lastAtom)
                }
            case UInt8(ascii: "|"):
                groups[groups.count - 1].total = saturated(groups[groups.count - 1].total + groups[groups.count - 1].branch)
                groups[groups.count - 1].branch = 0
            case UInt8(ascii: "{"):
                // x{m}, x{m,}, x{m,n}: x is copied max(m, n) times (x{m,} as m + 1).
                var j = i + 1
                var numbers: [Int] = [0]
                var sawComma = false
                while j < bytes.count, bytes[j] != UInt8(ascii: "}") {
                    if bytes[j] == UInt8(ascii: ",") { numbers.append(0); sawComma = true } else if bytes[j] >= UInt8(ascii: "0"), bytes[j] <= UInt8(ascii: "9") {
                        numbers[numbers.count - 1] = saturated(numbers[numbers.count - 1] * 10 + Int(bytes[j] - UInt8(ascii: "0")))
                    }
                    j += 1
                }
                let copies = max(1, sawComma && numbers.count == 2 && j > i + 1 && bytes[j - 1] == UInt8(ascii: ",") ? numbers[0] + 1 : numbers.max() ?? 1)
                let grown = saturated(lastAtom * copies)
                groups[groups.count - 1].branch = saturated(groups[groups.count - 1].branch - lastAtom + grown)
                lastAtom = grown
                i = j + 1
                continue
            case UInt8(ascii: "+"):
                // The C library compiles x+ as x x*: each + doubles its operand, so a run of them
                // (a++++…, found by fuzz-script) grows the pattern exponentially.
                let grown = saturated(lastAtom * 2)
                groups[groups.count - 1].branch = saturated(groups[groups.count - 1].branch - lastAtom + grown)
                lastAtom = grown
            case UInt8(ascii: "*"), UInt8(ascii: "?"), UInt8(ascii: "^"), UInt8(ascii: "$"):
                break
            default:
                lastAtom = 1
                groups[groups.count - 1].branch = saturated(groups[groups.count - 1].branch + 1)
            }
            i += 1
        }
        var size = 0
        for group in groups { size = saturated(size + group.total + group.branch) }
        if size > maxExpandedSize {
            return "its repetition counts expand to more than 20,000 states (nested counts multiply); write a shorter pattern"
        }
        return nil
    }

    /// `\d` → `[0-9]`, `\w` → `[[:alnum:]_]`, `\s` → `[[:space:]]` (and their capitals), outside brackets.
    public static func translate(_ pattern: String) -> String {
        var out = ""
        var inBrackets = false
        var characters = Array(pattern)[...]
        while let c = characters.popFirst() {
            if c == "\\", !inBrackets, let next = characters.first {
                let replacement: String?
                switch next {
                case "d": replacement = "[0-9]"
                case "D": replacement = "[^0-9]"
                case "w": replacement = "[[:alnum:]_]"
                case "W": replacement = "[^[:alnum:]_]"
                case "s": replacement = "[[:space:]]"
                case "S": replacement = "[^[:space:]]"
                default: replacement = nil
                }
                if let replacement {
                    out += replacement
                    characters = characters.dropFirst()
                    continue
                }
                out.append(c)
                out.append(next)
                characters = characters.dropFirst()
                continue
            }
            if c == "[" && !inBrackets { inBrackets = true } else if c == "]" && inBrackets { inBrackets = false }
            out.append(c)
        }
        return out
    }
}
