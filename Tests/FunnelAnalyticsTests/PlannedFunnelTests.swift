import Testing

@testable import FunnelAnalytics
import FunnelEngine

/// Funnels computed the way the language computes them, with no language: tables built from Swift
/// values, funnel plans from Swift values, run on the in-memory backend. Every expected number is
/// worked out by hand below from docs/metrics.md (reach: the stage before or an optional one it
/// could skip, its own time and condition, strict order, the window from the first stage).
///
/// The leads (days of 2025; sql_at is a timestamp at 10:00, the others are dates):
///
///     row id created  mql     sql     customer score source
///      0   1 Jan 1    Jan 6   Jan 11  Mar 2    80    ads     in order; customer exactly 60 days after entry
///      1   2 Jan 4    Jan 9   —       —        —     seo     null score: not an MQL (null is not true)
///      2   3 Jan 11   Jan 16  Jan 13  Jan 31   90    ads     SQL before MQL: out of order, stops at mqls
///      3   4 Jan 13   —       Jan 21  Jan 26   40    email   skips the optional mqls
///      4   5 Feb 5    Feb 10  Feb 15  May 1    65    ads     customer 85 days after entry; after the as-of date
///      5   6 —        Feb 10  Feb 20  Mar 2    85    seo     no created_at: in no stage
///      6   7 Feb 10   Feb 15  Feb 20  —        50    ads     score below 60: skips mqls
///      7   8 Mar 2    Feb 28  —       —        75    email   MQL time before its entry: not an MQL
///
/// Funnel: leads at created_at; mqls at mql_at where score >= 60, optional; sqls at sql_at;
/// customers at customer_at.
///
/// - eligible (time known and condition true): leads {0,1,2,3,4,6,7}; mqls {0,2,4,5,7};
///   sqls {0,2,3,4,5,6}; customers {0,2,3,4,5}.
/// - reached, no window: leads {0,1,2,3,4,6,7} = 7; mqls {0,2,4} = 3 (7 is out of order);
///   sqls {0,3,4,6} = 4 (2 out of order; 3 and 6 skip mqls); customers {0,3,4} = 3.
/// - within 60 days: row 4's customer (85 days) is out: customers {0,3} = 2; row 0 is at exactly
///   60 days and stays in.
@Suite struct PlannedFunnelTests {
    // MARK: Data

    static let jan1 = CivilDate.days(year: 2025, month: 1, day: 1)
    static let day: Int64 = 86_400
    /// 2025-03-31.
    static let asOf = Int32(CivilDate.days(year: 2025, month: 3, day: 31))

    static func date(_ offset: Int) -> Value { .date(Int32(jan1 + offset)) }
    /// 10:00 on day `offset` of 2025.
    static func stamp(_ offset: Int) -> Value { .timestamp(Int64(jan1 + offset) * day + 10 * 3_600) }
    static func seconds(_ offset: Int, hours: Int64 = 0) -> Int64 { Int64(jan1 + offset) * day + hours * 3_600 }

    static let leadsTable = Table(name: "leads", columns: [
        ColumnBuilder.column(from: (1...8).map { .integer(Int64($0)) }, name: "id"),
        ColumnBuilder.column(from: [date(0), date(3), date(10), date(12), date(35), .null, date(40), date(60)], name: "created_at"),
        ColumnBuilder.column(from: [date(5), date(8), date(15), .null, date(40), date(40), date(45), date(58)], name: "mql_at"),
        ColumnBuilder.column(from: [stamp(10), .null, stamp(12), stamp(20), stamp(45), stamp(50), stamp(50), .null], name: "sql_at"),
        ColumnBuilder.column(from: [date(60), .null, date(30), date(25), date(120), date(60), .null, .null], name: "customer_at"),
        ColumnBuilder.column(from: [.integer(80), .null, .integer(90), .integer(40), .integer(65), .integer(85), .integer(50), .integer(75)], name: "score"),
        ColumnBuilder.column(from: ["ads", "seo", "ads", "email", "ads", "seo", "ads", "email"].map { .text($0) }, name: "source"),
    ], timeColumn: "created_at")

    static var leads: TableValue { TableValue(table: leadsTable, selection: nil, sourceName: "leads") }

    /// Deals of the leads (`link deals.contact_id -> leads.id`):
    ///
    ///     row contact won_at  amount
    ///      0   1      Jan 31  1000    lead row 0's first deal
    ///      1   3      Jan 6    500    lead row 2, won before the lead was created (Jan 11)
    ///      2   1      Feb 20   300    lead row 0's second deal: not the one read
    ///      3   4      —        200    lead row 3, not won
    ///      4   9      Jan 21    50    no such lead
    ///      5   7      Mar 17   700    lead row 6 (created Feb 10): 35 days later
    static let dealsTable = Table(name: "deals", columns: [
        ColumnBuilder.column(from: [1, 3, 1, 4, 9, 7].map { .integer($0) }, name: "contact_id"),
        ColumnBuilder.column(from: [date(30), date(5), date(50), .null, date(20), date(75)], name: "won_at"),
        ColumnBuilder.column(from: [1000, 500, 300, 200, 50, 700].map { .decimal($0) }, name: "amount"),
    ])

    static let dealsToLeads = LinkStep(fromTable: "deals", fromColumn: "contact_id", toTable: "leads", toColumn: "id")

    static var link: Link {
        Link(dealsToLeads, fromKey: dealsTable.column(named: "contact_id")!, toKey: leadsTable.column(named: "id")!)
    }

    /// The leads, the deals, and views of the leads by the names a plan scans them by.
    static func backend(views: [String: TableValue] = [:]) -> InMemoryBackend {
        var relations = ["leads": leads, "deals": TableValue(table: dealsTable, selection: nil, sourceName: "deals")]
        for (name, view) in views { relations[name] = view }
        return InMemoryBackend(relations: relations, links: [link])
    }

    static func column(_ name: String, of relation: String? = nil) -> PlanExpression { .column(ColumnRef(name, of: relation)) }

