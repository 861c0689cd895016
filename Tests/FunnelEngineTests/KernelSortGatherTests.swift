import Testing
@testable import FunnelEngine

@Suite("Kernel: sort and gather")
struct KernelSortGatherTests {
    @Test func ascendingAndDescendingWithNullsLast() {
        let x = intColumn("x", [3, nil, -1, 3, 10, nil, 0])
        #expect(Sort.order(keys: [(x, false)], selection: nil, rowCount: 7) == [2, 6, 0, 3, 4, 1, 5])
        #expect(Sort.order(keys: [(x, true)], selection: nil, rowCount: 7) == [4, 0, 3, 6, 2, 1, 5])
    }

    @Test func stableOnTies() {
        let k = intColumn("k", [1, 0, 1, 0, 1, 0])
        #expect(Sort.order(keys: [(k, false)], selection: nil, rowCount: 6) == [1, 3, 5, 0, 2, 4])
        #expect(Sort.order(keys: [(k, true)], selection: nil, rowCount: 6) == [0, 2, 4, 1, 3, 5])
        let same = textColumn("t", ["a", "a", "a"])
        #expect(Sort.order(keys: [(same, true)], selection: nil, rowCount: 3) == [0, 1, 2])
    }

    @Test func textByStringAndSelection() {
        let t = textColumn("t", ["pear", "apple", nil, "fig", "apple"])
        #expect(Sort.order(keys: [(t, false)], selection: nil, rowCount: 5) == [1, 4, 3, 0, 2])
        #expect(Sort.order(keys: [(t, true)], selection: [0, 2, 3, 4], rowCount: 5) == [0, 3, 4, 2])
        // Out-of-range selected rows are dropped.
        #expect(Sort.order(keys: [(t, false)], selection: [-4, 3, 1, 77], rowCount: 5) == [1, 3])
    }

    @Test func multipleKeys() {
        let source = textColumn("source", ["b", "a", "b", "a", nil, "b"])
        let amount = decimalColumn("amount", [1.5, 2, nil, 2, 9, 7.25])
        // source ascending, then amount descending (nulls last within each source).
        let order = Sort.order(keys: [(source, false), (amount, true)], selection: nil, rowCount: 6)
        #expect(order == [1, 3, 5, 0, 2, 4])
    }

    @Test func datesTimestampsBooleansAndExtremes() {
        let d = dateColumn("d", ["2025-01-01", "1969-12-31", nil, "1900-03-01"])
        #expect(Sort.order(keys: [(d, false)], selection: nil, rowCount: 4) == [3, 1, 0, 2])
        let ts = timestampColumn("t", ["2025-01-01 00:00:00", "1969-12-31 23:59:59", "2025-01-01 00:00:01"])
        #expect(Sort.order(keys: [(ts, true)], selection: nil, rowCount: 3) == [2, 0, 1])
        let b = boolColumn("b", [true, false, nil, true])
        #expect(Sort.order(keys: [(b, false)], selection: nil, rowCount: 4) == [1, 0, 3, 2])
        let wide = intColumn("w", [Int64.max, Int64.min, 0, Int64.min, -1])
        #expect(Sort.order(keys: [(wide, false)], selection: nil, rowCount: 5) == [1, 3, 4, 2, 0])
        #expect(Sort.order(keys: [(wide, true)], selection: nil, rowCount: 5) == [0, 2, 4, 1, 3])
        let dec = decimalColumn("x", [0.5, -.infinity, .nan, -0.0, 0.0, -2])
        #expect(Sort.order(keys: [(dec, false)], selection: nil, rowCount: 6) == [1, 5, 3, 4, 0, 2])
    }

    @Test func emptyAndTrivial() {
        let x = intColumn("x", [1])
        #expect(Sort.order(keys: [(x, false)], selection: [], rowCount: 1) == [])
        #expect(Sort.order(keys: [], selection: nil, rowCount: 3) == [0, 1, 2])
        #expect(Sort.order(keys: [(x, false)], selection: nil, rowCount: 3) == [0, 1, 2])  // rows 1, 2 past the end: null
    }

