import FunnelEngine
import FunnelRender
import Testing
@testable import FunnelLanguage

/// A corpus of hostile scripts. Each one goes through the parser alone and through a whole run
/// (parser, interpreter, diagnostics renderer): every one must end with diagnostics or a clean
/// result, never a crash, a hang or a diagnostic pointing outside the file.
struct HostileScript: CustomTestStringConvertible, Sendable {
    enum Expectation: Sendable {
        /// The parser reports at least one error; the run exits 65.
        case parseError
        /// Parses cleanly (a runtime error is allowed, and must be reported).
        case parses
        /// No promise beyond "no crash, and a failure is reported".
        case anything
    }

    let name: String
    let text: String
    let expectation: Expectation

    init(_ name: String, _ text: String, _ expectation: Expectation) {
        self.name = name
        self.text = text
        self.expectation = expectation
    }

    var testDescription: String { name }
}

enum HostileCorpus {
    static func repeated(_ s: String, _ n: Int) -> String { String(repeating: s, count: n) }

    static let scripts: [HostileScript] = [
        // Depth.
        HostileScript("10,000 nested parentheses", repeated("(", 10_000) + "1" + repeated(")", 10_000), .parseError),
        HostileScript("10,000 open parentheses", repeated("(", 10_000), .parseError),
        HostileScript("10,000 closing parentheses", repeated(")", 10_000), .parseError),
        HostileScript("10,000 nested not", repeated("not ", 10_000) + "true", .parseError),
        HostileScript("10,000 unary minus", repeated("-", 10_000) + "1", .parseError),
        HostileScript("10,000 nested calls", repeated("f(", 10_000) + repeated(")", 10_000), .parseError),
        HostileScript("nested count(count(…))", repeated("count(", 300) + repeated(")", 300), .parseError),
        HostileScript("nested braces", repeated("{", 10_000) + repeated("}", 10_000), .parseError),
        HostileScript("deep a.b.c.d…", "a" + repeated(".b", 10_000), .parseError),
        HostileScript("deep member in a condition", "x = 1\ncount(x where a" + repeated(".b", 5_000) + " > 1)", .anything),
        // Size.
        HostileScript("1 MB string literal", "x = \"" + repeated("a", 1 << 20) + "\"\nlength(x)", .parses),
        HostileScript("1 MB name", repeated("a", 1 << 20), .parses),
        HostileScript("1 MB comment", "# " + repeated("c", 1 << 20) + "\n1", .parses),
        HostileScript("1 MB of spaces", repeated(" ", 1 << 20) + "1", .parses),
        HostileScript("100,000 empty statements", repeated(";", 100_000), .parses),
        HostileScript("10,000 statements", repeated("x = 1\n", 10_000), .parses),
        HostileScript("100,000 blank lines then an error", repeated("\n", 100_000) + "+", .parseError),
        // Bytes.
        HostileScript("NUL bytes", "x = 1\u{0}\ny\u{0} = 2\n\"\u{0}\"\n", .parseError),
        HostileScript("only NUL", "\u{0}", .parseError),
        HostileScript("invalid UTF-8", String(decoding: [0x78, 0x20, 0x3D, 0x20, 0x22, 0xFF, 0xFE, 0xC3, 0x22, 0x0A, 0xC3, 0x28, 0x20, 0x3D, 0x20, 0x31, 0x0A, 0xED, 0xA0, 0x80, 0x0A, 0xF8, 0x88, 0x80, 0x80, 0x80], as: UTF8.self), .anything),
        HostileScript("invalid UTF-8 alone", String(decoding: [0xFF], as: UTF8.self), .anything),
        HostileScript("lone continuation byte in a string", String(decoding: [0x22, 0x80, 0x22], as: UTF8.self), .parses),
        HostileScript("control characters", "x = \"\u{1B}[31mred\u{7}\"\n\u{1B}]0;title\u{7}", .parseError),
        HostileScript("byte order mark", "\u{FEFF}x = 1\nx", .anything),
        HostileScript("right-to-left override", "\"\u{202E}abc\" ~ \"c\"", .parses),
        HostileScript("emoji names", "😀 = 1\n😀 + 1", .parses),
        HostileScript("CRLF line ends", "x = 1\r\ny = x + 1\r\ny\r\n", .parses),
        HostileScript("lone CR", "x = 1\ry = 2\r", .anything),
        HostileScript("tabs everywhere", "\t\tx\t=\t1\t\n\tx", .parses),
        // Unfinished tokens.
        HostileScript("lone backtick", "`", .parseError),
        HostileScript("unterminated backtick name", "leads = `abc\n", .parseError),
        HostileScript("empty backticks", "``", .parseError),
        HostileScript("lone double quote", "\"", .parseError),
        HostileScript("lone single quote", "'", .parseError),
        HostileScript("string ending in a backslash", "\"abc\\", .parseError),
        HostileScript("quote at the end of a long line", "x = 1 + 2 + \"", .parseError),
        // Operators and brackets.
        HostileScript("only operators", "+ - * / % == != < <= > >= ~ !~ -> = . , ; :", .parseError),
        HostileScript("closing braces", "}}}}", .parseError),
        HostileScript("brackets", "]]]] [[[[", .parseError),
        HostileScript("mismatched brackets", "(]\n[)\n{)", .parseError),
        HostileScript("operator at the end of the file", "1 +", .parseError),
        HostileScript("and at the end of the file", "true and", .parseError),
        HostileScript("comma at the end of the file", "f(1,", .parseError),
        HostileScript("between without and", "x between 1", .parseError),
        HostileScript("in without list", "x in 1", .parseError),
        HostileScript("is without null", "x is 1", .parseError),
        HostileScript("between and and and", "between and and and", .parseError),
        HostileScript("double dot", "a..b", .parseError),
        HostileScript("arrow alone", "->", .parseError),
        // Numbers.
        HostileScript("1e400", "1e400", .parseError),
        HostileScript("huge integer", "99999999999999999999999", .parseError),
        HostileScript("huge integer arithmetic", "99999999999999999999999 * 99999999999999999999999", .parseError),
        HostileScript("300-digit integer", repeated("9", 300), .parseError),
        HostileScript("400-digit integer", repeated("9", 400) + "\n" + repeated("9", 400) + " * 2", .parseError),
        HostileScript("Int64 edges", "9223372036854775807 + 1\n-9223372036854775807 - 10\n9223372036854775807 * 2\n(0 - 9223372036854775807 - 1) % -1\n(0 - 9223372036854775807 - 1) / -1\nabs(0 - 9223372036854775807 - 1)", .parses),
        HostileScript("top 99999999999999999999", "x = 1\nx top 99999999999999999999", .parseError),
        HostileScript("top of a scalar", "x = 1\nx top 3", .parses),
        HostileScript("huge durations", "99999999999999999999 weeks\n2025-01-01 + 99999999999 days\n2025-01-01 - 99999999999999999999 days\n9999-12-31 + 1", .parseError),
        HostileScript("huge durations that fit a whole number", "9223372036854775807 weeks\n2025-01-01 + 99999999999 days\n2025-01-01 - 9223372036854775807 days\n9999-12-31 + 1", .parses),
        HostileScript("impossible dates", "2025-02-30\n2025-13-01\n0000-00-00", .parseError),
        HostileScript("far dates", "0000-01-01\n9999-12-31 - 0000-01-01", .parses),
        HostileScript("percent oddities", "100%%\n%\n1e5%", .parseError),
        HostileScript("malformed suffixes", "1kk\n1.5.5\n1__0\n1_", .parseError),
        HostileScript("round with huge places", "round(5, 99999999999)\nround(1.5, -3)", .parses),
        // Regular expressions.
        HostileScript("bad regular expressions", "\"a\" ~ \"(\"\n\"a\" ~ \"[[:alpha:]\"\n\"a\" ~ \"(?<x\"", .parses),
        // A short subject only: with 20+ characters this pattern backtracks for minutes (see the report).
        HostileScript("backtracking regular expression, short subject", "\"aaaaaaaaaa!\" ~ \"^(a+)+$\"", .parses),
        // Names and statements.
        HostileScript("empty file", "", .parses),
        HostileScript("only comments", "# one\n# two\n   # three\n", .parses),
        HostileScript("only newlines", "\n\n\n\n", .parses),
        HostileScript("only semicolons", ";;;;", .parses),
        HostileScript("every keyword alone on a line", Keyword.allCases.map(\.rawValue).joined(separator: "\n"), .parseError),
        HostileScript("every keyword in backticks", Keyword.allCases.map { "`\($0.rawValue)` = 1" }.joined(separator: "\n"), .parses),
        HostileScript("rule with no table", "rule r = x > 1\nr", .parses),
        HostileScript("rule cycle through three", "rule a = b\nrule b = c\nrule c = a", .parses),
        HostileScript("kpi cycle", "kpi a = b + 1\nkpi b = a + 1\na", .parses),
        HostileScript("kpi referring to itself", "kpi a = a\na", .parses),
        HostileScript("aggregate with no table", "count()\ncount(where x)\nsum(x)", .parses),
        HostileScript("link to nothing", "link a.b -> c.d\ncheck link a", .parses),
        HostileScript("has nothing", "has nothing", .parses),
        HostileScript("load a folder", "x = load \".\"", .parses),
        HostileScript("load nothing", "x = load \"\"", .parses),
        HostileScript("include nothing", "include \"\"", .parses),
        HostileScript("include a folder", "include \".\"", .parses),
        HostileScript("export nowhere", "x = 1\nexport x to \"\"", .parses),
        HostileScript("export into a missing folder of a missing folder", "export 1 to \"/proc/funnel-nonexistent/a/b/c.csv\"", .parses),
        HostileScript("in_period with nonsense", "in_period(2025-01-01, \"2025-W99\")\nin_period(1, 2)", .parses),
        HostileScript("date_trunc with nonsense", "date_trunc(\"fortnight\", 2025-01-01)\ndate_trunc(1, 2)", .parses),
        HostileScript("functions with no arguments", Functions.allNames.map { "\($0)()" }.joined(separator: "\n"), .parses),
        HostileScript("functions with too many arguments", Functions.allNames.map { "\($0)(1, 2, 3, 4)" }.joined(separator: "\n"), .parses),
        HostileScript("assert with no condition", "assert", .parseError),
        HostileScript("assert on text", "assert \"yes\"", .parses),
        HostileScript("param twice", "param p = 1\nparam p = 2\np", .parses),
        HostileScript("name that is a period", "month = 3\nmonth + 1", .parses),
    ]

