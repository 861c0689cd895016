import FunnelEngine
import FunnelLanguage
import FunnelRender
@testable import FunnelShell
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The shell's loop in-process, fed by `PlainLineReader(lines:)`. What is checked is the session
/// the lines leave behind, files written, and text in standard error (captured, but shared with
/// the test runner; see `capturingStandardError`). Standard output is not captured, so the lines
/// here print nothing there unless said otherwise; ShellBinaryTests checks printed output.
@Suite(.serialized)
struct ShellTests {
    static let printer = OutputPrinter(format: .table, terminal: TerminalInfo(isTerminal: false, width: 100, color: false, errorColor: false, unicode: true))

    struct Outcome {
        var shell: Shell
        var session: Session { shell.interpreter.session }
        var stderr: String
        var status: Int32
    }

    /// Runs the shell over `lines` until their end.
    static func run(_ lines: [String]) -> Outcome {
        let printer = OutputPrinter(format: .table, terminal: TerminalInfo(isTerminal: false, width: 100, color: false, errorColor: false, unicode: true))
        let shell = Shell(interpreter: ShellTestSupport.interpreter(), reader: PlainLineReader(lines: lines), printer: printer)
        var status: Int32 = -1
        let stderr = ShellTestSupport.capturingStandardError { status = shell.run() }
        return Outcome(shell: shell, stderr: stderr, status: status)
    }

    static func source(_ statement: Statement) -> String { statement.range.file.slice(statement.range) }

    // MARK: statements over several lines

    @Test func aPagerThatCannotRunLeavesTheTextToBePrinted() {
        // A $PAGER the shell cannot find shows nothing: the printer must print the result itself.
        #expect(Pager.show("a result\n", with: "funnel-no-such-pager-anywhere 2>/dev/null") == false)
        #expect(Pager.show("a result\n", with: "cat > /dev/null"))
    }

    @Test func helpFitsEightyColumns() {
        for topic in ["", "functions", "keys", "commands", "keywords"] {
            for line in ShellHelp.text(topic: topic).split(separator: "\n") {
                #expect(DisplayWidth.of(String(line)) + 2 <= 80, "\(topic.isEmpty ? ":help" : ":help " + topic): \(line)")
            }
        }
        // Every command is in :help.
        for command in Shell.commandNames { #expect(ShellHelp.text(topic: "").contains(command), "\(command) missing from :help") }
    }

    @Test func multiLineStatementRunsOnceComplete() {
        let dir = ShellTestSupport.dataDirectory()
        defer { ShellTestSupport.removeTree(dir) }
        let out = Self.run([
            "leads = load \"\(dir)/leads.csv\"",
            "n = count(leads",
            "  where score >= 60",
            ")",
            "m = 1 +",
            "  2",
            "funnel inbound on leads {",
            "  leads",
            "  mqls where score >= 60",
            "}",
        ])
        #expect(out.status == 0)
        #expect(out.session.scalars["n"] == .integer(3))
        #expect(out.session.scalars["m"] == .integer(3))
        #expect(out.session.funnelOrder == ["inbound"])
        // Each statement defined once, with all its lines.
        let sources = out.session.definitions.map(Self.source)
        #expect(sources.count == 4)
        #expect(sources.filter { $0.hasPrefix("n = ") } == ["n = count(leads\n  where score >= 60\n)"])
    }

    @Test func openStringGoesOnOrIsReportedAtOnce() {
        // :help says an open string goes on at the `...>` prompt, but a string cannot hold a
        // newline, so what was typed can never be completed. Either strings may span lines, or an
        // open string is reported at once; in both cases the statement after it must run.
        let out = Self.run(["s = \"two", "lines\"", "t = 1"])
        #expect(out.session.scalars["s"] == .text("two\nlines") || !out.stderr.contains(":2:"),
                "the second line was taken into the first statement:\n\(out.stderr)")
        #expect(out.session.scalars["t"] == .integer(1), "the statement after an open string was swallowed")
    }

    @Test func unfinishedStatementAtTheEndRunsNothing() {
        let out = Self.run(["x = 1", "y = count(", ""])
        #expect(out.status == 0)
        #expect(out.session.scalars["x"] == .integer(1))
        #expect(out.session.scalars["y"] == nil)
    }