    /// Counting sort (small span), packed radix (span under 2^32) and pair radix (wider), each
    /// ascending and descending with nulls and a selection, against a plain stable sort.
    @Test(arguments: [Int64(300), 1_000_000, Int64.max])
    func largerRandomAgainstStandardSort(span: Int64) {
        var state: UInt64 = 42
        var raw: [Int64?] = []
        for _ in 0..<5000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let v = Int64(bitPattern: state) % span
            raw.append(v % 17 == 0 ? nil : v)
        }
        let x = intColumn("x", raw)
        let selection = Selection(stride(from: 1, to: raw.count, by: 2).map { Int32($0) })
        for descending in [false, true] {
            for sel in [nil, selection] {
                let order = Sort.order(keys: [(x, descending)], selection: sel, rowCount: raw.count)
                let rows = (sel ?? (0..<Int32(raw.count)).map { $0 }).map(Int.init)
                let expected = rows.sorted { a, b in
                    switch (raw[a], raw[b]) {
                    case let (l?, r?): return l != r ? (descending ? l > r : l < r) : a < b
                    case (.some, .none): return true
                    case (.none, .some): return false
                    case (.none, .none): return a < b
                    }
                }.map { Int32($0) }
                #expect(order == expected, "span \(span) descending \(descending)")
            }
        }
    }

    @Test func gatherColumns() {
        let x = intColumn("x", [10, nil, 30])
        let g = Gather.take(x, rows: [2, 1, 0, 2])
        #expect(values(g) == [.integer(30), .null, .integer(10), .integer(30)])
        #expect(g.name == "x")
        let t = textColumn("t", ["a", "b", nil])
        #expect(values(Gather.take(t, rows: [1, 2, 0])) == [.text("b"), .null, .text("a")])
        let dense = Gather.take(decimalColumn("d", [1.5, 2.5]), rows: [1])
        #expect(dense.validity == nil)
        #expect(values(dense) == [.decimal(2.5)])
        // Out-of-range rows give nulls rather than a trap.
        #expect(values(Gather.take(boolColumn("b", [true]), rows: [0, 5, -1])) == [.boolean(true), .null, .null])
        #expect(Gather.take(x, rows: []).count == 0)
    }

    @Test func gatherTable() {
        let table = Table(name: "leads", columns: [intColumn("id", [1, 2, 3]), dateColumn("at", ["2025-01-01", nil, "2025-01-03"])],
                          timeColumn: "at")
        let order = Sort.order(keys: [(table.columns[0], true)], selection: [0, 1], rowCount: 3)
        let out = Gather.take(table, rows: order)
        #expect(out.rowCount == 2)
        #expect(out.name == "leads")
        #expect(out.timeColumn == "at")
        #expect(values(out.columns[0]) == [.integer(2), .integer(1)])
        #expect(values(out.columns[1]) == [.null, .date(day("2025-01-01"))])
    }
}

@Suite("Kernel: multi-key sort against a reference")
struct KernelSortReferenceTests {
    @Test func randomKeysMixedDirections() {
        var state: UInt64 = 99
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        let n = 4000
        let text = textColumn("t", (0..<n).map { _ in next(7) == 0 ? nil : ["pear", "apple", "fig", "kiwi"][next(4)] })
        let small = intColumn("s", (0..<n).map { _ in next(9) == 0 ? nil : Int64(next(5)) })
        let wide = intColumn("w", (0..<n).map { _ in next(5) == 0 ? nil : [Int64.min, Int64.max, -1, 0, 1][next(5)] })
        let wide2 = intColumn("w2", (0..<n).map { _ in [Int64.min, Int64.max, 7][next(3)] })
        let dec = decimalColumn("x", (0..<n).map { _ in next(6) == 0 ? nil : Double(next(30)) / 3 - 4 })
        let flags = boolColumn("b", (0..<n).map { _ in next(4) == 0 ? nil : next(2) == 0 })
        let allNull = intColumn("z", (0..<n).map { _ in nil })
        let ts = Column(name: "ts", storage: .timestamp(.narrowest((0..<n).map { _ in Int64(next(1 << 30)) - (1 << 29) })),
                        validity: Validity((0..<n).map { _ in next(8) != 0 }))
        let combos: [[(column: Column, descending: Bool)]] = [
            [(text, false), (small, true)],
            [(small, true), (text, true), (flags, false)],
            [(wide, false), (text, false)],           // 65+ bits: key by key
            [(wide, true), (wide2, false)],           // 64 + 64 bits
            [(dec, true), (flags, true), (small, false)],
            [(allNull, false), (text, true)],
            [(text, false), (allNull, true), (dec, false)],
            [(text, true), (ts, false), (small, true)],    // 33 to 64 bits: (code, row) pairs
            [(ts, true)],
        ]
        let selection = Selection(stride(from: 0, to: n, by: 3).map { Int32($0) })
        for keys in combos {
            for sel in [nil, selection] {
                let got = Sort.order(keys: keys, selection: sel, rowCount: n)
                #expect(got.count == (sel?.count ?? n))
                let rows = (sel ?? (0..<Int32(n)).map { $0 }).map(Int.init)
                let expected = rows.sorted { a, b in
                    for key in keys {
                        let x = key.column.value(at: a), y = key.column.value(at: b)
                        if x == y { continue }
                        if x == .null { return false }
                        if y == .null { return true }
                        return key.descending ? KernelGroupByReferenceTests.less(y, x) : KernelGroupByReferenceTests.less(x, y)
                    }
                    return a < b
                }.map { Int32($0) }
                #expect(got == expected, "keys \(keys.map(\.column.name)) selection \(sel != nil)")
            }
        }
    }
}
