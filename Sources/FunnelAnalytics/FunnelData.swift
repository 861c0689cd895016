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
    /// For rows that reached a stage: the time of the stage reached before it (nil when unknown).
    public var fromTimes: [[Int64?]]
    public var rowCount: Int
    public var selection: Selection?

    public var stageCount: Int { reached.count }

    public func count(_ stage: Int) -> Int {
        var n = 0
        forEachSelectedRow(selection, rowCount) { if reached[stage][$0] { n += 1 } }
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
    public static func compute(_ data: FunnelData) -> Reach {
        let stageCount = data.stages.count
        var reached = [[Bool]](repeating: [Bool](repeating: false, count: data.rowCount), count: stageCount)
        var fromTimes = [[Int64?]](repeating: [Int64?](repeating: nil, count: data.rowCount), count: stageCount)
        forEachSelectedRow(data.selection, data.rowCount) { r in
            var previousOK = true
            var previousTime: Int64? = nil
            var firstTime: Int64? = nil
            for k in 0..<stageCount {
                let stage = data.stages[k]
                var ok = previousOK && r < stage.eligible.count && stage.eligible[r]
                let time = stage.times.map { r < $0.count ? $0[r] : 0 }
                if ok, let time {
                    if let previousTime, time < previousTime { ok = false }
                    if let window = data.window, let firstTime, time - firstTime > window { ok = false }
                }
                if ok {
                    reached[k][r] = true
                    fromTimes[k][r] = previousTime
                    if let time {
                        previousTime = time
                        if firstTime == nil { firstTime = time }
                    }
                }
                previousOK = ok || (stage.optional && previousOK)
            }
        }
        return Reach(reached: reached, fromTimes: fromTimes, rowCount: data.rowCount, selection: data.selection)
    }
}
