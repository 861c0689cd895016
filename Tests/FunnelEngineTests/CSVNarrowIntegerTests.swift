import Testing
@testable import FunnelEngine

@Suite("CSV: narrow whole numbers")
struct CSVNarrowIntegerTests {
    private func load(_ csv: String, chunks: Int) throws -> Table {
        try CSVTest.read(bytes: Array(csv.utf8), chunks: chunks).table
    }

    @Test func widthFollowsTheValues() throws {
        let table = try load("small,medium,large,huge\n1,-200,70000,5000000000\n-128,32767,-2147483648,1\n", chunks: 1)
        let widths = table.columns.map { column -> Int in
            if case .integer(let v) = column.storage { return v.width }
            return 0
        }
        #expect(widths == [1, 2, 4, 8])
        #expect(table.columns[3].value(at: 0) == .integer(5_000_000_000))
        #expect(table.columns[2].value(at: 1) == .integer(-2_147_483_648))
    }

    @Test func valuesWidenMidChunkWithNullsBetween() throws {
        // Values grow past each width while empty fields sit before and after every widening.
        var csv = "n,k\n"
        var expected: [Value] = []
        for i in 0..<5000 {
            if i % 9 == 4 {
                csv += ",k\n"
                expected.append(.null)
                continue
            }
            let v: Int64 = i < 100 ? Int64(i) - 50 : i < 1000 ? Int64(i) * 40 : i < 3000 ? Int64(i) * 1_000_000 : -Int64(i) << 33
            csv += "\(v),k\n"
            expected.append(.integer(v))
        }
        for chunks in [1, 2, 3] {
            let column = try load(csv, chunks: chunks).columns[0]
            #expect(column.type == .integer)
            #expect((0..<5000).allSatisfy { column.value(at: $0) == expected[$0] }, "\(chunks) chunks")
        }
    }

    @Test func chunksOfDifferentWidthsMerge() throws {
        // The first chunk needs one byte, the last eight: the first is widened in place.
        var csv = "n,m\n"
        for i in 0..<3000 { csv += "\(i % 100),\(i)\n" }
        for i in 0..<3000 { csv += "\(Int64(i) * 10_000_000_000),\(i % 7)\n" }
        let table = try load(csv, chunks: 2)
        guard case .integer(let n) = table.columns[0].storage, case .integer(let m) = table.columns[1].storage else {
            Issue.record("expected whole numbers")
            return
        }
        #expect(n.width == 8)
        #expect(m.width == 2)
        #expect(n[0] == 0 && n[99] == 99 && n[2999] == 2999 % 100)
        #expect(n[3001] == 10_000_000_000 && n[5999] == 2999 * 10_000_000_000)
        #expect(m[2999] == 2999 && m[3006] == 6)
    }

    @Test func narrowWholeNumbersThenADecimal() throws {
        // 300 whole numbers (two bytes by then) and a decimal: every value turns into a double.
        var csv = "x,y\n"
        for i in 0..<300 { csv += "\(i - 100),a\n" }
        csv += "2.5,b\n,c\n7,d\n"
        for chunks in [1, 2] {
            let column = try load(csv, chunks: chunks).columns[0]
            #expect(column.type == .decimal)
            #expect(column.value(at: 0) == .decimal(-100))
            #expect(column.value(at: 299) == .decimal(199))
            #expect(column.value(at: 300) == .decimal(2.5))
            #expect(column.value(at: 301) == .null)
            #expect(column.value(at: 302) == .decimal(7))
        }
    }
}
