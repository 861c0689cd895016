import FunnelEngine

// What-ifs change one rule; the rule changes a stage's condition for a few rows, and every other
// row reaches what it reached before. Computing those rows again, not all of them, keeps a what-if
// as quick as the funnel it starts from.

extension FunnelReach {
    /// The reach of `data`, from `previous`, the reach of `previousData` (computed with the same
    /// `endOfAsOf` and no from-times): the two differ only in the inputs of the stages in
    /// `changedStages`, over the same rows, selection and window. Only the rows whose inputs
    /// changed are followed again. nil when that would not pay (many rows changed) or the two
    /// do not match; then compute the reach whole.
    public static func updating(_ previous: Reach, of previousData: FunnelData, to data: FunnelData, changedStages: [Int],
                                endOfAsOf: Int64) -> Reach? {
        let stageCount = data.stages.count, rowCount = data.rowCount
        guard stageCount <= 64, data.order == .inOrder, data.exclusions.isEmpty, previousData.order == .inOrder, previousData.exclusions.isEmpty,
              previousData.stages.count == stageCount, previous.stageCount == stageCount,
              previousData.rowCount == rowCount, previous.rowCount == rowCount, previous.fromTimes.isEmpty,
              previous.notCounted.count == stageCount, previous.timeRanges.count == stageCount, previous.counts.count == stageCount,
              previousData.window == data.window, previous.selection == data.selection, previousData.selection == data.selection,
              changedStages.allSatisfy({ (0..<stageCount).contains($0) }),
              previous.reached.allSatisfy({ $0.count == rowCount }),
              (data.stages + previousData.stages).allSatisfy({ $0.eligible.count == rowCount && ($0.times.map { $0.count == rowCount } ?? true) })
        else { return nil }
        let rows = changedRows(previousData, data, changedStages)
        guard rows.count <= rowCount / 8 else { return nil }
        let selected = data.selection.map { Validity(rows: $0, count: rowCount) }
        let window = data.window ?? Int64.max
        var reach = previous
        var staleRange = [Bool](repeating: false, count: stageCount)
        for r in rows {
            let isSelected = selected?[r] ?? true
            let before = RowReach(previousData.stages, r, selected: isSelected, window: window, endOfAsOf: endOfAsOf)
            let after = RowReach(data.stages, r, selected: isSelected, window: window, endOfAsOf: endOfAsOf)
            for k in 0..<stageCount {
                let was = before.reached(k), isNow = after.reached(k)
                if was != isNow {
                    reach.reached[k][r] = isNow
                    reach.counts[k] += isNow ? 1 : -1
                }
                reach.notCounted[k] += (after.missed(k) ? 1 : 0) - (before.missed(k) ? 1 : 0)
                // A row that leaves may have held the earliest or latest time: found again below.
                if was, let t = previousData.stages[k].times?[r], let range = reach.timeRanges[k], t == range.first || t == range.last {
                    staleRange[k] = true
                }
                if isNow, let t = data.stages[k].times?[r] {
                    let range = reach.timeRanges[k]
                    reach.timeRanges[k] = (min(range?.first ?? t, t), max(range?.last ?? t, t))
                }
            }
            reach.afterAsOf += (after.late ? 1 : 0) - (before.late ? 1 : 0)
        }
        for k in 0..<stageCount where staleRange[k] {
            reach.timeRanges[k] = timeRange(reached: reach.reached[k], times: data.stages[k].times)
        }
        return reach
    }

    /// The rows where some changed stage's inputs differ: its condition, or its time where the
    /// stage may count the row.
    private static func changedRows(_ old: FunnelData, _ new: FunnelData, _ stages: [Int]) -> [Int] {
        let rowCount = new.rowCount
        var differs = [UInt8](repeating: 0, count: rowCount)
        differs.withUnsafeMutableBufferPointer { d in
            for k in stages {
                // The rows where the old and new conditions differ.
                let a = old.stages[k].eligible.words, b = new.stages[k].eligible.words
                for w in 0..<min(a.count, b.count) {
                    var differ = a[w] ^ b[w]
                    while differ != 0 {
                        let r = w << 6 + differ.trailingZeroBitCount
                        if r < rowCount { d[r] = 1 }
                        differ &= differ &- 1
                    }
                }
                // Where the new condition holds, the rows whose time moved (none when both read
                // the same column of times: a rule changed, not the stage's `at`).
                switch (old.stages[k].times, new.stages[k].times) {
                case (nil, nil): continue
                case (let x?, let y?) where sameStorage(x, y): continue
                default: break
                }
                new.stages[k].eligible.flags.withUnsafeBytes { b in
                    switch (old.stages[k].times, new.stages[k].times) {
                    case (let x?, let y?):
                        x.withReader { x in
                            y.withReader { y in
                                guard let x, let y else { return }
                                for r in 0..<rowCount { d[r] |= b[r] & (x[r] != y[r] ? 1 : 0) }
                            }
                        }
                    default:
                        for r in 0..<rowCount { d[r] |= b[r] }
                    }
                }
            }
        }
        var rows: [Int] = []
        for r in 0..<rowCount where differs[r] != 0 { rows.append(r) }
        return rows
    }

    /// Whether two columns of times are one stored array.
    private static func sameStorage(_ x: IntegerValues, _ y: IntegerValues) -> Bool {
        x.withReader { a in y.withReader { b in a?.base == b?.base && a?.shift == b?.shift } }
    }

    private static func timeRange(reached: Validity, times: IntegerValues?) -> (first: Int64, last: Int64)? {
        guard let times else { return nil }
        var first = Int64.max, last = Int64.min
        reached.forEachRow(valid: true, below: times.count) { r in
            first = min(first, times[r])
            last = max(last, times[r])
        }
        return first <= last ? (first, last) : nil
    }
}

/// One row through every stage, by the rule of `FunnelReach.compute`: the stages it reaches,
/// those it is left out of (meets them after reaching the first, not counted), and whether it
/// reached the first stage with a counted time at or after the as-of end.
private struct RowReach {
    var reachedStages: UInt64 = 0
    var missedStages: UInt64 = 0
    var late = false

    init(_ stages: [StageData], _ r: Int, selected: Bool, window: Int64, endOfAsOf: Int64) {
        var ok = selected
        var previous = Reach.unknown, first = Reach.unknown
        var entered = false, lateTime = false
        for (k, stage) in stages.enumerated() {
            let eligible = r < stage.eligible.count && stage.eligible.isValid(r)
            var here = ok && eligible
            if here, let t = stage.times?[r] {
                let inOrder = previous == Reach.unknown || t >= previous
                let inWindow = first == Reach.unknown || t &- first <= window
                here = inOrder && inWindow
                if here {
                    lateTime = lateTime || t >= endOfAsOf
                    previous = t
                    if first == Reach.unknown { first = t }
                }
            }
            if k == 0 { entered = here }
            if here { reachedStages |= 1 << UInt64(k) }
            if entered && eligible && !here { missedStages |= 1 << UInt64(k) }
            ok = here || (stage.optional && ok)
        }
        late = entered && lateTime
    }

    func reached(_ k: Int) -> Bool { reachedStages >> UInt64(k) & 1 == 1 }
    func missed(_ k: Int) -> Bool { missedStages >> UInt64(k) & 1 == 1 }
}
