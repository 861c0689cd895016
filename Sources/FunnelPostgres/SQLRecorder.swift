#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The SQL sent to databases while `explain sql` records it (every connection reports here).
/// Per thread: a statement's queries are sent from the thread that runs it, and two sessions
/// in one process (the tests) must not see each other's.
public final class SQLRecorder: Sendable {
    public static let shared = SQLRecorder()
    private let sent = Mutex<[UInt: [String]]>([:])

    private static var thread: UInt {
        #if canImport(Glibc)
        UInt(pthread_self())
        #else
        UInt(bitPattern: pthread_self())
        #endif
    }

    func note(_ sql: String) {
        let thread = Self.thread
        sent.withLock { sent in sent[thread]?.append(sql) }
    }

    /// Runs `body`, and gives back the SQL this thread sent meanwhile.
    public func recording<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> (T, [String]) {
        let thread = Self.thread
        let outer = sent.withLock { sent -> [String]? in
            defer { sent[thread] = [] }
            return sent[thread]
        }
        defer { sent.withLock { $0[thread] = outer } }
        let result = try body()
        let recorded = sent.withLock { $0[thread] ?? [] }
        return (result, recorded)
    }
}
