/// What reading one line gave.
public enum LineEvent: Equatable, Sendable {
    case line(String)
    /// Ctrl-C at the prompt: the caller drops what was typed.
    case interrupted
    /// Ctrl-D on an empty line, or the end of piped input.
    case endOfInput
}

/// Reads lines for the shell: libedit on a terminal, a plain buffered reader otherwise.
public protocol LineReader: AnyObject {
    /// `continuation` asks for the continuation prompt (a statement is still open).
    func readLine(continuation: Bool) -> LineEvent
    /// Records a complete statement (possibly several lines) as one history entry.
    func addHistory(_ entry: String)
    /// Saves history where it persists, if it does.
    func close()
}
