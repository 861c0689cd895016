// libFuzzer target: the lexer and parser on arbitrary text, and every diagnostic they produce
// rendered as the command line and the shell show it (docs/fuzzing.md).
// Parse errors are fine; a crash, a hang or a leak is not.
import FunnelLanguage

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParse(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    // Bytes that are not UTF-8 become U+FFFD, as when a script file is read.
    let text = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    let file = SourceFile(path: "fuzz.funnel", text: text)
    // The command line and the shell parse on a large stack too (ScriptRunner.run).
    LargeStack.run {
        let (statements, diagnostics) = Parser.parse(file)
        var shown = statements.count
        for diagnostic in diagnostics {
            shown &+= DiagnosticRenderer.render(diagnostic).utf8.count
            shown &+= DiagnosticRenderer.render(diagnostic, color: true).utf8.count
        }
        for statement in statements { shown &+= file.slice(statement.range).utf8.count }
        if shown == -1 { print(shown) }
    }
    return 0
}