    /// Long flat chains: not deep for the parser (it loops), but a left-leaning tree thousands of
    /// levels deep for everything that walks it recursively.
    static let flatChains: [HostileScript] = [
        HostileScript("10,000 additions", Array(repeating: "1", count: 10_000).joined(separator: " + "), .anything),
        HostileScript("10,000 ands", Array(repeating: "true", count: 10_000).joined(separator: " and "), .anything),
        HostileScript("10,000 ors of null", Array(repeating: "null", count: 10_000).joined(separator: " or "), .anything),
        HostileScript("in with 10,000 items", "1 in (" + Array(repeating: "1", count: 10_000).joined(separator: ", ") + ")", .anything),
        HostileScript("rule of 10,000 ands", "rule r = " + Array(repeating: "x", count: 10_000).joined(separator: " and "), .anything),
        HostileScript("rule over a 10,000-deep member", "rule r = a" + repeated(".b", 10_000), .anything),
        HostileScript("kpi of 10,000 additions", "kpi k = " + Array(repeating: "1", count: 10_000).joined(separator: " + ") + "\nk", .anything),
        HostileScript("100,000-deep member", "a" + repeated(".b", 100_000), .anything),
    ]
}

/// Runs a script the way the command line does, capturing what it prints.
enum HostileRun {
    final class Capture: @unchecked Sendable {
        var stdout = ""
        var stderr = ""
        var diagnostics: [Diagnostic] = []
    }

