import Dispatch
import FunnelEngine

/// One stage of a funnel over rows, with its inputs already evaluated: when each row reached it
/// (if the stage has a timestamp) and whether its own condition holds.
public struct StageData: Sendable {
    public var name: String
    /// Seconds since 1970 per row (table-length); nil for a stage with no `at`.
    public var times: IntegerValues?
    /// Bit per row: the stage's own condition holds and its timestamp (if any) is present (a bit,
    /// not a Bool: five stages over a million rows hold 0.6 MB, not 5 MB).
    public var eligible: Validity
    /// The stage may be skipped: later stages do not require it.
    public var optional: Bool

    public init(name: String, times: IntegerValues?, eligible: Validity, optional: Bool) {
        self.name = name
        self.times = times
        self.eligible = eligible
        self.optional = optional
    }

    public init(name: String, times: IntegerValues?, eligible: [Bool], optional: Bool) {
        self.init(name: name, times: times, eligible: Validity(packing: eligible), optional: optional)
    }
}

/// The row stages of a funnel over one table view.
public struct FunnelData: Sendable {
    public var rowCount: Int
    public var selection: Selection?
    public var stages: [StageData]
    /// Conversion window measured from the first stage's time, in seconds.
    public var window: Int64?
    /// Whether a stage needs the ones before it (`.inOrder`), or counts every row that reached it.
    public var order: StageOrder
    /// Rows that did something between two stages, dropped from the whole funnel.
    public var exclusions: [StageExclusion]

    public init(rowCount: Int, selection: Selection?, stages: [StageData], window: Int64?,
                order: StageOrder = .inOrder, exclusions: [StageExclusion] = []) {
        self.rowCount = rowCount
        self.selection = selection
        self.stages = stages
        self.window = window
        self.order = order
        self.exclusions = exclusions
    }
}

/// How a funnel's stages follow one another.
public enum StageOrder: Sendable, Equatable {
    /// A row reaches a stage after the one before (or an optional one skipped), not earlier.
    case inOrder
    /// A row counts at every stage it reached, whatever it reached before and in which order
    /// (HubSpot's "any stage" report); a window holds every stage within N days of its earliest.
    case anyOrder
}

/// `exclude lost_at between mqls and sqls`: a row whose `times` (where `eligible`) fall at or
/// after its time at stage `from` and before its time at stage `to` (or at any time after `from`
/// when it never reached `to`) is dropped from the funnel, as PostHog and Mixpanel drop them.
public struct StageExclusion: Sendable {
    /// The column as written, for notes.
    public var label: String
    public var times: IntegerValues
    public var eligible: Validity
    /// Row-stage indices; both stages are timed.
    public var from: Int
    public var to: Int

    public init(label: String, times: IntegerValues, eligible: Validity, from: Int, to: Int) {
        self.label = label
        self.times = times
        self.eligible = eligible
        self.from = from
        self.to = to
    }
}

/// Which rows reached which stage, and from when: the basis of every funnel number.
public struct Reach: Sendable {
    /// reached[stage][row], a bit per row (a funnel of five stages over a million rows keeps
    /// 0.6 MB of them, not 5 MB).
    public var reached: [Validity]
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
    /// Per stage, the rows that meet it (its condition holds and its time is there) and reached
    /// the first stage, but are not counted in it (out of order, outside the window, or an
    /// earlier required stage missing).
    public var notCounted: [Int] = []
    /// The rows that reached the first stage with a counted stage time at or after the as-of
    /// end given to `FunnelReach.compute` (0 when none was given).
    public var afterAsOf = 0
    /// Per exclusion of the funnel: the rows it dropped (rows that reached its first stage).
    public var excluded: [Int] = []

    /// Marks a from-time that is not known (the row's earlier stages have no time).
    public static let unknown = Int64.min

    public var stageCount: Int { reached.count }

    public func count(_ stage: Int) -> Int { stage < counts.count ? counts[stage] : 0 }

}


