import Dispatch
import FunnelEngine

/// One stage of a funnel over rows, with its inputs already evaluated: when each row reached it
/// (if the stage has a timestamp) and whether its own condition holds.
public struct StageData: Sendable {
    public var name: String
    /// Seconds since 1970 per row (table-length); nil for a stage with no `at`.
    public var times: [Int64]?
    /// Per row: the stage's own condition holds and its timestamp (if any) is present.
    public var eligible: [Bool]
    /// The stage may be skipped: later stages do not require it.
    public var optional: Bool

    public init(name: String, times: [Int64]?, eligible: [Bool], optional: Bool) {
        self.name = name
        self.times = times
        self.eligible = eligible
        self.optional = optional
    }
}

/// The row stages of a funnel over one table view.
public struct FunnelData: Sendable {
    public var rowCount: Int
    public var selection: Selection?
    public var stages: [StageData]
    /// Conversion window measured from the first stage's time, in seconds.
    public var window: Int64?

    public init(rowCount: Int, selection: Selection?, stages: [StageData], window: Int64?) {
        self.rowCount = rowCount
        self.selection = selection
        self.stages = stages
        self.window = window
    }
}

/// Which rows reached which stage, and from when: the basis of every funnel number.
public struct Reach: Sendable {
    /// reached[stage][row]
    public var reached: [[Bool]]
    /// For rows that reached a stage: the time of the stage reached before it, or `Reach.unknown`.
    /// Empty unless asked for (velocity needs it; counts do not).
    public var fromTimes: [[Int64]]
    public var rowCount: Int
    public var selection: Selection?
    /// Rows that reached each stage, counted while computing.
    public var counts: [Int]
    /// The earliest and latest time among the rows that reached each timed stage (period
    /// breakdowns size their tables with it).
    public var timeRanges: [(first: Int64, last: Int64)?] = []

    /// Marks a from-time that is not known (the row's earlier stages have no time).
    public static let unknown = Int64.min

    public var stageCount: Int { reached.count }

    public func count(_ stage: Int) -> Int { stage < counts.count ? counts[stage] : 0 }
}


public enum FunnelReach {
    /// A row reaches stage k when it reached the stage before (or that stage is optional and the
    /// one before it was reached), its own condition holds, its time is not before the previous
    /// stage's (strict order), and it is within the window of the first stage.
    public static func compute(_ data: FunnelData, recordFromTimes: Bool = false) -> Reach {
        let stageCount = data.stages.count
        let rowCount = data.rowCount
        let valid = data.stages.allSatisfy { $0.eligible.count == rowCount && ($0.times.map { $0.count == rowCount } ?? true) }
        var counts = [Int](repeating: 0, count: stageCount)
        guard valid, rowCount > 0 else {
            return Reach(reached: [[Bool]](repeating: [Bool](repeating: false, count: rowCount), count: stageCount),
                         fromTimes: recordFromTimes ? [[Int64]](repeating: [Int64](repeating: Reach.unknown, count: rowCount), count: stageCount) : [],
                         rowCount: rowCount, selection: data.selection, counts: counts)
        }
        var inSelection: [Bool]? = nil
        if let selection = data.selection {
            var flags = [Bool](repeating: false, count: rowCount)
            for r in selection where Int(r) < rowCount { flags[Int(r)] = true }
            inSelection = flags
        }
        // Rows are independent: the two halves run on two cores, each stage by stage (column-wise).
        let parts = rowCount >= 100_000 ? 2 : 1
        let reachedOut = (0..<stageCount).map { _ -> UnsafeMutableBufferPointer<Bool> in
            let b = UnsafeMutableBufferPointer<Bool>.allocate(capacity: rowCount)
            b.initialize(repeating: false)
            return b
        }
        var fromOut: [UnsafeMutableBufferPointer<Int64>] = []
        if recordFromTimes {
            for _ in 0..<stageCount {
                let b = UnsafeMutableBufferPointer<Int64>.allocate(capacity: rowCount)
                b.initialize(repeating: Reach.unknown)
                fromOut.append(b)
            }
        }
        let partCounts = UnsafeMutableBufferPointer<Int>.allocate(capacity: parts * stageCount)
        partCounts.initialize(repeating: 0)
        let partFirst = UnsafeMutableBufferPointer<Int64>.allocate(capacity: parts * stageCount)
        partFirst.initialize(repeating: Int64.max)
        let partLast = UnsafeMutableBufferPointer<Int64>.allocate(capacity: parts * stageCount)
        partLast.initialize(repeating: Int64.min)
        defer { partCounts.deallocate(); partFirst.deallocate(); partLast.deallocate() }
        let work = ReachWork(data: data, inSelection: inSelection, reached: reachedOut, from: fromOut, counts: partCounts,
                             firstTimes: partFirst, lastTimes: partLast, parts: parts)
        if parts == 1 { work.run(part: 0) } else { DispatchQueue.concurrentPerform(iterations: parts) { work.run(part: $0) } }
        var ranges: [(first: Int64, last: Int64)?] = []
        for k in 0..<stageCount {
            var first = Int64.max, last = Int64.min
            for p in 0..<parts {
                counts[k] += partCounts[p * stageCount + k]
                first = min(first, partFirst[p * stageCount + k])
                last = max(last, partLast[p * stageCount + k])
            }
            ranges.append(first <= last ? (first, last) : nil)
        }
        // Each buffer becomes an array and is freed before the next is copied: one stage's
        // flags are held twice at a time, not all of them.
        var reached: [[Bool]] = []
        for b in reachedOut {
            reached.append(Array(b))
            b.deallocate()
        }
        var fromTimes: [[Int64]] = []
        for b in fromOut {
            fromTimes.append(Array(b))
            b.deallocate()
        }
        var reach = Reach(reached: reached, fromTimes: fromTimes, rowCount: rowCount, selection: data.selection, counts: counts)
        reach.timeRanges = ranges
        return reach
    }
}

