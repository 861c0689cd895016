import Testing
@testable import FunnelEngine

@Suite("Kernel: aggregates")
struct KernelAggregateTests {
    func one(_ f: AggregateFunction, _ c: Column?, selection: Selection? = nil, rowCount: Int? = nil) -> Value {
        let result = Aggregate.compute(f, column: c, selection: selection, rowCount: rowCount ?? c?.count ?? 0, grouping: nil)
        #expect(result.count == 1)
        return result.first ?? .null
    }

    @Test func countsSkipNulls() {
        let x = intColumn("x", [3, nil, 3, 5, nil])
        #expect(one(.countRows, nil, rowCount: 5) == .integer(5))
        #expect(one(.countRows, x) == .integer(5))
        #expect(one(.count, x) == .integer(3))
        #expect(one(.countDistinct, x) == .integer(2))
        #expect(one(.count, x, selection: [1, 2, 4]) == .integer(1))
        #expect(one(.countRows, x, selection: [1, 2, 4]) == .integer(3))

        let t = textColumn("t", ["b", nil, "a", "b", "c"])
        #expect(one(.count, t) == .integer(4))
        #expect(one(.countDistinct, t) == .integer(3))
        #expect(one(.countDistinct, t, selection: [0, 1, 3]) == .integer(1))
    }

    @Test func emptyInputs() {
        let x = intColumn("x", [1, 2])
        for f: AggregateFunction in [.countRows, .count, .countDistinct] {
            #expect(one(f, x, selection: []) == .integer(0))
        }
        for f: AggregateFunction in [.sum, .avg, .min, .max, .median, .percentile(0.9)] {
            #expect(one(f, x, selection: []) == .null)
            #expect(one(f, intColumn("x", [nil, nil])) == .null)
        }
        #expect(one(.count, intColumn("x", []), rowCount: 0) == .integer(0))
    }

    @Test func sumAndAverage() {
        let x = intColumn("x", [1, nil, 2, 4])
        #expect(one(.sum, x) == .integer(7))
        #expect(approximately(one(.avg, x), 7.0 / 3.0))
        #expect(one(.sum, x, selection: [1, 3]) == .integer(4))

        let d = decimalColumn("amount", [1.5, nil, 2.25])
        #expect(one(.sum, d) == .decimal(3.75))
        #expect(one(.avg, d) == .decimal(1.875))

        // avg(won) is the win rate.
        let won = boolColumn("won", [true, false, nil, true, false])
        #expect(one(.sum, won) == .integer(2))
        #expect(one(.avg, won) == .decimal(0.5))

        // Not summable: null rather than a trap.
        #expect(one(.sum, textColumn("t", ["a"])) == .null)
        #expect(one(.sum, dateColumn("d", ["2025-01-01"])) == .null)
        #expect(one(.avg, textColumn("t", ["a"])) == .null)
    }

    @Test func integerSumOverflowFallsBackToDecimal() {
        let big = intColumn("x", [Int64.max, Int64.max, 10])
        let s = one(.sum, big)
        #expect(s == .decimal(Double(Int64.max) * 2 + 10))
        // Intermediate overflow that comes back into range stays an exact integer.
        let back = intColumn("x", [Int64.max, 1, -2])
        #expect(one(.sum, back) == .integer(Int64.max - 1))
        let low = intColumn("x", [Int64.min, -1])
        #expect(one(.sum, low) == .decimal(-Double(Int64.max) - 2))
        #expect(approximately(one(.avg, big), (Double(Int64.max) * 2 + 10) / 3, tolerance: 1e6))
    }

