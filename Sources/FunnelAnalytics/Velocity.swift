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
        guard last >= 0 else { return (steps, endToEnd) }
        for k in 0..<reach.stageCount { steps[k].reserveCapacity(reach.count(k)) }
        endToEnd.reserveCapacity(reach.count(last))
        // The time a row reached a stage minus the time of the last timed stage it reached before:
        // the same "from" time the reach computation used for its order check.
        forEachSelectedRow(reach.selection, reach.rowCount) { r in
            if let group, !group(r) { return }
            var previous: Int64? = nil
            var first: Int64? = nil
            for k in 0..<reach.stageCount where reach.reached[k][r] {
                guard let t = times[k], r < t.count else { continue }
                if let previous { steps[k].append(t[r] - previous) }
                previous = t[r]
                if first == nil { first = t[r] }
            }
            if reach.reached[last][r], let first, let t = times[last], r < t.count {
                endToEnd.append(t[r] - first)
            }
        }
        return (steps, endToEnd)
    }
}
