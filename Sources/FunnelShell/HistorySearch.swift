/// Ctrl-R's incremental search through history, as bash and psql show it:
/// `(reverse-i-search)`term': match`. Kept apart from libedit so that it can be tested without a
/// terminal; `EditLineReader` feeds it keys and draws what it says.
struct HistorySearch: Equatable {
    /// History, newest first, each statement once.
    let entries: [String]
    private(set) var term = ""
    /// The entry shown, an index into `entries`; nil when nothing matches (or nothing is typed yet).
    private(set) var matchIndex: Int?
    /// False once the term matches no entry: the prompt says "failed", as bash's does.
    private(set) var found = true

    init(newestFirst entries: [String]) {
        var seen = Set<String>()
        self.entries = entries.filter { seen.insert($0).inserted }
    }

    var match: String? { matchIndex.map { entries[$0] } }

    var prompt: String { "(\(found ? "" : "failed ")reverse-i-search)`\(term)': " }

    /// A typed character narrows the search; the entry shown stays while it still matches. When
    /// nothing matches, the last match stays on the line and the prompt says "failed".
    mutating func type(_ text: String) {
        term += text
        show(firstMatch(from: matchIndex ?? 0))
    }

    /// Backspace widens the search again, from the newest entry.
    mutating func deleteBackward() {
        guard !term.isEmpty else { return }
        term.removeLast()
        if term.isEmpty {
            matchIndex = nil
            found = true
        } else {
            show(firstMatch(from: 0))
        }
    }

    /// Ctrl-R again: the next older entry that matches. With nothing typed, the last term searched
    /// for is taken up again, as in bash.
    mutating func older(previousTerm: String) {
        if term.isEmpty {
            guard !previousTerm.isEmpty else { return }
            term = previousTerm
            show(firstMatch(from: 0))
        } else if found, let current = matchIndex {
            show(firstMatch(from: current + 1))
        }
    }

    private mutating func show(_ index: Int?) {
        found = index != nil
        if let index { matchIndex = index }
    }

    private func firstMatch(from start: Int) -> Int? {
        guard start < entries.count else { return nil }
        return entries[start...].firstIndex { $0.contains(term) }
    }
}
