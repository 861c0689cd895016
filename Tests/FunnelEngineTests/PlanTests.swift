import Testing

@testable import FunnelEngine

/// Plans built from Swift values and run by the in-memory backend, with no language.
@Suite struct PlanTests {
    static func leads() -> TableValue {
        let day = CivilDate.days(year: 2025, month: 1, day: 1)
        let table = Table(name: "leads", columns: [
            ColumnBuilder.column(from: [.integer(1), .integer(2), .integer(3), .integer(4), .integer(5)], name: "id"),
            ColumnBuilder.column(from: [.text("ads"), .text("seo"), .text("ads"), .text("email"), .text("ads")], name: "source"),
            ColumnBuilder.column(from: [.integer(70), .integer(40), .integer(90), .integer(65), .null], name: "score"),
            ColumnBuilder.column(from: [.date(Int32(day)), .date(Int32(day + 40)), .date(Int32(day + 45)), .null, .date(Int32(day + 3))], name: "created_at"),
        ], timeColumn: "created_at")
        return TableValue(table: table, selection: nil, sourceName: "leads")
    }

    static func deals() -> TableValue {
        let table = Table(name: "deals", columns: [
            ColumnBuilder.column(from: [.integer(1), .integer(3), .integer(1), .integer(9)], name: "contact_id"),
            ColumnBuilder.column(from: [.decimal(100), .decimal(250), .decimal(50), .decimal(7)], name: "amount"),
        ])
        return TableValue(table: table, selection: nil, sourceName: "deals")
    }

    static let link = Link(fromTable: "deals", fromColumn: "contact_id", toTable: "leads", toColumn: "id",
                           target: [0, 2, 0, -1], duplicateKeys: 0, unmatched: 1, nullKeys: 0)

    static var backend: InMemoryBackend { InMemoryBackend(relations: ["leads": leads(), "deals": deals()], links: [link]) }

    static func column(_ name: String, of relation: String? = nil) -> PlanExpression { .column(ColumnRef(name, of: relation)) }

    static func values(_ result: ResultTable, _ column: Int) -> [Value] {
        (0..<result.table.rowCount).map { result.table.columns[column].value(at: $0) }
    }

    @Test func aggregateByKeyWithAFilterPerMeasure() throws {
        let plan = LogicalPlan.aggregate(.scan("leads", columns: nil), keys: [GroupKey(name: "source", expression: Self.column("source"))], measures: [
            Measure(name: "leads", function: .countRows),
            Measure(name: "mqls", function: .countRows, filter: .binary(.greaterEqual, Self.column("score"), .constant(.integer(60)))),
            Measure(name: "best", function: .max, argument: Self.column("score")),
        ])
        let result = try Self.backend.execute(plan)
        var rows: [String: [Value]] = [:]
        for g in 0..<result.table.rowCount { rows[TextForm.of(result.table.columns[0].value(at: g))] = (1...3).map { result.table.columns[$0].value(at: g) } }
        #expect(rows["ads"] == [.integer(3), .integer(2), .integer(90)])
        #expect(rows["seo"] == [.integer(1), .integer(0), .integer(40)])
        #expect(rows["email"]?.first == .integer(1))
    }

    @Test func aPeriodKeyTruncatesAndKeepsTheUndatedInANullGroup() throws {
        let plan = LogicalPlan.aggregate(.scan("leads", columns: nil), keys: [GroupKey(name: "month", expression: Self.column("created_at"), period: .month)],
                                         measures: [Measure(name: "n", function: .countRows)])
        let result = try Self.backend.execute(plan)
        var counts: [String: Value] = [:]
        for g in 0..<result.table.rowCount { counts[TextForm.of(result.table.columns[0].value(at: g))] = result.table.columns[1].value(at: g) }
        #expect(counts["2025-01-01"] == .integer(2))
        #expect(counts["2025-02-01"] == .integer(2))
        #expect(counts[""] == .integer(1))
    }

    @Test func aJoinAlongALinkBringsTheLinkedRowsColumns() throws {
        let plan = LogicalPlan.aggregate(.join(.scan("deals", columns: nil), LinkJoin(link: Self.link.step, direction: .toOne)),
                                         keys: [GroupKey(name: "source", expression: Self.column("source", of: "leads"))],
                                         measures: [Measure(name: "amount", function: .sum, argument: Self.column("amount"))])
        let result = try Self.backend.execute(plan)
        var sums: [String: Double] = [:]
        for g in 0..<result.table.rowCount { sums[TextForm.of(result.table.columns[0].value(at: g))] = result.table.columns[1].value(at: g).number }
        #expect(sums["ads"] == 400)
        #expect(sums[""] == 7)
    }