    @Test func minAndMax() {
        let x = intColumn("x", [4, nil, -7, 9])
        #expect(one(.min, x) == .integer(-7))
        #expect(one(.max, x) == .integer(9))
        let d = decimalColumn("x", [0.5, -1.25, nil])
        #expect(one(.min, d) == .decimal(-1.25))
        #expect(one(.max, d) == .decimal(0.5))
        let t = textColumn("t", ["pear", nil, "apple", "zebra", "Mango"])
        #expect(one(.min, t) == .text("Mango"))  // uppercase sorts before lowercase
        #expect(one(.max, t) == .text("zebra"))
        #expect(one(.max, t, selection: [0, 2]) == .text("pear"))
        let dates = dateColumn("d", ["2025-01-02", "1969-12-31", nil])
        #expect(one(.min, dates) == .date(-1))
        #expect(one(.max, dates) == .date(day("2025-01-02")))
        let ts = timestampColumn("t", ["2025-01-02 10:00:00", "1960-01-01 00:00:01"])
        #expect(one(.min, ts) == .timestamp(seconds("1960-01-01 00:00:01")))
        let b = boolColumn("b", [false, true, nil])
        #expect(one(.min, b) == .boolean(false))
        #expect(one(.max, b) == .boolean(true))
    }

    @Test func percentileInterpolation() {
        let x = intColumn("x", [4, 1, nil, 3, 2])
        #expect(one(.median, x) == .decimal(2.5))
        #expect(approximately(one(.percentile(0.9), x), 3.7))
        #expect(one(.percentile(0), x) == .decimal(1))
        #expect(one(.percentile(1), x) == .decimal(4))
        #expect(approximately(one(.percentile(0.25), x), 1.75))
        #expect(one(.median, intColumn("x", [7])) == .decimal(7))
        #expect(one(.median, intColumn("x", [5, 1, 3])) == .decimal(3))

        let d = decimalColumn("x", [10.0, -2.5, 0.5, nil])
        #expect(one(.median, d) == .decimal(0.5))
        #expect(approximately(one(.percentile(0.9), d), 0.5 + 9.5 * 0.8))

        // With many repeats (quickselect's three-way partitioning) and a selection.
        let repeats = intColumn("x", (0..<1000).map { Int64($0 % 3) })
        #expect(one(.median, repeats) == .decimal(1))
        #expect(one(.median, repeats, selection: [0, 3, 6, 1]) == .decimal(0))
        // Larger than the insertion-sort cutoff: 0...99 shuffled deterministically.
        let hundred = intColumn("x", (0..<100).map { Int64(($0 * 37) % 100) })
        #expect(approximately(one(.percentile(0.9), hundred), 89.1))
        #expect(one(.median, hundred) == .decimal(49.5))
    }

    @Test func percentileOfDatesInterpolatesAndRoundsDown() {
        let d = dateColumn("d", ["2025-01-01", "2025-01-04", nil])
        // Halfway between the 1st and the 4th is the 2nd and a half: rounds down to the 2nd.
        #expect(one(.median, d) == .date(day("2025-01-02")))
        #expect(one(.avg, d) == .date(day("2025-01-02")))
        let before1970 = dateColumn("d", ["1969-12-30", "1969-12-31"])
        #expect(one(.avg, before1970) == .date(day("1969-12-30")))
        let ts = timestampColumn("t", ["2025-01-01 00:00:00", "2025-01-01 00:00:03"])
        #expect(one(.median, ts) == .timestamp(seconds("2025-01-01 00:00:01")))
        #expect(one(.median, textColumn("t", ["a", "b"])) == .null)
    }

    @Test func perGroup() {
        let source = textColumn("source", ["paid", "email", "paid", nil, "email", "paid"])
        let amount = intColumn("amount", [10, 5, nil, 7, 1, 30])
        let g = GroupBy.group(keys: [source], selection: nil, rowCount: 6)
        // Groups: email, paid, null.
        func agg(_ f: AggregateFunction, _ c: Column?, selection: Selection? = nil) -> [Value] {
            Aggregate.compute(f, column: c, selection: selection, rowCount: 6, grouping: g)
        }
        #expect(agg(.countRows, nil) == [.integer(2), .integer(3), .integer(1)])
        #expect(agg(.count, amount) == [.integer(2), .integer(2), .integer(1)])
        #expect(agg(.sum, amount) == [.integer(6), .integer(40), .integer(7)])
        #expect(agg(.avg, amount) == [.decimal(3), .decimal(20), .decimal(7)])
        #expect(agg(.min, amount) == [.integer(1), .integer(10), .integer(7)])
        #expect(agg(.max, amount) == [.integer(5), .integer(30), .integer(7)])
        #expect(agg(.median, amount) == [.decimal(3), .decimal(20), .decimal(7)])
        #expect(agg(.countDistinct, source) == [.integer(1), .integer(1), .integer(0)])
        // A selection on top of the grouping: rows 0, 1, 3.
        #expect(agg(.sum, amount, selection: [0, 1, 3]) == [.integer(5), .integer(10), .integer(7)])
        #expect(agg(.countRows, nil, selection: [2]) == [.integer(0), .integer(1), .integer(0)])
        #expect(agg(.sum, amount, selection: [2]) == [.null, .null, .null])
        #expect(agg(.max, source) == [.text("email"), .text("paid"), .null])
    }

