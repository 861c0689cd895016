/// `funnel --dry-run SCRIPT`: the files a script would read and write, found without running
/// it, so that a scheduler can check them. Included files are read and parsed (that is how their
/// own reads are known) but nothing in them runs; `param` defaults and `--set` values are
/// evaluated, so a path built from them (`load data + "/leads.csv"`) is known.
public struct FileUsePlan: Sendable {
    public struct Entry: Sendable, Equatable {
        public var use: String
        /// Absolute, with `.` and `..` removed (links are not followed: the path as written).
        public var path: String
        /// `file:line` of the statement.
        public var location: String
        public var isWrite: Bool
    }

    public var entries: [Entry] = []
    /// What would stop the run: a path that cannot be used, a grant an included file lacks, a
    /// missing or unparsable included file.
    public var diagnostics: [Diagnostic] = []

    /// One line per file: `read   load     /abs/leads.csv   review.funnel:3`.
    public func lines() -> [String] {
        let useWidth = entries.map(\.use.count).max() ?? 0
        let pathWidth = entries.map(\.path.count).max() ?? 0
        return entries.map { entry in
            let kind = entry.isWrite ? "write" : "read "
            let use = entry.use + String(repeating: " ", count: useWidth - entry.use.count)
            let path = entry.path + String(repeating: " ", count: max(0, pathWidth - entry.path.count))
            return "\(kind)  \(use)  \(path)  \(entry.location)"
        }
    }
}

extension ScriptRunner {
    /// The files `file` would read and write, and what would stop it; nothing is loaded or written.
    public mutating func dryRun(_ file: SourceFile) -> (plan: FileUsePlan, code: ExitCode) {
        var plan = FileUsePlan()
        let (statements, diagnostics) = Parser.parse(file)
        if !diagnostics.isEmpty {
            plan.diagnostics = diagnostics
            return (plan, .dataError)
        }
        let baseDirectory = self.baseDirectory ?? (file.path.hasPrefix("<") ? "." : FileAccess.directory(of: file.path))
        if !file.path.hasPrefix("<") {
            plan.entries.append(.init(use: "script", path: DryRunWalk.shown(file.path), location: "-", isWrite: false))
        }
        var walk = DryRunWalk(interpreter: interpreter)
        walk.visit(statements, baseDirectory: baseDirectory, into: &plan)
        let code = plan.diagnostics.map(ScriptRunner.exitCode(for:)).first ?? .success
        return (plan, code)
    }
}

struct DryRunWalk {
    var interpreter: Interpreter
    var includeStack: [String] = []

    static func shown(_ path: String) -> String { FileAccess.normalize(FileAccess.absolute(path)) }

    static func location(_ range: SourceRange) -> String {
        "\(range.file.path):\(range.file.location(of: range.start).line)"
    }

    mutating func visit(_ statements: [Statement], baseDirectory: String, into plan: inout FileUsePlan) {
        for statement in statements {
            visit(statement, baseDirectory: baseDirectory, into: &plan)
        }
    }

    mutating func visit(_ statement: Statement, baseDirectory: String, into plan: inout FileUsePlan) {
        let location = DryRunWalk.location(statement.range)
        for load in DryRunWalk.expressions(of: statement).flatMap(ExprWalk.loads(in:)) {
            guard case .load(let pathExpr, _) = load.kind else { continue }
            let path: String
            do throws(Diagnostic) {
                path = try interpreter.loadPath(pathExpr, session: interpreter.session, baseDirectory: baseDirectory)
            } catch {
                var d = error
                d.notes.append("--dry-run needs every path known before the script runs: built from text and parameters only")
                plan.diagnostics.append(d)
                continue
            }
            do throws(Diagnostic) {
                let resolved = try interpreter.checkedPath(path, for: .load, baseDirectory: baseDirectory, range: load.range)
                plan.entries.append(.init(use: "load", path: DryRunWalk.shown(resolved), location: location, isWrite: false))
            } catch {
                plan.diagnostics.append(error)
            }
        }
        switch statement.kind {
        case .param, .assign:
            // Parameters and values a later path may be built from; a statement that needs a
            // table fails here without harm (nothing is loaded in a dry run).
            if DryRunWalk.expressions(of: statement).allSatisfy({ ExprWalk.loads(in: $0).isEmpty }) {
                try? interpreter.execute(statement, baseDirectory: baseDirectory)
            }
        case .export(_, let path):
            write(path, use: .export, statement: statement, baseDirectory: baseDirectory, into: &plan)
        case .report(let path, _, let body):
            write(path, use: .report, statement: statement, baseDirectory: baseDirectory, into: &plan)
            visit(body, baseDirectory: baseDirectory, into: &plan)
        case .include(let pathExpr, let allowed):
            do throws(Diagnostic) {
                let path = try interpreter.loadPath(pathExpr, session: interpreter.session, baseDirectory: baseDirectory, for: "include")
                include(path, allowed: allowed, statement: statement, baseDirectory: baseDirectory, into: &plan)
            } catch {
                plan.diagnostics.append(error)
            }
        default:
            break
        }
    }

