import FunnelEngine

/// Runs a whole script: reports every parse error first; then runs the statements and stops at
/// the first runtime error unless asked to keep going. Decides the exit code.
public struct ScriptRunner {
    public enum ExitCode: Int32, Sendable {
        case success = 0
        case assertionFailed = 1
        case usage = 64
        case dataError = 65
        case missingInput = 66
        case unavailable = 69
        case cannotCreateOutput = 73
        case permissionDenied = 77
        case `internal` = 70
        case interrupted = 130
    }

    public var interpreter: Interpreter
    public var keepGoing = false
    /// Where the script's relative paths start; by default the script's own folder.
    public var baseDirectory: String?
    /// Loads read at once only the columns the script names (the others when first needed).
    public var readsOnlyUsedColumns = true
    /// Where diagnostics go (errors, warnings), rendered by the caller.
    public var report: @Sendable (Diagnostic) -> Void
    /// Told each statement's source text before it runs (a document of results names them).
    public var willRun: (@Sendable (String, _ inputs: Set<String>) -> Void)? = nil

    public init(interpreter: Interpreter, report: @escaping @Sendable (Diagnostic) -> Void) {
        self.interpreter = interpreter
        self.report = report
    }

    public static func exitCode(for diagnostic: Diagnostic) -> ExitCode {
        switch diagnostic.category {
        case .script, .data: return .dataError
        case .missingInput: return .missingInput
        case .output: return .cannotCreateOutput
        case .unavailable: return .unavailable
        case .permission: return .permissionDenied
        case .cancelled: return .interrupted
        case .internal: return .internal
        }
    }

    /// Runs `file`; returns the exit code the process should end with.
    public mutating func run(_ file: SourceFile) -> ExitCode {
        final class Outcome: @unchecked Sendable {
            // Filled by the large-stack thread while this one waits for it.
            var runner: ScriptRunner
            var code = ExitCode.internal
            init(_ runner: ScriptRunner) { self.runner = runner }
        }
        let outcome = Outcome(self)
        LargeStack.run { outcome.code = outcome.runner.runHere(file) }
        self = outcome.runner
        return outcome.code
    }

    /// Runs on the current thread; `run` calls this on a thread with a large stack.
    public mutating func runHere(_ file: SourceFile) -> ExitCode {
        let (statements, diagnostics) = Parser.parse(file)
        if !diagnostics.isEmpty {
            diagnostics.forEach(report)
            return .dataError
        }
        var worst: ExitCode = .success
        let baseDirectory = self.baseDirectory ?? (file.path.hasPrefix("<") ? "." : FileAccess.directory(of: file.path))
        if readsOnlyUsedColumns {
            interpreter.columnsToRead = ColumnHint.names(in: file, baseDirectory: baseDirectory, fileSystem: interpreter.fileSystem)
            interpreter.tablesReadWhole = ColumnHint.tablesReadWhole(in: statements)
        }
        if !file.path.hasPrefix("<") {
            // The script itself counts as being included, so that including it again is a cycle.
            let real = file.path.hasPrefix("/") || self.baseDirectory == nil ? file.path : baseDirectory + "/" + FileAccess.displayName(file.path)
            let canonical = interpreter.fileSystem.canonical(real)
            interpreter.includeStack = [canonical]
            // Never overwritten by its own exports.
            interpreter.session.loadedPaths.insert(canonical)
        }
        for statement in statements {
            willRun?(statement.range.file.slice(statement.range), interpreter.session.loadedPaths)
            do {
                try interpreter.execute(statement, baseDirectory: baseDirectory)
            } catch {
                report(error)
                let code = ScriptRunner.exitCode(for: error)
                if worst == .success || worst == .assertionFailed { worst = code }
                if !keepGoing || code == .interrupted { break }
            }
        }
        if worst == .success && interpreter.failedAssertions > 0 { return .assertionFailed }
        return worst
    }
}
