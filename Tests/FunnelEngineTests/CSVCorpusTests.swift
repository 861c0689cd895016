// Broken and hostile files: each must give a table or a CSVError with a row, never a trap.
import Testing
@testable import FunnelEngine

@Suite struct CSVCorpusTests {
    static func check(_ bytes: [UInt8], _ label: String, chunks: Int? = nil) -> Result<LoadedTable, CSVError> {
        do {
            let loaded = try CSVTest.read(bytes: bytes, chunks: chunks)
            let table = loaded.table
            for column in table.columns {
                #expect(column.count == table.rowCount, "\(label): column \(column.name) length")
                if case .text(let codes, let dictionary) = column.storage {
                    for (r, code) in codes.wide.enumerated() where !column.isNull(r) {
                        if Int(code) >= dictionary.count {
                            Issue.record("\(label): code out of range")
                            break
                        }
                    }
                    #expect(Set(dictionary).count == dictionary.count, "\(label): duplicate dictionary entries")
                }
            }
            return .success(loaded)
        } catch {
            #expect(error.row != nil, "\(label): error without a row: \(error.message)")
            return .failure(error)
        }
    }

    static let corpus: [(String, [UInt8])] = {
        var files: [(String, [UInt8])] = []
        func add(_ label: String, _ text: String) { files.append((label, Array(text.utf8))) }
        add("ragged", "a,b,c\n1\n1,2\n1,2,3\n1,2,3,4\n")
        add("ragged short only", "a,b,c\n1\n\n2,3\n")
        add("unterminated quote", "a,b\n1,\"abc\n2,3\n")
        add("lone quote", "\"")
        add("quote then newline", "\"\n")
        add("header lone quote", "a,\"b\n")
        add("only newlines", "\n\n\n\r\n\r\r")
        add("only delimiters", ",,,\n,,,\n")
        add("header only", "a,b,c")
        add("header only with newline", "a;b;c\r\n")
        add("duplicate and empty names", ",,a,a,,a\n1,2,3,4,5,6\n")
        add("quotes everywhere", "\"\"\"\",\"\"\n\"\"\"\",\"\"\"\"\"\"\n")
        add("trailing garbage after quote", "a,b\n\"x\"yz\"w,2\n")
        add("spaces only", "   \n   \n")
        add("tab in unquoted field", "a,b\n1\t2,3\n")
        add("bad dates", "d\n2025-02-30\n99/99/9999\n2025-1-1 25:00\n")
        add("huge numbers", "n\n1e400\n-1e400\n99999999999999999999999999999999999\n")
        add("weird numbers", "n\n-\n+\n.\ne5\n1e\n1.2.3\n--1\n")
        add("timestamps with junk", "t\n2025-01-01T\n2025-01-01 10\n2025-01-01 10:00 XYZ\n2025-01-01 10:00+99:00\n")
        add("cr only quoted", "a,b\r\"x\ry\",2\r3,4")
        add("delimiter at end of file", "a,b\n1,")
        add("quote at end of file", "a,b\n1,\"")
        add("escaped quote at end", "a,b\n1,\"\"\"")
        files.append(("empty", []))
        files.append(("invalid utf8", Array("name,x\n".utf8) + [0xFF, 0xFE, 0xC3, 0x28, 0xE2, 0x82] + Array(",1\n".utf8)))
        files.append(("bom only", [0xEF, 0xBB, 0xBF]))
        files.append(("utf16 bom only", [0xFF, 0xFE]))
        files.append(("utf16 odd length", [0xFF, 0xFE, 0x61, 0x00, 0x0A]))
        files.append(("nul bytes few", Array("a,b\n1,".utf8) + [0, 0] + Array("x\n".utf8)))
        files.append(("nul bytes many", [UInt8](repeating: 0, count: 5_000) + Array("a\n1\n".utf8)))
        files.append(("nul header", [0] + Array(",b\n1,2\n".utf8)))
        files.append(("zip magic", [0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0x41, count: 100)))
        files.append(("all bytes", (0...255).map { UInt8($0) } + (0...255).reversed().map { UInt8($0) }))
        files.append(("surrogates", Array("a\n".utf8) + [0xED, 0xA0, 0x80, 0x0A]))
        return files
    }()