    private func write(_ path: String, use: FileUse, statement: Statement, baseDirectory: String, into plan: inout FileUsePlan) {
        do throws(Diagnostic) {
            let resolved = try interpreter.checkedPath(path, for: use, baseDirectory: baseDirectory, range: statement.range)
            plan.entries.append(.init(use: use.rawValue, path: DryRunWalk.shown(resolved), location: DryRunWalk.location(statement.range), isWrite: true))
        } catch {
            plan.diagnostics.append(error)
        }
    }

    private mutating func include(_ path: String, allowed: [FileUse], statement: Statement, baseDirectory: String, into plan: inout FileUsePlan) {
        let resolved: String
        do throws(Diagnostic) {
            resolved = try interpreter.checkedPath(path, for: .include, baseDirectory: baseDirectory, range: statement.range)
        } catch {
            plan.diagnostics.append(error)
            return
        }
        plan.entries.append(.init(use: "include", path: DryRunWalk.shown(resolved), location: DryRunWalk.location(statement.range), isWrite: false))
        let canonical = interpreter.fileSystem.canonical(resolved)
        guard !includeStack.contains(canonical) else {
            plan.diagnostics.append(Diagnostic.error("include cycle: \(FileAccess.displayName(canonical)) includes itself", at: statement.range))
            return
        }
        let text: String
        do { text = try interpreter.fileSystem.readText(resolved) } catch {
            plan.diagnostics.append(Diagnostic(.error, .missingInput, "cannot read \(path): \(error.reason)", at: statement.range))
            return
        }
        let shown = FileAccess.shown(path, includedFrom: statement.range.file.path)
        let (statements, diagnostics) = Parser.parse(SourceFile(path: shown, text: text))
        if !diagnostics.isEmpty {
            plan.diagnostics.append(contentsOf: diagnostics)
            return
        }
        let outerGrant = interpreter.grant
        interpreter.grant = interpreter.grant.narrowed(to: allowed, folder: FileAccess.directory(of: canonical), file: shown, includedAs: path)
        includeStack.append(canonical)
        visit(statements, baseDirectory: FileAccess.directory(of: resolved), into: &plan)
        includeStack.removeLast()
        interpreter.grant = outerGrant
    }

    /// The expressions a statement evaluates when it runs (definitions may not load, so their
    /// expressions are left to the run to refuse).
    static func expressions(of statement: Statement) -> [Expr] {
        switch statement.kind {
        case .assign(_, let e), .param(_, let e), .assert(let e, _), .export(let e, _), .expression(let e), .chart(let e):
            return [e]
        case .rule(_, let e), .whatIf(_, let e, _):
            return [e]
        case .kpi(let k):
            return [k.formula] + (k.target.map { [$0.value] } ?? [])
        case .histogram(_, let bin):
            return bin.map { [$0] } ?? []
        case .demand(_, let keys), .velocity(_, let keys):
            return keys
        case .decay(_, _, let after, let value):
            return [after] + (value.map { [$0] } ?? [])
        case .stuck(_, _, let after):
            return [after]
        case .health(_, let after):
            return after.map { [$0] } ?? []
        case .plan(let p):
            return p.settings.map(\.value) + p.rates.map(\.value)
        case .funnel(let f):
            return f.stages.flatMap { [$0.count, $0.condition].compactMap { $0 } }
                + [f.window, f.value, f.spend, f.revenue, f.orders].compactMap { $0 } + f.targets.map(\.value)
                + f.exclusions.compactMap(\.condition) + f.countDistinct + f.constant
        case .explainPlan(let inner), .explainSQL(let inner), .top(let inner, _):
            return expressions(of: inner)
        case .link, .checkLink, .include, .alias, .label, .report, .bottleneck, .explain:
            return []
        }
    }
}