    @Test func groupingBuiltOnASelectionSkipsOtherRows() {
        let k = intColumn("k", [1, 2, 1, 2])
        let v = decimalColumn("v", [1, 2, 3, 4])
        let g = GroupBy.group(keys: [k], selection: [0, 1, 2], rowCount: 4)
        let sums = Aggregate.compute(.sum, column: v, selection: nil, rowCount: 4, grouping: g)
        #expect(sums == [.decimal(4), .decimal(2)])
        let p = Aggregate.compute(.percentile(0.5), column: v, selection: nil, rowCount: 4, grouping: g)
        #expect(p == [.decimal(2), .decimal(2)])
    }

    @Test func countDistinctPerGroup() {
        let k = intColumn("k", [1, 1, 1, 2, 2, nil])
        let t = textColumn("t", ["a", "b", "a", "a", nil, "z"])
        let g = GroupBy.group(keys: [k], selection: nil, rowCount: 6)
        #expect(Aggregate.compute(.countDistinct, column: t, selection: nil, rowCount: 6, grouping: g)
            == [.integer(2), .integer(1), .integer(1)])
        // Wide values take the sorting path.
        let wide = intColumn("w", [Int64.min, Int64.max, Int64.min, 0, 0, 5])
        #expect(Aggregate.compute(.countDistinct, column: wide, selection: nil, rowCount: 6, grouping: g)
            == [.integer(2), .integer(1), .integer(1)])
    }

    /// Sums and counts of a mostly empty column visit the set bits of its validity a word at a
    /// time: the same numbers as row by row, over several words and a last partial one.
    @Test func sparseColumnsPerGroupMatchRowByRow() {
        let n = 1_000
        let amounts: [Double?] = (0..<n).map { r in r % 37 == 0 || r == n - 1 ? Double(r) + 0.25 : nil }
        let stamps: [Int64?] = (0..<n).map { r in r % 53 == 3 ? Int64(r) * 60 : nil }
        let keys = intColumn("k", (0..<n).map { Int64($0 % 3) })
        let amount = decimalColumn("amount", amounts)
        let at = Column(name: "at", storage: .timestamp(.narrowest(stamps.map { $0 ?? 0 })), validity: validity(stamps))
        let g = GroupBy.group(keys: [keys], selection: nil, rowCount: n)
        var sums = [Double](repeating: 0, count: 3), counts = [Int](repeating: 0, count: 3), stamped = [Int](repeating: 0, count: 3)
        for r in 0..<n {
            if let a = amounts[r] { sums[r % 3] += a; counts[r % 3] += 1 }
            if stamps[r] != nil { stamped[r % 3] += 1 }
        }
        #expect(Aggregate.compute(.sum, column: amount, selection: nil, rowCount: n, grouping: g) == sums.map { .decimal($0) })
        #expect(Aggregate.compute(.count, column: amount, selection: nil, rowCount: n, grouping: g) == counts.map { .integer(Int64($0)) })
        #expect(Aggregate.compute(.count, column: at, selection: nil, rowCount: n, grouping: g) == stamped.map { .integer(Int64($0)) })
        #expect(Aggregate.compute(.count, column: at, selection: nil, rowCount: n, grouping: nil) == [.integer(Int64(stamped.reduce(0, +)))])
        // Fewer rows than the column holds: the last word is cut at the row count.
        #expect(Aggregate.compute(.count, column: amount, selection: nil, rowCount: 75, grouping: nil) == [.integer(3)])
        // A grouping that names groups out of range, or covers fewer rows, counts those rows nowhere.
        let bogus = Grouping(groupCount: 2, groupOfRow: (0..<500).map { Int32($0 % 4) - 1 }, keys: [])
        var expected = [0, 0]
        for r in 0..<500 where amounts[r] != nil { let g = r % 4 - 1; if g == 0 || g == 1 { expected[g] += 1 } }
        #expect(Aggregate.compute(.count, column: amount, selection: nil, rowCount: n, grouping: bogus) == expected.map { .integer(Int64($0)) })
    }

    @Test func hostileGroupingDoesNotTrap() {
        let v = intColumn("v", [1, 2, 3])
        let bogus = Grouping(groupCount: 2, groupOfRow: [0, 5, -7], keys: [])
        #expect(Aggregate.compute(.sum, column: v, selection: nil, rowCount: 3, grouping: bogus) == [.integer(1), .null])
        let short = Grouping(groupCount: 1, groupOfRow: [0], keys: [])
        #expect(Aggregate.compute(.countRows, column: nil, selection: nil, rowCount: 3, grouping: short) == [.integer(1)])
        #expect(Aggregate.compute(.sum, column: v, selection: [2, 9, -1], rowCount: 99, grouping: nil) == [.integer(3)])
        #expect(Aggregate.compute(.median, column: v, selection: nil, rowCount: 3, grouping: Grouping(groupCount: 0, groupOfRow: [], keys: [])) == [])
        #expect(one(.percentile(.nan), v) == .null)
        #expect(one(.percentile(7), v) == .decimal(3))
    }
}