/// One half of the rows of a reach computation. The buffers outlive the work, and the halves
/// write disjoint rows.
private struct ReachWork: @unchecked Sendable {
    let data: FunnelData
    let inSelection: [Bool]?
    let reached: [UnsafeMutableBufferPointer<Bool>]
    let from: [UnsafeMutableBufferPointer<Int64>]
    let counts: UnsafeMutableBufferPointer<Int>
    let firstTimes: UnsafeMutableBufferPointer<Int64>
    let lastTimes: UnsafeMutableBufferPointer<Int64>
    let parts: Int

    /// Rows are taken a block at a time: a row's running state (still in, previous time, first
    /// time) lives in small buffers that stay in cache, instead of 17 bytes per row of the half.
    static let blockRows = 65_536

    func run(part: Int) {
        let rowCount = data.rowCount
        let lower = rowCount * part / parts, upper = rowCount * (part + 1) / parts
        guard upper > lower else { return }
        let stageCount = data.stages.count
        let capacity = min(ReachWork.blockRows, upper - lower)
        let ok = UnsafeMutableBufferPointer<Bool>.allocate(capacity: capacity)
        let previousTime = UnsafeMutableBufferPointer<Int64>.allocate(capacity: capacity)
        let firstTime = UnsafeMutableBufferPointer<Int64>.allocate(capacity: capacity)
        defer { ok.deallocate(); previousTime.deallocate(); firstTime.deallocate() }
        var count = [Int](repeating: 0, count: stageCount)
        var earliest = [Int64](repeating: Int64.max, count: stageCount)
        var latest = [Int64](repeating: Int64.min, count: stageCount)
        var start = lower
        while start < upper {
            let end = min(upper, start + capacity)
            runBlock(start, end, ok: ok, previousTime: previousTime, firstTime: firstTime,
                     count: &count, earliest: &earliest, latest: &latest)
            start = end
        }
        for k in 0..<stageCount {
            counts[part * stageCount + k] = count[k]
            firstTimes[part * stageCount + k] = earliest[k]
            lastTimes[part * stageCount + k] = latest[k]
        }
    }

