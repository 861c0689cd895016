// The columns a load left unread (the script does not use them, or not yet), read from the
// file's mapping (or from the database the table is in) the first time a statement needs them.
import Synchronization

/// Where the unread columns of a table that is not a CSV file come from: a database table read
/// column by column. Every read gives the same rows in the same order.
public protocol ColumnSource: Sendable {
    /// The columns named (each of the table's), read in one go.
    func read(_ names: [String]) throws(CSVError) -> [String: Column]
}

/// Unread columns of one loaded table, shared by every copy of it. The load decided their
/// types (every value was checked) and every file-wide matter (header, decimal mark, date
/// order, time column), so reading one later gives the column the whole load would have.
public final class UnreadColumns: Sendable {
    /// Names and types of the columns left unread at load, in file order.
    public let names: [String]
    public let types: [String: ColumnType]
    /// Where the columns come from when not from a CSV file.
    public let source: (any ColumnSource)?
    private let state: Mutex<State>

    private struct State: @unchecked Sendable {
        // The chunks and the mapping are only touched under the mutex.
        var assembly: CSVAssembly?
        let reader: CSVFileReader?
        let indices: [String: Int]
        var read: [String: Column] = [:]
        var failure: CSVError?
        var failureTaken = false
        var companions: Set<String> = []
        var warnings: [CSVWarning] = []
    }

    init(names: [String], types: [String: ColumnType], indices: [String: Int], assembly: CSVAssembly, reader: CSVFileReader) {
        self.names = names
        self.types = types
        self.source = nil
        state = Mutex(State(assembly: assembly, reader: reader, indices: indices))
    }

    /// Columns of a table read from `source` when first needed (a database table's).
    public init(names: [String], types: [String: ColumnType], source: any ColumnSource) {
        self.names = names
        self.types = types
        self.source = source
        var indices: [String: Int] = [:]
        for (i, name) in names.enumerated() { indices[name] = i }
        state = Mutex(State(assembly: nil, reader: nil, indices: indices))
    }

    /// Whether the column has been read (a later need costs nothing).
    public func isRead(_ name: String) -> Bool {
        state.withLock { $0.read[name] != nil }
    }

    /// Names read along with any column a statement needs (see `columns`).
    public func readAlong(_ names: Set<String>) {
        state.withLock { $0.companions = names }
    }

    /// `failure`, the first time it is asked for after it happened.
    public func takeNewFailure() -> CSVError? {
        state.withLock { state in
            guard !state.failureTaken, let failure = state.failure else { return nil }
            state.failureTaken = true
            return failure
        }
    }

    /// Warnings from reading columns (text that is not UTF-8), taken once.
    public func takeWarnings() -> [CSVWarning] {
        state.withLock { state in
            defer { state.warnings = [] }
            return state.warnings
        }
    }

    /// `columns`, or for each that cannot be read (the file changed: `failure` says so, and
    /// the statement that needed it fails on it), a column of nulls.
    func columnsOrNulls(_ wanted: [String], rows: Int) -> [String: Column] {
        if let read = try? columns(wanted) { return read }
        // Nobody was told: the statement's check after it runs is.
        state.withLock { $0.failureTaken = false }
        var out: [String: Column] = [:]
        for name in wanted where types[name] != nil {
            out[name] = Column(name: name, storage: .text(codes: TextCodes(repeating: 0, count: rows), dictionary: [""]),
                               validity: Validity(count: rows, allValid: false))
        }
        return out
    }

    /// The columns among `wanted` (unread ones; others are ignored), reading those not read yet
    /// in one pass over the file. Throws when the file changed since it was loaded.
    public func columns(_ wanted: some Sequence<String>) throws(CSVError) -> [String: Column] {
        let wantedNames = Set(wanted)
        let result: Result<[String: Column], CSVError> = state.withLock { state in
            var missing: [Int] = []
            var out: [String: Column] = [:]
            for name in wantedNames.sorted() {
                if let column = state.read[name] { out[name] = column; continue }
                if let index = state.indices[name], !missing.contains(index) { missing.append(index) }
            }
            guard !missing.isEmpty else { return .success(out) }
            if let failure = state.failure, source == nil {
                state.failureTaken = true
                return .failure(failure)
            }
            if let source {
                for name in state.companions where state.read[name] == nil && state.indices[name] != nil && !missing.contains(state.indices[name] ?? 0) {
                    missing.append(state.indices[name] ?? 0)
                }
                do throws(CSVError) {
                    let read = try source.read(missing.sorted().map { names[$0] })
                    for (name, column) in read {
                        state.read[name] = column
                        if wantedNames.contains(name) { out[name] = column }
                    }
                    state.failure = nil
                    return .success(out)
                } catch {
                    // Said once, like a file's; a database error is not the table's end: the
                    // next statement asks again.
                    state.failure = error
                    state.failureTaken = true
                    return .failure(error)
                }
            }
            guard let reader = state.reader, var assembly = state.assembly, reader.mapping?.isUnchanged == true else {
                let names = missing.map { self.names.indices.contains($0) ? self.names[$0] : "?" }
                let which = names.count == 1 ? "column \(names[0]) had" : "columns \(CSVFileReader.sample(names)) had"
                let path = state.reader?.path ?? ""
                let failure = CSVError(kind: .unreadable, path: path,
                                       message: "\(path) changed since it was loaded (its \(which) not been read yet); load it again")
                state.failure = failure
                state.failureTaken = true
                return .failure(failure)
            }
            state.assembly = nil
            // A pass over the file reads the companions too: the columns the session is likely
            // to need next, so that a statement's plans do not take one pass each.
            for name in state.companions {
                if state.read[name] == nil, let index = state.indices[name], !missing.contains(index) { missing.append(index) }
            }
            missing.sort()
            do throws(CSVError) {
                defer { state.assembly = assembly }
                let (columns, notUTF8) = try assembly.readUnread(missing, reader: reader)
                for (index, var column) in zip(missing, columns) {
                    if notUTF8.contains(index), let decoded = CSVEncoding.windows1252Column(column) {
                        column = decoded
                        state.warnings.append(CSVWarning(column: column.name, message: "column \(column.name) holds text that is not UTF-8; "
                            + "it is read as Windows-1252 (Western European), a guess: if its text looks wrong, save the file as UTF-8"))
                    }
                    state.read[column.name] = column
                    out[column.name] = column
                }
                return .success(out)
            } catch {
                state.failure = error
                state.failureTaken = true
                return .failure(error)
            }
        }
        return try result.get()
    }
}
