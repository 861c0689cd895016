import FunnelAnalytics
import FunnelEngine
import Testing

/// Reach, counts, velocity, decay and planning on hand-sized inputs with answers worked out here.
struct FunnelReachTests {
    static let day: Int64 = 86_400

    /// Three rows, three stages with times (days): row 0 goes through in order, row 1 reaches the
    /// third stage before the second (strict order stops it), row 2 skips the second stage.
    static func data(optionalMiddle: Bool, window: Int64? = nil) -> FunnelData {
        let t0: [Int64] = [0, 0, 0].map { $0 * day }
        let t1: [Int64] = [1, 5, 0].map { $0 * day }
        let t2: [Int64] = [3, 2, 10].map { $0 * day }
        return FunnelData(rowCount: 3, selection: nil, stages: [
            StageData(name: "leads", times: .narrowest(t0), eligible: [true, true, true], optional: false),
            StageData(name: "mqls", times: .narrowest(t1), eligible: [true, true, false], optional: optionalMiddle),
            StageData(name: "sqls", times: .narrowest(t2), eligible: [true, true, true], optional: false),
        ], window: window)
    }

    @Test func strictOrderAndSkips() {
        let strict = FunnelReach.compute(Self.data(optionalMiddle: false))
        #expect(strict.counts == [3, 2, 1])          // row 1's SQL (day 2) is before its MQL (day 5)
        #expect(strict.reached[2].flags == [true, false, false])
        let skipping = FunnelReach.compute(Self.data(optionalMiddle: true))
        #expect(skipping.counts == [3, 2, 2])        // row 2 skips mqls and reaches sqls
        #expect(skipping.reached[2].flags == [true, false, true])
    }

    @Test func timeRangesOfReachedRows() {
        let reach = FunnelReach.compute(Self.data(optionalMiddle: false))
        #expect(reach.timeRanges.count == 3)
        #expect(reach.timeRanges[1]?.first == 1 * Self.day)   // rows 0 and 1 reached mqls, on days 1 and 5
        #expect(reach.timeRanges[1]?.last == 5 * Self.day)
        #expect(reach.timeRanges[2]?.first == 3 * Self.day)   // only row 0 reached sqls
        #expect(reach.timeRanges[2]?.last == 3 * Self.day)
    }

    @Test func windowFromTheFirstStage() {
        let windowed = FunnelReach.compute(Self.data(optionalMiddle: true, window: 5 * Self.day))
        #expect(windowed.counts == [3, 2, 1])        // row 2's SQL is 10 days after entry
    }

    @Test func selectionLimitsRows() {
        var data = Self.data(optionalMiddle: false)
        data.selection = [1, 2]
        #expect(FunnelReach.compute(data).counts == [2, 1, 0])
    }

    @Test func bothHalvesAgreeOnLargeInputs() {
        // Above the size where two cores split the rows: every row reaches every stage.
        let n = 250_000
        let times = (0..<n).map { Int64($0) }
        let data = FunnelData(rowCount: n, selection: nil, stages: [
            StageData(name: "a", times: .narrowest(times), eligible: [Bool](repeating: true, count: n), optional: false),
            StageData(name: "b", times: .int64(times), eligible: (0..<n).map { $0 % 2 == 0 }, optional: false),
        ], window: nil)
        #expect(FunnelReach.compute(data).counts == [n, n / 2])
    }

    @Test func velocityFromThePreviousReachedStage() {
        let reach = FunnelReach.compute(Self.data(optionalMiddle: true))
        let (steps, endToEnd) = Velocity.durations(reach, times: Self.data(optionalMiddle: true).stages.map(\.times))
        #expect(steps[1] == [1 * Self.day, 5 * Self.day])   // leads → mqls for rows 0 and 1
        #expect(steps[2].sorted() == [2 * Self.day, 10 * Self.day]) // row 0 from its MQL, row 2 from its lead
        #expect(endToEnd.sorted() == [3 * Self.day, 10 * Self.day])
        let summary = DurationSummary.of([1, 2, 3, 4].map { $0 * Self.day })
        #expect(summary.medianDays == 2.5)
        #expect(abs((summary.p90Days ?? 0) - 3.7) < 1e-9)
        #expect(summary.meanDays == 2.5)
    }
}

struct FunnelCountsTests {
    @Test func rates() {
        let counts = FunnelCounts(stages: ["visits", "leads", "mqls"], counts: [1000, 30, 0])
        #expect(counts.stepRate(1) == 0.03)
        #expect(counts.stepRate(2) == 0)
        #expect(counts.overallRate(2) == 0)
        #expect(counts.dropOff(1) == 970)
        #expect(FunnelCounts(stages: ["a", "b"], counts: [0, 0]).stepRate(1) == nil)
    }

    @Test func worstStepAgainstTheWholeFunnel() {
        let whole = FunnelCounts(stages: ["v", "l", "m"], counts: [1000, 30, 10])
        let slice = FunnelCounts(stages: ["v", "l", "m"], counts: [100, 3, 0])
        #expect(slice.worstStep(comparedWith: whole) == 2)   // v→l is as usual; l→m is 0 against 1/3
    }
}

struct DecayAndPlanningTests {
    /// The domain example: 40 SQLs for 10 customers of 100k; 5 SQLs go stale.
    @Test func decayDomainExample() {
        let estimate = DecayEstimate.estimate(reached: 40, stale: 5, customers: 10, dealValue: 100_000)
        #expect(estimate.conversion == 0.25)
        #expect(estimate.valuePerRow == 25_000)
        #expect(estimate.expectedCustomers == 10)
        #expect(estimate.expectedAfterDecay == 8.75)
        #expect(estimate.revenueAtRisk == 125_000)
    }

    @Test func reversePlanRoundsUp() throws {
        let plan = try #require(ReversePlan.compute(stages: ["leads", "sqls", "customers"], goal: 10,
                                                    historicalRates: [nil, 0.3, 0.2], overrides: [(from: 1, to: 2, rate: 0.25)]))
        #expect(plan.required == [134, 40, 10])            // 10 / 25% = 40 SQLs; 40 / 30% = 133.3 → 134 leads
        let spanning = try #require(ReversePlan.compute(stages: ["a", "b", "c"], goal: 10, historicalRates: [nil, 0.5, 0.5],
                                                        overrides: [(from: 0, to: 2, rate: 0.25)]))
        #expect(spanning.required == [40, 20, 10])         // the span keeps its steps' proportions
        #expect(ReversePlan.compute(stages: ["a", "b"], goal: 1, historicalRates: [nil, 0], overrides: []) == nil)
    }

    @Test func periods() {
        let march3 = CivilDate.days(year: 2025, month: 3, day: 3)   // a Monday
        #expect(Periods.start(ofDay: march3 + 3, unit: .week) == march3)
        #expect(Periods.start(ofDay: march3, unit: .quarter) == CivilDate.days(year: 2025, month: 1, day: 1))
        #expect(Periods.range(from: CivilDate.days(year: 2025, month: 11, day: 1), through: CivilDate.days(year: 2026, month: 1, day: 1), unit: .month).count == 3)
    }
}