    static let scoreAtLeast60 = PlanExpression.binary(.greaterEqual, column("score"), .constant(.integer(60)))

    static func funnelPlan(scanning relation: String = "leads", mqlsOptional: Bool = true, windowDays: Int64? = nil) -> FunnelPlan {
        FunnelPlan(rows: .scan(relation, columns: []), stages: [
            StagePlan(name: "leads", time: column("created_at"), condition: nil, optional: false, timeLabel: "created_at"),
            StagePlan(name: "mqls", time: column("mql_at"), condition: scoreAtLeast60, optional: mqlsOptional, timeLabel: "mql_at"),
            StagePlan(name: "sqls", time: column("sql_at"), condition: nil, optional: false, timeLabel: "sql_at"),
            StagePlan(name: "customers", time: column("customer_at"), condition: nil, optional: false, timeLabel: "customer_at"),
        ], window: windowDays.map { $0 * day })
    }

    /// What the language does with a funnel plan: stage inputs through the backend, reach, the
    /// evaluated funnel and the rows it leaves out (as of `asOf`).
    static func evaluate(_ plan: FunnelPlan, view: TableValue, on backend: any Backend, countStages: [String] = [],
                         targets: [(from: String?, to: String)] = [], asOf today: Int32 = PlannedFunnelTests.asOf) throws -> EvaluatedFunnel {
        let stages = try FunnelRows.stages(plan, view: view, on: backend)
        let reach = FunnelReach.compute(FunnelData(rowCount: view.table.rowCount, selection: view.selection, stages: stages, window: plan.window),
                                        endOfAsOf: (Int64(today) + 1) * day)
        var funnel = EvaluatedFunnel(
            name: "inbound", table: "leads", view: view, countStageNames: countStages,
            rowStages: plan.stages.map { RowStage(name: $0.name, timeLabel: $0.time == nil ? nil : $0.timeLabel, hasCondition: $0.condition != nil, optional: $0.optional) },
            targetSteps: targets, times: stages.map(\.times), reach: reach, stages: stages.map(KeptStage.init))
        (funnel.notCounted, funnel.afterAsOf) = (reach.notCounted, reach.afterAsOf)
        return funnel
    }

    /// Table-length flags with `rows` set.
    static func flags(_ rows: Set<Int>, count: Int = 8) -> [Bool] { (0..<count).map { rows.contains($0) } }

    static func cells(_ result: ResultTable, _ name: String) -> [Value] {
        guard let column = result.table.column(named: name) else { return [] }
        return (0..<result.table.rowCount).map { column.value(at: $0) }
    }

    static func numbers(_ result: ResultTable, _ name: String) -> [Double?] { cells(result, name).map(\.number) }

    static func texts(_ result: ResultTable, _ name: String) -> [String?] {
        cells(result, name).map { value -> String? in
            if case .text(let s) = value { return s }
            return nil
        }
    }

    static func values(_ column: Column, rows: Int) -> [Value] { (0..<rows).map { column.value(at: $0) } }

    static func percent(_ rate: Double) -> String { ValueFormatter.format(.decimal(rate), as: .percent) }

    // MARK: 1. Stages and reach

    @Test func stageInputsComeFromTheBackend() throws {
        let stages = try FunnelRows.stages(Self.funnelPlan(), view: Self.leads, on: Self.backend())
        #expect(stages.map(\.name) == ["leads", "mqls", "sqls", "customers"])
        #expect(stages.map(\.optional) == [false, true, false, false])
        #expect(stages[0].eligible.flags == Self.flags([0, 1, 2, 3, 4, 6, 7]))     // a created_at
        #expect(stages[1].eligible.flags == Self.flags([0, 2, 4, 5, 7]))           // an mql_at and score >= 60 (row 1's null score is not)
        #expect(stages[2].eligible.flags == Self.flags([0, 2, 3, 4, 5, 6]))
        #expect(stages[3].eligible.flags == Self.flags([0, 2, 3, 4, 5]))
        // Dates in seconds at midnight, timestamps as they are.
        #expect(stages[0].times?[4] == Self.seconds(35))
        #expect(stages[2].times?[0] == Self.seconds(10, hours: 10))
        #expect(stages[3].times?[4] == Self.seconds(120))
    }

    @Test func reachWithAConditionAnOptionalStageOrderAndWindow() throws {
        let backend = Self.backend()
        let open = try Self.evaluate(Self.funnelPlan(), view: Self.leads, on: backend)
        #expect(open.reach.counts == [7, 3, 4, 3])
        #expect(open.reach.reached[1].flags == Self.flags([0, 2, 4]))       // row 7's MQL (Feb 28) is before its entry (Mar 2)
        #expect(open.reach.reached[2].flags == Self.flags([0, 3, 4, 6]))    // row 2's SQL (Jan 13) is before its MQL (Jan 16)
        #expect(open.reach.reached[3].flags == Self.flags([0, 3, 4]))

        // Within 60 days: row 4's customer is 85 days after entry; row 0's is exactly 60 (at most N days: in).
        let sixty = try Self.evaluate(Self.funnelPlan(windowDays: 60), view: Self.leads, on: backend)
        #expect(sixty.reach.counts == [7, 3, 4, 2])
        #expect(sixty.reach.reached[3].flags == Self.flags([0, 3]))
        let fiftyNine = try Self.evaluate(Self.funnelPlan(windowDays: 59), view: Self.leads, on: backend)
        #expect(fiftyNine.reach.counts == [7, 3, 4, 1])

        // Without the optional mark, sqls need mqls: of {0,2,4}, row 2 is out of order.
        let required = try Self.evaluate(Self.funnelPlan(mqlsOptional: false), view: Self.leads, on: backend)
        #expect(required.reach.counts == [7, 3, 2, 2])
        #expect(required.reach.reached[3].flags == Self.flags([0, 4]))
    }

