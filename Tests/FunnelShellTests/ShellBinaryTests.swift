import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The shell's printed output, through the built binary with standard input from a file:
/// `funnel -i` runs the shell loop with the plain reader there. (The terminal itself — libedit,
/// keys, history, Ctrl-C — is driven in tmux by Scripts/test-shell.)
struct ShellBinaryTests {
    /// Runs `funnel ARGS` in a fresh folder holding the test CSVs; nil (and an issue) without a binary.
    static func run(_ arguments: [String], input: String, environment: [String: String] = [:], setUp: (String) -> Void = { _ in }) -> (ShellTestSupport.Run, String)? {
        guard ShellTestSupport.binaryPath() != nil else {
            Issue.record("the funnel binary is not built next to the tests (swift build --build-tests), or set FUNNEL_BINARY")
            return nil
        }
        let dir = ShellTestSupport.dataDirectory()
        _ = mkdir(dir + "/home", 0o755)
        setUp(dir)
        guard let run = ShellTestSupport.runBinary(arguments, input: input, in: dir, environment: environment) else { return nil }
        return (run, dir)
    }

    @Test func statementsAndResults() {
        guard let (run, dir) = Self.run(["-i", "--no-init"], input: "1 + 2\ncount(leads\n", setUp: { _ in }) else { return }
        defer { ShellTestSupport.removeTree(dir) }
        #expect(run.status == 0)
        #expect(run.stdout.contains("= 3"))
        // No prompt and no history when input is not a terminal.
        #expect(!run.stdout.contains("funnel>"))
        #expect(!ShellTestSupport.exists(dir + "/history"))
    }

    @Test func continuationLinesThroughAPipe() {
        let input = "leads = load \"leads.csv\"\ncount(leads\n  where score >= 60\n)\n"
        guard let (run, dir) = Self.run(["-i", "--no-init"], input: input) else { return }
        defer { ShellTestSupport.removeTree(dir) }
        #expect(run.stderr == "")
        #expect(run.stdout.contains("= 3"))
        #expect(!run.stdout.contains("...>"))
    }

    @Test func helpListsTheCommands() {
        guard let (run, dir) = Self.run(["-i", "--no-init"], input: ":help\n") else { return }
        defer { ShellTestSupport.removeTree(dir) }
        for command in [":help", ":tables", ":schema", ":rules", ":kpis", ":funnels", ":save", ":timing", ":format", ":plan", ":reload", ":quit"] {
            #expect(run.stdout.contains(command), "\(command) missing from :help")
        }
        #expect(run.stderr == "")
    }

    @Test func planCommandPrintsThePlansAndTheColumnsRead() {
        guard let (run, dir) = Self.run(["-i", "--no-init"], input: "leads = load \"leads.csv\"\n:plan leads where score > 50\n") else { return }
        defer { ShellTestSupport.removeTree(dir) }
        #expect(run.stdout.contains("filter score > 50\n  scan leads [score]"))
        #expect(run.stdout.contains("columns read:\n  leads: score"))
        #expect(run.stderr == "")
    }

    @Test func helpTopics() {
        guard let (run, dir) = Self.run(["-i", "--no-init"], input: ":help functions\n:help keys\n:help nonsense\n") else { return }
        defer { ShellTestSupport.removeTree(dir) }
        #expect(run.stdout.contains("count(distinct x)"))
        #expect(run.stdout.contains("Ctrl-R"))
        #expect(run.stdout.contains("no help on 'nonsense'"))
    }

    @Test func unknownCommandSuggestsTheNearest() {
        guard let (run, dir) = Self.run(["-i", "--no-init"], input: ":tabels\n:rulz\n") else { return }
        defer { ShellTestSupport.removeTree(dir) }
        #expect(run.stderr.contains("did you mean ':tables'?"))
        #expect(run.stderr.contains("did you mean ':rules'?"))
        #expect(run.status == 0)
    }

    @Test func definitionsCommands() {
        let input = """
            :tables
            :rules
            :kpis
            leads = load "leads.csv"
            rule mql = score >= 60
            kpi rate = count(leads where mql) / count(leads) as percent
            :tables
            :rules
            :kpis
            :schema leads

            """
        guard let (run, dir) = Self.run(["-i", "--no-init"], input: input) else { return }
        defer { ShellTestSupport.removeTree(dir) }
        #expect(run.stderr == "")
        #expect(run.stdout.contains("no tables loaded"))
        #expect(run.stdout.contains("no rules defined"))
        #expect(run.stdout.contains("no KPIs defined"))
        #expect(run.stdout.contains("leads.csv"))
        #expect(run.stdout.contains("rule mql = score >= 60"))
        #expect(run.stdout.contains("kpi rate = count(leads where mql) / count(leads) as percent"))
        #expect(run.stdout.contains("Became a Customer Date"))
        #expect(run.stdout.contains("Société"))
    }

    @Test func funnelsCommandListsTheFunnels() {
        let input = """
            leads = load "leads.csv"
            funnel inbound on leads {
              leads
              mqls where score >= 60
            }
            :funnels

            """
        guard let (run, dir) = Self.run(["-i", "--no-init"], input: input) else { return }
        defer { ShellTestSupport.removeTree(dir) }
        #expect(run.stderr == "")
        #expect(run.stdout.contains("inbound"), "a defined funnel is listed by :funnels")
        #expect(!run.stdout.contains("no funnels defined"))
    }