extension Reach {
    /// A reach known by its counts alone (a database counted the rows): no row's flags, so
    /// only what reads counts may be given it — the tables of a funnel, its breakdown and its
    /// velocity built from the database's counts and summaries.
    public init(countedStages counts: [Int], notCounted: [Int], afterAsOf: Int) {
        self.init(reached: counts.map { _ in Validity(count: 0, allValid: false) }, fromTimes: [], rowCount: 0, selection: nil, counts: counts)
        self.notCounted = notCounted
        self.afterAsOf = afterAsOf
    }
}

public enum FunnelReach {
    /// A row reaches stage k when it reached the stage before (or that stage is optional and the
    /// one before it was reached), its own condition holds, its time is not before the previous
    /// stage's (strict order), and it is within the window of the first stage.
    /// `endOfAsOf` (seconds): rows with a counted time at or after it are counted in `afterAsOf`.
    public static func compute(_ data: FunnelData, recordFromTimes: Bool = false, endOfAsOf: Int64 = Int64.max) -> Reach {
        if !data.exclusions.isEmpty { return computeExcluding(data, recordFromTimes: recordFromTimes, endOfAsOf: endOfAsOf) }
        if data.order == .anyOrder { return computeAnyOrder(data, recordFromTimes: recordFromTimes, endOfAsOf: endOfAsOf) }
        let stageCount = data.stages.count
        let rowCount = data.rowCount
        let valid = data.stages.allSatisfy { $0.eligible.count == rowCount && ($0.times.map { $0.count == rowCount } ?? true) }
        var counts = [Int](repeating: 0, count: stageCount)
        guard valid, rowCount > 0 else {
            var empty = Reach(reached: [Validity](repeating: Validity(count: rowCount, allValid: false), count: stageCount),
                              fromTimes: recordFromTimes ? [[Int64]](repeating: [Int64](repeating: Reach.unknown, count: rowCount), count: stageCount) : [],
                              rowCount: rowCount, selection: data.selection, counts: counts)
            empty.notCounted = counts
            return empty
        }
        let inSelection = data.selection.map { Validity(rows: $0, count: rowCount) }
        // Rows are independent: the two halves run on two cores.
        let parts = rowCount >= 100_000 ? 2 : 1
        let wordCount = (rowCount + 63) >> 6
        let reachedOut = (0..<stageCount).map { _ -> UnsafeMutableBufferPointer<UInt64> in
            let b = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: wordCount)
            b.initialize(repeating: 0)
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
        let partMissed = UnsafeMutableBufferPointer<Int>.allocate(capacity: parts * stageCount)
        partMissed.initialize(repeating: 0)
        let partAfter = UnsafeMutableBufferPointer<Int>.allocate(capacity: parts)
        partAfter.initialize(repeating: 0)
        defer { partCounts.deallocate(); partFirst.deallocate(); partLast.deallocate(); partMissed.deallocate(); partAfter.deallocate() }
        let work = ReachWork(data: data, inSelection: inSelection, reached: reachedOut, from: fromOut, counts: partCounts,
                             notCounted: partMissed, afterAsOf: partAfter, endOfAsOf: endOfAsOf,
                             firstTimes: partFirst, lastTimes: partLast, parts: parts)
        if parts == 1 { work.run(part: 0) } else { DispatchQueue.concurrentPerform(iterations: parts) { work.run(part: $0) } }
        var ranges: [(first: Int64, last: Int64)?] = []
        var notCounted = [Int](repeating: 0, count: stageCount)
        for k in 0..<stageCount {
            var first = Int64.max, last = Int64.min
            for p in 0..<parts {
                counts[k] += partCounts[p * stageCount + k]
                notCounted[k] += partMissed[p * stageCount + k]
                first = min(first, partFirst[p * stageCount + k])
                last = max(last, partLast[p * stageCount + k])
            }
            ranges.append(first <= last ? (first, last) : nil)
        }
        var reached: [Validity] = []
        for b in reachedOut {
            reached.append(Validity(words: Array(b), count: rowCount))
            b.deallocate()
        }
        var fromTimes: [[Int64]] = []
        for b in fromOut {
            fromTimes.append(Array(b))
            b.deallocate()
        }
        var reach = Reach(reached: reached, fromTimes: fromTimes, rowCount: rowCount, selection: data.selection, counts: counts)
        reach.timeRanges = ranges
        reach.notCounted = notCounted
        reach.afterAsOf = partAfter.reduce(0, +)
        return reach
    }
}