    @Test func rowsLeftOutAndTheirNotes() throws {
        let backend = Self.backend()
        // Eligible rows that reached leads but not the stage: mqls row 7 (out of order); sqls row 2
        // (out of order); customers row 2 (its sqls missing) and, within 60 days, row 4.
        let sixty = try Self.evaluate(Self.funnelPlan(windowDays: 60), view: Self.leads, on: backend)
        #expect(sixty.notCounted == [0, 1, 1, 2])
        #expect(sixty.afterAsOf == 0)
        let notes = sixty.rowNotes(asOf: Self.asOf)
        #expect(notes.count == 3)
        #expect(notes.first?.hasPrefix("1 leads row with a mql_at and the condition of mqls is not counted in mqls") == true)
        #expect(notes.last?.hasPrefix("2 leads rows with a customer_at are not counted in customers") == true)

        // Without the window, row 4 is a customer on May 1, after the as-of date (Mar 31).
        let open = try Self.evaluate(Self.funnelPlan(), view: Self.leads, on: backend)
        #expect(open.notCounted == [0, 1, 1, 1])
        #expect(open.afterAsOf == 1)
        #expect(open.rowNotes(asOf: Self.asOf).last?.hasPrefix("1 leads row reached a stage after the as-of date 2025-03-31") == true)
        // As of May 1 nothing is later.
        let may1 = Int32(CivilDate.days(year: 2025, month: 5, day: 1))
        #expect(try Self.evaluate(Self.funnelPlan(), view: Self.leads, on: backend, asOf: may1).afterAsOf == 0)
    }

    @Test func monthsCoveredAndRowsThatMayEnter() throws {
        let funnel = try Self.evaluate(Self.funnelPlan(windowDays: 60), view: Self.leads, on: Self.backend())
        // Leads from Jan 1 to Mar 2: 60 days / 30.44 = 1.97 → 2 months.
        #expect(funnel.monthsCovered == 2)
        #expect(funnel.rowsThatMayEnter(0) == nil)
        #expect(funnel.rowsThatMayEnter(1) == [0, 1, 2, 3, 4, 6, 7])
        // mqls is optional: every lead may enter sqls.
        #expect(funnel.rowsThatMayEnter(2) == [0, 1, 2, 3, 4, 6, 7])
        #expect(funnel.rowsThatMayEnter(3) == [0, 3, 4, 6])
    }

    // MARK: 2. A view

    /// Rows 0, 2, 3, 5, 6. leads {0,2,3,6} = 4 (5 has no created_at); mqls {0,2} = 2;
    /// sqls {0,3,6} = 3 (2 out of order); customers {0,3} = 2.
    @Test(arguments: [[0, 2, 3, 5, 6], [6, 5, 3, 2, 0]] as [Selection])
    func aViewCountsItsRowsOnly(selection: Selection) throws {
        let view = TableValue(table: Self.leadsTable, selection: selection, sourceName: "leads")
        let backend = Self.backend(views: ["leads (5 rows)": view])
        let funnel = try Self.evaluate(Self.funnelPlan(scanning: "leads (5 rows)"), view: view, on: backend)
        #expect(funnel.reach.counts == [4, 2, 3, 2])
        #expect(funnel.reach.reached[0].flags == Self.flags([0, 2, 3, 6]))
        #expect(funnel.reach.reached[2].flags == Self.flags([0, 3, 6]))
        // Rows outside the view meet no stage, though row 1 has a created_at.
        let stages = try FunnelRows.stages(Self.funnelPlan(scanning: "leads (5 rows)"), view: view, on: backend)
        #expect(stages[0].eligible.flags == Self.flags([0, 2, 3, 6]))
        #expect(stages[1].eligible.flags == Self.flags([0, 2, 5]))
        #expect(stages[2].times?[6] == Self.seconds(50, hours: 10))
        // Left out: sqls row 2 (order), customers row 2 (no sqls).
        #expect(funnel.notCounted == [0, 0, 1, 1])
        // Entries Jan 1 to Feb 10: 40 days → 1 month.
        #expect(funnel.monthsCovered == 1)
        let overview = FunnelTables.overview(funnel, counts: funnel.totals(countStageValues: []), targets: [:], notes: [], asOf: Self.asOf, title: nil)
        #expect(Self.numbers(overview, "count") == [4, 2, 3, 2])
        #expect(overview.footnotes.contains("5 of 8 leads rows"))
    }

    // MARK: 3. A stage time through a link

    /// leads at created_at, won at deals.won_at, read from each lead's first deal: row 0 Jan 31
    /// (1000), row 2 Jan 6 (before its entry on Jan 11), row 3 none won, row 6 Mar 17 (700).
    static func wonPlan(condition: PlanExpression? = nil, windowDays: Int64? = nil) -> FunnelPlan {
        FunnelPlan(rows: .join(.scan("leads", columns: []), LinkJoin(link: dealsToLeads, direction: .firstLinking)), stages: [
            StagePlan(name: "leads", time: column("created_at"), condition: nil, optional: false, timeLabel: "created_at"),
            StagePlan(name: "won", time: column("won_at", of: "deals"), condition: condition, optional: false, timeLabel: "deals.won_at"),
        ], window: windowDays.map { $0 * day })
    }

    @Test func aStageTimeThroughAJoin() throws {
        #expect(Self.link.target == [0, 2, 0, 3, -1, 6])
        #expect(Self.link.unmatched == 1)
        let backend = Self.backend()
        let won = try Self.evaluate(Self.wonPlan(), view: Self.leads, on: backend)
        #expect(won.reach.counts == [7, 2])
        #expect(won.reach.reached[1].flags == Self.flags([0, 6]))
        #expect(won.times[1]?[0] == Self.seconds(30))                 // the first deal's Jan 31, not the second's Feb 20
        #expect(backend.takeNotes().first?.hasPrefix("1 leads row has several deals rows") == true)
        // Row 2 won before it was created: met the stage, not counted.
        #expect(won.notCounted == [0, 1])

        // A condition on the linked row: only row 0's deal is 800 or more.
        let big = try Self.evaluate(Self.wonPlan(condition: .binary(.greaterEqual, Self.column("amount", of: "deals"), .constant(.integer(800)))),
                                    view: Self.leads, on: backend)
        #expect(big.reach.counts == [7, 1])
        #expect(big.reach.reached[1].flags == Self.flags([0]))

        // Within 30 days: row 0 at exactly 30 stays, row 6 at 35 does not.
        let windowed = try Self.evaluate(Self.wonPlan(windowDays: 30), view: Self.leads, on: backend)
        #expect(windowed.reach.counts == [7, 1])
        #expect(windowed.reach.reached[1].flags == Self.flags([0]))
    }

