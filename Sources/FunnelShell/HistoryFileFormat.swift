#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the history file libedit writes (`_HiStOrY_V2_`, then one entry per line in strvis(3)'s
/// encoding: `\040` for a space, `\^J` for a line break, `\\` for a backslash, `\M-x` for a high
/// byte). libedit's own loader decodes through libbsd's unvis one character at a time: 2.4 ms for a
/// full history of 2000 statements, a quarter of the shell's start. This decodes the same bytes in
/// one pass; any sequence it does not know leaves the file to libedit's loader.
enum HistoryFileFormat {
    static let cookie = Array("_HiStOrY_V2_".utf8)

    /// The entries, oldest first; nil when the file is not libedit's or holds a sequence this does
    /// not decode (the caller then lets libedit load it).
    static func entries(_ bytes: [UInt8]) -> [[UInt8]]? {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        // A final line break ends the last entry rather than starting an empty one.
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard let first = lines.first, Array(first) == cookie else { return nil }
        var out: [[UInt8]] = []
        out.reserveCapacity(lines.count - 1)
        for line in lines.dropFirst() {
            guard let entry = decoded(line) else { return nil }
            out.append(entry)
        }
        return out
    }

    /// One line decoded: `\\`, `\ooo` (three octal digits), `\^X` and `\^?`, `\M-X` and `\M^X`.
    static func decoded(_ line: ArraySlice<UInt8>) -> [UInt8]? {
        guard line.contains(UInt8(ascii: "\\")) else { return Array(line) }
        let backslash = UInt8(ascii: "\\")
        var out: [UInt8] = []
        out.reserveCapacity(line.count)
        var i = line.startIndex
        func at(_ k: Int) -> UInt8? { k < line.endIndex ? line[k] : nil }
        func control(_ c: UInt8) -> UInt8? {
            if c == UInt8(ascii: "?") { return 0x7F }
            return (0x40...0x7E).contains(c) ? c & 0x1F : nil
        }
        while i < line.endIndex {
            let c = line[i]
            guard c == backslash else {
                out.append(c)
                i += 1
                continue
            }
            guard let next = at(i + 1) else { return nil }
            switch next {
            case backslash:
                out.append(backslash)
                i += 2
            case UInt8(ascii: "0")...UInt8(ascii: "3"):
                guard let d2 = at(i + 2), let d3 = at(i + 3), (48...55).contains(d2), (48...55).contains(d3) else { return nil }
                out.append((next - 48) << 6 | (d2 - 48) << 3 | (d3 - 48))
                i += 4
            case UInt8(ascii: "^"):
                guard let x = at(i + 2), let c = control(x) else { return nil }
                out.append(c)
                i += 3
            case UInt8(ascii: "M"):
                guard let kind = at(i + 2), let x = at(i + 3) else { return nil }
                if kind == UInt8(ascii: "-") {
                    out.append(x | 0x80)
                    i += 4
                } else if kind == UInt8(ascii: "^"), let c = control(x) {
                    out.append(c | 0x80)
                    i += 4
                } else {
                    return nil
                }
            default:
                return nil
            }
        }
        return out
    }

    /// The file's bytes, or nil when it cannot be read.
    static func contents(of path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue } else { return nil } }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }
}