    static func run(_ text: String) -> (code: ScriptRunner.ExitCode, capture: Capture) {
        let capture = Capture()
        let renderer = OutputText(format: .table, style: TerminalStyle(width: 100, maxRows: 40, color: false, unicode: true))
        let interpreter = Interpreter(context: EvaluationContext(today: Int32(CivilDate.days(year: 2025, month: 12, day: 31)))) { output in
            let (stream, rendered) = renderer.render(output)
            if stream == .standardOutput { capture.stdout += rendered } else { capture.stderr += rendered }
        }
        var runner = ScriptRunner(interpreter: interpreter) { diagnostic in
            capture.diagnostics.append(diagnostic)
            capture.stderr += renderer.render(diagnostic)
        }
        runner.keepGoing = true
        let code = runner.run(SourceFile(path: "<hostile>", text: text))
        return (code, capture)
    }

    /// Every diagnostic points inside its file and renders.
    static func checkRanges(_ diagnostics: [Diagnostic], in text: String, _ name: String) {
        let size = text.utf8.count
        for d in diagnostics {
            #expect(!d.message.isEmpty, "\(name): empty message")
            if let range = d.range {
                #expect(range.start >= 0 && range.start <= range.end && range.end <= max(size, range.file.bytes.count), "\(name): range \(range.start)..<\(range.end) outside the file")
                let (line, column) = range.file.location(of: range.start)
                #expect(line >= 1 && column >= 1, "\(name): bad location \(line):\(column)")
            }
            _ = DiagnosticRenderer.render(d)
        }
    }
}