    // MARK: 4. Totals

    /// 100 visits (a count-only stage) before the funnel within 60 days: [100, 7, 3, 4, 2]. Of
    /// the 3 MQLs {0,2,4}, 2 are SQLs {0,4} and 1 a customer {0}.
    @Test func totalsUseJointCountsAfterTheOptionalStage() throws {
        let funnel = try Self.evaluate(Self.funnelPlan(windowDays: 60), view: Self.leads, on: Self.backend(), countStages: ["visits"],
                                       targets: [(from: "mqls", to: "customers")])
        #expect(funnel.stageNames == ["visits", "leads", "mqls", "sqls", "customers"])
        #expect(funnel.stepsFromOptionalStages == [Step(from: 1, to: 2), Step(from: 1, to: 3)])
        let counts = funnel.totals(countStageValues: [100])
        #expect(counts.counts == [100, 7, 3, 4, 2])
        #expect(counts.joint == [Step(from: 2, to: 3): 2, Step(from: 2, to: 4): 1])
        #expect(counts.stepRate(1) == 0.07)
        #expect(counts.stepRate(2) == 3.0 / 7.0)
        #expect(counts.stepRate(3) == 2.0 / 3.0)                     // both(mqls, sqls) / mqls, not 4 / 3
        #expect(counts.stepRate(4) == 0.5)
        #expect(counts.dropOff(3) == 1)
        #expect(counts.skipped(into: 3) == 2)                         // rows 3 and 6
        #expect(counts.rate(from: 2, to: 4) == 1.0 / 3.0)             // the target's step: 1 of 3 MQLs, not 2 / 3
        #expect(counts.overallRate(4) == 0.02)
        #expect(counts.skipped(into: 4) == nil)                       // sqls is not optional
        // Without a count-only stage the indices are the row stages'.
        let rowsOnly = try Self.evaluate(Self.funnelPlan(windowDays: 60), view: Self.leads, on: Self.backend()).totals(countStageValues: [])
        #expect(rowsOnly == FunnelCounts(stages: ["leads", "mqls", "sqls", "customers"], counts: [7, 3, 4, 2], joint: [Step(from: 1, to: 2): 2]))
    }

    // MARK: 5. Tables

    static let targets = [
        2: StepTarget(comparison: .greaterEqual, rate: 0.4, from: 1),   // target mqls/leads >= 40%: 3/7 = 42.9%, met
        4: StepTarget(comparison: .greaterEqual, rate: 0.5, from: 2),   // target customers/mqls >= 50%: 1/3, missed
    ]

    @Test func overviewCells() throws {
        let funnel = try Self.evaluate(Self.funnelPlan(windowDays: 60), view: Self.leads, on: Self.backend(), countStages: ["visits"],
                                       targets: [(from: "mqls", to: "customers")])
        let result = FunnelTables.overview(funnel, counts: funnel.totals(countStageValues: [100]), targets: Self.targets, notes: ["extra"],
                                           asOf: Self.asOf, title: nil)
        #expect(Self.texts(result, "stage") == ["visits", "leads", "mqls", "sqls", "customers"])
        #expect(Self.numbers(result, "count") == [100, 7, 3, 4, 2])
        #expect(Self.numbers(result, "step") == [nil, 0.07, 3.0 / 7.0, 2.0 / 3.0, 0.5])
        #expect(Self.numbers(result, "overall") == [1, 0.07, 0.03, 0.04, 0.02])
        #expect(Self.numbers(result, "drop-off") == [nil, 93, 4, 1, 2])
        #expect(Self.numbers(result, "") == [1, 0.07, 0.03, 0.04, 0.02])   // the bar: count / the largest count (100)
        #expect(Self.texts(result, "target") == [nil, nil, ">= \(Self.percent(0.4)): met", nil, "from mqls >= \(Self.percent(0.5)): missed"])
        #expect(result.footnotes.first == "2 sqls skipped mqls (optional): the step mqls→sqls counts the 2 that were mqls")
        #expect(result.footnotes.last == "extra")
        #expect(result.footnotes.count == 5)   // skipped, mqls and sqls and customers not counted, extra
    }

    @Test func bottleneckAgainstTargets() throws {
        let funnel = try Self.evaluate(Self.funnelPlan(windowDays: 60), view: Self.leads, on: Self.backend(), countStages: ["visits"],
                                       targets: [(from: "mqls", to: "customers")])
        let result = FunnelTables.bottleneck(funnel, counts: funnel.totals(countStageValues: [100]), targets: Self.targets, asOf: Self.asOf)
        #expect(Self.texts(result, "step") == ["visits→leads", "leads→mqls", "mqls→sqls", "mqls→customers"])
        #expect(Self.numbers(result, "rate") == [0.07, 3.0 / 7.0, 2.0 / 3.0, 1.0 / 3.0])
        #expect(Self.numbers(result, "reference") == [nil, 0.4, nil, 0.5])
        #expect(Self.texts(result, "basis") == ["—", "target", "—", "target"])
        // ⌈40% × 7 − 3⌉ = ⌈−0.2⌉ → 0; ⌈50% × 3 MQLs − 1 that went on⌉ = 1.
        #expect(Self.numbers(result, "short by") == [nil, 0, nil, 1])
        #expect(result.title == "bottleneck: mqls→customers \(Self.percent(1.0 / 3.0)) vs \(Self.percent(0.5)): 1 customers short")
    }

