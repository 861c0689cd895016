import FunnelEngine

extension FunnelReach {
    /// Any order: a row counts at each stage whose condition holds and whose time is there, and
    /// (with a window) that time within the window of the row's earliest stage time. Rows are
    /// not counted at a stage they meet only when it falls outside the window.
    static func computeAnyOrder(_ data: FunnelData, recordFromTimes: Bool, endOfAsOf: Int64) -> Reach {
        let stageCount = data.stages.count, rowCount = data.rowCount
        let valid = data.stages.allSatisfy { $0.eligible.count == rowCount && ($0.times.map { $0.count == rowCount } ?? true) }
        var counts = [Int](repeating: 0, count: stageCount)
        var notCounted = [Int](repeating: 0, count: stageCount)
        var words = [[UInt64]](repeating: [UInt64](repeating: 0, count: (rowCount + 63) >> 6), count: stageCount)
        var fromTimes: [[Int64]] = recordFromTimes
            ? [[Int64]](repeating: [Int64](repeating: Reach.unknown, count: rowCount), count: stageCount) : []
        var first = [Int64](repeating: Int64.max, count: stageCount)
        var last = [Int64](repeating: Int64.min, count: stageCount)
        var afterAsOf = 0
        if valid {
            let window = data.window ?? Int64.max
            var meets = [Bool](repeating: false, count: stageCount)
            var times = [Int64?](repeating: nil, count: stageCount)
            forEachRow(data.selection, below: rowCount) { r in
                var earliest = Int64.max
                for k in 0..<stageCount {
                    meets[k] = data.stages[k].eligible[r]
                    times[k] = meets[k] ? data.stages[k].times.map { $0[r] } : nil
                    if let t = times[k] { earliest = min(earliest, t) }
                }
                var late = false
                var previous: Int64? = nil
                for k in 0..<stageCount {
                    defer { previous = meets[k] ? times[k] : nil }
                    guard meets[k] else { continue }
                    if let t = times[k] {
                        guard t &- earliest <= window else {
                            notCounted[k] += 1
                            meets[k] = false
                            continue
                        }
                        first[k] = min(first[k], t)
                        last[k] = max(last[k], t)
                        late = late || t >= endOfAsOf
                    }
                    words[k][r >> 6] |= 1 &<< UInt64(r & 63)
                    counts[k] += 1
                    if recordFromTimes, let previous { fromTimes[k][r] = previous }
                }
                if late { afterAsOf += 1 }
            }
        }
        var reach = Reach(reached: words.map { Validity(words: $0, count: rowCount) }, fromTimes: fromTimes, rowCount: rowCount,
                          selection: data.selection, counts: counts)
        reach.timeRanges = (0..<stageCount).map { first[$0] <= last[$0] ? (first[$0], last[$0]) : nil }
        reach.notCounted = notCounted
        reach.afterAsOf = afterAsOf
        return reach
    }

    /// The funnel without its exclusions first, to know each row's stage times; then again
    /// without the rows an exclusion drops. A row is dropped by the first exclusion that holds.
    static func computeExcluding(_ data: FunnelData, recordFromTimes: Bool, endOfAsOf: Int64) -> Reach {
        var plain = data
        plain.exclusions = []
        let before = compute(plain, recordFromTimes: false, endOfAsOf: endOfAsOf)
        let rowCount = data.rowCount
        var dropped = [Bool](repeating: false, count: rowCount)
        var excluded = [Int](repeating: 0, count: data.exclusions.count)
        for (i, exclusion) in data.exclusions.enumerated() {
            guard exclusion.from < data.stages.count, exclusion.to < data.stages.count,
                  let fromTimes = data.stages[exclusion.from].times, let toTimes = data.stages[exclusion.to].times,
                  exclusion.times.count == rowCount, exclusion.eligible.count == rowCount,
                  before.reached[exclusion.from].count == rowCount, before.reached[exclusion.to].count == rowCount
            else { continue }
            forEachRow(data.selection, below: rowCount) { r in
                guard !dropped[r], before.reached[exclusion.from][r], exclusion.eligible[r] else { return }
                let time = exclusion.times[r]
                let end = before.reached[exclusion.to][r] ? toTimes[r] : Int64.max
                if time >= fromTimes[r] && time < end {
                    dropped[r] = true
                    excluded[i] += 1
                }
            }
        }
        var kept: Selection = []
        forEachRow(data.selection, below: rowCount) { r in if !dropped[r] { kept.append(Int32(r)) } }
        plain.selection = kept
        var reach = compute(plain, recordFromTimes: recordFromTimes, endOfAsOf: endOfAsOf)
        reach.excluded = excluded
        return reach
    }
}
