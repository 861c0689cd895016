import Testing
@testable import FunnelEngine

@Suite("Text codes")
struct TextCodesTests {
    @Test func narrowestWidthThatHoldsEveryCode() {
        #expect(TextCodes([0, 1, 255]).width == 1)
        #expect(TextCodes([0, 256]).width == 2)
        #expect(TextCodes([65_535]).width == 2)
        #expect(TextCodes([65_536]).width == 4)
        // A negative code (reads as null) is kept as it is.
        #expect(TextCodes([0, -3]).width == 4)
        #expect(TextCodes([0, -3])[1] == -3)
        #expect(TextCodes([]).count == 0)
    }

    @Test func equalityIgnoresWidth() {
        #expect(TextCodes.words([1, 2]) == TextCodes.bytes([1, 2]))
        #expect(TextCodes.shorts([1, 2]) != TextCodes.bytes([2, 1]))
        #expect(TextCodes([7, 300]).wide == [7, 300])
    }

    @Test func makeChoosesTheWidthFromTheDictionarySize() {
        func fill(_ b: TextCodesBuffer) {
            switch b {
            case .bytes(let p): for i in p.indices { p[i] = UInt8(i) }
            case .shorts(let p): for i in p.indices { p[i] = UInt16(i) }
            case .words(let p): for i in p.indices { p[i] = Int32(i) }
            }
        }
        #expect(TextCodes.make(count: 3, dictionaryCount: 256, fill) == .bytes([0, 1, 2]))
        #expect(TextCodes.make(count: 3, dictionaryCount: 257, fill).width == 2)
        #expect(TextCodes.make(count: 3, dictionaryCount: 70_000, fill).width == 4)
    }

    @Test func forEachCodeStaysInsideTheCodesAndTheSelection() {
        let codes = TextCodes([4, 5, 6])
        var seen: [Int: Int] = [:]
        codes.forEachCode([0, 2, 9], below: 10) { r, c in seen[r] = c }
        #expect(seen == [0: 4, 2: 6])
        seen = [:]
        codes.forEachCode(nil, below: 2) { r, c in seen[r] = c }
        #expect(seen == [0: 4, 1: 5])
    }

    @Test func remappedNarrowsToTheNewDictionary() {
        // 300 distinct codes mapped onto 2 values: the result fits one byte per row.
        let codes = TextCodes((0..<300).map { Int32($0) })
        #expect(codes.width == 2)
        let remap = (0..<300).map { Int32($0 % 2) }
        let out = codes.remapped(remap, dictionaryCount: 2, selection: nil, count: 300)
        #expect(out.width == 1)
        #expect(out.wide == remap)
        // Rows outside the selection get code 0; a code outside `remap` gives 0.
        let partial = TextCodes([1, 1, 9]).remapped([5, 6], dictionaryCount: 7, selection: [1, 2], count: 3)
        #expect(partial.wide == [0, 6, 0])
    }

    @Test func remappedOneByteToOneByte() {
        // Every row, one-byte codes to a small dictionary: a code past `remap` and rows past
        // the codes get 0, as on the general path.
        let codes = TextCodes([0, 1, 2, 1, 5])
        #expect(codes.remapped([1, 0, 1], dictionaryCount: 2, selection: nil, count: 6) == .bytes([1, 0, 1, 0, 0, 0]))
        let general = TextCodes.words([0, 1, 2, 1, 5]).remapped([1, 0, 1], dictionaryCount: 2, selection: nil, count: 6)
        #expect(general.wide == [1, 0, 1, 0, 0, 0])
    }

    @Test func loadedColumnsUseOneBytePerRowForFewValues() throws {
        var csv = "source,email\n"
        for i in 0..<1000 { csv += "s\(i % 7),user\(i)@example.com\n" }
        let loaded = try CSVTest.read(bytes: Array(csv.utf8), chunks: 2)
        guard case .text(let source, let sources)? = loaded.table.column(named: "source")?.storage,
              case .text(let email, let emails)? = loaded.table.column(named: "email")?.storage else {
            Issue.record("expected text columns")
            return
        }
        #expect(source.width == 1)
        #expect(email.width == 2)
        #expect(sources.count == 7)
        #expect(emails.count == 1000)
        #expect(loaded.table.columns[1].value(at: 999) == .text("user999@example.com"))
        #expect(loaded.table.columns[0].value(at: 8) == .text("s1"))
    }

    @Test func manyDistinctValuesKeepFourBytesAcrossChunks() throws {
        var csv = "id,key\n"
        for i in 0..<70_000 { csv += "\(i),k\(i % 69_000)\n" }
        let loaded = try CSVTest.read(bytes: Array(csv.utf8), chunks: 3)
        guard case .text(let codes, let keys)? = loaded.table.column(named: "key")?.storage else {
            Issue.record("expected a text column")
            return
        }
        #expect(codes.width == 4)
        #expect(keys.count == 69_000)
        let column = loaded.table.columns[1]
        for r in [0, 1, 34_999, 35_000, 68_999, 69_000, 69_999] {
            #expect(column.value(at: r) == .text("k\(r % 69_000)"))
        }
    }

    @Test func codesWidenWhileAChunkIsReadWithNullsBetween() throws {
        // One chunk crosses 256 and 65,536 distinct values; empty fields before and after each
        // widening must still read as nulls, and every value as itself.
        var csv = "key,few\n"
        let rows = 70_000
        for i in 0..<rows {
            csv += i % 7 == 3 ? "" : "v\(i)"
            csv += i % 5 == 0 ? ",\n" : ",f\(i % 3)\n"
        }
        for chunks in [1, 2] {
            let loaded = try CSVTest.read(bytes: Array(csv.utf8), chunks: chunks)
            let key = loaded.table.columns[0]
            let few = loaded.table.columns[1]
            if case .text(let codes, _) = few.storage { #expect(codes.width == 1) }
            for r in [0, 3, 255, 256, 257, 300, 4_096, 4_097, 65_535, 65_536, 65_537, 69_999] {
                #expect(key.value(at: r) == (r % 7 == 3 ? .null : .text("v\(r)")), "row \(r), \(chunks) chunks")
                #expect(few.value(at: r) == (r % 5 == 0 ? .null : .text("f\(r % 3)")))
            }
            #expect(key.nullCount == (0..<rows).filter { $0 % 7 == 3 }.count)
        }
    }
}

