import FunnelEngine

/// `--out DIR`: each result of a script in its own file, written as `export` writes (through a
/// temporary file and a rename, creating DIR), and never over a file the script reads.
public enum ResultFiles {
    /// Writes `text` to `path`; returns why it could not, or nil. `inputs` are the canonical
    /// paths the script has loaded or included so far.
    public static func write(_ text: String, to path: String, inputs: Set<String>) -> String? {
        let files = FileAccess()
        if inputs.contains(files.canonical(path)) { return "the script reads it" }
        do {
            try files.writeAtomically(text, to: path)
            return nil
        } catch {
            return error.reason
        }
    }
}

extension ScriptRunner {
    /// The files the script has loaded or included so far (canonical paths).
    public var inputPaths: Set<String> { interpreter.session.loadedPaths }
}
