import FunnelEngine
import FunnelRender

/// `export … to "file"`: the format follows the extension; inputs are never overwritten.
enum Exporter {
    static func write(_ result: ResultTable, to path: String, baseDirectory: String, session: Session, range: SourceRange, fileSystem: FileAccess) throws(Diagnostic) -> String {
        let format: OutputFormat
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { format = .csv }
        else if lower.hasSuffix(".json") { format = .json }
        else if lower.hasSuffix(".md") || lower.hasSuffix(".markdown") { format = .markdown }
        else {
            throw Diagnostic.error("cannot tell the format of \"\(path)\" from its extension", at: range, notes: ["use .csv, .json or .md"])
        }
        let resolved = FileAccess.resolve(path, relativeTo: baseDirectory)
        let canonical = fileSystem.canonical(resolved)
        if session.loadedPaths.contains(canonical) {
            throw Diagnostic(.error, .output, "refusing to overwrite \(path): the script reads it (loaded or included)", at: range)
        }
        var text = TableRenderer.render(result, as: format, style: TerminalStyle(width: Int.max / 4, maxRows: Int.max / 4, color: false, unicode: true))
        if !text.hasSuffix("\n") { text += "\n" }
        do {
            try fileSystem.writeAtomically(text, to: resolved)
        } catch {
            throw Diagnostic(.error, .output, "cannot write \(path): \(error.reason)", at: range)
        }
        return path
    }
}