    @Test func theFirstLinkingRowAndItsNote() throws {
        let backend = Self.backend
        let plan = LogicalPlan.derive(.join(.scan("leads", columns: []), LinkJoin(link: Self.link.step, direction: .firstLinking)),
                                      name: "first_amount", Self.column("amount", of: "deals"))
        let result = try backend.execute(plan)
        #expect(Self.values(result, 0) == [.decimal(100), .null, .decimal(250), .null, .null])
        #expect(backend.takeNotes().first?.contains("1 leads row has several deals rows") == true)
    }

    @Test func aLinkedAggregatePerRow() throws {
        let total = PlanExpression.linkedAggregate(LinkedAggregate(rows: .scan("deals", columns: nil), link: Self.link.step, function: .sum, argument: Self.column("amount")))
        let result = try Self.backend.execute(.derive(.scan("leads", columns: []), name: "spent", total))
        #expect(Self.values(result, 0).map(\.number) == [150, nil, 250, nil, nil])
    }

    @Test func filterSortAndLimitKeepRowsOfTheRelation() throws {
        let plan = LogicalPlan.limit(.sort(.filter(.scan("leads", columns: nil), .binary(.greater, Self.column("score"), .constant(.integer(50)))),
                                           [PlanSortKey(Self.column("score"), descending: true)]), 2)
        let view = try Self.backend.view(plan)
        #expect(view.selection == [2, 0])
        let rows = try Self.backend.execute(plan)
        #expect(rows.table.rowCount == 2)
        #expect(rows.table.column(named: "id").map { c in (0..<2).map { c.value(at: $0) } } == [.integer(3), .integer(1)])
    }

    @Test func aTypeErrorIsSaidAtTheInnermostOrigin() {
        let plan = LogicalPlan.filter(.scan("leads", columns: nil),
                                      .origin(1, .binary(.greater, .origin(2, .binary(.add, Self.column("source"), .constant(.integer(1)))), .constant(.integer(3)))))
        #expect(throws: PlanError.self) { try Self.backend.execute(plan) }
        do { _ = try Self.backend.execute(plan) } catch { #expect(error.origin == 2) }
    }

    /// `r_i = r_(i-1) and r_(i-2)`, 1,000 deep: the shared expressions inside are evaluated
    /// innermost first, so the evaluation never recurses through the chain.
    @Test func aLongChainOfSharedExpressionsIsEvaluatedInnermostFirst() throws {
        var chain: [PlanExpression] = [
            .shared(name: "r0", .binary(.greater, Self.column("score"), .constant(.integer(50)))),
            .shared(name: "r1", .binary(.less, Self.column("score"), .constant(.integer(100)))),
        ]
        for i in 2..<1_000 { chain.append(.shared(name: "r\(i)", .binary(.and, chain[i - 1], chain[i - 2]))) }
        guard case .shared(_, let top) = chain[999] else { return }
        let order = PlanExpression.sharedInPostOrder(top).map(\.name)
        #expect(order.count == 999)
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        for i in 2..<999 {
            #expect((position["r\(i)"] ?? -1) > (position["r\(i - 1)"] ?? Int.max))
        }
        let kept = try Self.backend.view(.filter(.scan("leads", columns: nil), chain[999]))
        #expect(kept.selection == [0, 2, 3])
    }

    @Test func prunedScansNameTheColumnsUsed() {
        let plan = LogicalPlan.aggregate(.filter(.join(.scan("deals", columns: nil), LinkJoin(link: Self.link.step, direction: .toOne)),
                                                 .binary(.greater, Self.column("amount"), .constant(.integer(10)))),
                                         keys: [GroupKey(name: "source", expression: Self.column("source", of: "leads"))],
                                         measures: [Measure(name: "n", function: .countRows)])
        #expect(plan.columnsRead == ["deals": ["amount", "contact_id"], "leads": ["id", "source"]])
        let text = PlanText.describe(plan)
        #expect(text == """
            aggregate by source = leads.source: count()
              filter amount > 10
                join leads along deals.contact_id -> leads.id
                  scan deals [amount, contact_id]
            """)
    }
}
