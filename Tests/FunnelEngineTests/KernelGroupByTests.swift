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
