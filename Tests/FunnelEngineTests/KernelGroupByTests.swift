import Testing
@testable import FunnelEngine

@Suite("Kernel: group by")
struct KernelGroupByTests {
    @Test func textKeysSortByStringWithNullsLast() {
        // Dictionary order is first-seen: paid, organic, email; groups must come out sorted.
        let source = textColumn("source", ["paid", "organic", nil, "paid", "email", nil, "organic", "paid"])
        let g = GroupBy.group(keys: [source], selection: nil, rowCount: 8)
        #expect(g.groupCount == 4)
        #expect(values(g.keys[0]) == [.text("email"), .text("organic"), .text("paid"), .null])
        #expect(g.groupOfRow == [2, 1, 3, 2, 0, 3, 1, 2])
        #expect(g.keys[0].name == "source")
        #expect(g.keys[0].type == .text)
    }

    @Test func textKeysWithSelection() {
        let source = textColumn("source", ["paid", "organic", nil, "paid", "email", nil, "organic", "paid"])
        // Rows 1, 3, 7: organic, paid, paid. Unselected rows are -1 and their values form no group.
        let g = GroupBy.group(keys: [source], selection: [1, 3, 7], rowCount: 8)
        #expect(g.groupCount == 2)
        #expect(values(g.keys[0]) == [.text("organic"), .text("paid")])
        #expect(g.groupOfRow == [-1, 0, -1, 1, -1, -1, -1, 1])
    }

    @Test func integerKeysDenseAndSparse() {
        let small = intColumn("n", [5, -2, 5, nil, 7, -2])
        let g = GroupBy.group(keys: [small], selection: nil, rowCount: 6)
        #expect(values(g.keys[0]) == [.integer(-2), .integer(5), .integer(7), .null])
        #expect(g.groupOfRow == [1, 0, 1, 3, 2, 0])

        // A range far too wide for a dense array takes the sorting path.
        let wide = intColumn("n", [Int64.max, Int64.min, 0, Int64.max, nil, -1])
        let w = GroupBy.group(keys: [wide], selection: nil, rowCount: 6)
        #expect(values(w.keys[0]) == [.integer(Int64.min), .integer(-1), .integer(0), .integer(Int64.max), .null])
        #expect(w.groupOfRow == [3, 0, 2, 3, 4, 1])
    }

    @Test func dateKeys() {
        let d = dateColumn("day", ["2025-03-01", "2024-12-31", nil, "2025-03-01", "1969-07-20"])
        let g = GroupBy.group(keys: [d], selection: nil, rowCount: 5)
        #expect(values(g.keys[0]) == [.date(day("1969-07-20")), .date(day("2024-12-31")), .date(day("2025-03-01")), .null])
        #expect(g.groupOfRow == [2, 1, 3, 2, 0])
        #expect(g.keys[0].type == .date)
    }

    @Test func decimalAndBooleanKeys() {
        let x = decimalColumn("x", [1.5, -0.0, 0.0, nil, -3.25, 1.5])
        let g = GroupBy.group(keys: [x], selection: nil, rowCount: 6)
        // -0.0 and 0.0 are one group.
        #expect(g.groupCount == 4)
        #expect(g.groupOfRow == [2, 1, 1, 3, 0, 2])
        #expect(values(g.keys[0])[0] == .decimal(-3.25))

        let b = boolColumn("won", [true, nil, false, true])
        let h = GroupBy.group(keys: [b], selection: nil, rowCount: 4)
        #expect(values(h.keys[0]) == [.boolean(false), .boolean(true), .null])
        #expect(h.groupOfRow == [1, 2, 0, 1])
    }

    @Test func twoKeysSortLexicographically() {
        let source = textColumn("source", ["paid", "email", "paid", "email", "paid", nil, "email"])
        let month = intColumn("month", [2, 1, 1, 1, nil, 1, 2])
        let g = GroupBy.group(keys: [source, month], selection: nil, rowCount: 7)
        #expect(g.groupCount == 6)
        #expect(values(g.keys[0]) == [.text("email"), .text("email"), .text("paid"), .text("paid"), .text("paid"), .null])
        #expect(values(g.keys[1]) == [.integer(1), .integer(2), .integer(1), .integer(2), .null, .integer(1)])
        #expect(g.groupOfRow == [3, 0, 2, 0, 4, 5, 1])
        #expect(g.keys.map(\.name) == ["source", "month"])
    }

    @Test func threeKeysWithSelection() {
        let a = textColumn("a", ["x", "y", "x", "x", "y"])
        let b = boolColumn("b", [true, true, false, true, true])
        let c = dateColumn("c", ["2025-01-01", "2025-01-01", "2025-01-02", "2025-01-01", "2025-01-01"])
        let g = GroupBy.group(keys: [a, b, c], selection: [0, 2, 3, 4], rowCount: 5)
        #expect(g.groupCount == 3)
        #expect(g.groupOfRow == [1, -1, 0, 1, 2])
        #expect(values(g.keys[1]) == [.boolean(false), .boolean(true), .boolean(true)])
    }

