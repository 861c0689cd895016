// The password file as libpq reads it (PGPASSFILE, else ~/.pgpass): used when only its owner may
// read it, else left unread and said when the server refuses the login.
import FunnelEngine
import FunnelLanguage
import FunnelRender
import Testing

#if canImport(Glibc)
import Glibc
#endif

struct DatabasePasswordFileTests {
    /// Runs `script` with PGPASSFILE naming `passwordFile` and no PGPASSWORD; what it printed and its exit code.
    func run(_ script: String, passwordFile: String) -> (printed: String, code: ScriptRunner.ExitCode) {
        final class Text: @unchecked Sendable { var value = "" }
        let printed = Text()
        let renderer = OutputText(format: .table, style: TerminalStyle(width: 100, maxRows: 40, color: false, unicode: true))
        var context = EvaluationContext(today: Int32(CivilDate.days(year: 2025, month: 12, day: 31)))
        context.environment = { name in name == "PGPASSFILE" ? passwordFile : nil }
        let interpreter = Interpreter(context: context) { output in printed.value += renderer.render(output).1 }
        var runner = ScriptRunner(interpreter: interpreter) { diagnostic in printed.value += renderer.render(diagnostic) }
        let code = runner.run(SourceFile(path: "pgpass.funnel", text: script))
        return (printed.value, code)
    }

    @Test(.enabled(if: DatabaseErrorTests.url != nil)) func readOnlyWhenOnlyItsOwnerMay() throws {
        try DatabaseGoldenTests.prepare()
        let path = PasswordFileFolder.make() + "/pgpass"
        guard let f = fopen(path, "wb") else { Issue.record("cannot write \(path)"); return }
        fputs("127.0.0.1:*:*:funnel:funnel-test\n", f)
        fclose(f)
        let script = "t = load \"\(DatabaseErrorTests.address())\" table \"golden_tiny\"\ncount(t)\n"
        chmod(path, 0o600)
        let owned = run(script, passwordFile: path)
        #expect(owned.printed.contains("count(t) = "), "\(owned.printed)")
        chmod(path, 0o644)
        let shared = run(script, passwordFile: path)
        #expect(shared.code == .permissionDenied, "\(shared.printed)")
        #expect(shared.printed.contains("was not read: its group or others may read or write it"), "\(shared.printed)")
    }
}

/// A fresh folder for a test's files.
enum PasswordFileFolder {
    static func make() -> String {
        var template = Array("/tmp/funnel-pgpass-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress, let made = mkdtemp(base) else { return "/tmp" }
            return String(cString: made)
        }
    }
}
