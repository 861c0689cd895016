// libFuzzer target: a whole script run (parse, resolve, evaluate, render) on arbitrary text
// against a small fixed dataset (docs/fuzzing.md).
//
// Runtime errors are fine; a crash, a hang or a leak is not.
//
// Sandbox: the script runs in a throwaway folder R (the current folder too) holding copies of
// the golden tests' data and include files, cut to their first 30 lines:
//   R/data/*.csv, R/include/*.funnel         (Tests/Golden/data, Tests/Golden/include)
//   R/run/data/*.csv, R/run/clients/*.funnel (examples/data, examples/clients)
// and the script's own folder is R/run, so the golden tests' `load "../data/leads.csv"` and the
// examples' `load "data/leads.csv"` both work. An input is skipped (counted, not run) when:
// - it is longer than 4 KB;
// - a `load` path is not a string literal, or any `load`, `include`, `export` or `report` path
//   leaves R (absolute, `~/`, too many `..`, a NUL), or a `load` names a database (postgresql://);
// - an `include` path does not end in `.funnel`: export and report can only write .csv, .json,
//   .md, .html files, so every .funnel file in R is one of the fixed ones, and nothing a script
//   writes can be run as a script.
// After a script that exports or writes a report, R is emptied and the fixtures written again.
//
// The open problems the first runs knew of (exponential rule and KPI chains, nested counted
// regular expressions) are fixed, so no input is skipped for them any more (docs/fuzzing.md).
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import FunnelEngine
import FunnelLanguage
import FunnelRender

private let maxInput = 4096

/// What happened to the inputs, printed at exit (and by `-runs=0` over a corpus).
private struct Counters {
    var inputs = 0
    var tooLong = 0
    /// Had a syntax error (the statements that did parse still run, as in the shell).
    var parseErrors = 0
    var unsafePaths = 0
    /// Run: at least one statement was evaluated.
    var ran = 0
    /// Parsed cleanly and ran to the end without a runtime error (failed asserts allowed).
    var ranClean = 0
    var statements = 0
    var outputs = 0
    var writes = 0
}

nonisolated(unsafe) private var counters = Counters()
nonisolated(unsafe) private var scratch = ""
nonisolated(unsafe) private var fixtures: [(path: String, bytes: [UInt8])] = []

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    // See fuzz-csv: fill libdispatch's per-thread caches so that per-input leak checks stay meaningful.
    for _ in 0..<20_000 { DispatchQueue.concurrentPerform(iterations: 4) { _ in } }

    let repository: String
    if let given = getenv("FUNNEL_REPO") { repository = String(cString: given) } else {
        // <repository>/Fuzz/Sources/fuzz-script/FuzzScript.swift
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)
        repository = parts.joined(separator: "/")
    }
    let temporary = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    var template = Array((temporary + "/funnel-fuzz-script.XXXXXX").utf8CString)
    guard let made = mkdtemp(&template) else { fatalError("fuzz-script: cannot create a scratch folder") }
    scratch = String(cString: made)
    let copies = [("Tests/Golden/data", "data", ".csv"), ("Tests/Golden/include", "include", ".funnel"),
                  ("examples/data", "run/data", ".csv"), ("examples/clients", "run/clients", ".funnel")]
    for (from, to, suffix) in copies {
        for name in listFolder(repository + "/" + from) where name.hasSuffix(suffix) {
            guard let bytes = readFile(repository + "/" + from + "/" + name) else { continue }
            fixtures.append((to + "/" + name, firstLines(bytes, 30)))
        }
    }
    if fixtures.count < 8 { fatalError("fuzz-script: no fixtures found under \(repository) (set FUNNEL_REPO)") }
    restoreScratch()
    setenv("HOME", scratch, 1)
    guard chdir(scratch + "/run") == 0 else { fatalError("fuzz-script: cannot enter \(scratch)/run") }
    atexit {
        let c = counters
        let line = "fuzz-script: \(c.inputs) inputs: \(c.tooLong) over \(maxInput) bytes, \(c.parseErrors) with a syntax error, "
            + "\(c.unsafePaths) skipped for their paths; \(c.ran) reached evaluation (\(percent(c.ran, c.inputs))), "
            + "\(c.ranClean) (\(percent(c.ranClean, c.inputs))) parsed cleanly and ran without a runtime error; "
            + "\(c.statements) statements, \(c.outputs) outputs, \(c.writes) inputs exported or wrote a report\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        removeTree(scratch)
    }
    return 0
}