struct BrokenScriptsTests {
    @Test("the parser reports, never crashes", arguments: HostileCorpus.scripts)
    func parser(_ script: HostileScript) {
        let (_, diagnostics) = Parser.parse(SourceFile(path: "<hostile>", text: script.text))
        switch script.expectation {
        case .parseError: #expect(!diagnostics.isEmpty, "\(script.name): expected a syntax error")
        case .parses: #expect(diagnostics.isEmpty, "\(script.name): \(diagnostics.map(\.message))")
        case .anything: break
        }
        HostileRun.checkRanges(diagnostics, in: script.text, script.name)
    }

    @Test("a whole run reports, never crashes", arguments: HostileCorpus.scripts)
    func fullRun(_ script: HostileScript) {
        let (code, capture) = HostileRun.run(script.text)
        let allowed: [ScriptRunner.ExitCode] = [.success, .assertionFailed, .dataError, .missingInput, .cannotCreateOutput]
        #expect(allowed.contains(code), "\(script.name): exit \(code)")
        if script.expectation == .parseError { #expect(code == .dataError, "\(script.name): exit \(code)") }
        // A failure is never silent.
        if code != .success && code != .assertionFailed {
            #expect(!capture.diagnostics.isEmpty, "\(script.name): exit \(code) with nothing reported")
        }
        #expect(!capture.diagnostics.contains { $0.category == .internal }, "\(script.name): internal error")
        HostileRun.checkRanges(capture.diagnostics, in: script.text, script.name)
    }

    /// These used to crash with a stack overflow (recursive walks of very long operator chains in
    /// Aggregation.planNode / evaluateNode, RowEvaluator.evaluate, Cycles.names, and the recursive
    /// release of a 100,000-deep member chain); now the parser limits chains.
    @Test("long flat operator chains do not overflow the stack", arguments: HostileCorpus.flatChains)
    func flatChains(_ script: HostileScript) {
        let (_, diagnostics) = Parser.parse(SourceFile(path: "<hostile>", text: script.text))
        HostileRun.checkRanges(diagnostics, in: script.text, script.name)
        let (code, capture) = HostileRun.run(script.text)
        if code != .success { #expect(!capture.diagnostics.isEmpty, "\(script.name)") }
    }

    /// Diagnostics echo the source line; control characters in it must not reach the terminal
    /// raw (an ESC sequence in a client's rule file could rewrite the screen; a NUL cuts the
    /// message short when it is written with fputs).
    @Test(arguments: [
        HostileScript("ESC sequences in an unterminated string", "x = \"\u{1B}[2J\u{1B}]0;owned\u{7}", .parseError),
        HostileScript("ESC as a stray character", "\u{1B}[31m = 1", .parseError),
        HostileScript("NUL as a stray character", "y = 1 \u{0} 2", .parseError),
        HostileScript("ESC inside a backtick name", "`a\u{1B}b` + 1", .parses),
    ])
    func diagnosticsShowControlCharactersVisibly(_ script: HostileScript) {
        let (code, capture) = HostileRun.run(script.text)
        #expect(code == .dataError)
        for scalar in capture.stderr.unicodeScalars where scalar.value < 0x20 && scalar != "\n" {
            Issue.record("\(script.name): raw control character U+\(String(scalar.value, radix: 16)) in: \(capture.stderr.debugDescription)")
            break
        }
        #expect(!capture.stderr.unicodeScalars.contains { $0.value == 0x7F })
    }

    @Test func emptyAndCommentOnlyScriptsSucceedSilently() {
        for text in ["", "# nothing\n", "\n\n", ";"] {
            let (code, capture) = HostileRun.run(text)
            #expect(code == .success)
            #expect(capture.stdout.isEmpty && capture.stderr.isEmpty)
        }
    }

    @Test func everySyntaxErrorIsReportedAndNothingRuns() {
        let text = "\"first\"\n1 +\n\"middle\"\n)\nrule = 1\n\"last\"\n(\n"
        let (code, capture) = HostileRun.run(text)
        #expect(code == .dataError)
        #expect(capture.stdout.isEmpty, "nothing may run when the script does not parse")
        #expect(capture.diagnostics.count >= 3)
    }

    @Test func aFailingStatementChangesNothing() {
        // keep-going: the second assignment fails, so x keeps its first value.
        let (_, capture) = HostileRun.run("x = 1\nx = count(nope)\nx")
        #expect(capture.stdout == "x = 1\n")
    }
}
