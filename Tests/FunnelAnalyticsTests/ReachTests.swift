import Testing
@testable import FunnelAnalytics
import FunnelEngine

@Suite("Reach against a row-by-row reference")
struct ReachTests {
    /// The rule of `FunnelReach.compute`, one row at a time. A stage without times records no
    /// from-time.
    static func reference(_ data: FunnelData) -> (reached: [[Bool]], from: [[Int64]]) {
        let n = data.rowCount
        var reached = [[Bool]](repeating: [Bool](repeating: false, count: n), count: data.stages.count)
        var from = [[Int64]](repeating: [Int64](repeating: Reach.unknown, count: n), count: data.stages.count)
        let selected = data.selection.map { Set($0.map(Int.init)) }
        for r in 0..<n {
            var ok = selected?.contains(r) ?? true
            var previous = Reach.unknown
            var first = Reach.unknown
            for (k, stage) in data.stages.enumerated() {
                var here = ok && stage.eligible.isValid(r)
                if here, let t = stage.times?[r] {
                    if previous != Reach.unknown && t < previous { here = false }
                    if let w = data.window, first != Reach.unknown, t - first > w { here = false }
                    if here {
                        from[k][r] = previous
                        previous = t
                        if first == Reach.unknown { first = t }
                    }
                }
                reached[k][r] = here
                ok = here || (stage.optional && ok)
            }
        }
        return (reached, from)
    }

    /// The rows left out, from reached flags: per stage the rows that reached the first stage and
    /// meet the stage but are not counted in it; and the rows that reached the first stage with a
    /// counted time at or after `endOfAsOf`.
    static func leftOut(_ data: FunnelData, reached: [[Bool]], endOfAsOf: Int64) -> (notCounted: [Int], afterAsOf: Int) {
        var notCounted = [Int](repeating: 0, count: data.stages.count)
        var after = 0
        for r in 0..<data.rowCount where reached[0][r] {
            var late = false
            for (k, stage) in data.stages.enumerated() {
                if stage.eligible.isValid(r) && !reached[k][r] { notCounted[k] += 1 }
                if reached[k][r], let t = stage.times?[r], t >= endOfAsOf { late = true }
            }
            if late { after += 1 }
        }
        return (notCounted, after)
    }

    @Test(arguments: [(1, false, false), (2, true, false), (3, false, true), (4, true, true)])
    func manyBlocksOnTwoCores(seed: UInt64, window: Bool, selected: Bool) {
        // 150,003 rows: two halves of several blocks each, and a last block that is not full.
        let n = 150_003
        var mix = VelocityTests.Mix(state: seed)
        var stages: [StageData] = []
        for k in 0..<5 {
            let timed = k != 2
            let times: [Int64]? = timed ? (0..<n).map { _ in Int64.random(in: 0..<400, using: &mix) * 86_400 } : nil
            let eligible = (0..<n).map { _ in Int.random(in: 0..<10, using: &mix) < 7 }
            // Stage times at both widths a column can hold them in, side by side.
            stages.append(StageData(name: "s\(k)", times: times.map { k % 2 == 0 ? .int64($0) : .narrowest($0) }, eligible: eligible, optional: k == 1))
        }
        let selection: Selection? = selected ? (0..<n).filter { $0 % 3 != 1 }.map { Int32($0) } : nil
        let data = FunnelData(rowCount: n, selection: selection, stages: stages, window: window ? 120 * 86_400 : nil)
        let endOfAsOf: Int64 = 300 * 86_400
        let reach = FunnelReach.compute(data, recordFromTimes: true, endOfAsOf: endOfAsOf)
        let expected = Self.reference(data)
        let leftOut = Self.leftOut(data, reached: expected.reached, endOfAsOf: endOfAsOf)
        #expect(reach.notCounted == leftOut.notCounted)
        #expect(reach.afterAsOf == leftOut.afterAsOf)
        #expect(leftOut.afterAsOf > 0 && leftOut.notCounted.reduce(0, +) > 0)
        // Counted, not compared whole: a failure prints two numbers, not a million.
        let reachedDiffer = (0..<5).reduce(0) { sum, k in sum + (0..<n).filter { reach.reached[k][$0] != expected.reached[k][$0] }.count }
        let fromDiffer = (0..<5).reduce(0) { sum, k in sum + (0..<n).filter { reach.fromTimes[k][$0] != expected.from[k][$0] }.count }
        #expect(reachedDiffer == 0)
        #expect(fromDiffer == 0)
        #expect(reach.counts == expected.reached.map { $0.filter { $0 }.count })
        for k in 0..<5 where stages[k].times != nil {
            let times = (0..<n).filter { expected.reached[k][$0] }.compactMap { stages[k].times?[$0] }
            if let low = times.min(), let high = times.max() {
                #expect(reach.timeRanges[k]?.first == low && reach.timeRanges[k]?.last == high)
            } else {
                #expect(reach.timeRanges[k] == nil)
            }
        }
    }
}

