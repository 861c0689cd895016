@preconcurrency import CEditLineShim
import FunnelEngine
import FunnelLanguage
import FunnelRender

#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Prints results to stdout and diagnostics to stderr, in the chosen format. The terminal's size
/// is read again for each result, so a resized window is followed.
public final class OutputPrinter: @unchecked Sendable {
    /// Changed by `:format` between statements, on the thread that runs them.
    public var format: OutputFormat
    public let terminal: TerminalInfo

    public init(format: OutputFormat, terminal: TerminalInfo) {
        self.format = format
        self.terminal = terminal
    }

    /// `:expanded on|off|auto`: tables one field per line.
    public var expanded: ExpandedMode = .off
    /// The command that pages a result taller than the terminal (the shell's `:pager`); nil: none.
    public var pager: String? = nil

    public var style: TerminalStyle {
        let terminal = terminal.isTerminal ? TerminalInfo.current() : terminal
        return TerminalStyle(width: terminal.width, maxRows: terminal.isTerminal ? 40 : 1000, color: terminal.color, unicode: terminal.unicode,
                             expanded: expanded)
    }

    public var text: OutputText { OutputText(format: format, style: style, errorColor: terminal.errorColor) }

    /// Set for a script run with --format json: results are gathered into one JSON document.
    public var collectsDocument = false
    /// Set with --out DIR: each result is written to its own file in DIR instead.
    public var outputFolder: String? = nil
    /// The statement now running (its source text), for the document and the file names.
    public var statement = ""
    /// The files the script reads so far (canonical paths): --out never writes over them.
    public var inputs: Set<String> = []
    private var results: [(statement: String, text: String)] = []
    private var written = 0
    /// A file of --out DIR could not be written.
    public private(set) var outputFailure: String? = nil

    public func print(_ output: Output) {
        let (stream, rendered) = text.render(output)
        if stream == .standardError {
            StandardStreams.err(rendered)
        } else if let outputFolder {
            writeResult(rendered, to: outputFolder)
        } else if collectsDocument {
            results.append((statement, rendered))
        } else {
            // CSV results follow each other with a blank line between them: no CSV line of funnel's
            // is blank (an empty value is written ""), so a program can split on it.
            if format == .csv && written > 0 { StandardStreams.out("\n") }
            written += 1
            if let pager, terminal.isTerminal, rendered.utf8.reduce(0, { $0 + ($1 == 10 ? 1 : 0) }) >= TerminalInfo.current().height - 1,
               Pager.show(rendered, with: pager) {
                return
            }
            StandardStreams.out(rendered)
        }
    }

    /// The gathered results as one JSON array: each the statement that printed it and its result.
    public func finishDocument() {
        guard collectsDocument else { return }
        var out = "["
        for (i, result) in results.enumerated() {
            let body = result.text.hasSuffix("\n") ? String(result.text.dropLast()) : result.text
            out += (i == 0 ? "\n" : ",\n") + "{\"statement\": " + JSONText.string(result.statement) + ",\n \"result\": " + body + "}"
        }
        StandardStreams.out(out + (results.isEmpty ? "]\n" : "\n]\n"))
        results = []
    }

    /// One result in DIR: 01-leads-by-source.csv, named by its order and its statement.
    private func writeResult(_ rendered: String, to folder: String) {
        written += 1
        let ext = format == .csv ? "csv" : format == .json ? "json" : format == .markdown ? "md" : "txt"
        var slug = ""
        for c in statement.lowercased() {
            if c.isLetter || c.isNumber, c.isASCII { slug.append(c) } else if !slug.isEmpty && slug.last != "-" { slug.append("-") }
            if slug.count >= 40 { break }
        }
        while slug.last == "-" { slug.removeLast() }
        let number = written < 10 ? "0\(written)" : "\(written)"
        let path = folder + "/" + number + (slug.isEmpty ? "" : "-" + slug) + "." + ext
        if let failure = ResultFiles.write(rendered, to: path, inputs: inputs) {
            outputFailure = outputFailure ?? failure
            StandardStreams.err("error: cannot write \(path): \(failure)\n")
        }
    }

    public func report(_ diagnostic: Diagnostic) {
        StandardStreams.err(text.render(diagnostic))
    }

}

/// What we know about the terminal: size, colour, UTF-8.
/// A result too tall for the terminal, shown through a pager as psql does (`less -FRX`: it
/// leaves at once when the text fits, keeps colours and leaves the text on the screen).
public enum Pager {
    /// The pager to use: `FUNNEL_PAGER`, else `PAGER`, else less when it is installed; nil for
    /// none (either variable set to an empty value or `off`).
    public static func command(environment: [String: String]) -> String? {
        for name in ["FUNNEL_PAGER", "PAGER"] {
            if let value = environment[name] {
                let trimmed = value.trimmingPrefix(while: { $0 == " " })
                return trimmed.isEmpty || trimmed == "off" ? nil : String(trimmed)
            }
        }
        let path = environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") where access(String(folder) + "/less", X_OK) == 0 { return "less -FRX" }
        return nil
    }

    /// Writes `text` to the pager and waits for it; false when it could not be started.
    static func show(_ text: String, with command: String) -> Bool {
        guard let pipe = popen(command, "w") else { return false }
        // A reader who quits before the end closes the pipe: that must not end the shell.
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        fputs(text, pipe)
        // The pager ends when the reader quits it: a closed pipe is not an error here. A pager the
        // shell could not find (exit 127) showed nothing: the caller prints the text itself.
        let status = pclose(pipe)
        funnel_sigint_clear()
        return status != -1 && (status >> 8) & 0xFF != 127
    }
}

public struct TerminalInfo: Sendable {
    public var isTerminal: Bool
    public var width: Int
    /// Rows of the terminal (24 when it does not say).
    public var height: Int = 24
    public var color: Bool
    public var errorColor: Bool
    public var unicode: Bool

    public static func current() -> TerminalInfo {
        let tty = isatty(1) == 1
        var width = 100, height = 24
        if tty {
            var size = winsize()
            if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
                width = Int(size.ws_col)
                if size.ws_row > 0 { height = Int(size.ws_row) }
            }
        } else {
            width = 1 << 20
        }
        let noColor = getenv("NO_COLOR").map { String(cString: $0).isEmpty == false } ?? false
        let term = getenv("TERM").map { String(cString: $0) } ?? ""
        let colorAllowed = !noColor && term != "dumb"
        return TerminalInfo(isTerminal: tty, width: width, height: height, color: tty && colorAllowed, errorColor: isatty(2) == 1 && colorAllowed,
                            unicode: TerminalLocale.isUTF8 || !tty)
    }
}

enum TerminalLocale {
    static var isUTF8: Bool {
        for name in ["LC_ALL", "LC_CTYPE", "LANG"] {
            if let value = getenv(name) {
                let s = String(cString: value)
                if s.isEmpty { continue }
                let lower = s.lowercased()
                return lower.contains("utf-8") || lower.contains("utf8")
            }
        }
        return false
    }
}

public enum LocalClock {
    /// Today's date in local time, as days since 1970.
    public static func today() -> Int32 {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        return Int32(CivilDate.days(year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday)))
    }
}