    @Test func blankLinesAndCommentsAreFine() {
        let out = Self.run(["", "   ", "# a comment", "x = 2 # trailing"])
        #expect(out.session.scalars["x"] == .integer(2))
    }

    // MARK: a failing statement changes nothing

    @Test func failingStatementLeavesEarlierDefinitionsIntact() {
        let dir = ShellTestSupport.dataDirectory()
        defer { ShellTestSupport.removeTree(dir) }
        let out = Self.run([
            "leads = load \"\(dir)/leads.csv\"",
            "rule mql = score >= 60",
            "kpi rate = count(leads where mql) / count(leads) as percent",
            "x = 5",
            "x = nosuch + 1",
            "leads = load \"\(dir)/missing.csv\"",
            "leads = leads where nosuch > 1",
            "leads = 3",
            "rule mql = mql and score > 1",
            "kpi rate = rate + 1",
            "rule leads = score > 1",
            "y = 1 +* 2",
            "a = 1; b = nosuch; c = 3",
        ])
        #expect(out.status == 0)
        #expect(out.session.scalars["x"] == .integer(5))
        #expect(out.session.scalars["y"] == nil)
        #expect(out.session.tables["leads"]?.rowCount == 4)
        #expect(out.session.tables["leads"]?.table.columns.count == 5)
        #expect(out.session.tableOrder == ["leads"])
        #expect(out.session.rules["mql"].map { Self.source($0.source) } == "rule mql = score >= 60")
        #expect(out.session.kpis["rate"].map { Self.source($0.source) } == "kpi rate = count(leads where mql) / count(leads) as percent")
        #expect(out.session.ruleOrder == ["mql"])
        // Statements on one line run in order, up to the one that fails.
        #expect(out.session.scalars["a"] == .integer(1))
        #expect(out.session.scalars["b"] == nil)
        #expect(out.session.scalars["c"] == nil)
        #expect(out.session.definitions.map(Self.source) == [
            "leads = load \"\(dir)/leads.csv\"", "rule mql = score >= 60",
            "kpi rate = count(leads where mql) / count(leads) as percent", "x = 5", "a = 1",
        ])
        for fragment in ["nosuch", "missing.csv", "'leads' is a table", "cycle: mql → mql", "cycle: rate → rate", "'leads' is already a table"] {
            #expect(out.stderr.contains(fragment), "no error about \(fragment)")
        }
    }

    @Test func parseErrorsRunNothingOfTheLine() {
        let out = Self.run(["a = 1; b = 2 +* 3; c = 3"])
        #expect(!out.stderr.isEmpty)
        #expect(out.session.scalars["a"] == nil)
        #expect(out.session.scalars["c"] == nil)
    }

    // MARK: :commands

    @Test func misspelledCommandSuggestsTheNearest() {
        let out = Self.run([":tabels"])
        #expect(out.stderr.contains("unknown command ':tabels'"))
        #expect(out.stderr.contains("did you mean ':tables'?"))
        #expect(out.stderr.contains(":help"))
    }

    @Test func misspelledTableInSchemaSuggestsTheNearest() {
        let dir = ShellTestSupport.dataDirectory()
        defer { ShellTestSupport.removeTree(dir) }
        let out = Self.run(["leads = load \"\(dir)/leads.csv\"", ":schema leeds"])
        #expect(out.stderr.contains("unknown table 'leeds'"))
        #expect(out.stderr.contains("did you mean 'leads'?"))
    }

    @Test func commandUsageErrors() {
        let out = Self.run([":schema", ":timing sometimes", ":format nonsense", ":save"])
        #expect(out.stderr.contains("usage: :schema TABLE"))
        #expect(out.stderr.contains("usage: :timing on|off"))
        #expect(out.stderr.contains("usage: :format"))
        #expect(out.stderr.contains("usage: :save FILE.funnel"))
    }

    @Test func planCommandChangesNothing() {
        let dir = ShellTestSupport.dataDirectory()
        defer { ShellTestSupport.removeTree(dir) }
        let out = Self.run(["leads = load \"\(dir)/leads.csv\"", ":plan x = leads where score > 50", ":plan"])
        #expect(out.session.tables["x"] == nil)
        #expect(out.session.tables["leads"] != nil)
        #expect(out.stderr.contains("usage: :plan STATEMENT"))
    }

    @Test func formatCommandChangesTheOutputFormat() {
        let out = Self.run([":format csv"])
        #expect(out.shell.printer.format == .csv)
    }

    @Test func quitStopsReading() {
        let out = Self.run(["x = 1", ":quit", "y = 2"])
        #expect(out.status == 0)
        #expect(out.session.scalars["x"] == .integer(1))
        #expect(out.session.scalars["y"] == nil)
    }

    @Test func commandsOnlyAtTheStartOfAStatement() {
        // Inside an open statement, a line starting with ':' is part of the statement, not a command.
        let out = Self.run(["x = (1 +", ":quit", ")"])
        #expect(out.shell.quitRequested == false)
    }

    // MARK: :save

    static let definitions = [
        "rule mql = score >= 60",
        "kpi rate = count(leads where mql) / count(leads) as percent",
        "hot = leads where mql",
        "x = 5",
        "funnel inbound on leads {",
        "  leads",
        "  mqls where mql",
        "}",
    ]

    @Test func saveWritesAScriptThatReproducesTheDefinitions() throws {
        let dir = ShellTestSupport.dataDirectory()
        defer { ShellTestSupport.removeTree(dir) }
        let script = dir + "/session.funnel"
        let out = Self.run(["leads = load \"\(dir)/leads.csv\"", "deals = load \"\(dir)/deals.csv\"", "link deals.contact_id -> leads.id"]
                           + Self.definitions + ["x = nosuch", ":save \(script)"])
        #expect(out.stderr.contains("nosuch"))
        let text = try #require(ShellTestSupport.read(script), "no file at \(script)")
        #expect(!text.contains("nosuch"), "a failed statement is not a definition")
        #expect(text.contains("rule mql = score >= 60"))
        #expect(text.contains("funnel inbound on leads {\n  leads\n  mqls where mql\n}"))
        // No temporary file left next to it.
        #expect(ShellTestSupport.read(script + ".tmp-\(getpid())") == nil)

        // Run again, in a fresh session: the same definitions, in the same order, with the same values.
        let again = ShellTestSupport.session(running: text, in: dir)
        let before = out.session
        #expect(again.session.tableOrder == before.tableOrder)
        #expect(again.session.ruleOrder == before.ruleOrder)
        #expect(again.session.kpiOrder == before.kpiOrder)
        #expect(again.session.funnelOrder == before.funnelOrder)
        #expect(again.session.scalars == before.scalars)
        #expect(again.session.tables["hot"]?.rowCount == before.tables["hot"]?.rowCount)
        #expect(again.session.tables["hot"]?.rowCount == 3)
        #expect(again.session.definitions.map(Self.source) == before.definitions.map(Self.source))
        #expect(again.session.links.map { "\($0.fromTable).\($0.fromColumn) -> \($0.toTable).\($0.toColumn)" } == ["deals.contact_id -> leads.id"])
    }

    @Test func saveWritesTheFileAPathExpressionNamed() throws {
        // `load data + "/leads.csv"` is saved as the file it loaded, so the script runs anywhere.
        let dir = ShellTestSupport.dataDirectory()
        defer { ShellTestSupport.removeTree(dir) }
        let script = dir + "/session.funnel"
        let out = Self.run(["data = \"\(dir)\"", "leads = load data + \"/leads.csv\"", ":save \(script)"])
        let text = try #require(ShellTestSupport.read(script), "no file at \(script)")
        #expect(text.contains("leads = load \"\(dir)/leads.csv\""))
        #expect(!text.contains("load data"))
        let again = ShellTestSupport.session(running: text, in: dir)
        #expect(out.session.tables["leads"] != nil)
        #expect(again.session.tables["leads"]?.rowCount == out.session.tables["leads"]?.rowCount)
    }

    @Test func saveRefusesToOverwriteWithoutBang() throws {
        let dir = ShellTestSupport.dataDirectory()
        defer { ShellTestSupport.removeTree(dir) }
        let script = dir + "/session.funnel"
        ShellTestSupport.write("# mine\n", to: script)
        let refused = Self.run(["y = 1", ":save \(script)"])
        #expect(refused.stderr.contains("exists"))
        #expect(refused.stderr.contains(":save!"))
        #expect(ShellTestSupport.read(script) == "# mine\n")

        _ = Self.run(["y = 1", ":save! \(script)"])
        let text = try #require(ShellTestSupport.read(script))
        #expect(text.contains("y = 1"))
        #expect(!text.contains("# mine"))
    }

    @Test func saveIntoAMissingFolderFails() {
        let dir = ShellTestSupport.temporaryDirectory("save")
        defer { ShellTestSupport.removeTree(dir) }
        let out = Self.run(["y = 1", ":save \(dir)/no/such/folder/s.funnel"])
        #expect(out.stderr.contains("cannot write"))
    }

    @Test func savedLoadPathsAreAbsolute() {
        // A load typed in the shell is relative to the working directory: the saved script names
        // the file absolutely, so it runs from anywhere.
        let dir = ShellTestSupport.dataDirectory()
        defer { ShellTestSupport.removeTree(dir) }
        var interpreter = ShellTestSupport.interpreter()
        let (statements, diagnostics) = Parser.parse(SourceFile(path: "<input>", text: "leads = load \"leads.csv\"\nrule mql = score >= 60"))
        #expect(diagnostics.isEmpty)
        for statement in statements {
            do throws(Diagnostic) { try interpreter.execute(statement, baseDirectory: dir) } catch { Issue.record("\(error)") }
        }
        let text = SessionScript.text(of: interpreter.session, currentDirectory: dir)
        #expect(text.contains("leads = load \"\(dir)/leads.csv\""))
        #expect(text.contains("rule mql = score >= 60"))
    }

    @Test func savedIncludeIsKeptAsAnInclude() throws {
        let dir = ShellTestSupport.dataDirectory()
        defer { ShellTestSupport.removeTree(dir) }
        ShellTestSupport.write("rule mql = score >= 60\nrule big = score >= 80\n", to: dir + "/acme.funnel")
        let script = dir + "/s.funnel"
        let out = Self.run(["leads = load \"\(dir)/leads.csv\"", "include \"\(dir)/acme.funnel\"", ":save \(script)"])
        #expect(out.session.ruleOrder == ["mql", "big"])
        let text = try #require(ShellTestSupport.read(script))
        #expect(text.contains("include \"\(dir)/acme.funnel\""))
        let again = ShellTestSupport.session(running: text, in: dir)
        #expect(again.session.ruleOrder == ["mql", "big"])
    }

    // MARK: files run by the shell (-i SCRIPT, the init file)

    @Test func runFileDefinesInTheSession() {
        let dir = ShellTestSupport.dataDirectory()
        defer { ShellTestSupport.removeTree(dir) }
        // Relative to the file's own folder.
        ShellTestSupport.write("leads = load \"leads.csv\"\nrule mql = score >= 60\n", to: dir + "/init.funnel")
        let shell = Shell(interpreter: ShellTestSupport.interpreter(), reader: PlainLineReader(lines: []), printer: Self.printer)
        var ok = false
        let stderr = ShellTestSupport.capturingStandardError { ok = shell.runFile(dir + "/init.funnel") }
        #expect(ok)
        #expect(!stderr.contains("init.funnel:"))
        #expect(shell.interpreter.session.ruleOrder == ["mql"])
        #expect(shell.interpreter.session.tables["leads"]?.rowCount == 4)
    }

    @Test func runFileReportsAMissingFile() {
        let shell = Shell(interpreter: ShellTestSupport.interpreter(), reader: PlainLineReader(lines: []), printer: Self.printer)
        var ok = true
        let stderr = ShellTestSupport.capturingStandardError { ok = shell.runFile("/nonexistent/init.funnel") }
        #expect(!ok)
        #expect(stderr.contains("cannot read /nonexistent/init.funnel"))
    }
}
