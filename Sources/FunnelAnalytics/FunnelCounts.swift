import Dispatch
import FunnelEngine

/// A step from one stage to a later one, by the stages' indices.
public struct Step: Hashable, Sendable {
    public var from: Int
    public var to: Int

    public init(from: Int, to: Int) {
        self.from = from
        self.to = to
    }
}

/// Stage counts and the rates between them, for one funnel or one slice of it.
public struct FunnelCounts: Sendable, Equatable {
    public var stages: [String]
    public var counts: [Double]
    /// For a step that starts at an optional stage: the rows that reached both stages. Rows may
    /// reach the later stage without the optional one, so a rate over the two counts would mix
    /// populations (436 SQLs over 808 MQLs when 96 of the SQLs never were MQLs).
    public var joint: [Step: Double]

    public init(stages: [String], counts: [Double], joint: [Step: Double] = [:]) {
        self.stages = stages
        self.counts = counts
        self.joint = joint
    }

    /// The rows of stage `to` that went through stage `from`.
    public func continued(from a: Int, to b: Int) -> Double? {
        guard a >= 0, b < counts.count, a < b else { return nil }
        return joint[Step(from: a, to: b)] ?? counts[b]
    }

    /// The rows of stage k that skipped the (optional) stage before it; nil when none could.
    public func skipped(into k: Int) -> Double? {
        guard k > 0, k < counts.count, let both = joint[Step(from: k - 1, to: k)] else { return nil }
        return counts[k] - both
    }

    /// The share of stage k-1 that went on to stage k; nil for the first stage or a zero denominator.
    public func stepRate(_ k: Int) -> Double? {
        rate(from: k - 1, to: k)
    }

    /// count(k) / count(first); nil for a zero first stage.
    public func overallRate(_ k: Int) -> Double? {
        guard k < counts.count, let first = counts.first, first != 0 else { return nil }
        return counts[k] / first
    }

    /// The share of stage a's rows that reached stage b.
    public func rate(from a: Int, to b: Int) -> Double? {
        guard let through = continued(from: a, to: b), counts[a] != 0 else { return nil }
        return through / counts[a]
    }

    /// The rows of stage k-1 that did not go on to stage k.
    public func dropOff(_ k: Int) -> Double? {
        guard k > 0, let through = continued(from: k - 1, to: k) else { return nil }
        return counts[k - 1] - through
    }

    /// The step furthest below the same step of `reference` (the whole funnel), as a ratio of the
    /// two rates: a slice's weak spot, not the step that is low everywhere (visits → leads).
    public func worstStep(comparedWith reference: FunnelCounts) -> Int? {
        var worst: (Int, Double)? = nil
        for k in 1..<max(1, counts.count) {
            guard let rate = stepRate(k), let base = reference.stepRate(k), base > 0 else { continue }
            let ratio = rate / base
            if let current = worst, current.1 <= ratio { continue }
            worst = (k, ratio)
        }
        return worst?.0
    }

    /// The step with the lowest conversion (1-based index of the later stage), ignoring steps with no rate.
    public func worstStep() -> Int? {
        var worst: (Int, Double)? = nil
        for k in 1..<max(1, counts.count) {
            guard let rate = stepRate(k) else { continue }
            if let current = worst, current.1 <= rate { continue }
            worst = (k, rate)
        }
        return worst?.0
    }
}