    @Test func emptyInputsAndNoKeys() {
        let x = intColumn("x", [1, 2, 3])
        let none = GroupBy.group(keys: [x], selection: [], rowCount: 3)
        #expect(none.groupCount == 0)
        #expect(none.groupOfRow == [-1, -1, -1])
        #expect(none.keys[0].count == 0)

        let all = GroupBy.group(keys: [], selection: [0, 2], rowCount: 3)
        #expect(all.groupCount == 1)
        #expect(all.groupOfRow == [0, -1, 0])

        let allNull = GroupBy.group(keys: [intColumn("x", [nil, nil])], selection: nil, rowCount: 2)
        #expect(allNull.groupCount == 1)
        #expect(values(allNull.keys[0]) == [.null])
    }

    @Test func hostileInputsDoNotTrap() {
        // Selection rows out of range are ignored; a short column reads as null past its end;
        // a code outside the dictionary reads as null.
        let short = intColumn("x", [1, 2])
        let g = GroupBy.group(keys: [short], selection: [-1, 0, 3, 99], rowCount: 4)
        #expect(g.groupOfRow == [0, -1, -1, 1])
        #expect(values(g.keys[0]) == [.integer(1), .null])

        let bad = Column(name: "t", storage: .text(codes: [0, 7, -3, 0], dictionary: ["a"]))
        let t = GroupBy.group(keys: [bad], selection: nil, rowCount: 4)
        #expect(t.groupOfRow == [0, 1, 1, 0])
        let negative = GroupBy.group(keys: [short], selection: nil, rowCount: -5)
        #expect(negative.groupCount == 0)
    }

    @Test func duplicateStringsInDictionaryAreOneGroup() {
        let t = Column(name: "t", storage: .text(codes: [0, 1, 2], dictionary: ["b", "a", "b"]))
        let g = GroupBy.group(keys: [t], selection: nil, rowCount: 3)
        #expect(g.groupCount == 2)
        #expect(g.groupOfRow == [1, 0, 1])
    }
}

@Suite("Kernel: group by against a reference")
struct KernelGroupByReferenceTests {
    /// Ascending, nulls last; values of one column share a type.
    static func less(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.null, _): return false
        case (_, .null): return true
        case let (.integer(x), .integer(y)): return x < y
        case let (.decimal(x), .decimal(y)): return x < y
        case let (.boolean(x), .boolean(y)): return !x && y
        case let (.date(x), .date(y)): return x < y
        case let (.timestamp(x), .timestamp(y)): return x < y
        case let (.text(x), .text(y)): return x < y
        default: return false
        }
    }

    static func lexicographic(_ a: [Value], _ b: [Value]) -> Bool {
        for (x, y) in zip(a, b) where x != y { return less(x, y) }
        return false
    }

    func check(_ keys: [Column], selection: Selection?, rowCount: Int) {
        let g = GroupBy.group(keys: keys, selection: selection, rowCount: rowCount)
        let rows = (selection ?? (0..<Int32(rowCount)).map { $0 }).map(Int.init)
        let tuples = rows.map { r in keys.map { r < $0.count ? $0.value(at: r) : .null } }
        var distinct: [[Value]] = []
        for t in tuples.sorted(by: Self.lexicographic) where distinct.last != t { distinct.append(t) }
        #expect(g.groupCount == distinct.count)
        for (i, key) in g.keys.enumerated() {
            #expect(values(key) == distinct.map { $0[i] })
        }
        var expected = [Int32](repeating: -1, count: rowCount)
        for (r, t) in zip(rows, tuples) {
            expected[r] = Int32(distinct.firstIndex(of: t) ?? -2)
        }
        #expect(g.groupOfRow == expected)
    }

    @Test func randomMixturesOfKeyTypes() {
        var state: UInt64 = 7
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        let n = 3000
        let text = textColumn("t", (0..<n).map { _ in next(9) == 0 ? nil : ["b", "a", "d", "c", "e"][next(5)] })
        let small = intColumn("s", (0..<n).map { _ in next(11) == 0 ? nil : Int64(next(6)) - 2 })
        let wide = intColumn("w", (0..<n).map { _ in next(7) == 0 ? nil : [Int64.min, Int64.max, 0, 123_456_789_012][next(4)] })
        let bools = boolColumn("b", (0..<n).map { _ in next(5) == 0 ? nil : next(2) == 0 })
        let dec = decimalColumn("x", (0..<n).map { _ in next(6) == 0 ? nil : Double(next(40)) / 4 - 3 })
        let ts = timestampColumn("ts", (0..<n).map { _ in
            next(8) == 0 ? nil : "19\(60 + next(40))-0\(1 + next(9))-1\(next(9)) 0\(next(9)):00:00" })
        let short = intColumn("short", (0..<100).map { Int64($0 % 3) })
        let everyThird = Selection(stride(from: 0, to: n, by: 3).map { Int32($0) })
        let combos: [[Column]] = [
            [text], [wide], [dec], [ts], [bools],
            [text, small], [small, text], [text, wide], [wide, text], [dec, bools],
            [text, small, bools], [bools, wide, text], [ts, text], [text, short], [short, dec, text],
            [text, dec, small, bools, wide],
        ]
        for keys in combos {
            check(keys, selection: nil, rowCount: n)
            check(keys, selection: everyThird, rowCount: n)
        }
    }
}
