@testable import FunnelAnalytics
import FunnelEngine
import Testing

/// Velocity by group against a row-by-row reference, and duration summaries against the engine's
/// median, percentile and avg, on random funnels.
struct VelocityTests {
    /// A deterministic generator so failures reproduce.
    struct Mix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Random stages: some without times, some optional; null times (not eligible) and conditions
    /// that fail, so that many rows stop early and some skip a stage.
    static func randomFunnel(rows: Int, stages: Int, untimed: Set<Int>, selection: Selection?, seed: UInt64,
                             spanDays: Int64 = 400) -> (FunnelData, [IntegerValues?]) {
        var g = Mix(state: seed)
        var data: [StageData] = []
        var times: [IntegerValues?] = []
        for k in 0..<stages {
            let wide: [Int64]? = untimed.contains(k) ? nil : (0..<rows).map { _ in Int64.random(in: 0...(spanDays * 86_400), using: &g) }
            // Both widths a column holds times in, side by side.
            let t: IntegerValues? = wide.map { k % 2 == 0 ? .narrowest($0) : .int64($0) }
            let eligible = (0..<rows).map { _ in Int.random(in: 0..<10, using: &g) < (k == 0 ? 9 : 5) }
            data.append(StageData(name: "s\(k)", times: t, eligible: eligible, optional: k == 1))
            times.append(t)
        }
        return (FunnelData(rowCount: rows, selection: selection, stages: data, window: nil), times)
    }

    /// The definition, row by row: each step's duration is from the last timed stage the row
    /// reached before; end to end from the first timed stage reached to the last stage.
    static func reference(_ reach: Reach, times: [IntegerValues?], groupOfRow: [Int32], groupCount: Int) -> [(steps: [[Int64]], endToEnd: [Int64])] {
        var out = [(steps: [[Int64]], endToEnd: [Int64])](repeating: ([[Int64]](repeating: [], count: reach.stageCount), []), count: groupCount)
        var included = [Bool](repeating: reach.selection == nil, count: reach.rowCount)
        for r in reach.selection ?? [] { included[Int(r)] = true }
        for r in 0..<reach.rowCount where included[r] {
            let g = Int(groupOfRow[r])
            guard g >= 0 && g < groupCount else { continue }
            var previous: Int64? = nil, first: Int64? = nil
            for k in 0..<reach.stageCount {
                guard let t = times[k], reach.reached[k][r] else { continue }
                if let previous { out[g].steps[k].append(t[r] - previous) }
                previous = t[r]
                if first == nil { first = t[r] }
            }
            let last = reach.stageCount - 1
            if let t = times[last], reach.reached[last][r], let first { out[g].endToEnd.append(t[r] - first) }
        }
        return out
    }

    static func expectSameDurations(rows: Int, stages: Int, untimed: Set<Int>, groupCount: Int, selection: Selection?, seed: UInt64) {
        let (data, times) = randomFunnel(rows: rows, stages: stages, untimed: untimed, selection: selection, seed: seed)
        let reach = FunnelReach.compute(data)
        var g = Mix(state: seed ^ 0xABCD)
        // Group -1 (no group) and groups no row falls in (the last one is always empty).
        let groupOfRow = (0..<rows).map { _ in Int32(Int.random(in: -1..<max(0, groupCount - 1), using: &g)) }
        let expected = reference(reach, times: times, groupOfRow: groupOfRow, groupCount: groupCount)
        let actual = Velocity.durationsByGroup(reach, times: times, groupOfRow: groupOfRow, groupCount: groupCount)
        for group in 0..<groupCount {
            for k in 0..<stages {
                #expect(Array(actual.steps(group: group, stage: k)) == expected[group].steps[k], "group \(group) stage \(k)")
            }
            #expect(Array(actual.endToEnd(group: group)) == expected[group].endToEnd, "group \(group) end to end")
        }
    }

