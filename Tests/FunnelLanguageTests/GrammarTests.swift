import FunnelLanguage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The grammar file must keep up with the lexer: every reserved word appears in it, quoted.
struct GrammarTests {
    static func readRepositoryFile(_ relative: String) -> String? {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        let path = parts.joined(separator: "/") + "/" + relative
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n == 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func everyKeywordIsInTheGrammar() throws {
        let grammar = try #require(GrammarTests.readRepositoryFile("Grammar/funnel.ebnf"))
        for keyword in Keyword.allCases {
            #expect(grammar.contains("\"\(keyword.rawValue)\""), "keyword '\(keyword.rawValue)' is missing from Grammar/funnel.ebnf")
        }
    }
}