/// 1 for true, 0 for false, without a branch.
@inline(__always)
private func bit(_ flag: Bool) -> UInt8 { unsafeBitCast(flag, to: UInt8.self) }

/// Where one stage's inputs are, for the row loop.
private struct StageInputs {
    /// nil for a stage with no `at`.
    var times: IntegerReader?
    /// One bit per row (a `Validity`'s words).
    var eligible: UnsafePointer<UInt64>
    var optional: UInt8
}

/// One part of the rows of a reach computation. The buffers outlive the work, and the parts
/// write disjoint rows.
private struct ReachWork: @unchecked Sendable {
    let data: FunnelData
    let inSelection: Validity?
    /// A bit per row and stage; each part's rows start at a whole word, so parts write
    /// disjoint words.
    let reached: [UnsafeMutableBufferPointer<UInt64>]
    let from: [UnsafeMutableBufferPointer<Int64>]
    let counts: UnsafeMutableBufferPointer<Int>
    let notCounted: UnsafeMutableBufferPointer<Int>
    let afterAsOf: UnsafeMutableBufferPointer<Int>
    let endOfAsOf: Int64
    let firstTimes: UnsafeMutableBufferPointer<Int64>
    let lastTimes: UnsafeMutableBufferPointer<Int64>
    let parts: Int

    func run(part: Int) {
        let rowCount = data.rowCount
        // Whole words of 64 rows per part (the last takes the rest).
        let lower = (rowCount * part / parts) & ~63
        let upper = part == parts - 1 ? rowCount : (rowCount * (part + 1) / parts) & ~63
        guard upper > lower else { return }
        var inputs: [StageInputs] = []
        ReachWork.withInputs(data.stages[...], &inputs) { inputs in
            if from.isEmpty {
                runRows(lower, upper, inputs, part: part, recordFrom: false)
            } else {
                runRows(lower, upper, inputs, part: part, recordFrom: true)
            }
        }
    }

    /// Calls `body` with the address of every stage's inputs, valid for the call.
    private static func withInputs(_ stages: ArraySlice<StageData>, _ inputs: inout [StageInputs], _ body: ([StageInputs]) -> Void) {
        guard let stage = stages.first else {
            body(inputs)
            return
        }
        stage.eligible.words.withUnsafeBufferPointer { eligible in
            let optional: UInt8 = stage.optional ? 1 : 0
            guard let eligibleBase = eligible.baseAddress else { return }
            if let times = stage.times {
                times.withReader { t in
                    inputs.append(StageInputs(times: t, eligible: eligibleBase, optional: optional))
                    withInputs(stages.dropFirst(), &inputs, body)
                }
            } else {
                inputs.append(StageInputs(times: nil, eligible: eligibleBase, optional: optional))
                withInputs(stages.dropFirst(), &inputs, body)
            }
        }
    }

