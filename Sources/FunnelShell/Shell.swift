@preconcurrency import CEditLineShim
import FunnelEngine
import FunnelLanguage
import FunnelRender

#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The interactive shell: reads statements (several lines while a bracket, string or `{` is
/// open), runs them, prints results, and handles `:commands`. Ctrl-C at the prompt clears the
/// line; during an evaluation it cancels it, and the session is left as it was before.
public final class Shell {
    var interpreter: Interpreter
    let reader: LineReader
    let printer: OutputPrinter
    var timing = false
    var quitRequested = false
    /// Modification times of loaded files, to know what `:reload` must re-read.
    var loadedFileTimes: [String: Int] = [:]

    public static let commandNames = [":help", ":tables", ":schema", ":rules", ":kpis", ":funnels", ":save", ":timing", ":format", ":expanded", ":pager",
                                      ":plan", ":sql", ":reload", ":clear", ":quit"]

    public init(interpreter: Interpreter, reader: LineReader, printer: OutputPrinter) {
        self.interpreter = interpreter
        self.reader = reader
        self.printer = printer
        self.interpreter.context.isCancelled = { funnel_sigint_peek() != 0 }
    }

    /// Runs until `:quit` or Ctrl-D; returns the exit code (0).
    public func run() -> Int32 {
        var pending = ""
        while !quitRequested {
            if let editor = reader as? EditLineReader { editor.pendingText = pending.isEmpty ? "" : pending + "\n" }
            switch reader.readLine(continuation: !pending.isEmpty) {
            case .endOfInput:
                reader.close()
                return 0
            case .interrupted:
                pending = ""
            case .line(let line):
                if pending.isEmpty, line.trimmingPrefix(while: { $0 == " " }).hasPrefix(":") {
                    reader.addHistory(line)
                    command(String(line.trimmingPrefix(while: { $0 == " " })))
                    continue
                }
                // `clear`, `exit`, `quit` and `help` typed as in a Unix shell or psql, when the
                // session has nothing of that name.
                let bare = String(line.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" || $0 == ";" }).reversed())
                if pending.isEmpty, let command = Shell.bareCommands[bare], !interpreter.session.defines(bare) {
                    reader.addHistory(line)
                    self.command(command)
                    continue
                }
                pending += pending.isEmpty ? line : "\n" + line
                if Completeness.needsMoreInput(pending) { continue }
                let statement = pending
                pending = ""
                reader.addHistory(statement)
                evaluate(statement, path: "<input>")
            }
        }
        reader.close()
        return 0
    }

    /// Runs a script file's statements in this session (for `-i` and the init file).
    public func runFile(_ path: String) -> Bool {
        let text: String
        do { text = try ScriptFile.read(path) } catch {
            printer.report(Diagnostic(.error, .missingInput, "cannot read \(path): \(error.reason)"))
            return false
        }
        return evaluate(text, path: path)
    }

    /// Parses and runs text; reports errors. A statement that fails changes nothing.
    @discardableResult
    func evaluate(_ text: String, path: String) -> Bool {
        let file = SourceFile(path: path, text: text)
        let (statements, diagnostics) = Parser.parse(file)
        if !diagnostics.isEmpty {
            diagnostics.forEach(printer.report)
            return false
        }
        let baseDirectory = path.hasPrefix("<") ? "." : Shell.directory(of: path)
        var ok = true
        for statement in statements {
            funnel_sigint_clear()
            let started = Shell.now()
            final class Box: @unchecked Sendable {
                // Used by the large-stack thread while this thread waits for it.
                var interpreter: Interpreter
                var error: Diagnostic?
                init(_ interpreter: Interpreter) { self.interpreter = interpreter }
            }
            let box = Box(interpreter)
            LargeStack.run {
                do throws(Diagnostic) { try box.interpreter.execute(statement, baseDirectory: baseDirectory) } catch { box.error = error }
            }
            interpreter = box.interpreter
            if let error = box.error {
                if error.category == .cancelled {
                    printer.report(Diagnostic(.error, .cancelled, "cancelled; nothing was changed"))
                } else {
                    printer.report(error)
                }
                ok = false
                if path.hasPrefix("<") || error.category == .cancelled { break }
            }
            recordLoadTimes()
            if timing { StandardStreams.out("time: \(Shell.milliseconds(since: started))\n") }
        }
        funnel_sigint_clear()
        return ok
    }

    private func recordLoadTimes() {
        for (name, path) in interpreter.session.loadSources where loadedFileTimes[name] == nil {
            loadedFileTimes[name] = Shell.modificationTime(path) ?? 0
        }
    }

    // MARK: Commands

    /// Words that act as the command of the same name when typed alone.
    static let bareCommands = ["clear": ":clear", "cls": ":clear", "exit": ":quit", "quit": ":quit", "help": ":help"]

    /// Clears the screen and puts the cursor at the top, as Ctrl-L does.
    func clearScreen() {
        guard printer.terminal.isTerminal else { return }
        StandardStreams.out("\u{1B}[H\u{1B}[2J")
    }

    func command(_ line: String) {
        let parts = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let name = parts.first else { return }
        let argument = parts.dropFirst().joined(separator: " ")
        switch name {
        case ":help", ":h", ":?": say(ShellHelp.text(topic: argument))
        case ":tables": tables()
        case ":schema":
            guard let table = interpreter.session.tables[argument] else {
                return problem(argument.isEmpty ? "usage: :schema TABLE" : "unknown table '\(argument)'",
                               suggestion: Suggestion.nearest(to: argument, in: interpreter.session.tableOrder))
            }
            // Its nulls and first rows need every column: read those a load left unread.
            do { try table.table.prepareAll() } catch { return problem(error.message) }
            printer.print(.summary(table.table, rowCount: table.rowCount))
        case ":rules":
            let rules = interpreter.session.ruleOrder.compactMap { interpreter.session.rules[$0] }
            say(rules.isEmpty ? "no rules defined (rule mql = score >= 60 and …)" : rules.map { source($0.source) }.joined(separator: "\n"))
        case ":kpis":
            let kpis = interpreter.session.kpiOrder.compactMap { interpreter.session.kpis[$0] }
            say(kpis.isEmpty ? "no KPIs defined (kpi lead_rate = count(leads) / sum(sessions.sessions) as percent)" : kpis.map { source($0.source) }.joined(separator: "\n"))
        case ":funnels":
            let funnels = interpreter.session.funnelOrder.compactMap { interpreter.session.funnels[$0] }
            say(funnels.isEmpty ? "no funnels defined (funnel inbound on leads { leads at created_at … })" : funnels.map { source($0.source) }.joined(separator: "\n"))
        case ":save", ":save!":
            save(argument, overwrite: name == ":save!")
        case ":timing":
            switch argument {
            case "on": timing = true
            case "off": timing = false
            case "": timing.toggle()
            default: return problem("usage: :timing on|off")
            }
            say("timing \(timing ? "on" : "off")")
        case ":format":
            guard let format = OutputFormat(rawValue: argument) else {
                return problem("usage: :format table|csv|json|markdown (now \(printer.format.rawValue))")
            }
            printer.format = format
        case ":expanded", ":x":
            // As psql's \x: with no argument, on and off in turn.
            switch argument {
            case "": printer.expanded = printer.expanded == .off ? .on : .off
            default:
                guard let mode = ExpandedMode(rawValue: argument) else { return problem("usage: :expanded on|off|auto (now \(printer.expanded.rawValue))") }
                printer.expanded = mode
            }
            say("expanded display \(printer.expanded.rawValue)\(printer.expanded == .auto ? " (one field per line when a table is wider than the terminal)" : "")")
        case ":clear":
            clearScreen()
        case ":pager":
            switch argument {
            case "off": printer.pager = nil
            case "on", "": printer.pager = Pager.command(environment: HistoryFile.environment()) ?? "less -FRX"
            default: printer.pager = argument.hasPrefix("on ") ? String(argument.dropFirst(3)) : nil
                if printer.pager == nil { return problem("usage: :pager on|off (or :pager on COMMAND)") }
            }
            say("pager \(printer.pager.map { "on: \($0), for results taller than the terminal" } ?? "off")")
        case ":plan":
            // `:plan inbound by source` is `explain plan inbound by source`.
            guard !argument.isEmpty else { return problem("usage: :plan STATEMENT (the plans it runs and the columns they read)") }
            _ = evaluate("explain plan " + argument, path: "<input>")
        case ":sql":
            // `:sql inbound by source` is `explain sql inbound by source`.
            guard !argument.isEmpty else { return problem("usage: :sql STATEMENT (the SQL it sends to the database)") }
            _ = evaluate("explain sql " + argument, path: "<input>")
        case ":reload": reload()
        case ":quit", ":q", ":exit": quitRequested = true
        default:
            problem("unknown command '\(name)'", suggestion: Suggestion.nearest(to: name, in: Shell.commandNames + [":exit", ":q"]), note: ":help lists the commands")
        }
    }

    private func say(_ text: String) {
        StandardStreams.out(text.hasSuffix("\n") ? text : text + "\n")
    }

    private func problem(_ message: String, suggestion: String? = nil, note: String? = nil) {
        printer.report(Diagnostic(.error, .script, message, notes: note.map { [$0] } ?? [], suggestion: suggestion))
    }

    private func source(_ statement: Statement) -> String { statement.range.file.slice(statement.range) }

    private func tables() {
        let session = interpreter.session
        guard !session.tableOrder.isEmpty else { return say("no tables loaded (leads = load \"leads.csv\")") }
        var rows: [[Value]] = []
        for name in session.tableOrder {
            guard let t = session.tables[name] else { continue }
            rows.append([.text(name), .integer(Int64(t.rowCount)), .integer(Int64(t.table.columnNames.count)),
                         t.table.timeColumn.map { .text($0) } ?? .null,
                         session.loadSources[name].map { .text($0) } ?? .text(t.sourceName == name ? "computed" : "view of \(t.sourceName)")])
        }
        let names = ["table", "rows", "columns", "time column", "from"]
        var columns: [Column] = []
        for (i, n) in names.enumerated() { columns.append(ShellTable.column(rows.map { $0[i] }, name: n)) }
        printer.print(.table(ResultTable(table: Table(name: "tables", columns: columns, rowCount: rows.count), formats: [nil, .number, .number, nil, nil])))
    }

    private func save(_ path: String, overwrite: Bool) {
        guard !path.isEmpty else { return problem("usage: :save FILE.funnel (or :save! to replace a file)") }
        var info = stat()
        if !overwrite && stat(path, &info) == 0 {
            return problem("\(path) exists", note: "use :save! \(path) to replace it")
        }
        let text = SessionScript.text(of: interpreter.session, currentDirectory: Shell.currentDirectory())
        if let failure = AtomicFile.write(text, to: path) {
            return problem("cannot write \(path): \(failure)")
        }
        say("saved \(interpreter.session.definitions.count) definitions to \(path)")
    }

    private func reload() {
        var reloaded: [String] = []
        for name in interpreter.session.tableOrder {
            guard let path = interpreter.session.loadSources[name], let statement = interpreter.session.definitions.last(where: {
                if case .assign(let n, let e) = $0.kind, n == name, case .load = e.kind { return true }
                return false
            }) else { continue }
            // Paths in a typed statement are relative to the current folder, in a file to its folder.
            let base = statement.range.file.path.hasPrefix("<") ? "." : Shell.directory(of: statement.range.file.path)
            let resolved = path.hasPrefix("/") ? path : base + "/" + path
            let time = Shell.modificationTime(resolved) ?? 0
            if time == loadedFileTimes[name] { continue }
            do {
                try interpreter.execute(statement, baseDirectory: base)
                loadedFileTimes[name] = time
                reloaded.append(name)
            } catch {
                printer.report(error)
            }
        }
        say(reloaded.isEmpty ? "no loaded file has changed" : "reloaded " + reloaded.joined(separator: ", ") + " (views and results computed from them are not recomputed)")
    }

    // MARK: Helpers

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func modificationTime(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
    }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    static func milliseconds(since start: Double) -> String {
        let ms = (now() - start) * 1000
        return ms < 10 ? String(Int((ms * 100).rounded())).leftPadded(3).insertingDot(2) + " ms" : "\(Int(ms.rounded())) ms"
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
    func insertingDot(_ decimals: Int) -> String {
        var s = self
        s.insert(".", at: s.index(s.endIndex, offsetBy: -decimals))
        return s
    }
}

enum ShellTable {
    static func column(_ values: [Value], name: String) -> Column {
        if values.allSatisfy({ if case .integer = $0 { return true } else { return false } }) {
            return Column(name: name, storage: .integer(.int64(values.map { if case .integer(let i) = $0 { return i } else { return 0 } })))
        }
        var dictionary: [String] = []
        var validity = Validity(count: values.count, allValid: true)
        var codes: [Int32] = []
        for (i, v) in values.enumerated() {
            if case .text(let s) = v {
                if let c = dictionary.firstIndex(of: s) { codes.append(Int32(c)) } else { codes.append(Int32(dictionary.count)); dictionary.append(s) }
            } else {
                codes.append(0)
                validity.clear(i)
            }
        }
        if dictionary.isEmpty { dictionary = [""] }
        return Column(name: name, storage: .text(codes: TextCodes(codes), dictionary: TextDictionary(dictionary)), validity: validity)
    }
}

/// Ctrl-C as a flag that evaluation polls, for scripts run before the shell (`funnel -i script`).
public enum Interrupts {
    public static func install() { funnel_sigint_install() }
    public static let isPending: @Sendable () -> Bool = { funnel_sigint_peek() != 0 }
}

extension Shell {
    /// Lets the editor's Tab key complete against this shell's current session.
    public func attachCompletion(to editor: EditLineReader) {
        editor.complete = { [unowned self] text in
            Completer(session: self.interpreter.session, commands: Shell.commandNames).complete(text)
        }
    }
}

/// `~/.config/funnel/init.funnel` (or under `$XDG_CONFIG_HOME`), run when the shell starts.
public enum InitFile {
    public static func path(environment: [String: String]) -> String? {
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty { return config + "/funnel/init.funnel" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.config/funnel/init.funnel" }
        return nil
    }

    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }
}
