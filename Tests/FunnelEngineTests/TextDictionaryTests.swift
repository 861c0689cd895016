import Testing
@testable import FunnelEngine

@Suite("Text dictionary")
struct TextDictionaryTests {
    @Test func entriesReadBackAsTheStringsGiven() {
        let strings = ["", "a", "paid_search", "Société Générale", "emoji 📈", String(repeating: "x", count: 100)]
        let d = TextDictionary(strings)
        #expect(d.count == strings.count)
        #expect(Array(d) == strings)
        #expect(d.byteCount == strings.reduce(0) { $0 + $1.utf8.count })
        #expect(!d.isASCII)
        #expect(d.withUTF8(3) { Array($0) } == Array("Société Générale".utf8))
    }

    @Test func emptyAndLiteral() {
        let empty = TextDictionary()
        #expect(empty.isEmpty)
        #expect(empty.isASCII)
        let literal: TextDictionary = ["b", "a"]
        #expect(literal == TextDictionary(["b", "a"]))
        #expect(literal != TextDictionary(["a", "b"]))
        // An empty offsets array reads as an empty dictionary, not a trap.
        #expect(TextDictionary(bytes: [], offsets: []).isEmpty)
    }

    @Test func asciiOrderIsStringOrder() {
        let words = ["b", "ab", "a", "", "B", "abc", "ab", "a\u{7f}"]
        let d = TextDictionary(words)
        #expect(d.isASCII)
        for i in words.indices {
            for j in words.indices {
                #expect(d.precedes(i, j) == (words[i] < words[j]), "\(words[i]) < \(words[j])")
                #expect(d.same(i, j) == (words[i] == words[j]))
            }
        }
    }

    @Test func nonASCIIComparesAsStrings() {
        // "é" precomposed and "e" + combining acute are equal Strings with different bytes.
        let words = ["caf\u{e9}", "cafe\u{301}", "cafe", "cafz", "Zürich"]
        let d = TextDictionary(words)
        #expect(d.same(0, 1))
        for i in words.indices {
            for j in words.indices {
                #expect(d.precedes(i, j) == (words[i] < words[j]))
            }
        }
    }

    @Test func groupingMergesCanonicallyEqualText() {
        // Two codes holding canonically equal strings form one group, as Strings compare.
        let column = Column(name: "city", storage: .text(codes: [0, 1, 2, 0], dictionary: ["caf\u{e9}", "cafe\u{301}", "bar"]))
        let g = GroupBy.group(keys: [column], selection: nil, rowCount: 4)
        #expect(g.groupCount == 2)
        #expect(g.groupOfRow == [1, 1, 0, 1])
    }
}