    /// Rows `lower..<upper`, stage by stage.
    private func runBlock(_ lower: Int, _ upper: Int, ok: UnsafeMutableBufferPointer<Bool>,
                          previousTime: UnsafeMutableBufferPointer<Int64>, firstTime: UnsafeMutableBufferPointer<Int64>,
                          count: inout [Int], earliest: inout [Int64], latest: inout [Int64]) {
        let n = upper - lower
        if let inSelection {
            for i in 0..<n { ok[i] = inSelection[lower + i] }
        } else {
            for i in 0..<n { ok[i] = true }
        }
        let unknown = Reach.unknown
        for i in 0..<n {
            previousTime[i] = unknown
            firstTime[i] = unknown
        }
        let window = data.window ?? Int64.max
        let recordFrom = !from.isEmpty
        for k in 0..<data.stages.count {
            let stage = data.stages[k]
            let optional = stage.optional
            let timed = stage.times != nil
            let out = reached[k]
            let f = recordFrom ? from[k] : UnsafeMutableBufferPointer<Int64>(start: nil, count: 0)
            var stageCount = 0
            var stageEarliest = Int64.max, stageLatest = Int64.min
            stage.eligible.withUnsafeBufferPointer { eligible in
                (stage.times ?? []).withUnsafeBufferPointer { t in
                    if timed {
                        // Branch-free: whether a row reaches a stage is close to a coin flip, so
                        // every row computes every outcome and keeps the right one.
                        for i in 0..<n {
                            let r = lower + i
                            let wasOK = ok[i]
                            let time = t[r]
                            let previous = previousTime[i], first = firstTime[i]
                            let inOrder = (previous == unknown) || (time >= previous)
                            let inWindow = (first == unknown) || (time &- first <= window)
                            let here = wasOK && eligible[r] && inOrder && inWindow
                            out[r] = here
                            stageCount &+= here ? 1 : 0
                            stageEarliest = min(stageEarliest, here ? time : Int64.max)
                            stageLatest = max(stageLatest, here ? time : Int64.min)
                            if recordFrom && here { f[r] = previous }
                            previousTime[i] = here ? time : previous
                            firstTime[i] = (here && first == unknown) ? time : first
                            ok[i] = here || (optional && wasOK)
                        }
                    } else {
                        for i in 0..<n {
                            let r = lower + i
                            let wasOK = ok[i]
                            let here = wasOK && eligible[r]
                            out[r] = here
                            stageCount &+= here ? 1 : 0
                            ok[i] = here || (optional && wasOK)
                        }
                    }
                }
            }
            count[k] &+= stageCount
            earliest[k] = min(earliest[k], stageEarliest)
            latest[k] = max(latest[k], stageLatest)
        }
    }
}

extension Reach {
    /// This reach with one more stage per step: the rows that reached both of its stages, timed
    /// by the later one. Counting the extended reach by group or period gives each step's joint
    /// count beside the stage counts (stage `stageCount + i` is `steps[i]`).
    public func appendingJointStages(_ steps: [Step], times: [[Int64]?]) -> (reach: Reach, times: [[Int64]?]) {
        var extended = self
        var extendedTimes = times
        for step in steps where step.from >= 0 && step.to < stageCount && step.from < step.to {
            let a = reached[step.from], b = reached[step.to]
            let common = min(rowCount, a.count, b.count)
            var count = 0
            // Flags as bytes (a Bool is stored as 0 or 1), and-ed without a branch per row.
            let both = [Bool](unsafeUninitializedCapacity: rowCount) { out, initialized in
                let bytes = UnsafeMutableRawBufferPointer(out)
                a.withUnsafeBytes { x in
                    b.withUnsafeBytes { y in
                        for r in 0..<common {
                            let v = x[r] & y[r]
                            bytes[r] = v
                            count &+= Int(v)
                        }
                    }
                }
                for r in common..<rowCount { bytes[r] = 0 }
                initialized = rowCount
            }
            extended.reached.append(both)
            extended.counts.append(count)
            if !extended.timeRanges.isEmpty {
                extended.timeRanges.append(step.to < timeRanges.count ? timeRanges[step.to] : nil)
            }
            extendedTimes.append(step.to < times.count ? times[step.to] : nil)
        }
        return (extended, extendedTimes)
    }

    /// Per stage, the rows whose furthest stage it is: reached it and no later one. With an
    /// optional stage this differs from the difference of two counts (rows may skip a stage).
    public func furthestStageCounts() -> [Int] {
        var out = [Int](repeating: 0, count: stageCount)
        forEachRow(selection, below: rowCount) { r in
            for k in stride(from: stageCount - 1, through: 0, by: -1) where r < reached[k].count && reached[k][r] {
                out[k] += 1
                return
            }
        }
        return out
    }
}
