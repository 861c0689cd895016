// Loaded times are kept four bytes a row while every one fits (issue 13: a funnel reads five
// time columns of a CRM export), eight when one does not; a column the load leaves unread keeps
// only its type while the file is parsed. Either way the values are the ones a whole load gives.
import Foundation
import Testing
@testable import FunnelEngine

@Suite struct CSVTimestampWidthTests {
    static func seconds(_ column: Column?) -> [Int64?] {
        guard let column else { return [] }
        return (0..<column.count).map { r in
            if case .timestamp(let s) = column.value(at: r) { return s }
            return nil
        }
    }

    static func width(_ column: Column?) -> Int? {
        guard case .timestamp(let values)? = column?.storage else { return nil }
        return values.width
    }

    static func text(rows: Int, late: Int?) -> String {
        var text = "id,at\n"
        for i in 0..<rows {
            let year = i == late ? 2041 : 2025
            text += "\(i),\(year)-0\(i % 9 + 1)-1\(i % 10) 0\(i % 10):1\(i % 6):0\(i % 10)\n"
        }
        return text
    }

    @Test func timesUpTo2038AreFourBytesAndLaterOnesEight() throws {
        for chunks in [1, 3] {
            let narrow = try CSVTest.read(Self.text(rows: 3_000, late: nil), chunks: chunks)
            #expect(Self.width(narrow.table.column(named: "at")) == 4)
            // One time past 2038, in the last chunk: the whole column is eight bytes wide.
            let wide = try CSVTest.read(Self.text(rows: 3_000, late: 2_900), chunks: chunks)
            #expect(Self.width(wide.table.column(named: "at")) == 8)
            let (a, b) = (Self.seconds(narrow.table.column(named: "at")), Self.seconds(wide.table.column(named: "at")))
            #expect(a.count == 3_000 && b.count == 3_000)
            // Row 0 is 2025-01-10 00:10:00; row 2,900 is 2041-03-10 00:12:00.
            #expect(a[0] == Int64(CivilDate.days(year: 2025, month: 1, day: 10)) * 86_400 + 600)
            #expect(b[2_900] == Int64(CivilDate.days(year: 2041, month: 3, day: 10)) * 86_400 + 720)
            #expect((0..<3_000).allSatisfy { $0 == 2_900 || a[$0] == b[$0] })
        }
    }

    /// dd/mm times stay packed (eight bytes) until the file's order is known; the narrow rows
    /// before them are widened in place.
    @Test func ambiguousDayMonthTimesAfterNarrowOnes() throws {
        var text = "at\n"
        for i in 0..<200 { text += "2025-01-0\(i % 9 + 1) 10:00:00\n" }
        text += "03/04/2025 10:00\n25/04/2025 11:30\n"
        let loaded = try CSVTest.read(text)
        let values = Self.seconds(loaded.table.column(named: "at"))
        #expect(values[0] == Int64(CivilDate.days(year: 2025, month: 1, day: 1)) * 86_400 + 36_000)
        #expect(values[199] == Int64(CivilDate.days(year: 2025, month: 1, day: 2)) * 86_400 + 36_000)
        #expect(values[200] == Int64(CivilDate.days(year: 2025, month: 4, day: 3)) * 86_400 + 36_000)
        #expect(values[201] == Int64(CivilDate.days(year: 2025, month: 4, day: 25)) * 86_400 + 41_400)
    }

    /// A column of dates the load does not keep, whose order (dd/mm or mm/dd) only its own values
    /// decide, reads the same once used as in a whole load; as do unread columns whose type
    /// changes along the file (whole numbers, then decimals; dates, then times; then text).
    @Test func unreadColumnsFollowTheirTypeAsAWholeLoadDoes() throws {
        let path = NSTemporaryDirectory() + "funnel-unread-types-\(getpid()).csv"
        var text = "id,ordered,amount,seen,code\n"
        for i in 0..<4_000 {
            // 01/02 … 12/12: ambiguous, in file order a day apart when read day first.
            let ordered = String(format: "%02d/%02d/2024", i % 28 + 1, i / 28 % 12 + 1)
            let amount = i < 3_000 ? "\(i)" : "\(i).5"
            let seen = i < 2_500 ? "2025-02-0\(i % 9 + 1)" : "2025-02-0\(i % 9 + 1) 12:00:00"
            let code = i == 3_999 ? "n/a" : "\(i % 50)"
            text += "\(i),\(ordered),\(amount),\(seen),\(code)\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let whole = try CSVReader.load(path: path, name: "t", options: CSVOptions(), chunkCount: 3)
        var options = CSVOptions()
        options.columnsToRead = ["id"]
        let late = try CSVReader.load(path: path, name: "t", options: options, chunkCount: 3)
        #expect(late.warnings == whole.warnings)
        for name in ["ordered", "amount", "seen", "code"] {
            #expect(late.table.type(of: name) == whole.table.type(of: name), "type of \(name)")
        }
        #expect(whole.table.type(of: "amount") == .decimal && whole.table.type(of: "seen") == .timestamp
                && whole.table.type(of: "code") == .text && whole.table.type(of: "ordered") == .date)
        try late.table.prepare(["ordered", "amount", "seen", "code"])
        for name in ["ordered", "amount", "seen", "code"] {
            let (a, b) = (whole.table.column(named: name), late.table.column(named: name))
            #expect((0..<4_000).allSatisfy { a?.value(at: $0) == b?.value(at: $0) }, "values of \(name)")
        }
    }
}
