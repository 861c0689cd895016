import Dispatch
import FunnelEngine

/// Time from one stage to the next, per step and end to end: the median and p90 that analysts
/// ask for, and the mean.
public struct DurationSummary: Sendable, Equatable {
    public var count: Int
    public var medianDays: Double?
    public var p90Days: Double?
    public var meanDays: Double?

    static let secondsPerDay = 86_400.0

    public init(count: Int, medianDays: Double?, p90Days: Double?, meanDays: Double?) {
        self.count = count
        self.medianDays = medianDays
        self.p90Days = p90Days
        self.meanDays = meanDays
    }

    public static func of(_ seconds: [Int64]) -> DurationSummary { of(seconds[...]) }

    /// The same numbers as the engine's median, percentile(0.9) and avg over the durations in days.
    public static func of(_ seconds: ArraySlice<Int64>) -> DurationSummary {
        guard !seconds.isEmpty else { return DurationSummary(count: 0, medianDays: nil, p90Days: nil, meanDays: nil) }
        var scratch = Array(seconds)
        let (median, p90) = scratch.withUnsafeMutableBufferPointer { values in
            (days(Quantiles.bracket(values, q: 0.5)), days(Quantiles.bracket(values, q: 0.9)))
        }
        return summary(seconds, median: median, p90: p90)
    }

    /// The same over durations kept four bytes each (sorted in a copy of that width).
    static func of(_ seconds: ArraySlice<Int32>) -> DurationSummary {
        guard !seconds.isEmpty else { return DurationSummary(count: 0, medianDays: nil, p90Days: nil, meanDays: nil) }
        var scratch = Array(seconds)
        let (median, p90) = scratch.withUnsafeMutableBufferPointer { values in
            (days(Quantiles.bracket(values, q: 0.5)), days(Quantiles.bracket(values, q: 0.9)))
        }
        return summary(seconds, median: median, p90: p90)
    }

    private static func summary<C: Collection>(_ seconds: C, median: Double?, p90: Double?) -> DurationSummary where C.Element: BinaryInteger {
        // Summed in the given order, day by day, as avg sums its column: the mean is the same to the last bit.
        let sum = DecimalSum.total(seconds.lazy.map { Double($0) / secondsPerDay })
        return DurationSummary(count: seconds.count, medianDays: median, p90Days: p90, meanDays: DecimalSum.mean(sum, count: seconds.count))
    }

    /// Selection on the seconds themselves: dividing by a day keeps their order, so the order
    /// statistics in days are those in seconds, divided; interpolated as the engine interpolates decimals.
    private static func days(_ bracket: (lo: Int64, hi: Int64, fraction: Double)?) -> Double? {
        guard let (lo, hi, fraction) = bracket else { return nil }
        let a = Double(lo) / secondsPerDay, b = Double(hi) / secondsPerDay
        return fraction == 0 || a == b ? a : a + (b - a) * fraction
    }
}

/// Step and end-to-end durations (seconds) of every group, in one buffer. Each group has one cell
/// per stage (durations into that stage from the timed stage reached before it; none for the
/// first) and one for end to end, each in row order.
public struct GroupedDurations: Sendable {
    public let groupCount: Int
    public let stageCount: Int
    /// Four bytes each when every duration fits (a span of times under 68 years), else eight.
    let seconds: IntegerValues
    /// Cell c is seconds[starts[c]..<starts[c + 1]].
    let starts: [Int]

    var cellsPerGroup: Int { stageCount + 1 }

    static func empty(groupCount: Int, stageCount: Int) -> GroupedDurations {
        GroupedDurations(groupCount: groupCount, stageCount: stageCount, seconds: .int64([]), starts: [0])
    }

    /// Durations into `stage` of the group's rows that reached it after an earlier timed stage.
    public func steps(group: Int, stage: Int) -> [Int64] {
        guard (0..<groupCount).contains(group), (0..<stageCount).contains(stage) else { return [] }
        return cell(group * cellsPerGroup + stage)
    }

    /// From the first timed stage reached to the last stage, for the group's rows that reached it.
    public func endToEnd(group: Int) -> [Int64] {
        guard (0..<groupCount).contains(group) else { return [] }
        return cell(group * cellsPerGroup + stageCount)
    }

