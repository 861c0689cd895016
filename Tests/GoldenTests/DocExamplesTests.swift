import FunnelEngine
import FunnelLanguage
import FunnelRender
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs the ```funnel examples of docs/language.md in order, in one session, from the repository
/// root; an example followed by a ```text block must print exactly that.
struct DocExamplesTests {
    struct Example {
        var code: String
        var expected: String?
        var line: Int
    }

    static func examples(in markdown: String) -> [Example] {
        var examples: [Example] = []
        var lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.append("")
        var i = 0
        func block(from start: Int) -> (String, Int) {
            var body: [String] = []
            var j = start
            while j < lines.count, lines[j] != "```" { body.append(lines[j]); j += 1 }
            return (body.joined(separator: "\n") + "\n", j + 1)
        }
        while i < lines.count {
            if lines[i] == "```funnel" {
                let (code, next) = block(from: i + 1)
                var example = Example(code: code, expected: nil, line: i + 1)
                i = next
                if i < lines.count, lines[i] == "```text" {
                    let (text, after) = block(from: i + 1)
                    example.expected = text
                    i = after
                }
                examples.append(example)
            } else {
                i += 1
            }
        }
        return examples
    }

    /// The document with each example's ```text block replaced by what it printed (UPDATE_DOCS=1).
    static func rewrite(_ markdown: String, with actual: [(Example, String)]) -> String {
        var lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // From the end, so that earlier line numbers stay valid.
        for (example, text) in actual.reversed() {
            var i = example.line
            while i < lines.count, lines[i] != "```" { i += 1 }
            let afterCode = i + 1
            guard afterCode < lines.count, lines[afterCode] == "```text" else { continue }
            var end = afterCode + 1
            while end < lines.count, lines[end] != "```" { end += 1 }
            let body = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).dropLast()
            lines.replaceSubrange((afterCode + 1)..<min(end, lines.count), with: body)
        }
        return lines.joined(separator: "\n")
    }

    @Test func languageReferenceExamplesRun() throws {
        let root = String(GoldenTests.root.dropLast("/Tests/Golden".count))
        let markdown = try #require(GoldenHarness.read(root + "/docs/language.md"))
        let examples = DocExamplesTests.examples(in: markdown)
        #expect(examples.count >= 10)
        final class Sink: @unchecked Sendable { var text = "" }
        let sink = Sink()
        let renderer = OutputText(format: .table, style: TerminalStyle(width: 100, maxRows: 40, color: false, unicode: true))
        var interpreter = Interpreter(context: EvaluationContext(today: Int32(CivilDate.days(year: 2025, month: 12, day: 31)))) { output in
            sink.text += renderer.render(output).1
        }
        var actual: [(Example, String)] = []
        for example in examples {
            sink.text = ""
            let file = SourceFile(path: "example", text: example.code)
            let (statements, diagnostics) = Parser.parse(file)
            #expect(diagnostics.isEmpty, "example at line \(example.line) does not parse: \(diagnostics.map(\.message))")
            for statement in statements {
                do { try interpreter.execute(statement, baseDirectory: root) } catch {
                    Issue.record("example at line \(example.line) failed: \(renderer.render(error))")
                }
            }
            actual.append((example, sink.text))
            if getenv("UPDATE_DOCS") != nil { continue }
            if let expected = example.expected, sink.text != expected {
                Issue.record("example at line \(example.line) printed:\n\(sink.text)\nexpected:\n\(expected)")
            }
        }
        if getenv("UPDATE_DOCS") != nil {
            GoldenHarness.write(DocExamplesTests.rewrite(markdown, with: actual), to: root + "/docs/language.md")
        }
    }
}
