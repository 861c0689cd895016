import FunnelEngine

/// What evaluation needs from outside the session: the date `today` means, and whether the user
/// pressed Ctrl-C.
public struct EvaluationContext: Sendable {
    public var today: Int32
    public var isCancelled: @Sendable () -> Bool
    /// What evaluation noticed about the data that changes what a number means (a value read
    /// from the first of several linked rows); the statement that caused it says it once.
    let dataNotes = DataNotes()

    public init(today: Int32, isCancelled: @escaping @Sendable () -> Bool = { false }) {
        self.today = today
        self.isCancelled = isCancelled
    }

    func checkCancelled() throws(Diagnostic) {
        if isCancelled() { throw Diagnostic(.error, .cancelled, "cancelled") }
    }
}

/// Notes gathered while one statement runs, taken by the interpreter when it ends. Used from the
/// one thread that runs statements.
final class DataNotes: @unchecked Sendable {
    private var pending: [String] = []
    /// Per table (name, rows, as-of date): whether any of its rows is dated after the as-of
    /// date (looked at once), and whether that was said.
    private var lateRows: [String: (any: Bool, said: Bool)] = [:]

    func lateRows(_ key: String) -> (any: Bool, said: Bool)? { lateRows[key] }
    func setLateRows(_ key: String, any: Bool, said: Bool) { lateRows[key] = (any, said) }

    func add(_ note: String) {
        if !pending.contains(note) { pending.append(note) }
    }

    func take() -> [String] {
        defer { pending = [] }
        return pending
    }
}
