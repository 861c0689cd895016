import FunnelEngine
import FunnelRender
import Testing
@testable import FunnelLanguage

#if canImport(Glibc)
import Glibc
#endif

/// What a script may read and write: an included file defines and reaches only what its include
/// grants, inside its own folder; paths with control characters, devices and pipes are refused;
/// writes never leave half a file or a temporary behind. Each test builds its own folder tree.
struct SandboxTests {
    /// review/ holds the main script and its data; review/clients/ the rule files;
    /// finance/ is what a rule file must not reach.
    struct Tree {
        let root: String
        var review: String { root + "/review" }
        var clients: String { root + "/review/clients" }

        init() {
            root = ExportTests.temporaryFolder()
            for folder in [review, clients, clients + "/acme", root + "/finance", root + "/elsewhere"] { mkdir(folder, 0o755) }
            write("id,score\n1,70\n2,40\n", to: review + "/leads.csv")
            write("id,salary\n1,99999\n", to: root + "/finance/salaries.csv")
            write("month,leads\n2025-01,10\n", to: clients + "/acme/plan.csv")
            symlink(root + "/finance/salaries.csv", clients + "/acme/link.csv")
            symlink(root + "/finance", clients + "/acme/finance")
        }

        func write(_ text: String, to path: String) {
            guard let f = fopen(path, "wb") else { return }
            let bytes = Array(text.utf8)
            _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
            fclose(f)
        }

        func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

        /// Runs `main` as review/review.funnel after writing each rule file into clients/.
        func run(_ main: String, clients files: [String: String] = [:], keepGoing: Bool = true, scriptName: String = "review.funnel")
            -> (code: ScriptRunner.ExitCode, out: String, diagnostics: [Diagnostic]) {
            for (name, text) in files { write(text, to: clients + "/" + name) }
            write(main, to: review + "/" + scriptName)
            final class Capture: @unchecked Sendable { var out = "", diagnostics: [Diagnostic] = [] }
            let capture = Capture()
            let renderer = OutputText(format: .table, style: TerminalStyle(width: 100, maxRows: 40, color: false, unicode: true))
            let interpreter = Interpreter(context: EvaluationContext(today: Int32(CivilDate.days(year: 2025, month: 12, day: 31)))) { output in
                capture.out += renderer.render(output).1
            }
            var runner = ScriptRunner(interpreter: interpreter) { capture.diagnostics.append($0) }
            runner.keepGoing = keepGoing
            let path = review + "/" + scriptName
            let code = runner.run(SourceFile(path: path, text: (try? ScriptFile.read(path)) ?? ""))
            return (code, capture.out, capture.diagnostics)
        }
    }

    @Test func anIncludedFileDefinesButCannotLoadOrWriteWithoutAGrant() {
        let tree = Tree()
        let (code, out, diagnostics) = tree.run("""
            leads = load "leads.csv"
            include "clients/acme.funnel"
            count(leads where mql)
            """, clients: ["acme.funnel": """
            rule mql = score >= 60
            x = load "../../finance/salaries.csv"
            export 1 to "\(tree.root)/elsewhere/else.csv"
            """])
        #expect(code == .dataError)
        #expect(diagnostics.first?.message.contains("may not load files") == true, "\(diagnostics.map(\.message))")
        #expect(!tree.exists(tree.root + "/elsewhere/else.csv"))
        // The include failed as a whole: its rule is not defined either.
        #expect(!out.contains("count(leads where mql) ="))
    }

    @Test(arguments: [
        ("x = load \"../../finance/salaries.csv\"", "outside"),
        ("x = load \"/etc/hostname\"", "outside"),
        ("x = load \"acme/link.csv\"", "symbolic link"),
        ("x = load \"acme/finance/salaries.csv\"", "symbolic link"),
        ("x = load \"acme/../../../finance/salaries.csv\"", "outside"),
    ])
    func aGrantedLoadStaysInsideTheIncludedFilesFolder(_ statement: String, _ reason: String) {
        let tree = Tree()
        let (code, _, diagnostics) = tree.run("include \"clients/acme.funnel\" allow load\n", clients: ["acme.funnel": statement + "\n"])
        #expect(code == .dataError)
        #expect(diagnostics.first?.message.contains(reason) == true, "\(diagnostics.map(\.message))")
        let range = diagnostics.first?.range
        #expect(range?.file.path.hasSuffix("clients/acme.funnel") == true, "the error points into the rule file")
    }

