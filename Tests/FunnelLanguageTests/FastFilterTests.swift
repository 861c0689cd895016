import FunnelEngine
@testable import FunnelLanguage
import Testing

/// The fast path for `column op constant` must keep exactly the rows the general evaluator keeps
/// (nulls never kept, every operator, every column type).
struct FastFilterTests {
    static let table = Table(name: "t", columns: [
        Column(name: "n", storage: .integer([5, 60, 61, -3, 60, 0]), validity: Validity([true, true, true, true, false, true])),
        Column(name: "d", storage: .decimal([0.5, 60, 60.5, -1, 2, 59.99]), validity: Validity([true, true, true, false, true, true])),
        Column(name: "day", storage: .date([0, 20000, 20001, 19999, 20000, 5]), validity: Validity([true, true, true, true, true, false])),
        Column(name: "s", storage: .text(codes: [0, 1, 2, 0, 1, 2], dictionary: ["email", "Social", "ads"]), validity: Validity([true, true, false, true, true, true])),
    ])

    /// 130 rows (two words of a bitmap and a part of a third), a value in about two rows of three.
    static let sparse = Table(name: "t", columns: [
        Column(name: "at", storage: .timestamp(.narrowest((0..<130).map { Int64($0) * 60 })), validity: Validity((0..<130).map { $0 % 3 != 1 })),
        Column(name: "k", storage: .integer(.int64((0..<130).map { Int64($0 % 5) }))),
    ])

    static func rows(_ condition: String, in table: Table = table) throws -> [Int32] {
        let file = SourceFile(path: "test", text: "t where " + condition)
        let (statements, diagnostics) = Parser.parse(file)
        #expect(diagnostics.isEmpty)
        guard case .expression(let expr)? = statements.first?.kind, case .filter(_, let cond) = expr.kind else { return [] }
        var session = Session()
        session.tables["t"] = TableValue(table: table, selection: nil, sourceName: "t")
        let evaluator = RowEvaluator(session: session, view: TableValue(table: table, selection: nil, sourceName: "t"), context: EvaluationContext(today: 0))
        return try evaluator.filter(cond, selection: nil)
    }

    @Test(arguments: ["==", "!=", "<", "<=", ">", ">="])
    func sameRowsAsTheGeneralPath(_ op: String) throws {
        for (column, constant) in [("n", "60"), ("n", "60.5"), ("d", "60"), ("day", "1970-01-01"), ("s", "\"Social\"")] {
            let fast = try Self.rows("\(column) \(op) \(constant)")
            let general = try Self.rows("not not (\(column) \(op) \(constant))")
            #expect(fast == general, "\(column) \(op) \(constant)")
        }
    }

    @Test func patternsAndSelections() throws {
        #expect(try Self.rows("s ~ \"^s\"") == [1, 4])
        #expect(try Self.rows("s !~ \"^s\"") == [0, 3, 5])
        #expect(try Self.rows("n >= 60 and s == \"Social\"") == [1])
    }

    @Test func nullsFromTheBitmapAsTheGeneralPath() throws {
        for condition in ["at is null", "at is not null", "k is null", "k is not null", "k >= 2 and at is not null", "k >= 2 and at is null"] {
            let fast = try Self.rows(condition, in: Self.sparse)
            let general = try Self.rows("not not (\(condition))", in: Self.sparse)
            #expect(fast == general, "\(condition)")
        }
        #expect(try Self.rows("at is null", in: Self.sparse).count == 43)
    }
}
