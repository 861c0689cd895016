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

    /// Marks a from-time that is not known (the row's earlier stages have no time).
    public static let unknown = Int64.min

    public var stageCount: Int { reached.count }

    public func count(_ stage: Int) -> Int {
        var n = 0
        reached[stage].withUnsafeBufferPointer { flags in
            if let selection {
                for r in selection where flags[Int(r)] { n += 1 }
            } else {
                for flag in flags where flag { n += 1 }
            }
        }
        return n
    }
}

@inline(__always)
func forEachSelectedRow(_ selection: Selection?, _ rowCount: Int, _ body: (Int) -> Void) {
    if let selection { for r in selection { body(Int(r)) } } else { for r in 0..<rowCount { body(r) } }
}

public enum FunnelReach {
    /// A row reaches stage k when it reached the stage before (or that stage is optional and the
    /// one before it was reached), its own condition holds, its time is not before the previous
    /// stage's (strict order), and it is within the window of the first stage.
    public static func compute(_ data: FunnelData, recordFromTimes: Bool = false) -> Reach {
        let stageCount = data.stages.count
        let rowCount = data.rowCount
        var reached: [[Bool]] = []
        var fromTimes: [[Int64]] = []
        // Stage by stage over all rows (column-wise); per-row state lives in three scratch buffers.
        let ok = UnsafeMutableBufferPointer<Bool>.allocate(capacity: rowCount)
        let previousTime = UnsafeMutableBufferPointer<Int64>.allocate(capacity: rowCount)
        let firstTime = UnsafeMutableBufferPointer<Int64>.allocate(capacity: rowCount)
        defer { ok.deallocate(); previousTime.deallocate(); firstTime.deallocate() }
        ok.initialize(repeating: data.selection == nil)
        previousTime.initialize(repeating: Reach.unknown)
        firstTime.initialize(repeating: Reach.unknown)
        if let selection = data.selection { for r in selection where Int(r) < rowCount { ok[Int(r)] = true } }
        let window = data.window ?? Int64.max
        let unknown = Reach.unknown
        for k in 0..<stageCount {
            let stage = data.stages[k]
            var out = [Bool](repeating: false, count: rowCount)
            var from = recordFromTimes ? [Int64](repeating: unknown, count: rowCount) : []
            guard stage.eligible.count == rowCount, stage.times.map({ $0.count == rowCount }) ?? true else {
                reached.append(out)
                if recordFromTimes { fromTimes.append(from) }
                continue
            }
            let optional = stage.optional
            let times = stage.times ?? []
            let timed = stage.times != nil
            stage.eligible.withUnsafeBufferPointer { eligible in
                times.withUnsafeBufferPointer { t in
                    out.withUnsafeMutableBufferPointer { o in
                        from.withUnsafeMutableBufferPointer { f in
                            for r in 0..<rowCount {
                                let wasOK = ok[r]
                                var here = wasOK && eligible[r]
                                if here && timed {
                                    let time = t[r]
                                    if previousTime[r] != unknown && time < previousTime[r] { here = false }
                                    if firstTime[r] != unknown && time &- firstTime[r] > window { here = false }
                                }
                                if here {
                                    o[r] = true
                                    if recordFromTimes { f[r] = previousTime[r] }
                                    if timed {
                                        previousTime[r] = t[r]
                                        if firstTime[r] == unknown { firstTime[r] = t[r] }
                                    }
                                }
                                ok[r] = here || (optional && wasOK)
                            }
                        }
                    }
                }
            }
            reached.append(out)
            if recordFromTimes { fromTimes.append(from) }
        }
        return Reach(reached: reached, fromTimes: fromTimes, rowCount: rowCount, selection: data.selection)
    }
}