    @Test func aGrantedLoadInsideTheFolderWorks() {
        let tree = Tree()
        let (code, out, diagnostics) = tree.run("include \"clients/acme.funnel\" allow load\ncount(plan)\n",
                                                clients: ["acme.funnel": "plan = load \"acme/plan.csv\"\n"])
        #expect(code == .success, "\(diagnostics.map(\.message))")
        #expect(out.contains("count(plan) = 1"))
    }

    @Test func writesOutsideTheFolderAreRefusedEvenWhenGranted() {
        let tree = Tree()
        for statement in ["export 1 to \"../../elsewhere/x.csv\"", "report \"../../elsewhere/r.md\" { 1 }", "export 1 to \"acme/finance/x.csv\""] {
            let (code, _, diagnostics) = tree.run("include \"clients/w.funnel\" allow export, report\n", clients: ["w.funnel": statement + "\n"])
            #expect(code == .dataError, "\(statement)")
            #expect(diagnostics.first?.message.contains("inside its own folder") == true, "\(statement): \(diagnostics.map(\.message))")
        }
        #expect(!tree.exists(tree.root + "/elsewhere/x.csv") && !tree.exists(tree.root + "/elsewhere/r.md") && !tree.exists(tree.root + "/finance/x.csv"))
    }

    @Test func grantsNarrowAlongNestedIncludes() {
        let tree = Tree()
        // outer may include and load; inner is included with no grant of its own, so it may not load.
        let (code, _, diagnostics) = tree.run("include \"clients/outer.funnel\" allow include, load\n", clients: [
            "outer.funnel": "include \"inner.funnel\"\n",
            "inner.funnel": "plan = load \"acme/plan.csv\"\n",
        ])
        #expect(code == .dataError)
        #expect(diagnostics.first?.message.contains("may not load") == true, "\(diagnostics.map(\.message))")
        // And an include cannot grant what its includer lacks.
        let (code2, _, diagnostics2) = tree.run("include \"clients/outer.funnel\" allow include\n", clients: [
            "outer.funnel": "include \"inner.funnel\" allow load\n",
        ])
        #expect(code2 == .dataError)
        #expect(diagnostics2.first?.message.contains("may not load") == true, "\(diagnostics2.map(\.message))")
    }

    /// An included file's `param data = "/elsewhere"` must not choose what the main script loads.
    @Test func aPathBuiltFromAValueAnIncludedFileSetIsRefused() {
        let tree = Tree()
        for definition in ["param data = \"\(tree.root)/finance\"", "data = \"\(tree.root)/finance\""] {
            let (code, out, diagnostics) = tree.run("include \"clients/acme.funnel\"\nparam data = \".\"\nx = load data + \"/salaries.csv\"\ncount(x)\n",
                                                    clients: ["acme.funnel": definition + "\n"])
            #expect(code == .dataError)
            #expect(diagnostics.first?.message.contains("which an included file set") == true, "\(definition): \(diagnostics.map(\.message))")
            #expect(!out.contains("count(x) ="))
        }
        // The script's own value, set after the include, is its own again.
        let (code, _, diagnostics) = tree.run("include \"clients/acme.funnel\"\ndata = \".\"\nx = load data + \"/leads.csv\"\n",
                                              clients: ["acme.funnel": "data = \"\(tree.root)/finance\"\n"])
        #expect(code == .success, "\(diagnostics.map(\.message))")
    }

    @Test func definitionsCannotHideALoadForLater() {
        let tree = Tree()
        for definition in ["kpi k = count(load \"../../finance/salaries.csv\")", "rule r = score > count(load \"x.csv\")", "param p = load \"x.csv\""] {
            let (code, _, diagnostics) = tree.run(definition + "\n")
            #expect(code == .dataError)
            #expect(diagnostics.first?.message.contains("cannot load a file") == true, "\(definition): \(diagnostics.map(\.message))")
        }
    }

    /// `"notes.txt\0.csv"` passed the extension check, then the C library cut the path at the NUL
    /// and overwrote notes.txt in place.
    @Test(arguments: ["notes.txt\u{0}.csv", "a\tb.csv", "start\u{1}.md", "esc\u{1B}[2J.csv", "del\u{7F}.csv"])
    func pathsWithControlCharactersAreRefused(_ path: String) {
        let tree = Tree()
        tree.write("keep me\n", to: tree.review + "/notes.txt")
        let statement = path.hasSuffix(".md") ? "report \"\(path)\" { 1 }" : "export 1 to \"\(path)\""
        let (code, _, diagnostics) = tree.run(statement + "\nx = load \"\(path)\"\ninclude \"\(path)\"\n")
        #expect(code == .dataError)
        #expect(diagnostics.count == 3)
        for d in diagnostics {
            #expect(d.message.contains("control character"), "\(d.message)")
            #expect(d.range != nil)
        }
        #expect(ExportTests.read(tree.review + "/notes.txt") == "keep me\n")
    }

