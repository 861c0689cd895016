// A load that leaves columns unread (issue 13) must give, once they are read, the table a
// whole load gives: same columns, types, values, nulls and warnings, on every file of the
// project's export corpus, the peer corpus (when it is beside the clone) and the golden data,
// read at once on parallel chunks and lazily.
import Foundation
import Testing
@testable import FunnelEngine

@Suite struct CSVUnreadColumnsTests {
    static let root: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    static func csvFiles(in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".csv") || $0.hasSuffix(".tsv") || $0.hasSuffix(".txt") }.sorted().map { folder + "/" + $0 }
    }

    static func corpus() -> [String] {
        csvFiles(in: root + "/Tests/ExportCorpus") + csvFiles(in: root + "/Tests/Golden/data")
            + csvFiles(in: root + "/../shared/data/peer-csv")
    }

    /// Every column's name, type and every row's value, as text to compare.
    static func describe(_ table: Table) -> [String] {
        table.columns.map { column in
            "\(column.name) \(column.type): " + (0..<table.rowCount).map { "\(column.value(at: $0))" }.joined(separator: "|")
        }
    }

    static func load(_ path: String, reading columns: Set<String>?, chunks: Int? = nil) -> Result<LoadedTable, CSVError> {
        var options = CSVOptions()
        options.columnsToRead = columns
        do throws(CSVError) {
            return .success(try CSVReader.load(path: path, name: "t", options: options, chunkCount: chunks))
        } catch {
            return .failure(error)
        }
    }

    @Test func everyFileReadsTheSameWithColumnsReadLate() {
        var compared = 0
        for path in Self.corpus() {
            let whole = Self.load(path, reading: nil)
            for (reading, chunks) in [(Set<String>(), nil), (Set<String>(), 3), (Set(["id", "date", "amount"]), 2)] as [(Set<String>, Int?)] {
                let late = Self.load(path, reading: reading, chunks: chunks)
                switch (whole, late) {
                case (.success(let a), .success(let b)):
                    #expect(a.warnings == b.warnings, "\(path): warnings differ")
                    #expect(a.table.timeColumn == b.table.timeColumn, "\(path): time column differs")
                    #expect(a.table.columnNames == b.table.columnNames, "\(path): names differ")
                    #expect(a.table.readAs == b.table.readAs, "\(path): readings differ")
                    #expect(a.table.typeNotes == b.table.typeNotes, "\(path): type notes differ")
                    for name in b.table.columnNames { #expect(b.table.type(of: name) == a.table.type(of: name), "\(path): type of \(name) before reading") }
                    let (x, y) = (Self.describe(a.table), Self.describe(b.table))
                    #expect(x == y, "\(path): columns differ")
                    compared += 1
                case (.failure(let a), .failure(let b)):
                    #expect(a == b, "\(path): errors differ")
                default:
                    Issue.record("\(path): one load failed, the other did not")
                }
            }
        }
        #expect(compared > 100)
    }

    @Test func unreadColumnsAreNotKeptAndAreReadInOnePass() throws {
        let path = NSTemporaryDirectory() + "funnel-unread-\(getpid()).csv"
        var text = "id,email,score,note,signed_up\n"
        for i in 0..<5_000 { text += "\(i),user\(i)@example.com,\(i % 100),\"a, \"\"quoted\"\" note\nover two lines \(i)\",2025-01-\(String(format: "%02d", i % 28 + 1))\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = CSVOptions()
        options.columnsToRead = ["score"]
        let loaded = try CSVReader.load(path: path, name: "t", options: options, chunkCount: 4)
        let table = loaded.table
        #expect(table.columnsRead.map(\.name) == ["score"])
        #expect(table.columnNames == ["id", "email", "score", "note", "signed_up"])
        #expect(table.type(of: "signed_up") == .date)
        #expect(table.type(of: "id") == .integer)
        #expect(table.timeColumn == "signed_up")
        try table.prepare(["email", "note"])
        #expect(table.column(named: "note")?.value(at: 4_999) == .text("a, \"quoted\" note\nover two lines 4999"))
        #expect(table.column(named: "email")?.value(at: 17) == .text("user17@example.com"))
        #expect(table.columns.count == 5)
    }

    @Test func aFileChangedSinceTheLoadIsRefusedNotMisread() throws {
        let path = NSTemporaryDirectory() + "funnel-changed-\(getpid()).csv"
        try "a,b\n1,x\n2,y\n".write(toFile: path, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = CSVOptions()
        options.columnsToRead = ["a"]
        let table = try CSVReader.load(path: path, name: "t", options: options).table
        // Rewritten in place, as a spreadsheet saves: the mapping's pages would hold other rows.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.truncateFile(atOffset: 0)
        handle.write(Data("a,b\n1,z\n".utf8))
        try handle.close()
        #expect(throws: CSVError.self) { try table.prepare(["b"]) }
        #expect(table.unread?.takeNewFailure() == nil, "a failure thrown to the caller is not reported twice")
        let b = table.column(named: "b")
        #expect(b?.value(at: 0) == .null)
        #expect(table.unread?.takeNewFailure()?.message.contains("changed since it was loaded") == true)
    }
}