    @Test func timingAndFormat() {
        guard let (run, dir) = Self.run(["-i", "--no-init"], input: ":timing on\n1 + 1\n:timing off\n:format csv\nleads = load \"leads.csv\"\nleads by source\n") else { return }
        defer { ShellTestSupport.removeTree(dir) }
        #expect(run.stdout.contains("timing on"))
        #expect(run.stdout.contains("time: "))
        #expect(run.stdout.contains("timing off"))
        #expect(run.stdout.contains("source,count"))
    }

    @Test func failingStatementThenTheSessionGoesOn() {
        guard let (run, dir) = Self.run(["-i", "--no-init"], input: "x = 5\nx = nosuch\nx + 1\n") else { return }
        defer { ShellTestSupport.removeTree(dir) }
        #expect(run.stderr.contains("nosuch"))
        #expect(run.stdout.contains("= 6"))
        // The shell keeps going after errors: exit code 0.
        #expect(run.status == 0)
    }

    @Test func standardInputIsAScriptWithoutI() {
        guard let (run, dir) = Self.run([], input: "1+1\n") else { return }
        defer { ShellTestSupport.removeTree(dir) }
        #expect(run.status == 0)
        #expect(run.stdout.contains("= 2"))
        #expect(!run.stdout.contains("funnel>"))
        #expect(!ShellTestSupport.exists(dir + "/history"))
        #expect(!ShellTestSupport.exists(dir + "/home/.local/state/funnel/history"))
    }

    @Test func scriptThenShell() {
        guard let (run, dir) = Self.run(["-i", "setup.funnel"], input: ":rules\ncount(leads where mql)\n", setUp: { dir in
            ShellTestSupport.write("leads = load \"leads.csv\"\nrule mql = score >= 60\n", to: dir + "/setup.funnel")
        }) else { return }
        defer { ShellTestSupport.removeTree(dir) }
        #expect(run.stderr == "")
        #expect(run.stdout.contains("rule mql = score >= 60"))
        #expect(run.stdout.contains("= 3"))
    }

    @Test func initFileRunsAtStartAndNoInitSkipsIt() {
        let setUp: (String) -> Void = { dir in
            _ = mkdir(dir + "/home/.config", 0o755)
            _ = mkdir(dir + "/home/.config/funnel", 0o755)
            ShellTestSupport.write("rule from_init = 1 > 0\n", to: dir + "/home/.config/funnel/init.funnel")
        }
        guard let (withInit, dir1) = Self.run(["-i"], input: ":rules\n", setUp: setUp) else { return }
        defer { ShellTestSupport.removeTree(dir1) }
        #expect(withInit.stdout.contains("rule from_init = 1 > 0"))

        guard let (without, dir2) = Self.run(["-i", "--no-init"], input: ":rules\n", setUp: setUp) else { return }
        defer { ShellTestSupport.removeTree(dir2) }
        #expect(!without.stdout.contains("from_init"))
        #expect(without.stdout.contains("no rules defined"))

        // XDG_CONFIG_HOME is used first.
        guard let (xdg, dir3) = Self.run(["-i"], input: ":rules\n", environment: ["XDG_CONFIG_HOME": "/nonexistent-config"], setUp: setUp) else { return }
        defer { ShellTestSupport.removeTree(dir3) }
        #expect(!xdg.stdout.contains("from_init"))
    }

    @Test func saveThroughTheBinary() throws {
        let input = "leads = load \"leads.csv\"\nrule mql = score >= 60\nhot = leads where mql\n:save s.funnel\n:save s.funnel\n"
        guard let (run, dir) = Self.run(["-i", "--no-init"], input: input) else { return }
        defer { ShellTestSupport.removeTree(dir) }
        #expect(run.stdout.contains("saved 3 definitions to s.funnel"))
        #expect(run.stderr.contains("s.funnel exists"))
        let text = try #require(ShellTestSupport.read(dir + "/s.funnel"))
        // The relative load was made absolute.
        #expect(text.contains("leads = load \"\(dir)/leads.csv\""))
        // And the saved script runs on its own, from another folder.
        let again = ShellTestSupport.runBinary([dir + "/s.funnel"], input: "", in: "/")
        #expect(again?.status == 0)
        #expect(again?.stderr == "")
    }

    @Test func saveKeepsSetParameters() throws {
        // `funnel -i --set floor=60`: definitions that use `floor` are saved; the saved script must
        // still know what floor is (e.g. as `param floor = 60`), or it cannot be run again.
        let input = "leads = load \"leads.csv\"\nrule mql = score >= floor\nn = count(leads where mql)\n:save s.funnel\n"
        guard let (run, dir) = Self.run(["-i", "--no-init", "--set", "floor=60"], input: input) else { return }
        defer { ShellTestSupport.removeTree(dir) }
        #expect(run.stdout.contains("saved"))
        let text = try #require(ShellTestSupport.read(dir + "/s.funnel"))
        let again = try #require(ShellTestSupport.runBinary([dir + "/s.funnel"], input: "", in: dir))
        #expect(again.status == 0, "the saved script fails:\n\(text)\n\(again.stderr)")
        #expect(again.stderr == "")
    }
}
