@preconcurrency import CEditLine
import CEditLineShim

#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The terminal line editor on libedit: emacs keys, history (Up/Down, Ctrl-R's search of our own,
/// since libedit's prompts it `bck:`), Tab completion
/// through a callback, a continuation prompt. libedit is not thread-safe: one instance, one thread.
public final class EditLineReader: LineReader {
    private var editor: OpaquePointer?
    private var history: OpaquePointer?
    private let historyPath: String?
    private var continuation = false
    private let primaryPrompt: UnsafeMutablePointer<CChar>
    private let continuationPrompt: UnsafeMutablePointer<CChar>
    /// The prompt while Ctrl-R searches history (`(reverse-i-search)`…': `); nil otherwise.
    private var searchPrompt: UnsafeMutablePointer<CChar>?
    private var lastSearchTerm = ""
    /// Text of the statement typed on earlier lines, so completion sees `leads where` across lines.
    public var pendingText = ""
    /// Returns candidates for the text before the cursor.
    public var complete: ((String) -> Completer.Completion)?

    public init(programName: String, historyPath: String?, primaryPrompt: String = "funnel> ", continuationPrompt: String = "   ...> ") {
        setlocale(LC_ALL, "")
        self.primaryPrompt = EditLineReader.cString(primaryPrompt)
        self.continuationPrompt = EditLineReader.cString(continuationPrompt)
        self.historyPath = historyPath
        history = history_init()
        if let history {
            funnel_history_set_size(history, Int32(HistoryFile.maximumEntries))
            funnel_history_set_unique(history, 1)
            if let historyPath, HistoryFile.prepare(historyPath) {
                if let bytes = HistoryFileFormat.contents(of: historyPath), let entries = HistoryFileFormat.entries(bytes) {
                    for entry in entries {
                        (entry + [0]).withUnsafeBufferPointer { bytes in
                            bytes.withMemoryRebound(to: CChar.self) { text in
                                if let start = text.baseAddress { _ = funnel_history_enter(history, start) }
                            }
                        }
                    }
                } else {
                    funnel_history_load(history, historyPath)
                }
            }
        }
        editor = el_init(programName, stdin, stdout, stderr)
        guard let editor else { return }
        funnel_el_set_clientdata(editor, Unmanaged.passUnretained(self).toOpaque())
        funnel_el_set_editor(editor, "emacs")
        funnel_el_set_signal(editor, 1)
        funnel_el_set_prompt(editor) { el in
            // The client data is set before the prompt is ever asked for.
            let reader = Unmanaged<EditLineReader>.fromOpaque(funnel_el_get_clientdata(el).unsafelyUnwrapped).takeUnretainedValue()
            if let search = reader.searchPrompt { return UnsafePointer(search) }
            return UnsafePointer(reader.continuation ? reader.continuationPrompt : reader.primaryPrompt)
        }
        if let history { funnel_el_set_history(editor, history) }
        funnel_el_add_function(editor, "funnel-complete", "Complete the word at the cursor") { el, _ in
            guard let raw = funnel_el_get_clientdata(el) else { return UInt8(CC_ERROR) }
            return Unmanaged<EditLineReader>.fromOpaque(raw).takeUnretainedValue().completeAtCursor(el)
        }
        funnel_el_bind(editor, "^I", "funnel-complete")
        funnel_el_add_function(editor, "funnel-history-search", "Search history backwards as you type") { el, _ in
            guard let raw = funnel_el_get_clientdata(el) else { return UInt8(CC_ERROR) }
            return Unmanaged<EditLineReader>.fromOpaque(raw).takeUnretainedValue().searchHistory(el)
        }
        funnel_el_bind(editor, "^R", "funnel-history-search")
        funnel_sigint_install()
    }

    deinit {
        close()
        primaryPrompt.deallocate()
        continuationPrompt.deallocate()
        searchPrompt?.deallocate()
    }

    public func readLine(continuation: Bool) -> LineEvent {
        guard let editor else { return .endOfInput }
        self.continuation = continuation
        var count: Int32 = 0
        funnel_sigint_clear()
        guard let raw = el_gets(editor, &count) else {
            if funnel_sigint_take() != 0 || count < 0 {
                fputs("^C\n", stdout)
                fflush(stdout)
                return .interrupted
            }
            fputs("\n", stdout)
            fflush(stdout)
            return .endOfInput
        }
        var line = String(cString: raw)
        if line.hasSuffix("\n") { line.removeLast() }
        return .line(line)
    }

    public func addHistory(_ entry: String) {
        guard let history, !entry.allSatisfy({ $0 == " " || $0 == "\n" }) else { return }
        funnel_history_enter(history, entry)
        // Saved at once, so that a killed terminal loses nothing.
        if let historyPath { funnel_history_save(history, historyPath) }
    }

    public func close() {
        if let history, let historyPath { funnel_history_save(history, historyPath) }
        if let editor { el_end(editor) }
        if let history { history_end(history) }
        editor = nil
        history = nil
    }

