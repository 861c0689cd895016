import Testing
@testable import FunnelAnalytics
import FunnelEngine

@Suite("Counts by period against a row-by-row reference")
struct CountsByPeriodTests {
    /// Each reached row adds one to its stage time's period, in the selection only.
    static func reference(_ reach: Reach, times: [IntegerValues?], unit: DateUnit) -> [Int: [Int]] {
        var out: [Int: [Int]] = [:]
        let selected = reach.selection.map { Set($0.map(Int.init)) }
        for r in 0..<reach.rowCount where selected?.contains(r) ?? true {
            for k in 0..<reach.stageCount where reach.reached[k][r] {
                guard let t = times[k]?[r] else { continue }
                let start = Periods.start(ofDay: CivilDate.days(fromSeconds: t), unit: unit)
                out[start, default: [Int](repeating: 0, count: reach.stageCount)][k] += 1
            }
        }
        return out
    }

    // 150,003 rows: two parts on two cores, words of eight flags and a tail; flags dense and sparse.
    @Test(arguments: [(1, false), (2, true)])
    func matchesReference(seed: UInt64, selected: Bool) {
        let n = 150_003
        var mix = VelocityTests.Mix(state: seed)
        let density = [100, 40, 12, 3, 0]
        var reached: [[Bool]] = []
        var times: [IntegerValues?] = []
        for k in 0..<5 {
            reached.append((0..<n).map { _ in Int.random(in: 0..<100, using: &mix) < density[k] })
            // Mostly in time order, as exports are, with some rows out of it.
            times.append(k == 3 ? nil : .narrowest((0..<n).map { r in
                Int64(r) * 200 + Int64(Int.random(in: 0..<(k == 2 ? 9_000_000 : 1000), using: &mix))
            }))
        }
        let selection: Selection? = selected ? (0..<n).filter { $0 % 5 != 2 }.map { Int32($0) } : nil
        let reach = Reach(reached: reached.map { Validity(packing: $0) }, fromTimes: [], rowCount: n, selection: selection,
                          counts: reached.map { $0.filter { $0 }.count })
        for unit in [DateUnit.month, .week, .day] {
            let counted = FunnelGrouping.countsByPeriod(reach, times: times, unit: unit)
            let expected = Self.reference(reach, times: times, unit: unit)
            #expect(counted == expected, "by \(unit)")
            #expect(counted.values.reduce(0) { $0 + $1[0] } > 0)
        }
    }
}

@Suite("Counts by group against a row-by-row reference")
struct CountsByGroupTests {
    /// 150,003 rows (a last word of 64 rows that is not full); stages reached by most rows
    /// (counted row by row) and by few (counted by their set bits); rows of no group (-1) and
    /// rows outside the selection count nowhere.
    @Test(arguments: [(3, false), (4, true)])
    func matchesReference(seed: UInt64, selected: Bool) {
        let n = 150_003, groups = 7
        var mix = VelocityTests.Mix(state: seed)
        let density = [100, 60, 12, 3, 0]
        let reached = density.map { d in (0..<n).map { _ in Int.random(in: 0..<100, using: &mix) < d } }
        let groupOfRow = (0..<n).map { _ in Int32(Int.random(in: -1..<groups, using: &mix)) }
        let selection: Selection? = selected ? (0..<n).filter { $0 % 7 != 3 }.map { Int32($0) } : nil
        let reach = Reach(reached: reached.map { Validity(packing: $0) }, fromTimes: [], rowCount: n, selection: selection,
                          counts: reached.map { $0.filter { $0 }.count })
        let counted = FunnelGrouping.counts(reach, grouping: Grouping(groupCount: groups, groupOfRow: groupOfRow, keys: []))
        var expected = [[Int]](repeating: [Int](repeating: 0, count: density.count), count: groups)
        let inSelection = selection.map { Set($0.map(Int.init)) }
        for r in 0..<n where groupOfRow[r] >= 0 && inSelection?.contains(r) ?? true {
            for k in density.indices where reached[k][r] { expected[Int(groupOfRow[r])][k] += 1 }
        }
        #expect(counted == expected)
        #expect(expected.allSatisfy { $0[0] > 0 && $0[3] > 0 })
    }
}
