import Testing
@testable import FunnelEngine

@Suite("Kernel: a million rows")
struct KernelScaleTests {
    @Test func groupByTextAndAggregateAtSize() {
        let n = 1_000_000
        let names = ["paid_search", "organic", "email", "referral", "social"]
        // Dictionary in a scrambled order; row i has code i % 5 and is null every 97th row.
        var nulls = Validity(count: n, allValid: true)
        var codes = [Int32](repeating: 0, count: n)
        var amounts = [Int64](repeating: 0, count: n)
        for i in 0..<n {
            codes[i] = Int32(i % 5)
            amounts[i] = Int64(i % 1000)
            if i % 97 == 0 { nulls.clear(i) }
        }
        let source = Column(name: "source", storage: .text(codes: TextCodes(codes), dictionary: TextDictionary(names)), validity: nulls)
        let amount = Column(name: "amount", storage: .integer(.narrowest(amounts)))
        let g = GroupBy.group(keys: [source], selection: nil, rowCount: n)
        #expect(g.groupCount == 6)
        #expect(values(g.keys[0]) == [.text("email"), .text("organic"), .text("paid_search"), .text("referral"), .text("social"), .null])

        // Expected counts, computed the slow way.
        var expectedCounts = [Int64](repeating: 0, count: 6)
        var expectedSums = [Int64](repeating: 0, count: 6)
        let groupOfCode = [2, 1, 0, 3, 4]
        for i in 0..<n {
            let group = i % 97 == 0 ? 5 : groupOfCode[i % 5]
            expectedCounts[group] += 1
            expectedSums[group] += Int64(i % 1000)
        }
        let counts = Aggregate.compute(.countRows, column: nil, selection: nil, rowCount: n, grouping: g)
        #expect(counts == expectedCounts.map { .integer($0) })
        let sums = Aggregate.compute(.sum, column: amount, selection: nil, rowCount: n, grouping: g)
        #expect(sums == expectedSums.map { .integer($0) })
        #expect(expectedCounts.reduce(0, +) == Int64(n))

        // Two keys over a selection: every other row, by source and amount bucket (high cardinality).
        let selection = Selection(stride(from: 0, to: n, by: 2).map { Int32($0) })
        let two = GroupBy.group(keys: [source, amount], selection: selection, rowCount: n)
        // Even rows: code in {0, 2, 4} paired with even amounts; amount i%1000 with i even has 500
        // values, each (i%5, i%1000) determined by i mod 5000 restricted to evens: 2500 pairs, plus
        // the null-source rows (even multiples of 97) that have their own amounts.
        var seen = Set<Int>()
        for i in stride(from: 0, to: n, by: 2) { seen.insert((i % 97 == 0 ? 5 : i % 5) * 1000 + i % 1000) }
        #expect(two.groupCount == seen.count)
        let total = Aggregate.compute(.countRows, column: nil, selection: selection, rowCount: n, grouping: two)
            .reduce(Int64(0)) { acc, v in if case .integer(let c) = v { return acc + c } else { return acc } }
        #expect(total == Int64(n / 2))
        let median = Aggregate.compute(.median, column: amount, selection: nil, rowCount: n, grouping: nil)
        #expect(median == [.decimal(499.5)])
    }
}