private func percent(_ part: Int, _ whole: Int) -> String {
    whole == 0 ? "-" : String(Int((Double(part) / Double(whole) * 100).rounded())) + "%"
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScript(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    counters.inputs += 1
    guard count <= maxInput else { counters.tooLong += 1; return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    let file = SourceFile(path: scratch + "/run/fuzz.funnel", text: text)
    final class Parsed: @unchecked Sendable { var statements: [Statement] = []; var errors = 0 }
    let parsed = Parsed()
    LargeStack.run { (parsed.statements, parsed.errors) = { ($0.statements, $0.diagnostics.count) }(Parser.parse(file)) }
    if parsed.errors > 0 { counters.parseErrors += 1 }
    guard !parsed.statements.isEmpty else { return 0 }
    var policy = PathPolicy(root: scratch, base: scratch + "/run")
    policy.check(parsed.statements)
    guard policy.safe else { counters.unsafePaths += 1; return 0 }

    counters.ran += 1
    let sink = Sink()
    let printer = OutputText(format: .table, style: TerminalStyle(width: 100, maxRows: 40))
    let machine = OutputText(format: .json, style: TerminalStyle(width: 100, maxRows: 40))
    let today = Int32(CivilDate.days(year: 2025, month: 12, day: 31))
    let interpreter = Interpreter(context: EvaluationContext(today: today)) { output in
        sink.count += 1
        sink.bytes &+= printer.render(output).1.utf8.count
        sink.bytes &+= machine.render(output).1.utf8.count
    }
    var clean = false
    if parsed.errors == 0 {
        // A script without syntax errors: as `funnel script.funnel --keep-going` runs it.
        var runner = ScriptRunner(interpreter: interpreter) { diagnostic in
            sink.errors += 1
            sink.bytes &+= printer.render(diagnostic).utf8.count
        }
        runner.keepGoing = true
        runner.baseDirectory = scratch + "/run"
        let code = runner.run(file)
        clean = sink.errors == 0 && (code == .success || code == .assertionFailed)
    } else {
        // Some statements did not parse: run the others one by one, as the shell would have
        // run them typed one at a time, so that one broken line does not waste the input.
        final class Shell: @unchecked Sendable {
            // Used on the large-stack thread while this one waits.
            var interpreter: Interpreter
            init(_ interpreter: Interpreter) { self.interpreter = interpreter }
        }
        let shell = Shell(interpreter)
        let statements = parsed.statements
        let base = scratch + "/run"
        LargeStack.run {
            for statement in statements {
                do throws(Diagnostic) { try shell.interpreter.execute(statement, baseDirectory: base) } catch {
                    sink.errors += 1
                    sink.bytes &+= printer.render(error).utf8.count
                }
            }
        }
    }
    counters.statements += parsed.statements.count
    counters.outputs += sink.count
    if clean { counters.ranClean += 1 }
    if policy.writes {
        counters.writes += 1
        restoreScratch()
    }
    return 0
}

private final class Sink: @unchecked Sendable {
    // Filled on the script's thread while the fuzzer's thread waits for it.
    var count = 0
    var errors = 0
    var bytes = 0
}

// MARK: - Which paths a script may touch

/// Which inputs may run: their paths (see the top of this file).
private struct PathPolicy {
    let root: String
    let base: String
    var safe = true
    var writes = false

    init(root: String, base: String) {
        self.root = root
        self.base = base
    }

    /// The absolute path `path` names from the script's folder, if it stays inside the scratch folder.
    func inside(_ path: String) -> Bool {
        if path.isEmpty || path.hasPrefix("/") || path.hasPrefix("~") || path.utf8.contains(0) { return false }
        var parts = base.split(separator: "/").map(String.init)
        let rootDepth = root.split(separator: "/").count
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if parts.count <= rootDepth { return false }
                parts.removeLast()
                continue
            }
            parts.append(String(part))
        }
        return parts.count > rootDepth
    }


    mutating func check(_ statements: [Statement]) {
        for statement in statements { check(statement) }
    }

    mutating func check(_ statement: Statement) {
        switch statement.kind {
        case .rule(_, let e):
            check(e)
        case .explainPlan(let inner), .explainSQL(let inner), .top(let inner, _):
            check(inner)
        case .assign(_, let e), .param(_, let e), .expression(let e), .chart(let e):
            check(e)
        case .link, .checkLink, .alias, .label, .bottleneck, .explain:
            break
        case .kpi(let definition):
            check(definition.formula)
            if let target = definition.target { check(target.value) }
        case .assert(let e, _):
            check(e)
        case .export(let e, let path):
            check(e)
            writes = true
            if !inside(path) { safe = false }
        case .include(let pathExpr, _):
            // Only a written path is checked here; one made from values may name anything.
            guard case .string(let path) = pathExpr.kind, inside(path), path.hasSuffix(".funnel") else { safe = false; return }
        case .funnel(let f):
            for stage in f.stages {
                if let e = stage.count { check(e) }
                if let e = stage.condition { check(e) }
            }
            for e in [f.window, f.value, f.spend, f.revenue, f.orders] { if let e { check(e) } }
            for target in f.targets { check(target.value) }
            for e in f.exclusions.compactMap(\.condition) + f.countDistinct + f.constant { check(e) }
        case .demand(_, let keys), .velocity(_, let keys):
            keys.forEach { check($0) }
        case .report(let path, _, let body):
            writes = true
            if !inside(path) { safe = false }
            check(body)
        case .decay(_, _, let after, let value):
            check(after)
            if let value { check(value) }
        case .stuck(_, _, let after):
            check(after)
        case .health(_, let after):
            if let after { check(after) }
        case .histogram(_, let bin):
            if let bin { check(bin) }
        case .whatIf(_, let condition, _):
            check(condition)
        case .plan(let plan):
            plan.settings.forEach { check($0.value) }
            plan.rates.forEach { check($0.value) }
        }
    }

    mutating func check(_ expr: Expr) {
        switch expr.kind {
        case .number, .duration, .date, .boolean, .null, .has, .name, .string:
            break
        case .member(let e, _):
            check(e)
        case .unary(_, let e), .isNull(let e, _):
            check(e)
        case .binary(_, let a, let b), .versus(let a, let b):
            check(a)
            check(b)
        case .inList(let e, let list, _):
            check(e)
            list.forEach { check($0) }
        case .between(let a, let b, let c, _):
            check(a)
            check(b)
            check(c)
        case .call(_, let args, _):
            args.forEach { check($0) }
        case .load(let path, _):
            // A database address would reach out to a server: not in the sandbox.
            guard case .string(let literal) = path.kind, !literal.lowercased().hasPrefix("postgres"), inside(literal) else { safe = false; return }
        case .filter(let base, let condition):
            if let base { check(base) }
            check(condition)
        case .groupBy(let base, let keys), .cohort(let base, let keys):
            check(base)
            keys.forEach { check($0) }
        case .select(let base, let items):
            check(base)
            items.forEach { check($0.expr) }
        case .sort(let base, let keys):
            check(base)
            keys.forEach { check($0.expr) }
        case .top(let base, _), .confidence(let base, _), .attributed(let base, _), .running(let base), .toDate(let base, _), .wide(let base):
            check(base)
        }
    }
}

