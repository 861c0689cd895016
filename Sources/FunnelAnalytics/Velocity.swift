import FunnelEngine

/// Time from one stage to the next, per step and end to end: the median and p90 that analysts
/// ask for, and the mean.
public struct DurationSummary: Sendable, Equatable {
    public var count: Int
    public var medianDays: Double?
    public var p90Days: Double?
    public var meanDays: Double?

    public static func of(_ seconds: [Int64]) -> DurationSummary {
        guard !seconds.isEmpty else { return DurationSummary(count: 0, medianDays: nil, p90Days: nil, meanDays: nil) }
        // The engine's percentile kernel selects instead of sorting: linear in the number of rows.
        let column = Column(name: "", storage: .decimal(seconds.map { Double($0) / 86_400 }))
        func one(_ f: AggregateFunction) -> Double? {
            Aggregate.compute(f, column: column, selection: nil, rowCount: seconds.count, grouping: nil).first?.number
        }
        return DurationSummary(count: seconds.count, medianDays: one(.median), p90Days: one(.percentile(0.9)), meanDays: one(.avg))
    }
}

public enum Velocity {
    /// Durations in seconds for each step (index = later stage; step 0 is empty) of rows that reached
    /// it with both times known, and end to end from the first timed stage to the last stage.
    public static func durations(_ reach: Reach, times: [[Int64]?], rowsIn group: ((Int) -> Bool)? = nil) -> (steps: [[Int64]], endToEnd: [Int64]) {
        var steps = [[Int64]](repeating: [], count: reach.stageCount)
        var endToEnd: [Int64] = []
        let last = reach.stageCount - 1
        let rowCount = reach.rowCount
        guard last >= 0, rowCount > 0 else { return (steps, endToEnd) }
        // Column-wise, as reach is computed: per row, the time of the last timed stage reached so far.
        let unknown = Reach.unknown
        var previous = [Int64](repeating: unknown, count: rowCount)
        var first = [Int64](repeating: unknown, count: rowCount)
        var included = [Bool](repeating: reach.selection == nil, count: rowCount)
        if let selection = reach.selection { for r in selection where Int(r) < rowCount { included[Int(r)] = true } }
        if let group { for r in 0..<rowCount where included[r] && !group(r) { included[r] = false } }
        for k in 0..<reach.stageCount {
            guard let t = times[k], t.count == rowCount else { continue }
            var out: [Int64] = []
            out.reserveCapacity(reach.count(k))
            reach.reached[k].withUnsafeBufferPointer { reached in
                t.withUnsafeBufferPointer { time in
                    included.withUnsafeBufferPointer { inc in
                        previous.withUnsafeMutableBufferPointer { prev in
                            first.withUnsafeMutableBufferPointer { firstTime in
                                for r in 0..<rowCount where inc[r] && reached[r] {
                                    if prev[r] != unknown { out.append(time[r] &- prev[r]) }
                                    prev[r] = time[r]
                                    if firstTime[r] == unknown { firstTime[r] = time[r] }
                                }
                            }
                        }
                    }
                }
            }
            steps[k] = out
        }
        if let t = times[last], t.count == rowCount {
            endToEnd.reserveCapacity(reach.count(last))
            for r in 0..<rowCount where included[r] && reach.reached[last][r] && first[r] != unknown {
                endToEnd.append(t[r] &- first[r])
            }
        }
        return (steps, endToEnd)
    }

    /// Durations per group in one pass over the rows: `groupOfRow` gives each row's group (or -1).
    /// Returns, per group, the step durations (index = later stage) and the end-to-end ones.
    public static func durationsByGroup(_ reach: Reach, times: [[Int64]?], groupOfRow: [Int32], groupCount: Int) -> [(steps: [[Int64]], endToEnd: [Int64])] {
        var out = [(steps: [[Int64]], endToEnd: [Int64])](repeating: ([[Int64]](repeating: [], count: reach.stageCount), []), count: max(0, groupCount))
        let last = reach.stageCount - 1
        let rowCount = reach.rowCount
        guard last >= 0, rowCount > 0, groupOfRow.count == rowCount, groupCount > 0 else { return out }
        let unknown = Reach.unknown
        var previous = [Int64](repeating: unknown, count: rowCount)
        var first = [Int64](repeating: unknown, count: rowCount)
        var included = [Bool](repeating: reach.selection == nil, count: rowCount)
        if let selection = reach.selection { for r in selection where Int(r) < rowCount { included[Int(r)] = true } }
        for k in 0..<reach.stageCount {
            guard let t = times[k], t.count == rowCount else { continue }
            for r in 0..<rowCount where included[r] && reach.reached[k][r] {
                let g = Int(groupOfRow[r])
                if g >= 0 && g < groupCount && previous[r] != unknown { out[g].steps[k].append(t[r] &- previous[r]) }
                previous[r] = t[r]
                if first[r] == unknown { first[r] = t[r] }
            }
        }
        if let t = times[last], t.count == rowCount {
            for r in 0..<rowCount where included[r] && reach.reached[last][r] && first[r] != unknown {
                let g = Int(groupOfRow[r])
                if g >= 0 && g < groupCount { out[g].endToEnd.append(t[r] &- first[r]) }
            }
        }
        return out
    }
}
