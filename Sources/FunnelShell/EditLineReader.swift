@preconcurrency import CEditLine
import CEditLineShim

#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The terminal line editor on libedit: emacs keys, history (Up/Down, Ctrl-R), Tab completion
/// through a callback, a continuation prompt. libedit is not thread-safe: one instance, one thread.
public final class EditLineReader: LineReader {
    private var editor: OpaquePointer?
    private var history: OpaquePointer?
    private let historyPath: String?
    private var continuation = false
    private let primaryPrompt: UnsafeMutablePointer<CChar>
    private let continuationPrompt: UnsafeMutablePointer<CChar>
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
                funnel_history_load(history, historyPath)
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
            return UnsafePointer(reader.continuation ? reader.continuationPrompt : reader.primaryPrompt)
        }
        if let history { funnel_el_set_history(editor, history) }
        funnel_el_add_function(editor, "funnel-complete", "Complete the word at the cursor") { el, _ in
            guard let raw = funnel_el_get_clientdata(el) else { return UInt8(CC_ERROR) }
            return Unmanaged<EditLineReader>.fromOpaque(raw).takeUnretainedValue().completeAtCursor(el)
        }
        funnel_el_bind(editor, "^I", "funnel-complete")
        funnel_el_bind(editor, "^R", "em-inc-search-prev")
        funnel_sigint_install()
    }

    deinit {
        close()
        primaryPrompt.deallocate()
        continuationPrompt.deallocate()
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