    /// Without targets, as of Mar 30 the last finished month with leads is February; the 12 months
    /// before it hold January. Stages counted by their own month (within 60 days):
    /// January leads 4, mqls 2, sqls 2 (1 of them an MQL), customers 1 (row 3);
    /// February leads 2, mqls 1, sqls 2 (1 of them an MQL), customers 0 (row 0's is in March).
    @Test func bottleneckAgainstTheMonthsBefore() throws {
        let mar30 = Int32(CivilDate.days(year: 2025, month: 3, day: 30))
        let funnel = try Self.evaluate(Self.funnelPlan(windowDays: 60), view: Self.leads, on: Self.backend(), asOf: mar30)
        let result = FunnelTables.bottleneck(funnel, counts: funnel.totals(countStageValues: []), targets: [:], asOf: mar30)
        #expect(Self.texts(result, "step") == ["leads→mqls", "mqls→sqls", "sqls→customers"])
        // mqls→sqls in February: both 1 / mqls 1 = 100% (not sqls 2 / mqls 1); January 1 / 2.
        #expect(Self.numbers(result, "rate") == [0.5, 1, 0])
        #expect(Self.numbers(result, "reference") == [0.5, 0.5, 0.5])
        #expect(Self.texts(result, "basis") == ["12 months before", "12 months before", "12 months before"])
        // ⌈50% × 2 − 1⌉ = 0; ⌈50% × 1 − 1⌉ = 0; ⌈50% × 2 − 0⌉ = 1.
        #expect(Self.numbers(result, "short by") == [0, 0, 1])
        #expect(result.title?.hasPrefix("bottleneck: sqls→customers") == true)
        #expect(result.footnotes.first?.hasPrefix("rate: the steps of 2025-02,") == true)

        // As of Mar 31 March is over: 1 lead, no MQL, no SQL, 1 customer; only leads→mqls has a
        // rate in March (0 of 1) and in the 12 months before (3 of 6).
        let mar31 = try Self.evaluate(Self.funnelPlan(windowDays: 60), view: Self.leads, on: Self.backend())
        let march = FunnelTables.bottleneck(mar31, counts: mar31.totals(countStageValues: []), targets: [:], asOf: Self.asOf)
        #expect(Self.numbers(march, "rate") == [0, nil, nil])
        #expect(Self.numbers(march, "reference") == [0.5, nil, nil])
        #expect(Self.numbers(march, "short by") == [1, nil, nil])
        #expect(march.title?.hasPrefix("bottleneck: leads→mqls") == true)
    }

    /// As of Mar 31, stale after 30 days means a stage time before Mar 2 (the end of Mar 31 less 30 days).
    @Test func healthCells() throws {
        let funnel = try Self.evaluate(Self.funnelPlan(windowDays: 60), view: Self.leads, on: Self.backend())
        let result = FunnelTables.health(funnel, afterDays: 30, asOf: Self.asOf)
        #expect(Self.texts(result, "stage") == ["leads", "mqls", "sqls", "customers"])
        #expect(Self.numbers(result, "reached") == [7, 3, 4, 2])
        // Furthest stage: leads rows 1, 7; mqls row 2; sqls rows 4, 6; customers rows 0, 3.
        #expect(Self.numbers(result, "not further") == [2, 1, 2, nil])
        // Stuck: row 1 (Jan 4; row 7 entered Mar 2, not before), row 2 (Jan 16), rows 4 and 6 (Feb 15, Feb 20).
        #expect(Self.numbers(result, "stuck > 30 days") == [1, 1, 2, nil])
        #expect(result.footnotes.last == "as of 2025-03-31")
    }

    /// A funnel with no optional stage, where counts and rows agree: leads 7, mqls 3, sqls 2,
    /// customers 2 (no window): 5 lost, 4 of them at the first step: 80%, a martini glass.
    @Test func shapeOfAFunnelWithoutOptionalStages() throws {
        let funnel = try Self.evaluate(Self.funnelPlan(mqlsOptional: false), view: Self.leads, on: Self.backend())
        let result = FunnelTables.health(funnel, afterDays: 30, asOf: Self.asOf)
        #expect(Self.numbers(result, "not further") == [4, 1, 0, nil])
        #expect(result.footnotes.first?.hasPrefix("shape: martini glass — \(Self.percent(0.8)) of all losses") == true)
    }

    /// docs/metrics.md: "Shape: the share of all rows lost between the first and the last row stage
    /// that are lost at the first step". Within 60 days 5 of the 7 leads are not customers (rows 1,
    /// 2, 4, 6, 7); lost at the first step are the rows whose furthest stage is leads (rows 1 and 7,
    /// the "not further" of leads): 2 of 5 = 40%, a pint glass. Rows 3 and 6 skipped the optional
    /// mqls and went on (row 3 is a customer): they are not lost at leads→mqls. FunnelShape takes
    /// (count(leads) − count(mqls)) / (count(leads) − count(customers)) = 4 / 5 instead.
    @Test func shapeCountsRowsLostNotRowsThatSkippedAnOptionalStage() throws {
        let funnel = try Self.evaluate(Self.funnelPlan(windowDays: 60), view: Self.leads, on: Self.backend())
        let result = FunnelTables.health(funnel, afterDays: 30, asOf: Self.asOf)
        #expect(result.footnotes.first?.hasPrefix("shape: pint glass") == true)
        #expect(result.footnotes.first?.contains("(\(Self.percent(0.4)) at the first)") == true)
    }