@Suite("Kernel: percentile selection against sorting")
struct KernelPercentileSelectionTests {
    /// quantile_cont computed the obvious way.
    func reference(_ values: [Int64], _ q: Double) -> Double {
        let sorted = values.sorted()
        let position = q * Double(sorted.count - 1)
        let k = Int(position)
        let fraction = position - Double(k)
        let lo = Double(sorted[k])
        if fraction == 0 { return lo }
        return lo + (Double(sorted[k + 1]) - lo) * fraction
    }

    @Test(arguments: [1, 2, 17, 49, 50, 1000, 5000, 70_000])
    func matchesSorting(size: Int) {
        var state: UInt64 = UInt64(size) &* 2654435761
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 11
        }
        let shapes: [(String, () -> Int64)] = [
            ("uniform", { Int64(next() % 1_000_000) - 500_000 }),
            ("few values", { Int64(next() % 4) }),
            ("wide", { Int64(bitPattern: next() << 11) }),
            ("extremes", { [Int64.min, Int64.max, 0, -1][Int(next() % 4)] }),
            ("skewed", { Int64(1) << Int64(next() % 40) }),
        ]
        for (name, make) in shapes {
            let values = (0..<size).map { _ in make() }
            let column = intColumn("x", values.map { Optional($0) })
            for q in [0.0, 0.1, 0.5, 0.9, 0.99, 1.0] {
                let got = Aggregate.compute(.percentile(q), column: column, selection: nil, rowCount: size, grouping: nil)
                let expected = reference(values, q)
                guard case .decimal(let v) = got.first ?? .null else {
                    Issue.record("\(name) q=\(q): not a decimal")
                    continue
                }
                let tolerance = max(1e-9, abs(expected) * 1e-12)
                #expect(abs(v - expected) <= tolerance, "\(name) n=\(size) q=\(q): \(v) vs \(expected)")
            }
        }
    }

    @Test func decimalsWithNegativesAndGroups() {
        let values: [Double] = (0..<3000).map { Double(($0 * 7919) % 3000) / 8 - 100 }
        let keys = intColumn("k", (0..<3000).map { Int64($0 % 3) })
        let g = GroupBy.group(keys: [keys], selection: nil, rowCount: 3000)
        let got = Aggregate.compute(.percentile(0.9), column: decimalColumn("x", values), selection: nil, rowCount: 3000, grouping: g)
        for group in 0..<3 {
            let members = stride(from: group, to: 3000, by: 3).map { values[$0] }.sorted()
            let position = 0.9 * Double(members.count - 1)
            let k = Int(position)
            let expected = members[k] + (members[k + 1] - members[k]) * (position - Double(k))
            #expect(approximately(got[group], expected))
        }
    }
}
