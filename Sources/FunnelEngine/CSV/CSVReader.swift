// The CSV reader's public face: options, warnings, errors, and the load/parse entry points.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How to read `01/02/2025`: the 1st of February (day first) or the 2nd of January.
public enum DateOrder: String, Sendable {
    case dayFirst, monthFirst
    /// `yy.mm.dd` (and `yy-mm-dd`, `yy/mm/dd`): a two-digit year first.
    case shortYearFirst
}

public struct CSVOptions: Sendable {
    /// nil = sniff among `,` `;` tab `|`.
    public var delimiter: UInt8? = nil
    /// nil = decide from the data (and warn when nothing decides it).
    public var dateOrder: DateOrder? = nil
    /// `dates "yyyymmdd"` and other explicit patterns: columns whose every value follows it are dates.
    public var datePattern: CSVDatePattern? = nil
    /// Forced types by column name (after header clean-up: trimmed, de-duplicated).
    public var columnTypes: [String: ColumnType] = [:]
    /// The column `by month` and friends use; nil = the only date/timestamp column, if one.
    public var timeColumn: String? = nil
    /// nil = sniff (only when the delimiter is `;`).
    public var decimalComma: Bool? = nil
    /// Whether the first record is the header; nil = detect it (it is data when every column of
    /// numbers, dates or booleans has a value of its type there, as DuckDB's sniffer decides).
    public var header: Bool? = nil
    /// Whether `"` quotes fields; nil = yes, unless the file's quotes are clearly not CSV
    /// quoting (they would join lines into one row while every line alone has the header's
    /// field count), which the load then says.
    public var quoting: Bool? = nil
    /// Polled while loading; when it returns true the load throws `.cancelled`.
    public var isCancelled: (@Sendable () -> Bool)? = nil
    /// The columns to read now; nil = all. The others' types are decided all the same (every
    /// value checked), but their values are read only when a statement first needs them
    /// (`Table.readColumns`). A column that the file-wide decisions depend on is read anyway.
    public var columnsToRead: Set<String>? = nil

    public init() {}
}

/// Something an analyst should know about a loaded file that did not stop the load.
public struct CSVWarning: Sendable, Equatable {
    /// 1-based physical line of the file (the header is line 1), when one line is meant.
    public var row: Int?
    public var column: String?
    public var message: String

    public init(row: Int? = nil, column: String? = nil, message: String) {
        self.row = row
        self.column = column
        self.message = message
    }
}

public struct CSVError: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case fileNotFound, unreadable, malformed, cancelled
    }

    public var kind: Kind
    public var path: String
    /// 1-based physical line of the file (the header is line 1).
    public var row: Int?
    /// 1-based field position.
    public var column: Int?
    public var message: String

    public init(kind: Kind, path: String, row: Int? = nil, column: Int? = nil, message: String) {
        self.kind = kind
        self.path = path
        self.row = row
        self.column = column
        self.message = message
    }
}

public struct LoadedTable: Sendable {
    public var table: Table
    public var warnings: [CSVWarning]
    /// The delimiter used (given or sniffed).
    public var delimiter: UInt8
    /// "utf-8", "windows-1252", "utf-16le" or "utf-16be".
    public var encoding: String

    public init(table: Table, warnings: [CSVWarning], delimiter: UInt8, encoding: String) {
        self.table = table
        self.warnings = warnings
        self.delimiter = delimiter
        self.encoding = encoding
    }
}

/// Reads CSV exports into typed tables.
///
/// What it decides for the analyst (each can be overridden in `CSVOptions` where it matters):
/// - Encoding: UTF-8 (a BOM is dropped); bytes that are not UTF-8 are read as Windows-1252;
///   UTF-16 with a BOM is decoded. Stray NUL bytes are removed with a warning; a file full of
///   them (a binary file) is an error.
/// - Structure: delimiter sniffed among `,` `;` tab `|`; RFC 4180 quotes, forgiving spaces
///   before an opening quote and text after a closing one; LF, CRLF and lone CR line ends.
///   The first non-blank line is the header; blank lines are skipped. Short rows get nulls
///   and one summary warning; a row with extra non-empty fields is an error (empty trailing
///   fields are ignored with a warning).
/// - Values: empty or blank fields are null; text is kept exactly as written. Each column is
///   typed from all of its values: integer, decimal, boolean (true/false, yes/no), date,
///   timestamp (converted to UTC when it has a zone), else text. dd/mm vs mm/dd is decided
///   from the data, and decimal commas are recognised in `;` files.
/// - Rows and columns in errors and warnings are 1-based physical lines and field positions.
///
/// Large files are parsed in parallel chunks and never need the whole file in memory at once.
public enum CSVReader {
    /// Reads a CSV file into a typed table (see `CSVOptions` for what is sniffed).
    public static func load(path: String, name: String, options: CSVOptions = CSVOptions()) throws(CSVError)
        -> LoadedTable {
        try load(path: path, name: name, options: options, chunkCount: nil)
    }