    /// sqls within 60 days: rows 0, 3, 4, 6; customers 0 and 3. Stale after 30 days as of Mar 31:
    /// rows 4 (Feb 15) and 6 (Feb 20), SQLs that went no further. P = 2 / 4; one customer 1,000,
    /// one SQL 500; expected 4 × 50% = 2, after decay 2 × 50% = 1; at risk 2 × 500.
    @Test func decayCells() throws {
        let funnel = try Self.evaluate(Self.funnelPlan(windowDays: 60), view: Self.leads, on: Self.backend())
        #expect(FunnelTables.staleRows(funnel, stage: 2, afterDays: 30, asOf: Self.asOf) == [4, 6])
        // After 40 days: before Feb 20 00:00, and row 6's SQL is at 10:00 that day.
        #expect(FunnelTables.staleRows(funnel, stage: 2, afterDays: 40, asOf: Self.asOf) == [4])
        let result = FunnelTables.decay(funnel, stage: 2, afterDays: 30, dealValue: 1_000, asOf: Self.asOf)
        func number(_ v: Double) -> String { ValueFormatter.format(.decimal(v), as: .number) }
        func money(_ v: Double) -> String { ValueFormatter.format(.decimal(v), as: .money) }
        #expect(Self.texts(result, "") == ["sqls reached", "stale after 30 days", "P(customers | sqls)", "value of one of customers",
                                            "value of one of sqls", "expected customers", "expected customers after decay", "revenue at risk",
                                            "revenue, whole customers: now → after"])
        #expect(Self.texts(result, "value") == [number(4), number(2), Self.percent(0.5), money(1_000), money(500), number(2), number(1), money(1_000),
                                                 money(2_000) + " → " + money(1_000)])
    }

    /// Decay of the optional mqls within 60 days: mqls {0, 2, 4}, customers {0, 3}; of the MQLs only
    /// row 0 became a customer (row 3 skipped mqls), so P(customers | mqls) = 1 / 3, not
    /// count(customers) / count(mqls) = 2 / 3.
    @Test func decayAtAnOptionalStageCountsItsOwnRowsThatWentOn() throws {
        let funnel = try Self.evaluate(Self.funnelPlan(windowDays: 60), view: Self.leads, on: Self.backend())
        let result = FunnelTables.decay(funnel, stage: 1, afterDays: 30, dealValue: 1_000, asOf: Self.asOf)
        let values = Self.texts(result, "value")
        #expect(Self.texts(result, "").dropFirst(2).first == "P(customers | mqls)")
        #expect(values.dropFirst(2).first == Self.percent(1.0 / 3))
    }

    /// A stage with no time and no condition (`contacted`) is met by every row: the rows that
    /// reached leads but not mqls (rows 1, 3, 6, 7; no window, mqls not optional) miss it only
    /// because they missed mqls, so no note says they are "not counted" in it; mqls' own note stays.
    @Test func aStageThatEveryRowMeetsHasNoLeftOutNote() throws {
        let plan = FunnelPlan(rows: .scan("leads", columns: []), stages: [
            StagePlan(name: "leads", time: Self.column("created_at"), condition: nil, optional: false, timeLabel: "created_at"),
            StagePlan(name: "mqls", time: Self.column("mql_at"), condition: Self.scoreAtLeast60, optional: false, timeLabel: "mql_at"),
            StagePlan(name: "contacted", time: nil, condition: nil, optional: false),
        ], window: nil)
        let funnel = try Self.evaluate(plan, view: Self.leads, on: Self.backend())
        #expect(funnel.reach.counts == [7, 3, 3])
        #expect(funnel.notCounted[2] == 4)
        let notes = funnel.rowNotes(asOf: Self.asOf)
        #expect(!notes.contains { $0.contains("contacted") })
        #expect(notes.contains { $0.hasPrefix("1 leads row with a mql_at and the condition of mqls is not counted in mqls") })
    }

    /// Cohorts by month of entry, followed whenever later stages happened (no window): January
    /// rows 0–3: 4, 2 (0, 2), 2 (0, 3), 2 (0, 3); February rows 4, 6: 2, 1, 2, 1 (row 4's customer
    /// in May counts in its February cohort); March row 7: 1, 0, 0, 0.
    @Test func cohortCells() throws {
        let funnel = try Self.evaluate(Self.funnelPlan(), view: Self.leads, on: Self.backend())
        let result = FunnelTables.cohorts(funnel, unit: .month, unitName: "month")
        #expect(Self.texts(result, "month") == ["2025-01", "2025-02", "2025-03"])
        #expect(Self.numbers(result, "leads") == [4, 2, 1])
        #expect(Self.numbers(result, "mqls") == [2, 1, 0])
        #expect(Self.numbers(result, "sqls") == [2, 2, 0])
        #expect(Self.numbers(result, "customers") == [2, 1, 0])
        #expect(Self.numbers(result, "customers/leads") == [0.5, 0.5, 0])
    }

    // MARK: 6. Groups

    @Test func groupsBySourceAndByMonth() throws {
        let backend = Self.backend()
        let bySource = try GroupedRows.group([GroupKey(name: "source", expression: Self.column("source"))], rows: .scan("leads", columns: []),
                                             view: Self.leads, on: backend)
        #expect(bySource.grouping.groupCount == 3)
        #expect(bySource.grouping.keys.first.map { Self.values($0, rows: 3) } == [.text("ads"), .text("email"), .text("seo")])
        #expect(bySource.grouping.groupOfRow == [0, 2, 0, 1, 0, 2, 0, 1])
        #expect(bySource.undated == 0)

        // By month of created_at: row 5 has none, a null group after the others.
        let byMonth = try GroupedRows.group([GroupKey(name: "month", expression: Self.column("created_at"), period: .month)],
                                            rows: .scan("leads", columns: []), view: Self.leads, on: backend)
        #expect(byMonth.grouping.groupCount == 4)
        #expect(byMonth.grouping.keys.first.map { Self.values($0, rows: 4) } == [Self.date(0), Self.date(31), Self.date(59), .null])
        #expect(byMonth.grouping.groupOfRow == [0, 0, 0, 0, 1, 3, 1, 2])
        #expect(byMonth.undated == 1)

        // By month of the sql_at timestamps: January 0, 2, 3; February 4, 5, 6; none for 1 and 7.
        let bySQLMonth = try GroupedRows.group([GroupKey(name: "month", expression: Self.column("sql_at"), period: .month)],
                                               rows: .scan("leads", columns: []), view: Self.leads, on: backend)
        #expect(bySQLMonth.grouping.groupOfRow == [0, 2, 0, 0, 1, 1, 1, 2])
        #expect(bySQLMonth.undated == 2)
    }

    @Test(arguments: [[0, 2, 3, 5, 6], [6, 5, 3, 2, 0]] as [Selection])
    func groupsOfAView(selection: Selection) throws {
        let view = TableValue(table: Self.leadsTable, selection: selection, sourceName: "leads")
        let backend = Self.backend(views: ["leads (5 rows)": view])
        let byMonth = try GroupedRows.group([GroupKey(name: "month", expression: Self.column("created_at"), period: .month)],
                                            rows: .scan("leads (5 rows)", columns: []), view: view, on: backend)
        // January 0, 2, 3; February 6; no date 5; rows outside the view in no group.
        #expect(byMonth.grouping.groupCount == 3)
        #expect(byMonth.grouping.groupOfRow == [0, -1, 0, 0, -1, 2, 1, -1])
        #expect(byMonth.undated == 1)
        // sum(score where score >= 60) by source over the view: ads 80 + 90 (row 6's 50 is not), seo 85.
        let bySource = try GroupedRows.group([GroupKey(name: "source", expression: Self.column("source"))], rows: .scan("leads (5 rows)", columns: []),
                                             view: view, on: backend)
        let sums = try GroupedRows.measure(Measure(name: "s", function: .sum, argument: Self.column("score"), filter: Self.scoreAtLeast60),
                                           rows: .scan("leads (5 rows)", columns: []), rowCount: 8, grouping: bySource.grouping, on: backend)
        #expect(sums.count == 3)
        #expect(sums.first?.number == 170)
        #expect(sums.last?.number == 85)
        let counts = try GroupedRows.measure(Measure(name: "n", function: .countRows), rows: .scan("leads (5 rows)", columns: []), rowCount: 8,
                                             grouping: bySource.grouping, on: backend)
        #expect(counts.map(\.number) == [3, 1, 1])
    }

    @Test func measuresPerGroup() throws {
        let backend = Self.backend()
        let rows = LogicalPlan.scan("leads", columns: [])
        let bySource = try GroupedRows.group([GroupKey(name: "source", expression: Self.column("source"))], rows: rows, view: Self.leads, on: backend).grouping
        // Groups ads {0,2,4,6}, email {3,7}, seo {1,5}.
        // sum(score where score >= 60): ads 80 + 90 + 65 = 235; email 75; seo 85 (row 1's null score is not >= 60).
        let sums = try GroupedRows.measure(Measure(name: "s", function: .sum, argument: Self.column("score"), filter: Self.scoreAtLeast60),
                                           rows: rows, rowCount: 8, grouping: bySource, on: backend)
        #expect(sums.map(\.number) == [235, 75, 85])
        // count() where sql_at is known: ads 4, email 1 (row 3), seo 1 (row 5).
        let withSQL = try GroupedRows.measure(Measure(name: "n", function: .countRows, filter: .isNull(Self.column("sql_at"), negated: true)),
                                              rows: rows, rowCount: 8, grouping: bySource, on: backend)
        #expect(withSQL.map(\.number) == [4, 1, 1])
        // avg(score): ads (80 + 90 + 65 + 50) / 4 = 71.25; email (40 + 75) / 2 = 57.5; seo 85 (nulls skipped).
        let averages = try GroupedRows.measure(Measure(name: "a", function: .avg, argument: Self.column("score")),
                                               rows: rows, rowCount: 8, grouping: bySource, on: backend)
        #expect(averages.map(\.number) == [71.25, 57.5, 85])
        // By month of entry, count() where mql_at is known: January 3 (rows 0, 1, 2), February 2, March 1, no date 1.
        let byMonth = try GroupedRows.group([GroupKey(name: "month", expression: Self.column("created_at"), period: .month)],
                                            rows: rows, view: Self.leads, on: backend).grouping
        let mqlTimes = try GroupedRows.measure(Measure(name: "n", function: .countRows, filter: .isNull(Self.column("mql_at"), negated: true)),
                                               rows: rows, rowCount: 8, grouping: byMonth, on: backend)
        #expect(mqlTimes.map(\.number) == [3, 2, 1, 1])
    }

    // MARK: Demand

    /// By source within 60 days: ads rows {0,2,4,6}: 4 leads, 3 MQLs {0,2,4}, 3 SQLs {0,4,6}, 1
    /// customer {0}; email {3,7}: 2, 0, 1, 1 (row 3); seo {1,5}: 1, 0, 0, 0 (row 5 is in no stage).
    @Test func demandCells() throws {
        let backend = Self.backend()
        let funnel = try Self.evaluate(Self.funnelPlan(windowDays: 60), view: Self.leads, on: backend)
        #expect(FunnelTables.lastStageRows(funnel) == [0, 3])
        let grouping = try GroupedRows.group([GroupKey(name: "source", expression: Self.column("source"))], rows: .scan("leads", columns: []),
                                             view: Self.leads, on: backend).grouping
        let keys = (0..<grouping.groupCount).map { g in grouping.keys.map { $0.value(at: g) } }
        let ads: [Value] = [.text("ads")], email: [Value] = [.text("email")]
        // Orders: row 0 has 2 (300 in all), row 2 1, row 4 3, row 6 1; row 3 (a customer) none.
        let inputs = DemandInputs(keyNames: ["source"], keyPeriods: [nil], keyOfGroup: keys, groupOfRow: grouping.groupOfRow,
                                  spend: [ads: 400, email: 100, [.text("seo")]: 50], revenue: [ads: 2_000, email: 500],
                                  orderCounts: [2, 0, 1, 0, 3, 0, 1, 0],
                                  orderAmounts: ColumnBuilder.column(from: [.decimal(300), .null, .decimal(100), .null, .decimal(900), .null, .decimal(50), .null], name: "amount"),
                                  notes: [])
        let result = FunnelTables.demand(funnel, inputs)
        #expect(Self.texts(result, "source") == ["ads", "email", "seo"])
        #expect(Self.numbers(result, "leads") == [4, 2, 1])
        #expect(Self.numbers(result, "mqls") == [3, 0, 0])
        #expect(Self.numbers(result, "sqls") == [3, 1, 0])
        #expect(Self.numbers(result, "customers") == [1, 1, 0])
        #expect(Self.numbers(result, "spend") == [400, 100, 50])
        #expect(Self.numbers(result, "cost/leads") == [100, 50, 50])
        #expect(Self.numbers(result, "cost/mqls") == [400.0 / 3.0, nil, nil])
        #expect(Self.numbers(result, "cost/customers") == [400, 100, nil])
        #expect(Self.numbers(result, "customers/leads") == [0.25, 0.5, 0])
        #expect(Self.numbers(result, "revenue") == [2_000, 500, nil])
        #expect(Self.numbers(result, "avg deal") == [2_000, 500, nil])
        #expect(Self.numbers(result, "ROMI") == [4, 4, nil])                 // (2000 − 400) / 400, (500 − 100) / 100
        // Customers: row 0 (ads, 2 orders: a promoter, 300) and row 3 (email, none).
        #expect(Self.numbers(result, "promoters") == [1, 0, 0])
        #expect(Self.numbers(result, "promoter rate") == [1, 0, nil])
        #expect(Self.numbers(result, "lifetime value") == [300, 0, nil])
    }

    // MARK: 7. What the plans read

    /// Records every plan and lets the in-memory backend answer.
    final class PlanLog {
        var plans: [LogicalPlan] = []

        /// Per relation, the union of the columns the recorded plans read.
        var columnsRead: [String: Set<String>] {
            var read: [String: Set<String>] = [:]
            for plan in plans {
                for (relation, columns) in plan.columnsRead { read[relation, default: []].formUnion(columns) }
            }
            return read
        }
    }

    struct RecordingBackend: Backend {
        let inner: InMemoryBackend
        let log: PlanLog

        func schema(of relation: String) -> RelationSchema? { inner.schema(of: relation) }

        func execute(_ plan: LogicalPlan) throws(PlanError) -> ResultTable {
            log.plans.append(plan)
            return try inner.execute(plan)
        }

        func view(_ plan: LogicalPlan) throws(PlanError) -> TableValue {
            log.plans.append(plan)
            return try inner.view(plan)
        }

        func takeNotes() -> [String] { inner.takeNotes() }
        func funnelCounts(_ funnel: FunnelQuery, _ request: FunnelCountsRequest) throws(PlanError) -> FunnelGroupCounts? { try inner.funnelCounts(funnel, request) }
        func funnelDurations(_ funnel: FunnelQuery, by keys: [PlanExpression]) throws(PlanError) -> FunnelGroupDurations? { try inner.funnelDurations(funnel, by: keys) }
        func preview(of relation: String, rows: Int) throws(PlanError) -> Table? { try inner.preview(of: relation, rows: rows) }
        func funnelStaleRows(_ funnel: FunnelQuery, stage: Int, staleBefore: Int64) throws(PlanError) -> Selection? { try inner.funnelStaleRows(funnel, stage: stage, staleBefore: staleBefore) }
    }

    @Test func funnelRowsReadOnlyTheColumnsItsStagesUse() throws {
        let log = PlanLog()
        let recording = RecordingBackend(inner: Self.backend(), log: log)
        let stages = try FunnelRows.stages(Self.funnelPlan(windowDays: 60), view: Self.leads, on: recording)
        // One plan derives the four times, one filters the one stage with a condition.
        #expect(log.plans.count == 2)
        #expect(log.columnsRead == ["leads": ["created_at", "mql_at", "sql_at", "customer_at", "score"]])
        let direct = try FunnelRows.stages(Self.funnelPlan(windowDays: 60), view: Self.leads, on: Self.backend())
        #expect(stages.map(\.eligible) == direct.map(\.eligible))

        // A stage kept from before is neither derived nor filtered again.
        let keptLog = PlanLog()
        let kept = try FunnelRows.stages(Self.funnelPlan(windowDays: 60), view: Self.leads, on: RecordingBackend(inner: Self.backend(), log: keptLog)) { k in
            k == 1 ? stages[1] : nil
        }
        #expect(keptLog.plans.count == 1)
        #expect(keptLog.columnsRead == ["leads": ["created_at", "sql_at", "customer_at"]])
        #expect(kept.map(\.eligible) == stages.map(\.eligible))
        #expect(kept.map(\.times) == stages.map(\.times))
    }

    @Test func aJoinedStageReadsTheLinkKeysAndTheLinkedColumns() throws {
        let log = PlanLog()
        let recording = RecordingBackend(inner: Self.backend(), log: log)
        let condition = PlanExpression.binary(.greaterEqual, Self.column("amount", of: "deals"), .constant(.integer(800)))
        _ = try FunnelRows.stages(Self.wonPlan(condition: condition), view: Self.leads, on: recording)
        #expect(log.plans.count == 2)
        #expect(log.columnsRead == ["leads": ["created_at", "id"], "deals": ["contact_id", "won_at", "amount"]])
    }

    @Test func groupsAndMeasuresReadTheirColumnsOnly() throws {
        let log = PlanLog()
        let recording = RecordingBackend(inner: Self.backend(), log: log)
        let rows = LogicalPlan.scan("leads", columns: [])
        let grouping = try GroupedRows.group([GroupKey(name: "source", expression: Self.column("source"))], rows: rows, view: Self.leads, on: recording).grouping
        _ = try GroupedRows.measure(Measure(name: "s", function: .sum, argument: Self.column("score"), filter: Self.scoreAtLeast60),
                                    rows: rows, rowCount: 8, grouping: grouping, on: recording)
        #expect(log.columnsRead == ["leads": ["source", "score"]])
    }
}
