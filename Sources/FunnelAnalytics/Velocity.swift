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
        let days = seconds.map { Double($0) / 86_400 }.sorted()
        func quantile(_ q: Double) -> Double {
            let position = q * Double(days.count - 1)
            let lower = Int(position.rounded(.down)), upper = Int(position.rounded(.up))
            return days[lower] + (days[upper] - days[lower]) * (position - Double(lower))
        }
        return DurationSummary(count: days.count, medianDays: quantile(0.5), p90Days: quantile(0.9), meanDays: days.reduce(0, +) / Double(days.count))
    }
}

public enum Velocity {
    /// Durations in seconds for each step (index = later stage; step 0 is empty) of rows that reached
    /// it with both times known, and end to end from the first timed stage to the last stage.
    public static func durations(_ reach: Reach, times: [[Int64]?], rowsIn group: ((Int) -> Bool)? = nil) -> (steps: [[Int64]], endToEnd: [Int64]) {
        var steps = [[Int64]](repeating: [], count: reach.stageCount)
        var endToEnd: [Int64] = []
        let last = reach.stageCount - 1
        forEachSelectedRow(reach.selection, reach.rowCount) { r in
            if let group, !group(r) { return }
            var first: Int64? = nil
            for k in 0..<reach.stageCount where reach.reached[k][r] {
                guard let t = times[k], r < t.count else { continue }
                if first == nil { first = t[r] }
                if let from = reach.fromTimes[k][r] { steps[k].append(t[r] - from) }
            }
            if last >= 0, reach.reached[last][r], let first, let t = times[last], r < t.count {
                endToEnd.append(t[r] - first)
            }
        }
        return (steps, endToEnd)
    }
}
