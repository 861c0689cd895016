import FunnelAnalytics
import FunnelEngine
import Testing

/// Any order, exclusions and entity counting on inputs small enough to follow by hand.
struct WhoIsCountedTests {
    static let day: Int64 = 86_400

    /// Rows 0–2 as FunnelReachTests: row 0 in order, row 1 reaches sqls (day 2) before mqls
    /// (day 5), row 2 has no mqls. Row 3 has sqls only.
    static func data(order: StageOrder, window: Int64? = nil, exclusions: [StageExclusion] = []) -> FunnelData {
        FunnelData(rowCount: 4, selection: nil, stages: [
            StageData(name: "leads", times: .narrowest([0, 0, 0, 0]), eligible: [true, true, true, false], optional: false),
            StageData(name: "mqls", times: .narrowest([1 * day, 5 * day, 0, 0]), eligible: [true, true, false, false], optional: false),
            StageData(name: "sqls", times: .narrowest([3 * day, 2 * day, 10 * day, 4 * day]), eligible: [true, true, true, true], optional: false),
        ], window: window, order: order, exclusions: exclusions)
    }

    static func reached(_ reach: Reach, _ stage: Int) -> [Int] { (0..<reach.rowCount).filter { reach.reached[stage][$0] } }

    @Test func anyOrderCountsEveryStageARowReached() {
        let inOrder = FunnelReach.compute(Self.data(order: .inOrder))
        #expect(inOrder.counts == [3, 2, 1])
        let any = FunnelReach.compute(Self.data(order: .anyOrder))
        #expect(any.counts == [3, 2, 4])
        #expect(Self.reached(any, 2) == [0, 1, 2, 3])
        // Within 4 days of each row's earliest time: row 1's mqls (day 5) and row 2's sqls (day 10) are out.
        let windowed = FunnelReach.compute(Self.data(order: .anyOrder, window: 4 * Self.day))
        #expect(windowed.counts == [3, 1, 3])
        #expect(windowed.notCounted == [0, 1, 1])
    }

    @Test func anExclusionDropsTheRowFromEveryStage() {
        // Lost on day 2 (rows 0 and 2) and day 6 (row 1). Row 0: mqls day 1 ≤ 2 < sqls day 3,
        // dropped. Row 1 never reached sqls in order, so a loss any time after its mqls (day 5 ≤ 6)
        // drops it. Row 2 never was an mql: kept.
        let lost = StageExclusion(label: "lost_at between mqls and sqls", times: .narrowest([2 * Self.day, 6 * Self.day, 2 * Self.day, 0]),
                                  eligible: Validity([true, true, true, false]), from: 1, to: 2)
        let reach = FunnelReach.compute(Self.data(order: .inOrder, exclusions: [lost]))
        #expect(reach.excluded == [2])
        #expect(reach.counts == [1, 0, 0])
        #expect(Self.reached(reach, 0) == [2])
    }

    @Test func anEntityReachesAStageThroughAnyOfItsRows() {
        // One contact, three event rows: visit (day 3), signup (day 1), signup (day 4). In order,
        // its signup is the one of day 4; the first row in table order is not its first touch.
        let data = FunnelData(rowCount: 3, selection: nil, stages: [
            StageData(name: "visit", times: .narrowest([3 * Self.day, 1 * Self.day, 4 * Self.day]), eligible: [true, false, false], optional: false),
            StageData(name: "signup", times: .narrowest([3 * Self.day, 1 * Self.day, 4 * Self.day]), eligible: [false, true, true], optional: false),
        ], window: nil)
        let first = EntityFunnel.build(data, groupOfRow: [0, 0, 0], groupCount: 1, entityOfGroup: [0], entityCount: 1, attribution: .firstTouch)
        #expect(first.data.selection == [0])
        let reach = FunnelReach.compute(first.data)
        #expect(reach.counts == [1, 1])
        #expect(first.data.stages[1].times?[0] == 4 * Self.day)
        let last = EntityFunnel.build(data, groupOfRow: [0, 0, 0], groupCount: 1, entityOfGroup: [0], entityCount: 1, attribution: .lastTouch)
        #expect(last.data.selection == [2])
        // By rows alone no row is both a visit and a signup.
        #expect(FunnelReach.compute(data).counts == [1, 0])
    }

    @Test func aConstantPropertyKeepsOneValueAlongTheStages() {
        // A contact visits under account A (row 0) and signs up under account B (row 1): with the
        // account held constant it reaches visit only.
        let data = FunnelData(rowCount: 2, selection: nil, stages: [
            StageData(name: "visit", times: .narrowest([0, Self.day]), eligible: [true, false], optional: false),
            StageData(name: "signup", times: .narrowest([0, Self.day]), eligible: [false, true], optional: false),
        ], window: nil)
        let together = EntityFunnel.build(data, groupOfRow: [0, 0], groupCount: 1, entityOfGroup: [0], entityCount: 1, attribution: .firstTouch)
        #expect(FunnelReach.compute(together.data).counts == [1, 1])
        let constant = EntityFunnel.build(data, groupOfRow: [0, 1], groupCount: 2, entityOfGroup: [0, 0], entityCount: 1, attribution: .firstTouch)
        #expect(FunnelReach.compute(constant.data).counts == [1, 0])
        #expect(constant.entityCount == 1)
        let withoutKey = EntityFunnel.build(data, groupOfRow: [0, -1], groupCount: 1, entityOfGroup: [0], entityCount: 1, attribution: .stage(1))
        #expect(withoutKey.rowsWithoutKey == 1)
        #expect(withoutKey.notAttributed == 1)
    }
}