    /// Row by row, each row through every stage with its running state (still in, previous
    /// time, first time) in registers. A row reaches stage k when it was still in, the stage's
    /// condition holds, its time is not before the previous stage's and within the window of the
    /// first. Whether a row reaches a stage is close to a coin flip, so the flags are bytes
    /// combined with `&` and `|`, without a branch per outcome. A row that is out stops there
    /// (no later stage can take it back), so later stages' times are read only for rows still in.
    /// On the way it counts the rows left out (see `Reach.notCounted`).
    @inline(__always)
    private func runRows(_ lower: Int, _ upper: Int, _ inputs: [StageInputs], part: Int, recordFrom: Bool) {
        let stageCount = inputs.count
        let unknown = Reach.unknown
        let window = data.window ?? Int64.max
        let endOfAsOf = self.endOfAsOf
        let count = UnsafeMutableBufferPointer<Int>.allocate(capacity: stageCount)
        let missed = UnsafeMutableBufferPointer<Int>.allocate(capacity: stageCount)
        let earliest = UnsafeMutableBufferPointer<Int64>.allocate(capacity: stageCount)
        let latest = UnsafeMutableBufferPointer<Int64>.allocate(capacity: stageCount)
        // The bits of the current word of rows, per stage, stored when the word is full.
        let bits = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: stageCount)
        count.initialize(repeating: 0)
        missed.initialize(repeating: 0)
        earliest.initialize(repeating: Int64.max)
        latest.initialize(repeating: Int64.min)
        bits.initialize(repeating: 0)
        defer { count.deallocate(); missed.deallocate(); earliest.deallocate(); latest.deallocate(); bits.deallocate() }
        var lateRows = 0
        inputs.withUnsafeBufferPointer { inputs in
            reached.withUnsafeBufferPointer { out in
                for r in lower..<upper {
                    var ok: UInt8 = inSelection.map { bit($0[r]) } ?? 1
                    var previous = unknown, first = unknown
                    // Reached the first stage; reached some stage at or after the as-of date.
                    var entered: UInt8 = 0, late: UInt8 = 0
                    for k in 0..<stageCount {
                        let stage = inputs[k]
                        let eligible = Validity.bit(stage.eligible, r)
                        var here = ok & eligible
                        if let t = stage.times {
                            let time = t[r]
                            let inOrder = bit(previous == unknown) | bit(time >= previous)
                            let inWindow = bit(first == unknown) | bit(time &- first <= window)
                            here &= inOrder & inWindow
                            let reachedHere = here != 0
                            if recordFrom && reachedHere { from[k][r] = previous }
                            earliest[k] = min(earliest[k], reachedHere ? time : Int64.max)
                            latest[k] = max(latest[k], reachedHere ? time : Int64.min)
                            late |= here & bit(time >= endOfAsOf)
                            first = (here & bit(first == unknown)) != 0 ? time : first
                            previous = reachedHere ? time : previous
                        }
                        if k == 0 { entered = here }
                        bits[k] |= UInt64(here) &<< UInt64(r & 63)
                        count[k] &+= Int(here)
                        missed[k] &+= Int(entered & eligible & (here ^ 1))
                        ok = here | (stage.optional & ok)
                        if ok == 0 {
                            if entered != 0 {
                                for later in (k + 1)..<stageCount {
                                    missed[later] &+= Int(Validity.bit(inputs[later].eligible, r))
                                }
                            }
                            break
                        }
                    }
                    lateRows &+= Int(entered & late)
                    if r & 63 == 63 || r == upper - 1 {
                        for k in 0..<stageCount {
                            out[k][r &>> 6] = bits[k]
                            bits[k] = 0
                        }
                    }
                }
            }
        }
        for k in 0..<stageCount {
            counts[part * stageCount + k] = count[k]
            notCounted[part * stageCount + k] = missed[k]
            firstTimes[part * stageCount + k] = earliest[k]
            lastTimes[part * stageCount + k] = latest[k]
        }
        afterAsOf[part] = lateRows
    }
}

extension Reach {
    /// This reach with one more stage per step: the rows that reached both of its stages, timed
    /// by the later one. Counting the extended reach by group or period gives each step's joint
    /// count beside the stage counts (stage `stageCount + i` is `steps[i]`).
    public func appendingJointStages(_ steps: [Step], times: [IntegerValues?]) -> (reach: Reach, times: [IntegerValues?]) {
        var extended = self
        var extendedTimes = times
        for step in steps where step.from >= 0 && step.to < stageCount && step.from < step.to {
            let a = reached[step.from], b = reached[step.to]
            var count = 0
            var words = [UInt64](repeating: 0, count: (rowCount + 63) >> 6)
            if a.count == rowCount && b.count == rowCount {
                words.withUnsafeMutableBufferPointer { out in
                    a.words.withUnsafeBufferPointer { x in
                        b.words.withUnsafeBufferPointer { y in
                            for w in 0..<out.count {
                                out[w] = x[w] & y[w]
                                count &+= out[w].nonzeroBitCount
                            }
                        }
                    }
                }
            }
            let both = Validity(words: words, count: rowCount)
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