    /// Reads CSV bytes already in memory; `path` is only used in messages.
    public static func parse(bytes: [UInt8], path: String, name: String, options: CSVOptions = CSVOptions())
        throws(CSVError) -> LoadedTable {
        try parse(bytes: bytes, path: path, name: name, options: options, chunkCount: nil)
    }

    /// `chunkCount` forces how many parallel chunks are parsed (tests, Fuzz/); nil = by size and cores.
    public static func parse(bytes: [UInt8], path: String, name: String, options: CSVOptions, chunkCount: Int?)
        throws(CSVError) -> LoadedTable {
        let result: Result<LoadedTable, CSVError> = bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, buffer.count > 0 else {
                return .failure(CSVError(kind: .malformed, path: path, row: 1, message: "the file is empty"))
            }
            do throws(CSVError) {
                var reader = CSVFileReader(path: path, name: name, options: options, chunkCount: chunkCount)
                return .success(try reader.read(base, count: buffer.count))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    static func load(path: String, name: String, options: CSVOptions, chunkCount: Int?) throws(CSVError)
        -> LoadedTable {
        // Non-blocking: opening a pipe with no writer must not wait forever (it is refused below).
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                throw CSVError(kind: .fileNotFound, path: path, message: "there is no file at \(path)")
            }
            throw CSVError(kind: .unreadable, path: path, message: "cannot open \(path): \(describe(errno: code))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw CSVError(kind: .unreadable, path: path, message: "cannot read \(path): \(describe(errno: errno))")
        }
        let mode = info.st_mode & S_IFMT
        if mode == S_IFDIR {
            throw CSVError(kind: .unreadable, path: path, message: "\(path) is a folder, not a CSV file")
        }
        // Devices (`/dev/zero`, `/dev/urandom`) and pipes never end, or end where nobody can
        // tell: only a regular file is read.
        if mode != S_IFREG {
            let kind = mode == S_IFCHR || mode == S_IFBLK ? "a device" : mode == S_IFIFO ? "a pipe" : mode == S_IFSOCK ? "a socket" : "not a regular file"
            throw CSVError(kind: .unreadable, path: path, message: "\(path) is \(kind), not a CSV file")
        }
        var reader = CSVFileReader(path: path, name: name, options: options, chunkCount: chunkCount)
        let size = Int(info.st_size)
        if size == 0 {
            throw CSVError(kind: .malformed, path: path, row: 1, message: "the file is empty")
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw CSVError(kind: .unreadable, path: path, message: "cannot read \(path): \(describe(errno: errno))")
        }
        // Owned by the mapping from here: a table with unread columns keeps it.
        reader.mapping = CSVMapping(base: mapped.assumingMemoryBound(to: UInt8.self), size: size, path: path, info: info)
        reader.mapped = true
        return try reader.read(mapped.assumingMemoryBound(to: UInt8.self), count: size)
    }

    private static func describe(errno code: Int32) -> String {
        switch code {
        case EACCES, EPERM: return "permission denied"
        case EISDIR: return "it is a folder"
        default:
            guard let text = strerror(code) else { return "error \(code)" }
            return String(cString: text)
        }
    }
}

/// A CSV file mapped into memory: kept by a table whose columns are read later, unmapped when
/// the last such table is gone. No descriptor is kept (a script may load thousands of files).
final class CSVMapping: @unchecked Sendable {
    // Immutable after init; the pages are only read.
    let base: UnsafePointer<UInt8>
    let size: Int
    private let path: String
    private let loaded: stat

    init(base: UnsafePointer<UInt8>, size: Int, path: String, info: stat) {
        self.base = base
        self.size = size
        self.path = path
        loaded = info
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), size)
    }

    /// Whether the file at the path is still the one loaded, as it was (written to since, the
    /// mapping's pages would hold other rows, or none: a shorter file would fault on reading;
    /// replaced, it is not the file the table came from).
    var isUnchanged: Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return info.st_dev == loaded.st_dev && info.st_ino == loaded.st_ino && info.st_size == loaded.st_size
            && info.st_mtim.tv_sec == loaded.st_mtim.tv_sec && info.st_mtim.tv_nsec == loaded.st_mtim.tv_nsec
    }
}
