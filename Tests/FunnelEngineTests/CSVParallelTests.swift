// Parallel chunked parsing must give exactly the table a single chunk gives.
import Testing
@testable import FunnelEngine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct CSVParallelTests {
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

    static func messyFile(rows: Int, seed: UInt64) -> String {
        var g = Mix(state: seed)
        var out = "id,note,source,amount,code,signup,seen_at,flag,city\n"
        let sources = ["paid_search", "organic", "email", "referral", ""]
        let cities = ["Paris", "Köln", "São Paulo", "Zürich", "\"Washington, D.C.\""]
        for i in 0..<rows {
            var note: String
            switch Int.random(in: 0..<6, using: &g) {
            case 0: note = "\"first line\nsecond, line\nthird \"\"quoted\"\" line\""
            case 1: note = "\"crlf\r\ninside\""
            case 2: note = ""
            default: note = "plain \(Int.random(in: 0..<50, using: &g))"
            }
            let amount = i == rows * 3 / 4 ? "12.75" : String(Int.random(in: 0..<1000, using: &g))
            let code = i == rows - 3 ? "N/A" : String(Int.random(in: 0..<10, using: &g))
            let day = i == rows - 2 ? 28 : Int.random(in: 1...12, using: &g)
            let signup = "\(day)/\(Int.random(in: 1...12, using: &g))/2024"
            let seen = Int.random(in: 0..<5, using: &g) == 0 ? "2024-05-0\(Int.random(in: 1...9, using: &g))"
                : "2024-05-0\(Int.random(in: 1...9, using: &g)) 1\(Int.random(in: 0...9, using: &g)):30:00"
            let flag = ["yes", "no", "", "TRUE"][Int.random(in: 0..<4, using: &g)]
            let city = cities[Int.random(in: 0..<cities.count, using: &g)]
            let fields = [String(i), note, sources[Int.random(in: 0..<sources.count, using: &g)], amount, code, signup,
                          seen, flag, city]
            out += fields.joined(separator: ",") + (i % 7 == 0 ? "\r\n" : "\n")
        }
        return out
    }

    @Test func chunkedParsingMatchesSingleChunk() throws {
        let text = CSVParallelTests.messyFile(rows: 3_000, seed: 7)
        let single = try CSVTest.read(text, chunks: 1)
        #expect(CSVTest.type(single, "amount") == .decimal)
        #expect(CSVTest.type(single, "code") == .text)
        #expect(CSVTest.type(single, "signup") == .date)
        #expect(CSVTest.type(single, "seen_at") == .timestamp)
        #expect(CSVTest.type(single, "flag") == .boolean)
        #expect(single.table.rowCount == 3_000)
        for chunks in [2, 3, 4, 7, 16] {
            let parallel = try CSVTest.read(text, chunks: chunks)
            #expect(CSVTest.differences(single.table, parallel.table) == [], "chunks: \(chunks)")
            #expect(single.warnings == parallel.warnings)
        }
    }

    @Test func quotedNewlinesAcrossTheSplitPoint() throws {
        // One huge quoted field of quote-free lines covers the middle of the file, so the
        // guessed chunk start falls inside it and must be detected and parsed again.
        var text = "id,body,n\n"
        for i in 0..<200 { text += "\(i),short,\(i)\n" }
        text += "200,\"" + (0..<400).map { "inside line \($0), still quoted" }.joined(separator: "\n") + "\",200\n"
        for i in 201..<400 { text += "\(i),short,\(i)\n" }
        let before = CSVChunk.restarts.load(ordering: .relaxed)
        let single = try CSVTest.read(text, chunks: 1)
        let parallel = try CSVTest.read(text, chunks: 2)
        #expect(CSVChunk.restarts.load(ordering: .relaxed) > before)
        #expect(single.table.rowCount == 400)
        #expect(CSVTest.differences(single.table, parallel.table) == [])
        for chunks in [3, 5, 8] {
            #expect(CSVTest.differences(single.table, try CSVTest.read(text, chunks: chunks).table) == [])
        }
    }

    @Test func multilineFieldsInEveryRecord() throws {
        var text = "id,notes,n\n"
        for i in 0..<3_000 { text += "\(i),\"first \(i)\nsecond, \"\"quoted\"\"\nthird\",\(i * 2)\n" }
        let bytes = Array(text.utf8)
        // The split points land after a line break outside quotes: a record starts there.
        let points = bytes.withUnsafeBufferPointer { b in
            CSVSniffer.splitPoints(b.baseAddress!, start: 11, end: b.count, parts: 4)
        }
        #expect(points.count == 3)
        for point in points {
            let before = bytes[..<point].filter { $0 == UInt8(ascii: "\"") }.count
            #expect(before % 2 == 0)
            #expect(bytes[point - 1] == UInt8(ascii: "\n"))
        }
        let single = try CSVTest.read(text, chunks: 1)
        #expect(single.table.rowCount == 3_000)
        #expect(CSVTest.values(single, "notes").first == .text("first 0\nsecond, \"quoted\"\nthird"))
        for chunks in [2, 4] {
            #expect(CSVTest.differences(single.table, try CSVTest.read(text, chunks: chunks).table) == [])
        }
    }

    @Test func loadingAFileMatchesParsingItsBytes() throws {
        // Large enough for automatic chunking and for parsed pages to be handed back.
        let text = CSVParallelTests.messyFile(rows: 150_000, seed: 5)
        let path = "/tmp/funnel-csv-parallel-\(getpid()).csv"
        let f = fopen(path, "w")
        fputs(text, f)
        fclose(f)
        defer { unlink(path) }
        let loaded = try CSVReader.load(path: path, name: "t")
        let single = try CSVTest.read(text, chunks: 1)
        #expect(loaded.table.rowCount == 150_000)
        #expect(CSVTest.differences(single.table, loaded.table) == [])
        #expect(single.warnings == loaded.warnings)
    }

    @Test func rowEstimateFarTooLow() throws {
        // The first rows are long, so the row estimate is far too low and buffers must grow.
        let long = String(repeating: "x", count: 2_000)
        var text = "id,note,amount,day\n"
        for i in 0..<300 { text += "\(i),\(long),\(i).5,2025-01-0\(i % 9 + 1)\n" }
        for i in 300..<30_000 { text += "\(i),n\(i % 7),\(i),2025-02-0\(i % 9 + 1)\n" }
        let single = try CSVTest.read(text, chunks: 1)
        #expect(single.table.rowCount == 30_000)
        #expect(CSVTest.type(single, "amount") == .decimal)
        #expect(CSVTest.values(single, "amount").last == .decimal(29_999))
        for chunks in [2, 3] {
            #expect(CSVTest.differences(single.table, try CSVTest.read(text, chunks: chunks).table) == [])
        }
    }

    @Test func quoteCounting() {
        var g = Mix(state: 99)
        let bytes = (0..<5_000).map { _ in Int.random(in: 0..<4, using: &g) == 0 ? UInt8(ascii: "\"") : UInt8(ascii: "x") }
        bytes.withUnsafeBufferPointer { b in
            for (from, to) in [(0, 5_000), (3, 4_999), (17, 17), (100, 4_200)] {
                let expected = bytes[from..<to].filter { $0 == UInt8(ascii: "\"") }.count
                #expect(CSVSniffer.countQuotes(b.baseAddress!, from: from, to: to) == expected)
            }
        }
    }

    @Test func errorsAreReportedWithTheSameRowWhateverTheChunks() {
        var text = CSVParallelTests.messyFile(rows: 2_000, seed: 11)
        text += "1,2,3,4,5,6,7,8,9,10\n"
        var rows: [Int?] = []
        for chunks in [1, 2, 5] {
            do {
                _ = try CSVTest.read(text, chunks: chunks)
                rows.append(nil)
            } catch {
                rows.append(error.row)
            }
        }
        #expect(rows[0] != nil)
        #expect(Set(rows.map { $0 ?? -1 }).count == 1)
    }

    @Test func decimalCommaAndDateEvidenceFromLaterChunks() throws {
        var text = "a;b;c\n"
        for i in 0..<1_000 { text += "\(i);\(i % 12 + 1)/0\(i % 9 + 1)/2025;\(i)\n" }
        text += "1;25/01/2025;3,5\n"
        let single = try CSVTest.read(text, chunks: 1)
        #expect(CSVTest.type(single, "c") == .decimal)
        #expect(single.warnings.isEmpty)
        for chunks in [2, 4] {
            let parallel = try CSVTest.read(text, chunks: chunks)
            #expect(CSVTest.differences(single.table, parallel.table) == [])
            #expect(parallel.warnings.isEmpty)
        }
    }
}
