import FunnelEngine
import FunnelLanguage
import FunnelRender
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs a script in-process as the command line would, capturing both streams and the exit code.
enum GoldenHarness {
    final class Capture: @unchecked Sendable {
        // Written from the one thread that runs the script.
        var stdout = ""
        var stderr = ""
    }

    /// Which columns a load reads at once: those the script names (as the command line
    /// does), every one, or none (each read when a statement first needs it, as the shell may).
    enum ColumnsAtLoad: Sendable { case named, all, none }

    /// Held while a script that writes files runs: the golden tests run each script in three
    /// column modes in parallel, and two runs of one script would write (and read back) the
    /// same export files at once (a file replaced under a load that reads it late is refused).
    static let fileWriters = Mutex(())

    static func run(scriptAt path: String, relativeTo root: String, columnsAtLoad: ColumnsAtLoad = .named) -> String {
        let text = read(path) ?? ""
        if text.contains(" to \"") {
            return fileWriters.withLock { _ in runScript(text, at: path, relativeTo: root, columnsAtLoad: columnsAtLoad) }
        }
        return runScript(text, at: path, relativeTo: root, columnsAtLoad: columnsAtLoad)
    }

    /// Runs `text` as if it were the script at `path` (its folder is where paths start).
    /// `makeBackend`: the session's backend, when not the default one.
    static func run(text: String, asScriptAt path: String, relativeTo root: String, format: OutputFormat = .table,
                    makeBackend: (@Sendable ([String: TableValue], [Link]) -> any Backend)? = nil) -> String {
        if text.contains(" to \"") {
            return fileWriters.withLock { _ in runScript(text, at: path, relativeTo: root, columnsAtLoad: .named, format: format, makeBackend: makeBackend) }
        }
        return runScript(text, at: path, relativeTo: root, columnsAtLoad: .named, format: format, makeBackend: makeBackend)
    }

    private static func runScript(_ text: String, at path: String, relativeTo root: String, columnsAtLoad: ColumnsAtLoad,
                                  format: OutputFormat = .table, makeBackend: (@Sendable ([String: TableValue], [Link]) -> any Backend)? = nil) -> String {
        // Paths in messages are shown relative to the golden folder so the files do not depend on the checkout.
        let shown = path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
        let capture = Capture()
        let renderer = OutputText(format: format, style: TerminalStyle(width: 100, maxRows: 40, color: false, unicode: true))
        // A fixed today so that scripts using today() give the same output every day.
        var interpreter = Interpreter(context: EvaluationContext(today: Int32(CivilDate.days(year: 2025, month: 12, day: 31)), makeBackend: makeBackend)) { output in
            let (stream, rendered) = renderer.render(output)
            if stream == .standardOutput { capture.stdout += rendered } else { capture.stderr += rendered }
        }
        for line in text.split(separator: "\n") where line.hasPrefix("# set: ") {
            let assignment = line.dropFirst("# set: ".count)
            if let eq = assignment.firstIndex(of: "=") {
                interpreter.setParameter(String(assignment[..<eq]), text: String(assignment[assignment.index(after: eq)...]))
            }
        }
        if columnsAtLoad == .none { interpreter.columnsToRead = [] }
        var runner = ScriptRunner(interpreter: interpreter) { diagnostic in capture.stderr += renderer.render(diagnostic) }
        runner.readsOnlyUsedColumns = columnsAtLoad == .named
        runner.keepGoing = text.contains("# keep-going")
        // Relative paths start at the script's folder, as when a user runs it; no chdir, since
        // tests run in parallel in one process.
        runner.baseDirectory = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        let code = runner.run(SourceFile(path: shown, text: text))
        var out = capture.stdout
        if !capture.stderr.isEmpty { out += "-- stderr --\n" + capture.stderr }
        if code != .success { out += "-- exit \(code.rawValue) --\n" }
        return out
    }

    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func read(_ path: String) -> String? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n == 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func write(_ text: String, to path: String) {
        guard let f = fopen(path, "wb") else { return }
        fputs(text, f)
        fclose(f)
    }

    /// A line diff good enough to read: the first differing lines with context.
    static func diff(expected: String, actual: String) -> String {
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        var out = ""
        var shown = 0
        for i in 0..<max(e.count, a.count) {
            let x = i < e.count ? String(e[i]) : "<missing>"
            let y = i < a.count ? String(a[i]) : "<missing>"
            if x != y {
                out += "line \(i + 1):\n  expected: \(x)\n  actual:   \(y)\n"
                shown += 1
                if shown == 15 { out += "…\n"; break }
            }
        }
        return out
    }
}