@Suite("Reach updated for the rows a what-if changes")
struct ReachUpdateTests {
    static func data(_ n: Int, seed: UInt64, window: Bool, selected: Bool) -> FunnelData {
        var mix = VelocityTests.Mix(state: seed)
        var stages: [StageData] = []
        for k in 0..<5 {
            let timed = k != 3
            let times: [Int64]? = timed ? (0..<n).map { _ in Int64.random(in: 0..<400, using: &mix) * 86_400 } : nil
            let eligible = (0..<n).map { _ in Int.random(in: 0..<10, using: &mix) < 7 }
            // Stage times at both widths a column can hold them in, side by side.
            stages.append(StageData(name: "s\(k)", times: times.map { k % 2 == 0 ? .int64($0) : .narrowest($0) }, eligible: eligible, optional: k == 1))
        }
        let selection: Selection? = selected ? (0..<n).filter { $0 % 3 != 1 }.map { Int32($0) } : nil
        return FunnelData(rowCount: n, selection: selection, stages: stages, window: window ? 120 * 86_400 : nil)
    }

    /// The what-if's stage: its condition flipped for some rows, its time moved for others.
    static func changed(_ data: FunnelData, stage k: Int, every step: Int) -> FunnelData {
        var out = data
        for r in stride(from: 0, to: data.rowCount, by: step) {
            if out.stages[k].eligible.isValid(r) { out.stages[k].eligible.clear(r) } else { out.stages[k].eligible.set(r) }
        }
        if out.stages[k].times != nil {
            var moved = out.stages[k].times?.wide ?? []
            for r in stride(from: step / 2, to: data.rowCount, by: step) { moved[r] += 3 * 86_400 }
            out.stages[k].times = .narrowest(moved)
        }
        return out
    }

    @Test(arguments: [(1, false, false), (2, true, false), (3, false, true), (4, true, true)])
    func sameAsComputedWhole(seed: UInt64, window: Bool, selected: Bool) throws {
        let n = 20_011
        let endOfAsOf: Int64 = 300 * 86_400
        let before = Self.data(n, seed: seed, window: window, selected: selected)
        let previous = FunnelReach.compute(before, endOfAsOf: endOfAsOf)
        var changes = 0
        for (stage, step) in [(1, 40), (0, 97), (2, 29), (4, 25)] {
            let after = Self.changed(before, stage: stage, every: step)
            let whole = FunnelReach.compute(after, endOfAsOf: endOfAsOf)
            let updated = try #require(FunnelReach.updating(previous, of: before, to: after, changedStages: [stage], endOfAsOf: endOfAsOf))
            #expect(updated.counts == whole.counts, "stage \(stage)")
            #expect(updated.notCounted == whole.notCounted, "stage \(stage)")
            #expect(updated.afterAsOf == whole.afterAsOf, "stage \(stage)")
            #expect((0..<5).allSatisfy { updated.reached[$0] == whole.reached[$0] }, "stage \(stage)")
            #expect(updated.timeRanges.map { $0.map { [$0.first, $0.last] } } == whole.timeRanges.map { $0.map { [$0.first, $0.last] } },
                    "stage \(stage)")
            changes += (0..<5).filter { updated.reached[$0] != previous.reached[$0] }.count
        }
        #expect(changes >= 4)
    }

    @Test func wholeWhenManyRowsChangeOrTheInputsDoNotMatch() {
        let before = Self.data(5_000, seed: 9, window: false, selected: false)
        let previous = FunnelReach.compute(before)
        #expect(FunnelReach.updating(previous, of: before, to: Self.changed(before, stage: 1, every: 2), changedStages: [1], endOfAsOf: .max) == nil)
        var otherWindow = before
        otherWindow.window = 86_400
        #expect(FunnelReach.updating(previous, of: before, to: otherWindow, changedStages: [], endOfAsOf: .max) == nil)
        let withFrom = FunnelReach.compute(before, recordFromTimes: true)
        #expect(FunnelReach.updating(withFrom, of: before, to: before, changedStages: [], endOfAsOf: .max) == nil)
        #expect(FunnelReach.updating(previous, of: before, to: before, changedStages: [7], endOfAsOf: .max) == nil)
    }
}