    /// The summary of a cell, sorting a copy of it at the width it is kept in.
    func summary(ofCell c: Int) -> DurationSummary {
        guard c >= 0, c + 1 < starts.count, starts[c] <= starts[c + 1], starts[c + 1] <= seconds.count else { return DurationSummary.of([]) }
        let range = starts[c]..<starts[c + 1]
        switch seconds {
        case .int32(let v): return DurationSummary.of(v[range])
        case .int64(let v): return DurationSummary.of(v[range])
        default: return DurationSummary.of(cell(c))
        }
    }

    /// The cell's durations in eight bytes each (a copy).
    func cell(_ c: Int) -> [Int64] {
        guard c >= 0, c + 1 < starts.count, starts[c] <= starts[c + 1], starts[c + 1] <= seconds.count else { return [] }
        let range = starts[c]..<starts[c + 1]
        switch seconds {
        case .int8(let v): return v[range].map { Int64($0) }
        case .int16(let v): return v[range].map { Int64($0) }
        case .int32(let v): return v[range].map { Int64($0) }
        case .int64(let v): return Array(v[range])
        }
    }

    /// The summary of every cell; the cells are shared out over two cores by their sizes.
    public func summaries() -> GroupedSummaries {
        let cellCount = starts.count - 1
        let results = UnsafeMutableBufferPointer<DurationSummary>.allocate(capacity: max(0, cellCount))
        results.initialize(repeating: DurationSummary.of([]))
        defer { results.deallocate() }
        // The first part takes the cells up to half of all durations; the second the rest.
        let total = starts.last ?? 0
        let split = starts.firstIndex { $0 >= total / 2 } ?? cellCount
        let work = SummaryWork(durations: self, results: results, ranges: [0..<min(split, cellCount), min(split, cellCount)..<max(0, cellCount)])
        if total < 50_000 {
            work.run(part: 0)
            work.run(part: 1)
        } else {
            DispatchQueue.concurrentPerform(iterations: 2) { work.run(part: $0) }
        }
        return GroupedSummaries(cells: Array(results), cellsPerGroup: cellsPerGroup, groupCount: groupCount)
    }
}

/// One part of the cells of a summaries computation; the parts write disjoint results, which
/// outlive the work.
private struct SummaryWork: @unchecked Sendable {
    let durations: GroupedDurations
    let results: UnsafeMutableBufferPointer<DurationSummary>
    let ranges: [Range<Int>]

    func run(part: Int) {
        for c in ranges[part] { results[c] = durations.summary(ofCell: c) }
    }
}

/// Duration summaries laid out as GroupedDurations' cells.
public struct GroupedSummaries: Sendable {
    let cells: [DurationSummary]
    let cellsPerGroup: Int
    let groupCount: Int

    public func step(group: Int, stage: Int) -> DurationSummary {
        guard (0..<groupCount).contains(group), (0..<(cellsPerGroup - 1)).contains(stage) else { return DurationSummary.of([]) }
        return at(group * cellsPerGroup + stage)
    }

    public func endToEnd(group: Int) -> DurationSummary {
        guard (0..<groupCount).contains(group) else { return DurationSummary.of([]) }
        return at(group * cellsPerGroup + cellsPerGroup - 1)
    }

    private func at(_ c: Int) -> DurationSummary { c >= 0 && c < cells.count ? cells[c] : DurationSummary.of([]) }
}

/// Every step's durations of a funnel's rows, as one group's cells (`durations`), with the rows
/// they belong to (`cellRows`): bucketed by any grouping without reading a time.
public struct StepDurations: Sendable {
    let rowCount: Int
    let durations: GroupedDurations
    /// Per cell, a bit for each row with a duration in it: a cell's durations are in row order,
    /// so the i-th set bit is the i-th duration's row (an eighth of a byte a row and cell, not
    /// four bytes a duration).
    let cellRows: [Validity]

