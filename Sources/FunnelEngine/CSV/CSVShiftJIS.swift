// Shift-JIS (Japanese) files: told from Windows-1252 by their bytes, decoded by the C library.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum CSVShiftJIS {
    /// Whether bytes that are not UTF-8 are Shift-JIS rather than Windows-1252: every byte fits
    /// Shift-JIS (a lead byte 0x81–0x9F or 0xE0–0xFC followed by a trail byte 0x40–0x7E or
    /// 0x80–0xFC; half-width katakana 0xA1–0xDF alone), and either a byte Windows-1252 does not
    /// define (0x81, 0x8D, 0x8F, 0x90, 0x9D) occurs, or at least 30% of the high bytes are
    /// 0x80–0x9F (in Japanese they lead most characters; in Western text they are rare
    /// punctuation). Accented Latin letters followed by ASCII also fit the first rule, which is
    /// why it is not enough alone.
    static func looksLikeShiftJIS(_ p: UnsafePointer<UInt8>, count n: Int) -> Bool {
        var i = 0
        var high = 0, c1 = 0, pairs = 0
        var undefinedIn1252 = false
        while i < n {
            let c = p[i]
            if c < 0x80 { i += 1; continue }
            high += 1
            if c < 0xA0 { c1 += 1 }
            if c == 0x81 || c == 0x8D || c == 0x8F || c == 0x90 || c == 0x9D { undefinedIn1252 = true }
            if c >= 0xA1 && c <= 0xDF { i += 1; continue }
            guard (c >= 0x81 && c <= 0x9F) || (c >= 0xE0 && c <= 0xFC), i + 1 < n else { return false }
            let t = p[i + 1]
            guard (t >= 0x40 && t <= 0x7E) || (t >= 0x80 && t <= 0xFC) else { return false }
            if t >= 0x80 { high += 1; if t < 0xA0 { c1 += 1 } }
            if t == 0x81 || t == 0x8D || t == 0x8F || t == 0x90 || t == 0x9D { undefinedIn1252 = true }
            pairs += 1
            i += 2
        }
        return pairs > 0 && (undefinedIn1252 || c1 * 10 >= high * 3)
    }

    /// The bytes as UTF-8, or nil when the C library cannot convert them (no Shift-JIS
    /// converter installed, or a sequence it does not know).
    static func decode(_ p: UnsafePointer<UInt8>, count n: Int) -> [UInt8]? {
        let converter = iconv_open("UTF-8", "SHIFT_JIS")
        guard let converter, converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        // A Shift-JIS character of 1 or 2 bytes is at most 3 bytes of UTF-8.
        var out = [UInt8](repeating: 0, count: n * 2 + 16)
        let produced: Int? = out.withUnsafeMutableBufferPointer { buffer in
            var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(mutating: p).assumingMemoryBound(to: CChar.self)
            var inLeft = n
            var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self)
            var outLeft = buffer.count
            let result = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
            guard result != -1, inLeft == 0 else { return nil }
            return buffer.count - outLeft
        }
        guard let produced else { return nil }
        out.removeLast(out.count - produced)
        return out
    }
}