public enum FunnelGrouping {
    /// Counts of row stages per group; groups come from a Grouping over the same table.
    public static func counts(_ reach: Reach, grouping: Grouping) -> [[Int]] {
        let groups = grouping.groupCount, stages = reach.stageCount
        var flat = [Int](repeating: 0, count: groups * stages)
        guard grouping.groupOfRow.count == reach.rowCount else { return [[Int]](repeating: [Int](repeating: 0, count: stages), count: groups) }
        // Stage by stage (sequential reads); rows outside the grouping's selection have group -1.
        let rows = reach.rowCount
        let selected = reach.selection.map { Validity(rows: $0, count: rows) }
        // A stage most rows reached: every row adds its bit (0 or 1, and 0 outside the
        // selection) to its group's count, or to a spare slot when it has no group, without a
        // branch per row (a coin-flip stage would mispredict). A stage few reached: its set bits.
        let spare = groups * stages
        flat.append(0)
        flat.withUnsafeMutableBufferPointer { out in
            grouping.groupOfRow.withUnsafeBufferPointer { groupOf in
                for k in 0..<stages where reach.reached[k].count >= rows {
                    let dense = reach.count(k) > rows / 8
                    reach.reached[k].words.withUnsafeBufferPointer { reached in
                        for w in 0..<((rows + 63) >> 6) {
                            var word = reached[w] & (selected?.words[w] ?? ~0)
                            let base = w << 6
                            if dense {
                                for b in 0..<min(64, rows - base) {
                                    let g = Int(groupOf[base &+ b])
                                    let inGroup = UInt(bitPattern: g) < UInt(groups)
                                    out[inGroup ? g &* stages &+ k : spare] &+= Int(truncatingIfNeeded: (word &>> UInt64(b)) & 1)
                                }
                            } else {
                                while word != 0 {
                                    let g = Int(groupOf[base &+ word.trailingZeroBitCount])
                                    if UInt(bitPattern: g) < UInt(groups) { out[g &* stages &+ k] &+= 1 }
                                    word &= word &- 1
                                }
                            }
                        }
                    }
                }
            }
        }
        return (0..<groups).map { Array(flat[($0 * stages)..<(($0 + 1) * stages)]) }
    }

    /// Counts per period, each stage counted in the period its own time falls in.
    /// Returns period start (days since 1970) → counts per stage; stages without times count nowhere.
    /// Per stage, the rows that reached it at a time in `from..<to` (seconds): a span's counts as
    /// `countsByPeriod` counts a period's (a stage without times counts in no span).
    public static func countsWithin(_ reach: Reach, times: [IntegerValues?], from: Int64, to: Int64) -> [Int] {
        (0..<reach.stageCount).map { k in
            guard k < times.count, let stageTimes = times[k], stageTimes.count == reach.rowCount, reach.reached[k].count == reach.rowCount else { return 0 }
            var count = 0
            forEachRow(reach.selection, below: reach.rowCount) { r in
                if reach.reached[k][r] {
                    let t = stageTimes[r]
                    if t >= from && t < to { count += 1 }
                }
            }
            return count
        }
    }

    public static func countsByPeriod(_ reach: Reach, times: [IntegerValues?], unit: DateUnit) -> [Int: [Int]] {
        let rowCount = reach.rowCount
        let stages = reach.stageCount
        let inSelection = reach.selection.map { Validity(rows: $0, count: rowCount) }
        // The span of times that count, in seconds: kept by the reach computation, else found here.
        var minSecond = Int64.max, maxSecond = Int64.min
        if reach.timeRanges.count == stages {
            for case let range? in reach.timeRanges {
                minSecond = min(minSecond, range.first)
                maxSecond = max(maxSecond, range.last)
            }
        } else {
        for k in 0..<stages {
            guard let stageTimes = times[k], stageTimes.count == rowCount else { continue }
            stageTimes.withReader { reader in
                guard let t = reader else { return }
                reach.reached[k].forEachRow(valid: true, below: rowCount) { r in
                    guard inSelection?[r] ?? true else { return }
                    minSecond = min(minSecond, t[r])
                    maxSecond = max(maxSecond, t[r])
                }
            }
        }
        }
        guard minSecond <= maxSecond else { return [:] }
        let minDay = CivilDate.days(fromSeconds: minSecond), maxDay = CivilDate.days(fromSeconds: maxSecond)
        guard maxDay - minDay < 200 * 366 else { return [:] }
        // Days map to periods through a table over the days that occur: no hashing per row.
        var periodOfDay = [Int32](repeating: 0, count: maxDay - minDay + 1)
        var periodStarts: [Int] = []
        var indexOfStart: [Int: Int32] = [:]
        for d in minDay...maxDay {
            let start = Periods.start(ofDay: d, unit: unit)
            if let i = indexOfStart[start] { periodOfDay[d - minDay] = i } else {
                let i = Int32(periodStarts.count)
                indexOfStart[start] = i
                periodStarts.append(start)
                periodOfDay[d - minDay] = i
            }
        }
        let base = Int64(minDay) * CivilDate.secondsPerDay
        let cells = periodStarts.count * stages
        let parts = rowCount >= 100_000 ? 2 : 1
        let tallies = UnsafeMutableBufferPointer<Int>.allocate(capacity: 4 * parts * cells)
        tallies.initialize(repeating: 0)
        defer { tallies.deallocate() }
        periodOfDay.withUnsafeBufferPointer { period in
            let work = PeriodTallies(reach: reach, times: times, inSelection: inSelection, period: period, base: base,
                                     stages: stages, cells: cells, parts: parts, tallies: tallies)
            if parts == 1 { work.run(part: 0) } else { DispatchQueue.concurrentPerform(iterations: parts) { work.run(part: $0) } }
        }
        let flat = (0..<cells).map { c in
            var total = 0
            for lane in 0..<(4 * parts) { total += tallies[lane * cells + c] }
            return total
        }
        var out: [Int: [Int]] = [:]
        for (p, start) in periodStarts.enumerated() {
            let row = Array(flat[(p * stages)..<((p + 1) * stages)])
            if row.contains(where: { $0 > 0 }) { out[start] = row }
        }
        return out
    }