    @Test(arguments: ["/dev/zero", "/dev/urandom", "/dev/null"])
    func devicesAreNotReadAsDataOrScripts(_ device: String) {
        let tree = Tree()
        let (code, _, diagnostics) = tree.run("x = load \"\(device)\"\ninclude \"\(device)\"\n")
        #expect(code == .missingInput)
        #expect(diagnostics.count == 2)
        #expect(diagnostics.allSatisfy { $0.message.contains("a device") }, "\(diagnostics.map(\.message))")
        #expect(throws: ScriptFile.Failure.self) { try ScriptFile.read(device) }
    }

    @Test func aPipeIsRefusedWithoutWaitingForAWriter() {
        let tree = Tree()
        mkfifo(tree.review + "/pipe.csv", 0o644)
        let (code, _, diagnostics) = tree.run("x = load \"pipe.csv\"\ninclude \"pipe.csv\"\n")
        #expect(code == .missingInput)
        #expect(diagnostics.allSatisfy { $0.message.contains("a pipe") }, "\(diagnostics.map(\.message))")
    }

    @Test func writesNeverReplaceADeviceOrTheScriptItself() {
        let tree = Tree()
        symlink("/dev/null", tree.review + "/null.csv")
        let (code, _, diagnostics) = tree.run("export 1 to \"null.csv\"\nreport \"review.md\" { 1 }\n", scriptName: "review.md")
        #expect(code == .cannotCreateOutput)
        #expect(diagnostics.first?.message.contains("a device") == true, "\(diagnostics.map(\.message))")
        #expect(diagnostics.last?.message.contains("the script reads it") == true, "\(diagnostics.map(\.message))")
        #expect(ExportTests.read(tree.review + "/review.md")?.hasPrefix("export 1") == true)
    }

    /// A SIGKILL during an export left `NAME.tmp-PID` beside the destination for good.
    @Test func temporariesOfKilledWritesAreRemovedByTheNextWrite() {
        let tree = Tree()
        let dead: pid_t = 2_000_000_000
        let stale = [tree.review + "/.out.csv.funnel-tmp-\(dead)", tree.review + "/out.csv.tmp-\(dead)"]
        let alive = tree.review + "/.out.csv.funnel-tmp-1"
        for path in stale + [alive] { tree.write("partial", to: path) }
        let (code, _, _) = tree.run("export 1 to \"out.csv\"\n")
        #expect(code == .success)
        #expect(stale.allSatisfy { !tree.exists($0) })
        #expect(tree.exists(alive), "a temporary of a running process is not touched")
        #expect(ExportTests.read(tree.review + "/out.csv")?.isEmpty == false)
    }

    @Test func aDryRunListsReadsAndWritesAndRunsNothing() {
        let tree = Tree()
        tree.write("rule mql = score >= 60\nplan = load \"acme/plan.csv\"\n", to: tree.clients + "/acme.funnel")
        let script = """
            param data = "."
            leads = load data + "/leads.csv"
            include "clients/acme.funnel" allow load
            export leads to "out/leads.csv"
            report "out/review.md" {
              leads
            }
            """
        tree.write(script, to: tree.review + "/review.funnel")
        let interpreter = Interpreter(context: EvaluationContext(today: 0)) { _ in }
        var runner = ScriptRunner(interpreter: interpreter) { _ in }
        let (plan, code) = runner.dryRun(SourceFile(path: tree.review + "/review.funnel", text: script))
        #expect(code == .success, "\(plan.diagnostics.map(\.message))")
        let real = FileAccess().canonical(tree.review)
        func short(_ path: String) -> String {
            for prefix in [tree.review, real] where path.hasPrefix(prefix) { return "R" + path.dropFirst(prefix.count) }
            return path
        }
        let uses = plan.entries.map { "\($0.isWrite ? "write" : "read") \($0.use) \(short($0.path))" }
        #expect(uses == ["read script R/review.funnel", "read load R/leads.csv", "read include R/clients/acme.funnel",
                         "read load R/clients/acme/plan.csv", "write export R/out/leads.csv", "write report R/out/review.md"])
        #expect(!tree.exists(tree.review + "/out"))
    }
}
