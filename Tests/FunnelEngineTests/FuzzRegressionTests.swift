import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import FunnelEngine

/// Inputs the fuzzer fuzz-csv found (Tests/FuzzRegressions/fuzz-csv, docs/fuzzing.md), run the
/// way the fuzz target runs them: two option bytes, then the file. Each must end in a table or an
/// error, never a crash, and quickly.
@Suite struct FuzzRegressionTests {
    static func inputs(_ target: String) -> [(name: String, bytes: [UInt8])] {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(2)
        let folder = parts.joined(separator: "/") + "/FuzzRegressions/" + target
        guard let dir = opendir(folder) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if !name.hasPrefix(".") && !name.hasSuffix(".md") { names.append(name) }
        }
        return names.sorted().compactMap { name in
            guard let f = fopen(folder + "/" + name, "rb") else { return nil }
            defer { fclose(f) }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while case let n = fread(&buffer, 1, buffer.count, f), n > 0 { bytes += buffer[0..<n] }
            return (name, bytes)
        }
    }

    /// The options fuzz-csv reads from its first two bytes (Fuzz/Sources/fuzz-csv/FuzzCSV.swift).
    static func options(_ flags: UInt8, _ more: UInt8) -> CSVOptions {
        var options = CSVOptions()
        switch flags & 7 {
        case 1: options.delimiter = UInt8(ascii: ",")
        case 2: options.delimiter = UInt8(ascii: ";")
        case 3: options.delimiter = UInt8(ascii: "\t")
        case 4: options.delimiter = UInt8(ascii: "|")
        case 5: options.delimiter = more
        default: break
        }
        switch (flags >> 3) & 3 {
        case 1: options.decimalComma = true
        case 2: options.decimalComma = false
        default: break
        }
        switch (flags >> 5) & 3 {
        case 1: options.dateOrder = .dayFirst
        case 2: options.dateOrder = .monthFirst
        default: break
        }
        let forced = Int(more & 7)
        if forced >= 1 && forced <= ColumnType.allCases.count { options.columnTypes["a"] = ColumnType.allCases[forced - 1] }
        switch (more >> 3) & 3 {
        case 1: options.timeColumn = "a"
        case 2: options.timeColumn = "date"
        default: break
        }
        return options
    }

    static func seconds(_ body: () -> Void) -> Double {
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        body()
        clock_gettime(CLOCK_MONOTONIC, &end)
        return Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
    }

    @Test(.timeLimit(.minutes(2))) func csvInputs() {
        for (name, input) in FuzzRegressionTests.inputs("fuzz-csv") where input.count >= 2 {
            let options = FuzzRegressionTests.options(input[0], input[1])
            let bytes = Array(input.dropFirst(2))
            let elapsed = FuzzRegressionTests.seconds {
                for chunks in [nil, 2, 3, 4] as [Int?] {
                    if let loaded = try? CSVReader.parse(bytes: bytes, path: name, name: "t", options: options, chunkCount: chunks) {
                        for column in loaded.table.columns {
                            #expect(column.count == loaded.table.rowCount, "\(name): column \(column.name)")
                            for row in 0..<column.count { _ = column.value(at: row) }
                        }
                    }
                }
            }
            #expect(elapsed < 10, "\(name) took \(elapsed) s")
        }
    }
}
