import ArgumentParser
import CMemoryPolicy
import FunnelEngine
import FunnelLanguage
import FunnelRender
import FunnelShell

#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension OutputFormat: ExpressibleByArgument {}

@main
struct FunnelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "funnel",
        abstract: "Marketing-funnel analysis: load CSV exports, define rules and KPIs, inspect the funnel.",
        discussion: """
            Runs SCRIPT, or the statements given with -c, or a script read from standard input.

            Exit codes: 0 success, 1 an assert failed, 64 usage error, 65 script or data error,
            66 an input file is missing or unreadable, 70 internal error, 73 an output file cannot be written,
            130 interrupted.
            """,
        version: FunnelVersion.string
    )

    @Argument(help: "A .funnel script to run.")
    var script: String?

    @Option(name: .customShort("c"), help: ArgumentHelp("Run these statements instead of a script.", valueName: "statements"))
    var command: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Make NAME a value in the script (repeatable): --set quarter=2025Q3.", valueName: "name=value"))
    var parameters: [String] = []

    @Option(name: .shortAndLong, help: "How results are printed: table, csv, json or markdown.")
    var format: OutputFormat = .table

    @Flag(help: "Go on after a runtime error instead of stopping at the first one.")
    var keepGoing = false

    @Flag(name: .customShort("i"), help: "Stay in the interactive shell after running SCRIPT or -c.")
    var interactive = false

    @Flag(help: "Do not run ~/.config/funnel/init.funnel when the shell starts.")
    var noInit = false

    @Flag(help: "Print the files the script would read and write (included files too), and run nothing.")
    var dryRun = false

    @Option(name: .customLong("out"), help: ArgumentHelp("Write each result to its own file in DIR (01-leads-by-source.csv, …) in the --format given.", valueName: "DIR"))
    var outputFolder: String?

    /// `--set` is taken out of the arguments before ArgumentParser sees them: its handling of a
    /// repeated option is quadratic (10,000 `--set`s took minutes), and a scheduler may pass many.
    static func main() {
        let (arguments, sets) = SetArguments.split(Array(CommandLine.arguments.dropFirst()))
        do {
            var command = try parseAsRoot(arguments)
            if var funnel = command as? FunnelCommand {
                funnel.parameters = sets + funnel.parameters
                try funnel.validateParameters()
                command = funnel
            }
            try command.run()
        } catch {
            exit(withError: error)
        }
    }

    func validate() throws {
        if script != nil && command != nil {
            throw ValidationError("give either a script or -c statements, not both")
        }
        try validateParameters()
    }

    func validateParameters() throws {
        for parameter in parameters {
            guard let eq = parameter.firstIndex(of: "="), eq != parameter.startIndex else {
                throw ValidationError("--set takes name=value, got '\(parameter)'")
            }
            let name = parameter[..<eq]
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !(name.first?.isNumber ?? true) else {
                throw ValidationError("--set: '\(name)' is not a valid name")
            }
        }
    }

    func run() throws {
        let terminal = TerminalInfo.current()
        let printer = OutputPrinter(format: format, terminal: terminal)
        var interpreter = Interpreter(context: EvaluationContext(today: LocalClock.today()), emit: { printer.print($0) })
        for parameter in parameters {
            guard let eq = parameter.firstIndex(of: "=") else { continue }
            interpreter.setParameter(String(parameter[..<eq]), text: String(parameter[parameter.index(after: eq)...]))
        }
        let onTerminal = isatty(0) == 1 && isatty(1) == 1
        let file: SourceFile
        if let command {
            file = SourceFile(path: "<command line>", text: command)
        } else if let script {
            do {
                file = SourceFile(path: script, text: try ScriptFile.read(script))
            } catch {
                printer.report(Diagnostic(.error, .missingInput, "cannot read \(script): \(error.reason)"))
                throw ExitCode(ScriptRunner.ExitCode.missingInput.rawValue)
            }
        } else if (onTerminal || interactive) && !dryRun {
            throw ExitCode(startShell(interpreter: interpreter, printer: printer, runInit: !noInit))
        } else {
            do {
                file = SourceFile(path: "<stdin>", text: try ScriptFile.readStandardInput())
            } catch {
                printer.report(Diagnostic(.error, .missingInput, "cannot read the script from standard input: \(error.reason)"))
                throw ExitCode(ScriptRunner.ExitCode.missingInput.rawValue)
            }
        }
        if dryRun {
            var runner = ScriptRunner(interpreter: interpreter, report: { printer.report($0) })
            let (plan, code) = runner.dryRun(file)
            for line in plan.lines() { print(line) }
            plan.diagnostics.forEach { printer.report($0) }
            if code != .success { throw ExitCode(code.rawValue) }
            return
        }
        if interactive && onTerminal {
            // The shell follows: Ctrl-C during the script cancels the statement instead of ending funnel.
            Interrupts.install()
            interpreter.context.isCancelled = Interrupts.isPending
        }
        var runner = ScriptRunner(interpreter: interpreter, report: { printer.report($0) })
        runner.keepGoing = keepGoing || interactive
        // A script's results in JSON are one document; with --out, one file each.
        printer.outputFolder = outputFolder
        printer.collectsDocument = format == .json && !interactive && outputFolder == nil
        runner.willRun = { statement, inputs in
            printer.statement = statement
            printer.inputs = inputs
        }
        // A run that ends with its script gives freed memory back at once (CMemoryPolicy.h says
        // why); one that goes on into the shell keeps it for reuse.
        if !interactive { funnel_return_freed_memory_promptly() }
        let code = runner.run(file)
        printer.finishDocument()
        printer.collectsDocument = false
        printer.outputFolder = nil
        // A result that could not be written was said as it happened; the exit code says it too.
        if printer.outputFailure != nil && code == .success {
            throw ExitCode(ScriptRunner.ExitCode.cannotCreateOutput.rawValue)
        }
        if interactive {
            throw ExitCode(startShell(interpreter: runner.interpreter, printer: printer, runInit: false))
        }
        if code != .success { throw ExitCode(code.rawValue) }
    }

    private func startShell(interpreter: Interpreter, printer: OutputPrinter, runInit: Bool) -> Int32 {
        var interpreter = interpreter
        // Later statements are unknown: a load types every column and reads each one when a
        // statement first needs it.
        if interpreter.columnsToRead == nil { interpreter.columnsToRead = [] }
        let reader: LineReader
        if isatty(0) == 1 && isatty(1) == 1 {
            reader = EditLineReader(programName: "funnel", historyPath: HistoryFile.path(environment: HistoryFile.environment()))
        } else {
            reader = PlainLineReader(descriptor: 0)
        }
        // A result taller than the terminal goes through a pager, as in psql (`:pager off`).
        if isatty(0) == 1 && isatty(1) == 1 { printer.pager = Pager.command(environment: HistoryFile.environment()) }
        let shell = Shell(interpreter: interpreter, reader: reader, printer: printer)
        if let editor = reader as? EditLineReader { shell.attachCompletion(to: editor) }
        if runInit, let path = InitFile.path(environment: HistoryFile.environment()), InitFile.exists(path) {
            _ = shell.runFile(path)
        }
        return shell.run()
    }
}

/// Splits `--set name=value` and `--set=name=value` from the other arguments, in one pass.
enum SetArguments {
    /// Options whose value is the next argument, so that `-c --set` keeps `--set` as the statements.
    static let optionsWithValue: Set<String> = ["-c", "-f", "--format"]

    static func split(_ arguments: [String]) -> (others: [String], sets: [String]) {
        var others: [String] = []
        var sets: [String] = []
        others.reserveCapacity(arguments.count)
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            if argument == "--" {
                others.append(contentsOf: arguments[i...])
                break
            }
            if argument == "--set", i + 1 < arguments.count {
                sets.append(arguments[i + 1])
                i += 2
                continue
            }
            if argument.hasPrefix("--set=") {
                sets.append(String(argument.dropFirst("--set=".count)))
                i += 1
                continue
            }
            others.append(argument)
            if optionsWithValue.contains(argument), i + 1 < arguments.count {
                others.append(arguments[i + 1])
                i += 1
            }
            i += 1
        }
        return (others, sets)
    }
}

enum FunnelVersion {
    static let string = "0.1.0"
}