    /// Counts per entry period: rows grouped by the period of their first timed stage, followed through.
    public static func cohorts(_ reach: Reach, times: [IntegerValues?], unit: DateUnit) -> [Int: [Int]] {
        var out: [Int: [Int]] = [:]
        forEachRow(reach.selection, below: reach.rowCount) { r in
            var entry: Int64? = nil
            for k in 0..<reach.stageCount where reach.reached[k][r] {
                if let t = times[k], r < t.count { entry = t[r]; break }
            }
            guard let entry else { return }
            let period = Periods.start(ofDay: CivilDate.days(fromSeconds: entry), unit: unit)
            for k in 0..<reach.stageCount where reach.reached[k][r] {
                out[period, default: [Int](repeating: 0, count: reach.stageCount)][k] += 1
            }
        }
        return out
    }
}

/// One part of the rows of `countsByPeriod`, every stage: each row reached adds 1 to the cell of
/// its stage time's period. The parts write their own tallies, which outlive the work.
private struct PeriodTallies: @unchecked Sendable {
    let reach: Reach
    let times: [IntegerValues?]
    let inSelection: Validity?
    /// Period index of each day from the first day that occurs.
    let period: UnsafeBufferPointer<Int32>
    /// The first day's first second.
    let base: Int64
    let stages: Int
    /// Periods × stages.
    let cells: Int
    let parts: Int
    /// Four tallies per part, one per row modulo 4, summed by the caller: rows come mostly in
    /// time order, so neighbours share a period, and a single tally would make each increment
    /// wait for the one before.
    let tallies: UnsafeMutableBufferPointer<Int>

    func run(part: Int) {
        let rowCount = reach.rowCount
        let wordCount = (rowCount + 63) >> 6
        // Whole words of 64 rows per part.
        let lower = wordCount * part / parts, upper = wordCount * (part + 1) / parts
        let lastDay = period.count - 1
        // A literal divisor: the division becomes a multiplication (the constant of another
        // module is not known to the compiler here).
        let secondsPerDay: Int64 = 86_400
        let out = tallies.baseAddress.unsafelyUnwrapped + 4 * cells * part
        for k in 0..<stages {
            guard let stageTimes = times[k], stageTimes.count == rowCount, reach.reached[k].count == rowCount else { continue }
            reach.reached[k].words.withUnsafeBufferPointer { flags in
                stageTimes.withReader { reader in
                    guard let t = reader else { return }
                    // The rows that reached the stage, 64 per word: later stages are reached by
                    // few rows, and 64 rows that did not are one test.
                    for w in lower..<upper {
                        var word = flags[w]
                        if let inSelection { word &= inSelection.words[w] }
                        while word != 0 {
                            let r = w &<< 6 &+ word.trailingZeroBitCount
                            let day = min(max(Int((t[r] &- base) / secondsPerDay), 0), lastDay)
                            out[(r & 3) &* cells &+ Int(period[day]) &* stages &+ k] &+= 1
                            word &= word &- 1
                        }
                    }
                }
            }
        }
    }
}