    /// The cells of every group: a stable counting sort of each step's durations by their row's
    /// group, so each cell keeps row order (sums come out the same to the last bit). `groupOfRow`
    /// nil puts every row in group 0; a row of group -1 (or out of range) counts nowhere.
    public func grouped(_ groupOfRow: [Int32]?, groupCount: Int) -> GroupedDurations {
        let stageCount = durations.stageCount, cellsPerGroup = stageCount + 1
        let empty = GroupedDurations.empty(groupCount: max(0, groupCount), stageCount: stageCount)
        let (cellCount, overflow) = groupCount.multipliedReportingOverflow(by: cellsPerGroup)
        guard groupCount > 0, !overflow, groupOfRow.map({ $0.count == rowCount }) ?? true,
              durations.starts.count == cellsPerGroup + 1, cellRows.count == cellsPerGroup else { return empty }
        guard let groupOfRow else {
            if groupCount == 1 { return durations }
            // Every row in group 0, the other groups empty.
            var starts = durations.starts
            starts += [Int](repeating: durations.starts[cellsPerGroup], count: cellCount - cellsPerGroup)
            return GroupedDurations(groupCount: groupCount, stageCount: stageCount, seconds: durations.seconds, starts: starts)
        }
        // Word by word over each step's rows, with every buffer's address in hand: a closure
        // per row, writing to captured arrays, cost more than the work.
        var next = [Int](repeating: 0, count: cellCount)
        var total = 0
        groupOfRow.withUnsafeBufferPointer { group in
            next.withUnsafeMutableBufferPointer { next in
                for step in 0..<cellsPerGroup {
                    cellRows[step].words.withUnsafeBufferPointer { words in
                        for w in 0..<words.count {
                            var bits = words[w]
                            while bits != 0 {
                                let g = Int(group[w &<< 6 &+ bits.trailingZeroBitCount])
                                if g >= 0 && g < groupCount { next[g &* cellsPerGroup &+ step] &+= 1 }
                                bits &= bits &- 1
                            }
                        }
                    }
                }
                for c in 0..<cellCount {
                    let n = next[c]
                    next[c] = total
                    total += n
                }
            }
        }
        /// The durations of `source` placed cell by cell (each cell keeps row order).
        func place<T: StoredInteger>(_ source: [T]) -> [T] {
            [T](unsafeUninitializedCapacity: total) { out, initialized in
                groupOfRow.withUnsafeBufferPointer { group in
                    next.withUnsafeMutableBufferPointer { next in
                        source.withUnsafeBufferPointer { source in
                            for step in 0..<cellsPerGroup {
                                var i = durations.starts[step]
                                cellRows[step].words.withUnsafeBufferPointer { words in
                                    for w in 0..<words.count {
                                        var bits = words[w]
                                        while bits != 0 && i < source.count {
                                            let g = Int(group[w &<< 6 &+ bits.trailingZeroBitCount])
                                            if g >= 0 && g < groupCount {
                                                let c = g &* cellsPerGroup &+ step
                                                out[next[c]] = source[i]
                                                next[c] &+= 1
                                            }
                                            i &+= 1
                                            bits &= bits &- 1
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                initialized = total
            }
        }
        let seconds: IntegerValues
        switch durations.seconds {
        case .int8(let v): seconds = .int8(place(v))
        case .int16(let v): seconds = .int16(place(v))
        case .int32(let v): seconds = .int32(place(v))
        case .int64(let v): seconds = .int64(place(v))
        }
        // After placing, each cell's next place is where the following cell starts.
        return GroupedDurations(groupCount: groupCount, stageCount: stageCount, seconds: seconds, starts: [0] + next)
    }
}

public enum Velocity {
    /// Durations in seconds for each step (index = later stage; step 0 is empty) of rows that reached
    /// it with both times known, and end to end from the first timed stage to the last stage.
    public static func durations(_ reach: Reach, times: [IntegerValues?]) -> (steps: [[Int64]], endToEnd: [Int64]) {
        let all = durationsByGroup(reach, times: times, groupOfRow: nil, groupCount: 1)
        return ((0..<reach.stageCount).map { Array(all.steps(group: 0, stage: $0)) }, Array(all.endToEnd(group: 0)))
    }

    /// Durations of every group at once: `groupOfRow` gives each row's group (or -1); nil puts
    /// every row in group 0. Rows outside the reach's selection count nowhere.
    public static func durationsByGroup(_ reach: Reach, times: [IntegerValues?], groupOfRow: [Int32]?, groupCount: Int) -> GroupedDurations {
        stepDurations(reach, times: times).grouped(groupOfRow, groupCount: groupCount)
    }

    /// Every step's durations of the reach's rows (its selection), each with its row, in row
    /// order: what any grouping of a funnel's velocity is bucketed from. A kept funnel keeps it,
    /// so `velocity F by k` by another key reads no stage time again.
    public static func stepDurations(_ reach: Reach, times: [IntegerValues?]) -> StepDurations {
        let rowCount = reach.rowCount, stageCount = reach.stageCount
        let empty = StepDurations(rowCount: rowCount, durations: .empty(groupCount: 1, stageCount: stageCount),
                                  cellRows: [Validity](repeating: Validity(count: rowCount, allValid: false), count: stageCount + 1))
        let timed = (0..<min(stageCount, times.count)).filter { times[$0]?.count == rowCount && reach.reached[$0].count == rowCount }
        guard rowCount > 0, !timed.isEmpty else { return empty }
        // One bit per row of the selection (none at all without one), not a group number per row.
        let selected = reach.selection.map { Validity(rows: $0, count: rowCount) }
        let timedReached = timed.map { reach.reached[$0] }
        let timedTimes = timed.map { times[$0] ?? .int64([]) }
        let lastIsTimed = timed.last == stageCount - 1
        // Every duration lies within the span of the reached stage times: four bytes each when
        // that span is under 68 years (the reach keeps each stage's first and last time).
        var narrow = false
        if reach.timeRanges.count == stageCount {
            let spans = timed.compactMap { reach.timeRanges[$0] }
            if let low = spans.map(\.first).min(), let high = spans.map(\.last).max() {
                let (span, overflow) = high.subtractingReportingOverflow(low)
                narrow = !overflow && span <= Int64(Int32.max)
            }
        }
        let (durations, rows) = withWords(timedReached) { reached in
            withReaders(timedTimes) { times in
                withWords(of: selected) { selected in
                    timed.withUnsafeBufferPointer { stages in
                        let pass = DurationPass(rowCount: rowCount, parts: rowCount >= 100_000 ? 2 : 1, reached: reached, times: times,
                                                stages: stages, stageCount: stageCount, endToEnd: lastIsTimed,
                                                selected: selected, narrow: narrow)
                        return pass.run()
                    }
                }
            }
        }
        return StepDurations(rowCount: rowCount, durations: durations, cellRows: rows)
    }

    /// Runs `body` with the bitmap's words; nil without one.
    private static func withWords<R>(of bits: Validity?, _ body: (UnsafePointer<UInt64>?) -> R) -> R {
        guard let bits else { return body(nil) }
        return bits.words.withUnsafeBufferPointer { body($0.baseAddress) }
    }

    /// Runs `body` with a reader of each column of times, all valid at once (each holds rows:
    /// the caller checked their counts).
    private static func withReaders<R>(_ values: [IntegerValues], _ body: (UnsafeBufferPointer<IntegerReader>) -> R) -> R {
        let readers = UnsafeMutableBufferPointer<IntegerReader>.allocate(capacity: values.count)
        defer { readers.deallocate() }
        func bind(_ i: Int) -> R {
            if i == values.count { return body(UnsafeBufferPointer(readers)) }
            return values[i].withReader { reader in
                readers.initializeElement(at: i, to: reader ?? IntegerReader(base: UnsafeRawPointer(readers.baseAddress.unsafelyUnwrapped), shift: 0))
                return bind(i + 1)
            }
        }
        return bind(0)
    }

    /// Runs `body` with the words of each bitmap (each holds rows: the caller checked their
    /// counts), all valid at once.
    private static func withWords<R>(_ bitmaps: [Validity], _ body: (UnsafeBufferPointer<UnsafePointer<UInt64>>) -> R) -> R {
        let pointers = UnsafeMutableBufferPointer<UnsafePointer<UInt64>>.allocate(capacity: bitmaps.count)
        defer { pointers.deallocate() }
        func bind(_ i: Int) -> R {
            if i == bitmaps.count { return body(UnsafeBufferPointer(pointers)) }
            // A bitmap of no rows gets one empty word: every pointer is valid.
            let words = bitmaps[i].words.isEmpty ? [0] : bitmaps[i].words
            return words.withUnsafeBufferPointer { words in
                pointers.initializeElement(at: i, to: words.baseAddress.unsafelyUnwrapped)
                return bind(i + 1)
            }
        }
        return bind(0)
    }
}

/// Durations bucketed by step, each with its row. Most rows stop at the first stage and have
/// none, so each half of the rows (on two cores) first lists its rows that have some; then counts
/// each step's durations so that every step gets its place in one buffer; then writes them there,
/// stage by stage over the listed rows. Within a step the first half's rows come before the
/// second's: steps are in row order. The pointers outlive the pass; the halves write disjoint
/// places.
private struct DurationPass: @unchecked Sendable {
    let rowCount: Int
    let parts: Int
    /// Per timed stage, in stage order: who reached it and when.
    /// Per timed stage, a bit per row: reached it.
    let reached: UnsafeBufferPointer<UnsafePointer<UInt64>>
    let times: UnsafeBufferPointer<IntegerReader>
    /// The stage index of each timed stage.
    let stages: UnsafeBufferPointer<Int>
    let stageCount: Int
    /// The last stage is timed (and so the last of `stages`): end-to-end durations exist.
    let endToEnd: Bool
    /// A bit per row of the reach's selection; nil when every row is selected. The pass makes
    /// one group, whose cells are the steps (groupings bucket them after, `StepDurations.grouped`).
    let selected: UnsafePointer<UInt64>?
    /// Durations are written four bytes each (the caller knows they fit), else eight.
    let narrow: Bool
    var cellCount: Int { stageCount + 1 }
    /// Per part, from the part's first row: the rows with durations (one spare place per part).
    var rowLists = UnsafeMutableBufferPointer<Int32>(start: nil, count: 0)
    var rowListLengths = UnsafeMutableBufferPointer<Int>(start: nil, count: 0)
    /// Per part and cell: first the count of durations, then where the part writes the next one.
    var positions = UnsafeMutableBufferPointer<Int>(start: nil, count: 0)
    /// The durations, cell after cell, then a spare place per part, each on its own cache line
    /// (`spareStride` apart): every row that does not count writes there, and two parts writing
    /// into one line would take it from each other at every row.
    var output = UnsafeMutableRawPointer(bitPattern: 0)
    /// Per cell, a bit for each row with a duration in it (`wordCount` words a cell).
    var cellBits = UnsafeMutableBufferPointer<UInt64>(start: nil, count: 0)
    var wordCount: Int { (rowCount + 63) >> 6 }

    /// Whole words of 64 rows per part (the last takes the rest): the parts set bits in
    /// words of their own.
    func rows(of part: Int) -> Range<Int> {
        ((rowCount * part / parts) & ~63)..<(part == parts - 1 ? rowCount : (rowCount * (part + 1) / parts) & ~63)
    }

    /// The durations bucketed, and per cell the rows they belong to.
    func run() -> (durations: GroupedDurations, cellRows: [Validity]) {
        var work = self
        work.rowLists = .allocate(capacity: rowCount + parts)
        work.rowListLengths = .allocate(capacity: parts)
        work.rowListLengths.initialize(repeating: 0)
        work.positions = .allocate(capacity: parts * cellCount)
        work.positions.initialize(repeating: 0)
        defer { work.rowLists.deallocate(); work.rowListLengths.deallocate(); work.positions.deallocate() }
        let counting = work
        forEachPart { part in
            counting.listRowsWithDurations(part: part)
            counting.count(part: part)
        }
        let next = work.positions
        var starts = [Int](repeating: 0, count: cellCount + 1)
        var total = 0
        for c in 0..<cellCount {
            starts[c] = total
            for p in 0..<parts {
                let n = next[p * cellCount + c]
                next[p * cellCount + c] = total
                total += n
            }
        }
        starts[cellCount] = total
        // Rows at the same places as the durations, the spare places included.
        let capacity = total + parts * DurationPass.spareStride
        work.cellBits = .allocate(capacity: cellCount * wordCount)
        work.cellBits.initialize(repeating: 0)
        defer { work.cellBits.deallocate() }
        func scatter<T: StoredInteger>(_: T.Type) -> [T] {
            [T](unsafeUninitializedCapacity: capacity) { buffer, initialized in
                for i in total..<capacity { buffer.initializeElement(at: i, to: 0) }
                work.output = UnsafeMutableRawPointer(buffer.baseAddress)
                let scattering = work, spareBase = total
                forEachPart { scattering.scatter(part: $0, spare: spareBase + $0 * DurationPass.spareStride) }
                initialized = capacity
            }
        }
        // The spare places stay behind the last cell (`starts` ends at `total`).
        let seconds: IntegerValues = narrow ? .int32(scatter(Int32.self)) : .int64(scatter(Int64.self))
        let cellRows = (0..<cellCount).map { c in
            Validity(words: Array(UnsafeBufferPointer(rebasing: work.cellBits[(c * wordCount)..<((c + 1) * wordCount)])), count: rowCount)
        }
        return (GroupedDurations(groupCount: 1, stageCount: stageCount, seconds: seconds, starts: starts), cellRows)
    }

    private func forEachPart(_ body: @Sendable (Int) -> Void) {
        if parts == 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: parts, execute: body) }
    }


    /// The part's rows of the selection that reached two timed stages, or the last one: per
    /// word of 64 rows, the rows that reached one stage and those that reached another after it.
    private func listRowsWithDurations(part: Int) {
        let range = rows(of: part)
        guard !range.isEmpty, let list = rowLists.baseAddress.map({ $0 + range.lowerBound + part }) else { return }
        let last = reached[stages.count - 1]
        var length = 0
        for w in (range.lowerBound >> 6)...((range.upperBound - 1) >> 6) {
            var once: UInt64 = 0, twice: UInt64 = 0
            for column in reached {
                let here = column[w]
                twice |= once & here
                once |= here
            }
            var keep = twice | (endToEnd ? last[w] : 0)
            if let selected { keep &= selected[w] }
            let base = w << 6
            if base < range.lowerBound { keep &= ~UInt64(0) << UInt64(range.lowerBound - base) }
            if base + 64 > range.upperBound { keep &= (UInt64(1) << UInt64(range.upperBound - base)) &- 1 }
            while keep != 0 {
                list[length] = Int32(truncatingIfNeeded: base &+ keep.trailingZeroBitCount)
                length &+= 1
                keep &= keep &- 1
            }
        }
        rowListLengths[part] = length
    }

    private func listedRows(of part: Int) -> UnsafeBufferPointer<Int32> {
        let start = rows(of: part).lowerBound + part
        return UnsafeBufferPointer(rebasing: rowLists[start..<(start + rowListLengths[part])])
    }

    /// Each step's number of durations, stage by stage with the count in a register (one cell
    /// per step: a count kept in memory made each row wait for the one before).
    private func count(part: Int) {
        guard let cells = positions.baseAddress.map({ $0 + part * cellCount }) else { return }
        let listed = listedRows(of: part)
        let seen = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, listed.count))
        seen.initialize(repeating: 0)
        defer { seen.deallocate() }
        for j in 0..<stages.count {
            let column = reached[j]
            var n = 0
            for i in 0..<listed.count {
                let here = Validity.bit(column, Int(listed[i]))
                n &+= Int(here & seen[i])
                seen[i] |= here
            }
            cells[stages[j]] &+= n
        }
        if endToEnd {
            let last = reached[stages.count - 1]
            var n = 0
            for i in 0..<listed.count { n &+= Int(Validity.bit(last, Int(listed[i]))) }
            cells[stageCount] &+= n
        }
    }

    /// Stage by stage over the listed rows, each row's previous and first time kept in arrays:
    /// no step waits for the one before, so many reads of times are in flight at once.
    ///
    /// The listed rows go a block at a time (their state is 34 bytes a row); within each cell the
    /// durations still come in row order, so sums come out the same to the last bit.
    private func scatter(part: Int, spare: Int) {
        guard let next = positions.baseAddress.map({ $0 + part * cellCount }) else { return }
        let rows = listedRows(of: part)
        var start = 0
        while start < rows.count {
            let end = min(rows.count, start + DurationPass.blockRows)
            let state = ListedRows(UnsafeBufferPointer(rebasing: rows[start..<end]))
            defer { state.deallocate() }
            for j in 0..<stages.count {
                gather(stage: j, into: state)
                write(stage: stages[j], from: state, next: next, spare: spare)
            }
            if endToEnd { writeEndToEnd(from: state, next: next, spare: spare) }
            start = end
        }
    }

    /// A duration at its place, four or eight bytes wide.
    @inline(__always)
    private func store(_ duration: Int64, at place: Int) {
        let out = output.unsafelyUnwrapped
        if narrow {
            out.storeBytes(of: Int32(truncatingIfNeeded: duration), toByteOffset: place &<< 2, as: Int32.self)
        } else {
            out.storeBytes(of: duration, toByteOffset: place &<< 3, as: Int64.self)
        }
    }

    /// Sets the row's bit in the cell when its duration counts (0 or 1: no branch).
    @inline(__always)
    private func markRow(_ r: Int, cell: Int, counts: Int) {
        cellBits[cell &* wordCount &+ (r &>> 6)] |= UInt64(truncatingIfNeeded: counts) &<< UInt64(r & 63)
    }

    static let blockRows = 16_384
    /// 16 places: 128 bytes of durations.
    static let spareStride = 16

    /// The reads from memory on their own, in a loop of a few instructions, so that many are in
    /// flight at once. A row that did not reach the stage reads row 0's time (in cache) instead:
    /// later stages are sparse.
    private func gather(stage j: Int, into state: ListedRows) {
        let column = reached[j], time = times[j]
        for i in 0..<state.rows.count {
            let r = Int(state.rows[i])
            let here = Validity.bit(column, r)
            state.reachedHere[i] = here
            state.timeHere[i] = time[r &* Int(here)]
        }
    }

    /// Branch-free: whether a row reached a stage is close to a coin flip, so every listed row
    /// writes a duration, to its cell's next place if it counts and to the spare place if not.
    /// Selections are arithmetic on 0/1 and masks: the compiler turns `?:` into branches.
    /// The step's next place stays in a register for the block (kept in memory, each row waited
    /// for the one before).
    private func write(stage: Int, from state: ListedRows, next: UnsafeMutablePointer<Int>, spare: Int) {
        var p = next[stage]
        defer { next[stage] = p }
        for i in 0..<state.rows.count {
            let here = Int(state.reachedHere[i])
            let wasSeen = Int(state.seen[i])
            let t = state.timeHere[i]
            let counts = here & wasSeen
            let place = spare &+ (p &- spare) &* counts
            store(t &- state.previous[i], at: place)
            markRow(Int(state.rows[i]), cell: stage, counts: counts)
            p &+= counts
            let reachedMask = Int64(0) &- Int64(here)
            let firstMask = reachedMask & (Int64(wasSeen) &- 1)
            state.first[i] = (t & firstMask) | (state.first[i] & ~firstMask)
            state.previous[i] = (t & reachedMask) | (state.previous[i] & ~reachedMask)
            state.seen[i] = UInt8(truncatingIfNeeded: wasSeen | here)
        }
    }

    private func writeEndToEnd(from state: ListedRows, next: UnsafeMutablePointer<Int>, spare: Int) {
        let column = reached[stages.count - 1], time = times[stages.count - 1]
        var p = next[stageCount]
        defer { next[stageCount] = p }
        for i in 0..<state.rows.count {
            let r = Int(state.rows[i])
            let counts = Int(Validity.bit(column, r))
            let place = spare &+ (p &- spare) &* counts
            store(time[r &* counts] &- state.first[i], at: place)
            markRow(r, cell: stageCount, counts: counts)
            p &+= counts
        }
    }
}

/// Per listed row of one part, as the stages go by: whether it reached a
/// timed stage yet, the time of the last one and of the first; the current stage's flag and time.
private struct ListedRows {
    let rows: UnsafeBufferPointer<Int32>
    let previous: UnsafeMutableBufferPointer<Int64>
    let first: UnsafeMutableBufferPointer<Int64>
    let seen: UnsafeMutableBufferPointer<UInt8>
    let reachedHere: UnsafeMutableBufferPointer<UInt8>
    let timeHere: UnsafeMutableBufferPointer<Int64>

    init(_ rows: UnsafeBufferPointer<Int32>) {
        let m = rows.count
        self.rows = rows
        previous = .allocate(capacity: m)
        first = .allocate(capacity: m)
        seen = .allocate(capacity: m)
        reachedHere = .allocate(capacity: m)
        timeHere = .allocate(capacity: m)
        previous.initialize(repeating: 0)
        first.initialize(repeating: 0)
        seen.initialize(repeating: 0)
        reachedHere.initialize(repeating: 0)
        timeHere.initialize(repeating: 0)
    }

    func deallocate() {
        previous.deallocate(); first.deallocate(); seen.deallocate()
        reachedHere.deallocate(); timeHere.deallocate()
    }
}

