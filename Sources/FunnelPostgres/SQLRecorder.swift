import Synchronization

/// The SQL sent to databases while `explain sql` records it (every connection reports here).
public final class SQLRecorder: Sendable {
    public static let shared = SQLRecorder()
    private let sent = Mutex<[String]?>(nil)

    func note(_ sql: String) {
        sent.withLock { sent in sent?.append(sql) }
    }

    /// Runs `body`, and gives back the SQL sent meanwhile.
    public func recording<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> (T, [String]) {
        let outer = sent.withLock { sent -> [String]? in
            defer { sent = [] }
            return sent
        }
        defer { sent.withLock { $0 = outer } }
        let result = try body()
        let recorded = sent.withLock { $0 ?? [] }
        return (result, recorded)
    }
}