    /// Durations are kept four bytes each when the stage times span less than 68 years, eight
    /// when they span more (a lead of 1950 next to one of 2025): the same durations either way.
    @Test func durationsOfEitherWidth() {
        for (spanDays, width) in [(Int64(400), 4), (Int64(90 * 366), 8)] {
            let (data, times) = Self.randomFunnel(rows: 3_000, stages: 5, untimed: [2], selection: nil, seed: 21, spanDays: spanDays)
            let reach = FunnelReach.compute(data)
            let steps = Velocity.stepDurations(reach, times: times)
            #expect(steps.durations.seconds.width == width, "over \(spanDays) days")
            let grouped = steps.grouped(nil, groupCount: 1)
            let expected = Self.reference(reach, times: times, groupOfRow: [Int32](repeating: 0, count: 3_000), groupCount: 1)
            for k in 0..<5 { #expect(grouped.steps(group: 0, stage: k) == expected[0].steps[k]) }
            #expect(!expected[0].endToEnd.isEmpty && grouped.endToEnd(group: 0) == expected[0].endToEnd)
        }
    }

    @Test func byGroupMatchesTheRowByRowDefinition() {
        Self.expectSameDurations(rows: 2_000, stages: 5, untimed: [], groupCount: 4, selection: nil, seed: 1)
        Self.expectSameDurations(rows: 2_000, stages: 6, untimed: [2], groupCount: 7, selection: nil, seed: 2)
        // The last stage without a time: no end-to-end durations.
        Self.expectSameDurations(rows: 2_000, stages: 4, untimed: [3], groupCount: 3, selection: nil, seed: 3)
        // The first stage without a time: steps start from the first timed stage.
        Self.expectSameDurations(rows: 2_000, stages: 4, untimed: [0], groupCount: 3, selection: nil, seed: 4)
        Self.expectSameDurations(rows: 1, stages: 3, untimed: [], groupCount: 2, selection: nil, seed: 5)
    }

    @Test func byGroupHonoursTheSelection() {
        let selection: Selection = stride(from: 3, to: 3_000, by: 3).map { Int32($0) }
        Self.expectSameDurations(rows: 3_000, stages: 5, untimed: [], groupCount: 5, selection: selection, seed: 6)
        Self.expectSameDurations(rows: 3_000, stages: 5, untimed: [], groupCount: 5, selection: [], seed: 7)
    }

    @Test func byGroupOnTwoCoresKeepsRowOrder() {
        // Above the size where the rows are split over two cores.
        Self.expectSameDurations(rows: 240_001, stages: 6, untimed: [4], groupCount: 9, selection: nil, seed: 8)
    }

    /// One funnel's step durations, grouped by one key and then another (as a kept funnel's are),
    /// give what each grouping gives computed from the rows; no key with several groups puts
    /// every row in the first.
    @Test func stepDurationsGroupedByOneKeyThenAnother() {
        let rows = 3_001
        let (data, times) = Self.randomFunnel(rows: rows, stages: 5, untimed: [2], selection: stride(from: 0, to: rows, by: 2).map { Int32($0) }, seed: 11)
        let reach = FunnelReach.compute(data)
        let steps = Velocity.stepDurations(reach, times: times)
        var mix = Mix(state: 12)
        for groupCount in [3, 6] {
            let groupOfRow = (0..<rows).map { _ in Int32(Int.random(in: -1..<groupCount, using: &mix)) }
            let grouped = steps.grouped(groupOfRow, groupCount: groupCount)
            let expected = Self.reference(reach, times: times, groupOfRow: groupOfRow, groupCount: groupCount)
            for group in 0..<groupCount {
                for k in 0..<5 { #expect(Array(grouped.steps(group: group, stage: k)) == expected[group].steps[k]) }
                #expect(Array(grouped.endToEnd(group: group)) == expected[group].endToEnd)
            }
        }
        let allInFirst = steps.grouped(nil, groupCount: 2)
        let expected = Self.reference(reach, times: times, groupOfRow: [Int32](repeating: 0, count: rows), groupCount: 2)
        for k in 0..<5 {
            #expect(Array(allInFirst.steps(group: 0, stage: k)) == expected[0].steps[k])
            #expect(allInFirst.steps(group: 1, stage: k).isEmpty)
        }
        #expect(!expected[0].endToEnd.isEmpty && Array(allInFirst.endToEnd(group: 0)) == expected[0].endToEnd)
    }

    @Test func noTimedStageOrNoGroupGivesNoDurations() {
        let (data, times) = Self.randomFunnel(rows: 100, stages: 3, untimed: [0, 1, 2], selection: nil, seed: 9)
        let reach = FunnelReach.compute(data)
        let none = Velocity.durationsByGroup(reach, times: times, groupOfRow: nil, groupCount: 1)
        #expect(none.steps(group: 0, stage: 1).isEmpty && none.endToEnd(group: 0).isEmpty)
        let groups = Velocity.durationsByGroup(reach, times: times, groupOfRow: [Int32](repeating: 0, count: 99), groupCount: 1)
        #expect(groups.endToEnd(group: 0).isEmpty)   // groups of the wrong length
        #expect(groups.steps(group: 5, stage: 1).isEmpty && groups.steps(group: 0, stage: 9).isEmpty)
    }

    @Test func summariesOfEveryCellOnEitherCore() {
        for rows in [500, 240_001] {
            let (data, times) = Self.randomFunnel(rows: rows, stages: 5, untimed: [2], selection: nil, seed: 11)
            let reach = FunnelReach.compute(data)
            var g = Mix(state: 12)
            let groupOfRow = (0..<rows).map { _ in Int32(Int.random(in: -1..<3, using: &g)) }
            let durations = Velocity.durationsByGroup(reach, times: times, groupOfRow: groupOfRow, groupCount: 4)
            let summaries = durations.summaries()
            for group in 0..<4 {
                for k in 0..<5 {
                    #expect(summaries.step(group: group, stage: k) == DurationSummary.of(durations.steps(group: group, stage: k)))
                }
                #expect(summaries.endToEnd(group: group) == DurationSummary.of(durations.endToEnd(group: group)))
            }
            #expect(summaries.endToEnd(group: 3).count == 0)   // no row is in group 3
            #expect(summaries.step(group: 4, stage: 1).count == 0 && summaries.step(group: 0, stage: 5).count == 0)
        }
    }

    /// Summaries of the one-group durations a funnel keeps (no key: the grouping is the kept
    /// durations themselves) leave them as they were, in row order, at either width.
    @Test func summariesLeaveTheKeptDurations() {
        for spanDays in [Int64(400), Int64(90 * 366)] {
            let (data, times) = Self.randomFunnel(rows: 5_000, stages: 5, untimed: [2], selection: nil, seed: 31, spanDays: spanDays)
            let steps = Velocity.stepDurations(FunnelReach.compute(data), times: times)
            let before = (0..<5).map { steps.durations.steps(group: 0, stage: $0) }
            let summaries = steps.grouped(nil, groupCount: 1).summaries()
            #expect((0..<5).map { steps.durations.steps(group: 0, stage: $0) } == before)
            for k in 0..<5 { #expect(summaries.step(group: 0, stage: k) == DurationSummary.of(before[k])) }
        }
    }

    /// What DurationSummary reported before: the engine's aggregates over the durations in days.
    static func engineSummary(_ seconds: [Int64]) -> DurationSummary {
        let column = Column(name: "", storage: .decimal(seconds.map { Double($0) / 86_400 }))
        func one(_ f: AggregateFunction) -> Double? {
            Aggregate.compute(f, column: column, selection: nil, rowCount: seconds.count, grouping: nil).first?.number
        }
        return DurationSummary(count: seconds.count, medianDays: one(.median), p90Days: one(.percentile(0.9)), meanDays: one(.avg))
    }

    @Test func summaryIsTheEnginesToTheLastBit() {
        var g = Mix(state: 10)
        for size in [1, 2, 3, 10, 47, 48, 49, 1_000, 54_321] {
            for spread: Int64 in [3, 86_400, 90 * 86_400, 1 << 40] {
                let seconds = (0..<size).map { _ in Int64.random(in: 0...spread, using: &g) }
                #expect(DurationSummary.of(seconds) == Self.engineSummary(seconds), "size \(size) spread \(spread)")
                #expect(DurationSummary.of(seconds[1...]) == Self.engineSummary(Array(seconds[1...])))
            }
        }
        #expect(DurationSummary.of([]) == DurationSummary(count: 0, medianDays: nil, p90Days: nil, meanDays: nil))
    }
}