    private func completeAtCursor(_ el: OpaquePointer) -> UInt8 {
        guard let info = el_line(el), let complete, let bufferStart = info.pointee.buffer, let cursorAt = info.pointee.cursor else {
            return UInt8(CC_ERROR)
        }
        let start = UnsafeRawPointer(bufferStart)
        let cursor = UnsafeRawPointer(cursorAt)
        let length = cursor - start
        let before = String(decoding: UnsafeRawBufferPointer(start: start, count: max(0, length)), as: UTF8.self)
        let result = complete(pendingText + before)
        let typed = String(before.suffix(result.replacing))
        switch result.candidates.count {
        case 0:
            return UInt8(CC_REFRESH_BEEP)
        case 1:
            let candidate = result.candidates[0]
            // No space after a function's "(", a folder's "/", or inside an open string (a file name).
            let insideString = (pendingText + before).filter { $0 == "\"" }.count % 2 == 1
            let suffix = candidate.hasSuffix("(") || candidate.hasSuffix("/") || insideString ? "" : " "
            replace(el, typed: typed, with: candidate + suffix)
            return UInt8(CC_REFRESH)
        default:
            let common = EditLineReader.commonPrefix(result.candidates)
            if common.count > typed.count {
                replace(el, typed: typed, with: common)
                return UInt8(CC_REFRESH)
            }
            var listing = "\n"
            let width = (result.candidates.map { $0.count }.max() ?? 0) + 2
            let perLine = max(1, 80 / max(1, width))
            for (i, candidate) in result.candidates.prefix(200).enumerated() {
                listing += candidate + String(repeating: " ", count: max(0, width - candidate.count))
                if (i + 1) % perLine == 0 { listing += "\n" }
            }
            if result.candidates.count > 200 { listing += "\n… \(result.candidates.count - 200) more" }
            if !listing.hasSuffix("\n") { listing += "\n" }
            fputs(listing, stdout)
            fflush(stdout)
            return UInt8(CC_REDISPLAY)
        }
    }

    /// Ctrl-R: reads keys until the search ends. Typing narrows, Backspace widens, Ctrl-R goes to
    /// an older match, Enter runs the match, Ctrl-G puts the line back as it was, and any other
    /// key (arrows, Ctrl-A, Ctrl-E, Esc) keeps the match for editing and then does its own work.
    private func searchHistory(_ el: OpaquePointer) -> UInt8 {
        guard let history else { return UInt8(CC_ERROR) }
        var entries: [String] = []
        var entry = funnel_history_newest(history)
        while let text = entry {
            entries.append(String(cString: text))
            entry = funnel_history_older(history)
        }
        var search = HistorySearch(newestFirst: entries)
        let original = currentLine(el)
        func draw() {
            setSearchPrompt(search.prompt)
            setLine(el, search.match ?? original)
            // The line may be shorter than what it replaces: clear it before libedit redraws.
            fputs("\r\u{1B}[K", stdout)
            fflush(stdout)
            funnel_el_refresh(el)
        }
        func end(line: String) {
            setSearchPrompt(nil)
            setLine(el, line)
            if !search.term.isEmpty { lastSearchTerm = search.term }
            fputs("\r\u{1B}[K", stdout)
            fflush(stdout)
            funnel_el_refresh(el)
        }
        draw()
        while true {
            var key: wchar_t = 0
            guard el_wgetc(el, &key) == 1, let scalar = Unicode.Scalar(UInt32(bitPattern: key)) else {
                // Ctrl-C (the shell's interrupt flag is set) or the end of input.
                end(line: original)
                return UInt8(CC_EOF)
            }
            switch scalar.value {
            case 0x12:
                search.older(previousTerm: lastSearchTerm)
            case 0x7F, 0x08:
                search.deleteBackward()
            case 0x07:
                end(line: original)
                return UInt8(CC_REFRESH)
            case 0..<0x20:
                // Enter included: pushed back, libedit's own binding ends the line as it always does.
                end(line: search.match ?? original)
                el_push(el, String(Character(scalar)))
                return UInt8(CC_REFRESH)
            default:
                search.type(String(Character(scalar)))
            }
            draw()
        }
    }

    private func currentLine(_ el: OpaquePointer) -> String {
        guard let info = el_line(el), let start = info.pointee.buffer, let last = info.pointee.lastchar else { return "" }
        let length = UnsafeRawPointer(last) - UnsafeRawPointer(start)
        return String(decoding: UnsafeRawBufferPointer(start: UnsafeRawPointer(start), count: max(0, length)), as: UTF8.self)
    }

    /// Replaces the whole line (libedit counts its cursor and deletions in characters).
    private func setLine(_ el: OpaquePointer, _ text: String) {
        if let info = el_wline(el), let start = info.pointee.buffer, let cursor = info.pointee.cursor, let last = info.pointee.lastchar {
            let toEnd = last - cursor
            let length = last - start
            if toEnd > 0 { el_cursor(el, Int32(toEnd)) }
            if length > 0 { el_deletestr(el, Int32(length)) }
        }
        if !text.isEmpty { el_insertstr(el, text) }
    }

    private func setSearchPrompt(_ text: String?) {
        searchPrompt?.deallocate()
        searchPrompt = text.map(EditLineReader.cString)
    }

    private func replace(_ el: OpaquePointer, typed: String, with text: String) {
        if !typed.isEmpty { el_deletestr(el, Int32(typed.count)) }
        el_insertstr(el, text)
    }

    /// A C copy of a prompt, kept for the reader's lifetime.
    private static func cString(_ text: String) -> UnsafeMutablePointer<CChar> {
        let bytes = Array(text.utf8CString)
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
        pointer.initialize(from: bytes, count: bytes.count)
        return pointer
    }

    static func commonPrefix(_ words: [String]) -> String {
        guard var prefix = words.first else { return "" }
        for word in words.dropFirst() {
            while !word.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }
}
