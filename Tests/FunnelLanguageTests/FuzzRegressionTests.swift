import FunnelEngine
import FunnelRender
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import FunnelLanguage

/// Inputs the fuzzers fuzz-parse, fuzz-script and fuzz-values found (Tests/FuzzRegressions,
/// docs/fuzzing.md), run through the same entry points as the fuzz targets in Fuzz/Sources. Each
/// must end in a result or an error, never a crash, and quickly.
@Suite struct FuzzRegressionTests {
    static let repository: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    static func list(_ folder: String) -> [String] {
        guard let dir = opendir(folder) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted()
    }

    static func read(_ path: String) -> [UInt8] {
        guard let f = fopen(path, "rb") else { return [] }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while case let n = fread(&buffer, 1, buffer.count, f), n > 0 { bytes += buffer[0..<n] }
        return bytes
    }

    static func inputs(_ target: String) -> [(name: String, bytes: [UInt8])] {
        let folder = repository + "/Tests/FuzzRegressions/" + target
        return list(folder).filter { !$0.hasSuffix(".md") }.map { ($0, read(folder + "/" + $0)) }
    }

    static func seconds(_ body: () -> Void) -> Double {
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        body()
        clock_gettime(CLOCK_MONOTONIC, &end)
        return Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
    }

    // MARK: fuzz-parse

    @Test(.timeLimit(.minutes(2))) func parseInputs() {
        for (name, bytes) in FuzzRegressionTests.inputs("fuzz-parse") {
            let file = SourceFile(path: name, text: String(decoding: bytes, as: UTF8.self))
            let elapsed = FuzzRegressionTests.seconds {
                LargeStack.run {
                    let (_, diagnostics) = Parser.parse(file)
                    for d in diagnostics { _ = DiagnosticRenderer.render(d); _ = DiagnosticRenderer.render(d, color: true) }
                }
            }
            #expect(elapsed < 10, "\(name) took \(elapsed) s")
        }
    }

    // MARK: fuzz-script

    /// The fuzz target's scratch layout (Fuzz/Sources/fuzz-script/FuzzScript.swift): test data
    /// and include files cut to 30 lines, the script run from `run/`.
    static func scratchFolder() -> String {
        var template = Array("/tmp/funnel-fuzz-regression.XXXXXX".utf8CString)
        let root = String(cString: mkdtemp(&template)!)
        for (from, to) in [("Tests/Golden/data", "data"), ("Tests/Golden/include", "include"),
                           ("examples/data", "run/data"), ("examples/clients", "run/clients")] {
            var folder = root
            for part in to.split(separator: "/") { folder += "/" + part; mkdir(folder, 0o755) }
            for name in list(repository + "/" + from) {
                var bytes = read(repository + "/" + from + "/" + name)
                var lines = 0
                if let cut = bytes.firstIndex(where: { b in if b == 10 { lines += 1 }; return lines == 30 }) {
                    bytes = Array(bytes[...cut])
                }
                if let f = fopen(folder + "/" + name, "wb") { fwrite(bytes, 1, bytes.count, f); fclose(f) }
            }
        }
        mkdir(root + "/run", 0o755)
        return root
    }

    static func removeTree(_ path: String) {
        for name in list(path) {
            var info = stat()
            let child = path + "/" + name
            if lstat(child, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR { removeTree(child) } else { unlink(child) }
        }
        rmdir(path)
    }

    @Test(.timeLimit(.minutes(2))) func scriptInputs() {
        let inputs = FuzzRegressionTests.inputs("fuzz-script")
        guard !inputs.isEmpty else { return }
        let root = FuzzRegressionTests.scratchFolder()
        defer { FuzzRegressionTests.removeTree(root) }
        let printer = OutputText(format: .table, style: TerminalStyle(width: 100, maxRows: 40))
        for (name, bytes) in inputs {
            let file = SourceFile(path: root + "/run/" + name, text: String(decoding: bytes, as: UTF8.self))
            let today = Int32(CivilDate.days(year: 2025, month: 12, day: 31))
            let interpreter = Interpreter(context: EvaluationContext(today: today)) { _ = printer.render($0) }
            let elapsed = FuzzRegressionTests.seconds {
                let (statements, diagnostics) = Parser.parse(file)
                if diagnostics.isEmpty {
                    var runner = ScriptRunner(interpreter: interpreter) { _ = printer.render($0) }
                    runner.keepGoing = true
                    runner.baseDirectory = root + "/run"
                    _ = runner.run(file)
                } else {
                    // As fuzz-script does: the statements that parsed, one by one, as in the shell.
                    final class Box: @unchecked Sendable { var interpreter: Interpreter; init(_ i: Interpreter) { interpreter = i } }
                    let box = Box(interpreter)
                    LargeStack.run {
                        for statement in statements {
                            do throws(Diagnostic) { try box.interpreter.execute(statement, baseDirectory: root + "/run") } catch {
                                _ = printer.render(error)
                            }
                        }
                    }
                }
            }
            #expect(elapsed < 20, "\(name) took \(elapsed) s")
        }
    }

    // MARK: fuzz-values

    @Test(.timeLimit(.minutes(2))) func valueInputs() {
        for (name, input) in FuzzRegressionTests.inputs("fuzz-values") where !input.isEmpty {
            let flags = input[0]
            let fields = input.dropFirst().split(separator: 10, maxSplits: 64, omittingEmptySubsequences: false).prefix(64).map { Array($0) }
            let elapsed = FuzzRegressionTests.seconds {
                for field in fields { _ = Parameters.parse(String(decoding: field, as: UTF8.self)) }
                let delimiter = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t"), UInt8(ascii: "|")][Int(flags & 3)]
                var csv = Array("v\n".utf8)
                for field in fields {
                    if flags & 4 != 0 {
                        csv.append(34)
                        for b in field { csv.append(b); if b == 34 { csv.append(b) } }
                        csv.append(34)
                    } else {
                        csv += field
                    }
                    csv.append(10)
                }
                var options = CSVOptions()
                options.delimiter = delimiter
                options.decimalComma = [nil, true, false, nil][Int((flags >> 3) & 3)]
                options.dateOrder = [nil, .dayFirst, .monthFirst, nil][Int((flags >> 5) & 3)]
                if let loaded = try? CSVReader.parse(bytes: csv, path: name, name: "t", options: options) {
                    for column in loaded.table.columns { for row in 0..<column.count { _ = column.value(at: row) } }
                }
            }
            #expect(elapsed < 10, "\(name) took \(elapsed) s")
        }
    }
}