// MARK: - The scratch folder

private func restoreScratch() {
    removeTree(scratch, keepRoot: true)
    for (path, bytes) in fixtures {
        var folder = scratch
        for part in path.split(separator: "/").dropLast() {
            folder += "/" + part
            mkdir(folder, 0o755)
        }
        guard writeFile(scratch + "/" + path, bytes) else { fatalError("fuzz-script: cannot write \(scratch)/\(path)") }
    }
    mkdir(scratch + "/run", 0o755)
}

/// Removes everything under `path` (never following links), and `path` itself unless `keepRoot`.
private func removeTree(_ path: String, keepRoot: Bool = false) {
    guard !path.isEmpty, path != "/" else { return }
    for name in listFolder(path) {
        let child = path + "/" + name
        var info = stat()
        if lstat(child, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR {
            removeTree(child)
        } else {
            unlink(child)
        }
    }
    if !keepRoot { rmdir(path) }
}

private func listFolder(_ path: String) -> [String] {
    guard let dir = opendir(path) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}

private func readFile(_ path: String) -> [UInt8]? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = fread(&buffer, 1, buffer.count, f)
        if n <= 0 { break }
        out += buffer[0..<n]
    }
    return out
}

private func writeFile(_ path: String, _ bytes: [UInt8]) -> Bool {
    guard let f = fopen(path, "wb") else { return false }
    defer { fclose(f) }
    return bytes.isEmpty || fwrite(bytes, 1, bytes.count, f) == bytes.count
}

private func firstLines(_ bytes: [UInt8], _ lines: Int) -> [UInt8] {
    var seen = 0
    for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") {
        seen += 1
        if seen == lines { return Array(bytes[...i]) }
    }
    return bytes
}