    @Test func brokenFilesNeverTrap() {
        for (label, bytes) in CSVCorpusTests.corpus {
            for chunks in [1, 3] {
                _ = CSVCorpusTests.check(bytes, "\(label) (\(chunks) chunks)", chunks: chunks)
            }
        }
    }

    @Test func expectedOutcomes() throws {
        func outcome(_ label: String) -> Result<LoadedTable, CSVError> {
            let bytes = CSVCorpusTests.corpus.first { $0.0 == label }!.1
            return CSVCorpusTests.check(bytes, label)
        }
        if case .failure(let e) = outcome("empty") { #expect(e.message == "the file is empty") } else { Issue.record("empty") }
        if case .failure(let e) = outcome("only newlines") { #expect(e.kind == .malformed) } else { Issue.record("newlines") }
        if case .failure(let e) = outcome("lone quote") { #expect(e.row == 1) } else { Issue.record("lone quote") }
        if case .failure(let e) = outcome("unterminated quote") { #expect(e.row == 2) } else { Issue.record("quote") }
        if case .failure(let e) = outcome("ragged") { #expect(e.row == 5) } else { Issue.record("ragged") }
        if case .failure(let e) = outcome("nul bytes many") { #expect(e.kind == .malformed) } else { Issue.record("nul") }
        if case .failure(let e) = outcome("zip magic") { #expect(e.message.contains("zip")) } else { Issue.record("zip") }
        if case .success(let t) = outcome("header only") {
            #expect(t.table.rowCount == 0)
            #expect(t.table.columns.count == 3)
        } else {
            Issue.record("header only")
        }
        if case .success(let t) = outcome("invalid utf8") {
            #expect(t.encoding == "windows-1252")
            #expect(t.table.rowCount == 1)
        } else {
            Issue.record("invalid utf8")
        }
        if case .success(let t) = outcome("huge numbers") {
            #expect(t.table.columns[0].type == .text)
        } else {
            Issue.record("huge numbers")
        }
    }

    @Test func tenMegabyteField() throws {
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 10 << 20)
        let quoted = Array("id,blob\n1,\"".utf8) + big + Array("\"\n2,small\n".utf8)
        let loaded = try CSVTest.read(bytes: quoted)
        #expect(loaded.table.rowCount == 2)
        if case .text(let codes, let dictionary)? = loaded.table.column(named: "blob")?.storage {
            #expect(dictionary[Int(codes[0])].utf8.count == 10 << 20)
        } else {
            Issue.record("blob is not text")
        }
        let unquoted = Array("blob\n".utf8) + big
        #expect(try CSVTest.read(bytes: unquoted, chunks: 2).table.rowCount == 1)
    }

    @Test func fiveThousandColumns() throws {
        let header = (0..<5_000).map { "c\($0)" }.joined(separator: ",")
        let row = (0..<5_000).map { String($0) }.joined(separator: ",")
        let loaded = try CSVTest.read(header + "\n" + row + "\n" + row + "\n")
        #expect(loaded.table.columns.count == 5_000)
        #expect(loaded.table.rowCount == 2)
        #expect(loaded.table.columns[4_999].value(at: 1) == .integer(4_999))
    }

    @Test func randomGarbageNeverTraps() {
        var g = CSVParallelTests.Mix(state: 2025)
        let alphabet: [UInt8] = Array("a,;\t|\"\r\n 0123456789.-:/TZe".utf8) + [0x00, 0xC3, 0xA9, 0xFF, 0x80]
        for i in 0..<400 {
            let length = Int.random(in: 0..<300, using: &g)
            let bytes = (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &g)] }
            let one = CSVCorpusTests.check(bytes, "garbage \(i)", chunks: 1)
            let many = CSVCorpusTests.check(bytes, "garbage \(i)", chunks: 4)
            switch (one, many) {
            case (.success(let a), .success(let b)):
                #expect(CSVTest.differences(a.table, b.table) == [], "garbage \(i)")
            case (.failure(let a), .failure(let b)):
                #expect(a == b, "garbage \(i)")
            default:
                Issue.record("garbage \(i): chunked and single results differ")
            }
        }
    }
}
