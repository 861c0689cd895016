// Parses one byte range of a CSV file into typed, per-column buffers, inferring types as it goes.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// What a column builder currently holds. Types only widen (integer → decimal, date →
/// timestamp); any other change makes the column `deferred`: it is read again as text later.
enum CSVBuilderKind: UInt8 {
    case empty, integer, decimal, boolean, date, timestamp, text, deferred

    init(_ type: ColumnType) {
        switch type {
        case .integer: self = .integer
        case .decimal: self = .decimal
        case .boolean: self = .boolean
        case .date: self = .date
        case .timestamp: self = .timestamp
        case .text: self = .text
        }
    }

    /// log2 of the bytes per value.
    var elementShift: Int {
        switch self {
        case .integer, .decimal, .timestamp: return 3
        case .date, .text: return 2
        case .boolean, .empty, .deferred: return 0
        }
    }

    var columnType: ColumnType {
        switch self {
        case .integer: return .integer
        case .decimal: return .decimal
        case .boolean: return .boolean
        case .date: return .date
        case .timestamp: return .timestamp
        case .text, .empty, .deferred: return .text
        }
    }
}

/// A text field waiting to be added to its column's dictionary: bytes at `offset` in the
/// input, or (negative offset `-(k + 1)`) at `k` in the chunk's batch arena.
struct CSVTextRef {
    var offset: Int
    var length: UInt32
    var row: UInt32
}

/// The Swift array a column's values are written into (through `base`), so that the first
/// chunk's values become the table's column without a copy. `storage` holds `capacity`
/// elements; those past the rows written are garbage until the column is trimmed.
final class CSVArrayBox {
    let kind: CSVBuilderKind
    let base: UnsafeMutableRawPointer
    let capacity: Int
    private var storage: ColumnStorage?

    init(kind: CSVBuilderKind, capacity: Int) {
        let n = max(capacity, 1)
        self.kind = kind
        self.capacity = n
        var base: UnsafeMutableRawPointer?
        func make<T: BitwiseCopyable>(_: T.Type) -> [T] {
            [T](unsafeUninitializedCapacity: n) { buffer, count in
                base = UnsafeMutableRawPointer(buffer.baseAddress)
                count = n
            }
        }
        switch kind {
        case .integer: storage = .integer(.int64(make(Int64.self)))
        case .decimal: storage = .decimal(make(Double.self))
        case .boolean: storage = .boolean(make(Bool.self))
        case .date: storage = .date(make(Int32.self))
        case .timestamp: storage = .timestamp(.int64(make(Int64.self)))
        case .text, .empty, .deferred: storage = .text(codes: .words(make(Int32.self)), dictionary: [])
        }
        guard let base else { fatalError("out of memory while reading a CSV file") }
        self.base = base
    }

    /// Hands the array over (uniquely referenced, so later mutation does not copy it).
    func take() -> ColumnStorage? {
        defer { storage = nil }
        return storage
    }
}

/// One column of one chunk: a value slot per row (0 in null slots) and the null rows.
struct CSVColumnBuilder {
    var kind: CSVBuilderKind = .empty
    /// The type comes from an override: values that do not parse are errors, not widening.
    var forced = false
    var values: UnsafeMutableRawPointer?
    /// When set, `values` is this array's storage (not malloc'd).
    var box: CSVArrayBox?
    /// Bit r set = chunk-local row r is null; sized with the chunk's row capacity.
    var nullBits: UnsafeMutablePointer<UInt64>?
    var nullCount = 0
    /// Rows whose date is dd/mm vs mm/dd and still packed (see `CSVTemporalValue.pending`).
    var pending = RawBuffer<UInt32>()
    /// Set whenever `kind` is `.text`.
    var dict: CSVTextDictionary?
    /// Text codes are stored `1 << codeShift` bytes wide: one byte while the chunk has at most
    /// 256 distinct values, two up to 65,536, then four (the buffer has room for four). A column
    /// of few values so never holds four bytes per row, not even while the file is read.
    var codeShift = 0
    /// Whole numbers are stored `1 << intShift` bytes wide, from one byte up to eight as values
    /// need (the buffer has room for eight): a column of scores or head counts stays narrow.
    var intShift = 0
    /// Text fields not yet in `dict` (interned in batches so that cache misses overlap).
    var batch = RawBuffer<CSVTextRef>()
    /// The dictionary was sized for the whole chunk (values look mostly distinct).
    var presized = false
    /// Few distinct values so far: intern each field at once (the table sits in the cache);
    /// otherwise queue fields and intern them in batches.
    var direct = true
    /// Numbers written with a decimal comma / a decimal point (for decimal-comma sniffing).
    var sawComma = false
    var sawPoint = false
    /// Bit 0: a date had its first part above 12; bit 1: its second part.
    var evidence: UInt8 = 0
    /// A column the load does not keep met text (or was said to be text): it is left
    /// `deferred`, never stored, and read only if a statement needs it later.
    var unreadText = false
    /// Becomes text at its first value, whatever the value looks like (a column read again
    /// after the load decided it is text).
    var textFromFirstValue = false
    /// The load does not keep this column: its values are parsed only for their type.
    var unread = false
    /// An unread column met a date that is dd/mm or mm/dd (see `CSVTemporalValue.pending`).
    var pendingSeen = false
    /// For an unread text column: its first distinct values in this chunk, up to the first
    /// that cannot be a value written for people (then the screen stops), or eight of them.
    var firstValues: [String] = []
    var screenedCount = 0
    var screening = false

    /// Frees the values and everything about them, but keeps the null bitmap's memory.
    mutating func releaseValues() {
        if box == nil { free(values) }
        box = nil
        values = nil
        pending.release()
        dict?.release()
        dict = nil
        codeShift = 0
        intShift = 0
        batch.release()
        sawComma = false
        sawPoint = false
        evidence = 0
        pendingSeen = false
    }

    mutating func releaseAll() {
        releaseValues()
        free(nullBits)
        nullBits = nil
        nullCount = 0
    }

    /// Whether chunk-local row `r` is null.
    @inline(__always)
    func isNull(_ r: Int) -> Bool {
        guard let bits = nullBits else { return false }
        return bits[r >> 6] & (1 << UInt64(r & 63)) != 0
    }
}

/// Read-only parse settings shared by all chunks.
struct CSVParseSettings: Sendable {
    let delimiter: UInt8
    let separator: CSVNumber.Separator
    let dateOrder: CSVTemporal.Order
    let forced: [ColumnType?]
    let isCancelled: (@Sendable () -> Bool)?
    /// Whether `"` quotes fields (off for a file whose quotes are ordinary characters).
    var quoting = true
    /// Whether `\"` inside a quoted field is a quote.
    var backslashEscapes = false
    /// The quote character (`"`, or `'` in a file that quotes with it).
    var quote = CSVByte.quote
    /// Per column: true when the load does not keep its values (see `CSVChunk.unread`).
    var unread: [Bool] = []
    var columnCount: Int { forced.count }
}

enum CSVChunkFailure {
    /// A record with more (non-empty) fields than the header. Lines are chunk-local.
    case extraFields(line: Int, fields: Int)
    case unterminatedQuote(line: Int, column: Int)
    /// A value that does not parse under an overridden type; `column` is 0-based.
    case badValue(line: Int, column: Int, value: String)
    /// Text values of one chunk add up to more than 4 GiB.
    case tooLarge
    /// A text value is not valid UTF-8 or holds a NUL byte: the file must be decoded first.
    case needsDecoding
    case cancelled
}

/// Parses the records that start in `start..<limit` (the last one may run past `limit`).
final class CSVChunk {
    let data: UnsafePointer<UInt8>
    let dataEnd: Int
    let settings: CSVParseSettings
    let limit: Int
    /// The input is a file mapping: pages already parsed are handed back to the kernel (they
    /// can be read again from the page cache), so the whole file is never resident at once.
    let releaseBehind: Bool
    private(set) var start: Int
    /// Where parsing stopped: the start of the first record at or after `limit`.
    private(set) var end = 0
    /// Line breaks consumed between `start` and `end`.
    private(set) var lines = 0
    private(set) var rowCount = 0
    private var rowCapacity = 0
    private let estimatedRows: Int
    /// Values go into Swift arrays (the first chunk: its arrays become the columns), sized
    /// for `reserveRows` so that later chunks' rows fit behind without reallocating.
    let boxed: Bool
    private let reserveRows: Int
    let cols: UnsafeMutablePointer<CSVColumnBuilder>
    /// Per column, the fields the main loop steps over without a call (see `notePassedOver`).
    /// Refreshed once per batch; a column only ever enters these states, so a stale value costs
    /// a call and nothing else.
    private let passOver: UnsafeMutablePointer<UInt8>
    /// Columns whose values are checked for their type but whose text is not kept (the
    /// script does not read them); empty = none.
    var unread: [Bool] = []
    private(set) var failure: CSVChunkFailure?
    /// Rows with fewer fields than the header (filled with nulls), and the first one's line.
    private(set) var shortRows = 0
    private(set) var firstShortLine = 0
    /// Quotes inside quoted fields that were neither doubled nor closing (read as part of the
    /// value, or the field closed before text that was kept), and the first one's line.
    private(set) var strayQuotes = 0
    private(set) var firstStrayQuoteLine = 0
    /// Rows with empty fields after the last column (ignored), and the first one's line.
    private(set) var paddedRows = 0
    private(set) var firstPaddedLine = 0
    /// Text fields that had to be unescaped, kept until the next batch flush.
    private var batchArena = RawBuffer<UInt8>()
    private var batchHashes = RawBuffer<UInt32>()
    /// Folds in prefetching loads so that they are not optimised away.
    private(set) var touchSink: UInt64 = 0
    private static let batchRows = 1024

    init(data: UnsafePointer<UInt8>, dataEnd: Int, start: Int, limit: Int, estimatedRows: Int,
         settings: CSVParseSettings, releaseBehind: Bool = false, boxed: Bool = false, reserveRows: Int = 0) {
        self.releaseBehind = releaseBehind
        self.boxed = boxed
        self.reserveRows = reserveRows
        self.data = data
        self.dataEnd = dataEnd
        self.start = start
        self.limit = limit
        self.estimatedRows = max(estimatedRows, 16)
        self.settings = settings
        cols = UnsafeMutablePointer<CSVColumnBuilder>.allocate(capacity: max(settings.columnCount, 1))
        cols.initialize(repeating: CSVColumnBuilder(), count: max(settings.columnCount, 1))
        passOver = UnsafeMutablePointer<UInt8>.allocate(capacity: max(settings.columnCount, 1))
        passOver.initialize(repeating: 0, count: max(settings.columnCount, 1))
        unread = settings.unread
        prepareBuilders()
    }

    deinit {
        for c in 0..<max(settings.columnCount, 1) { cols[c].releaseAll() }
        cols.deinitialize(count: max(settings.columnCount, 1))
        cols.deallocate()
        passOver.deallocate()
        batchArena.release()
        batchHashes.release()
    }

    private func prepareBuilders() {
        rowCapacity = boxed ? max(estimatedRows, reserveRows) : estimatedRows
        let words = (rowCapacity + 63) >> 6
        for c in 0..<settings.columnCount {
            cols[c].releaseAll()
            cols[c] = CSVColumnBuilder()
            guard let bits = calloc(words, 8) else { fatalError("out of memory while reading a CSV file") }
            cols[c].nullBits = bits.assumingMemoryBound(to: UInt64.self)
            cols[c].unread = isUnread(c)
            if let type = settings.forced[c] {
                cols[c].forced = true
                if type == .text && isUnread(c) {
                    cols[c].kind = .deferred
                    cols[c].unreadText = true
                } else if isUnread(c) {
                    cols[c].kind = CSVBuilderKind(type)
                } else {
                    become(cols + c, CSVBuilderKind(type), rows: 0)
                }
            }
        }
    }

    /// A tokenizer at the chunk's start, with the file's dialect.
    private func tokenizer() -> CSVTokenizer {
        var tok = CSVTokenizer(data: data, end: dataEnd, delimiter: settings.delimiter, pos: start, quoting: settings.quoting)
        tok.backslashEscapes = settings.backslashEscapes
        tok.quote = settings.quote
        return tok
    }

    @inline(__always)
    private func isUnread(_ c: Int) -> Bool { c < unread.count && unread[c] }

    /// Makes an empty builder text from row `row`; false (the column left `deferred`) when the
    /// load does not keep the column's text.
    private func becomeText(_ b: UnsafeMutablePointer<CSVColumnBuilder>, rows: Int) -> Bool {
        if isUnread(b - cols) {
            b.pointee.kind = .deferred
            b.pointee.unreadText = true
            b.pointee.screening = true
            return false
        }
        become(b, .text, rows: rows)
        return true
    }

    /// How many chunks were parsed again because their guessed start was wrong (for tests).
    static let restarts = Atomic<Int>(0)

    /// Parses again from another start (when the guessed start was inside a quoted field).
    func restart(at newStart: Int) {
        CSVChunk.restarts.add(1, ordering: .relaxed)
        start = newStart
        end = 0
        lines = 0
        rowCount = 0
        failure = nil
        shortRows = 0
        paddedRows = 0
        prepareBuilders()
        parse()
    }

    // MARK: - The main loop

    func parse() {
        var tok = tokenizer()
        defer { tok.release() }
        let cols = self.cols
        let passOver = self.passOver
        notePassedOver()
        let ncols = settings.columnCount
        let limit = self.limit
        var row = 0
        var capacity = rowCapacity
        var nextCheck = 65_536
        var released = start
        while tok.pos < limit {
            if tok.skipBlankLine() { continue }
            if row == capacity {
                growRows(to: capacity * 2)
                capacity = rowCapacity
            }
            if row == nextCheck {
                nextCheck += 65_536
                if let cancelled = settings.isCancelled, cancelled() {
                    finish(tok, rows: row, failure: .cancelled)
                    return
                }
            }
            let recordLine = tok.line
            var col = 0
            var extraText = false
            var extraEmpty = false
            while true {
                tok.next()
                if col < ncols {
                    if passOver[col] == 1 || (passOver[col] == 2 && tok.fieldLen == 0) {
                        // Nothing to keep or look at.
                    } else if !(passOver[col] == 3 ? follow(cols + col, tok.fieldPtr, tok.fieldLen)
                                                   : store(cols + col, tok.fieldPtr, tok.fieldLen, row: row)) {
                        let value = String(decoding: UnsafeBufferPointer(start: tok.fieldPtr, count: tok.fieldLen),
                                           as: UTF8.self)
                        finish(tok, rows: row, failure: .badValue(line: recordLine, column: col, value: value))
                        return
                    }
                } else if CSVChunk.isBlank(tok.fieldPtr, tok.fieldLen) {
                    extraEmpty = true
                } else {
                    extraText = true
                }
                col += 1
                if tok.term != 0 {
                    if tok.unterminatedLine >= 0 {
                        finish(tok, rows: row, failure: .unterminatedQuote(line: tok.unterminatedLine, column: col))
                        return
                    }
                    break
                }
            }
            if extraText {
                finish(tok, rows: row, failure: .extraFields(line: recordLine, fields: col))
                return
            }
            if col < ncols {
                for c in col..<ncols { storeNull(cols + c, row) }
                if shortRows == 0 { firstShortLine = recordLine }
                shortRows += 1
            }
            if extraEmpty {
                if paddedRows == 0 { firstPaddedLine = recordLine }
                paddedRows += 1
            }
            row += 1
            if row & (CSVChunk.batchRows - 1) == 0 {
                if flushText(rows: row) {
                    finish(tok, rows: row, failure: .needsDecoding)
                    return
                }
                notePassedOver()
                if releaseBehind && tok.pos - released >= 1 << 20 {
                    releaseInput(from: released, to: tok.pos)
                    released = tok.pos
                }
            }
        }
        flushText(rows: row)
        if releaseBehind { releaseInput(from: released, to: tok.pos) }
        let overflowed = (0..<ncols).contains { cols[$0].dict?.overflowed == true }
        finish(tok, rows: row, failure: overflowed ? .tooLarge : nil)
    }

    /// Marks the columns whose fields `store` would step over (see `passOver`): 1 every field,
    /// 2 the empty ones; 3 those of an unread column, whose type `follow` keeps track of (its
    /// values and nulls are found again when it is read).
    private func notePassedOver() {
        for c in 0..<settings.columnCount {
            passOver[c] = cols[c].kind == .deferred && !cols[c].screening ? 1 : cols[c].unread ? 3 : 0
        }
    }

    /// Drops the whole pages inside `data[from..<to]` from this process's memory.
    private func releaseInput(from: Int, to: Int) {
        CSVChunk.releasePages(data + from, count: to - from)
    }

    /// Hands the whole pages inside a read-only private file mapping back to the kernel; they
    /// are read again from the page cache if touched later. Never use on anonymous memory.
    static func releasePages(_ p: UnsafePointer<UInt8>, count: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard page > 0, count > 0 else { return }
        let lo = (Int(bitPattern: p) + page - 1) / page * page
        let hi = Int(bitPattern: p + count) / page * page
        if hi > lo, let start = UnsafeMutableRawPointer(bitPattern: lo) {
            _ = madvise(start, hi - lo, MADV_DONTNEED)
        }
    }

    private func finish(_ tok: CSVTokenizer, rows: Int, failure: CSVChunkFailure?) {
        rowCount = rows
        end = tok.pos
        lines = tok.line
        strayQuotes = tok.strayQuotes
        firstStrayQuoteLine = tok.firstStrayQuoteLine
        self.failure = failure
    }

    @inline(__always)
    static func isBlank(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var i = 0
        while i < n {
            if p[i] != CSVByte.space && p[i] != CSVByte.tab { return false }
            i += 1
        }
        return true
    }

    /// Stores one field; false when it does not parse under a forced type.
    @inline(__always)
    private func store(_ b: UnsafeMutablePointer<CSVColumnBuilder>, _ p0: UnsafePointer<UInt8>, _ n0: Int,
                       row: Int) -> Bool {
        var p = p0
        var n = n0
        if n == 0 {
            storeNull(b, row)
            return true
        }
        if b.pointee.kind == .deferred {
            // Read again later (or never): only an unread column's first values are looked at.
            if b.pointee.screening { screen(b, p0, n0) }
            return true
        }
        if p[0] <= 0x20 || p[n - 1] <= 0x20 {
            while n > 0 && (p[0] == CSVByte.space || p[0] == CSVByte.tab) {
                p += 1
                n -= 1
            }
            while n > 0 && (p[n - 1] == CSVByte.space || p[n - 1] == CSVByte.tab) { n -= 1 }
            if n == 0 {
                storeNull(b, row)
                return true
            }
        }
        switch b.pointee.kind {
        case .integer:
            if let v = CSVNumber.parseInteger(p, n), b.pointee.forced || !CSVNumber.isCode(p, n) {
                CSVChunk.storeInteger(b, v, row: row)
                return true
            }
        case .text:
            if b.pointee.direct {
                let code = b.pointee.dict?.intern(p0, n0) ?? 0
                CSVChunk.storeCode(b, code, row: row, rowsSoFar: row)
            } else {
                queueText(b, p0, n0, row)
            }
            return true
        case .timestamp:
            let t = CSVTemporal.parseISO(p, n, order: settings.dateOrder)
            if t.kind != .invalid {
                storeTimestamp(b, t, row)
                return true
            }
        case .decimal:
            var used: UInt8 = 0
            if let v = CSVNumber.parseDecimal(p, n, settings.separator, used: &used), b.pointee.forced || !CSVNumber.isCode(p, n) {
                storeDecimal(b, v, used, row)
                return true
            }
        case .date:
            let t = CSVTemporal.parseISO(p, n, order: settings.dateOrder)
            if t.kind == .date || (t.kind == .timestamp && b.pointee.forced) {
                storeDate(b, t, row)
                return true
            }
        case .boolean:
            if let v = CSVNumber.parseBoolean(p, n, digits: b.pointee.forced) {
                b.pointee.values.unsafelyUnwrapped.storeBytes(of: v ? 1 : 0, toByteOffset: row, as: UInt8.self)
                return true
            }
        case .empty:
            first(b, p0, n0, p, n, row)
            if b.pointee.screening { screen(b, p0, n0) }
            return true
        case .deferred:
            return true
        }
        return widen(b, p0, n0, p, n, row)
    }

    /// One field of a column the load does not keep: its type is followed as `store` follows it
    /// (widening, or giving up to text, the same way), with nothing stored: the column is read
    /// again, from the file, if a statement needs it. False when it does not parse under a
    /// forced type.
    private func follow(_ b: UnsafeMutablePointer<CSVColumnBuilder>, _ p0: UnsafePointer<UInt8>, _ n0: Int) -> Bool {
        var p = p0
        var n = n0
        while n > 0 && (p[0] == CSVByte.space || p[0] == CSVByte.tab) {
            p += 1
            n -= 1
        }
        while n > 0 && (p[n - 1] == CSVByte.space || p[n - 1] == CSVByte.tab) { n -= 1 }
        if n == 0 { return true }
        let forced = b.pointee.forced
        var used: UInt8 = 0
        switch b.pointee.kind {
        case .empty:
            followFirst(b, p0, n0, p, n)
            if b.pointee.screening { screen(b, p0, n0) }
            return true
        case .deferred:
            if b.pointee.screening { screen(b, p0, n0) }
            return true
        case .text:
            return true
        case .integer:
            if CSVNumber.parseInteger(p, n) != nil, forced || !CSVNumber.isCode(p, n) { return true }
            if !forced, !CSVNumber.isCode(p, n), CSVNumber.parseDecimal(p, n, settings.separator, used: &used) != nil {
                b.pointee.kind = .decimal
                noteSeparator(b, used)
                return true
            }
        case .decimal:
            if CSVNumber.parseDecimal(p, n, settings.separator, used: &used) != nil, forced || !CSVNumber.isCode(p, n) {
                noteSeparator(b, used)
                return true
            }
        case .timestamp:
            let t = CSVTemporal.parseISO(p, n, order: settings.dateOrder)
            if t.kind != .invalid {
                noteTemporal(b, t)
                return true
            }
        case .date:
            let t = CSVTemporal.parseISO(p, n, order: settings.dateOrder)
            if t.kind == .date || (t.kind == .timestamp && forced) {
                noteTemporal(b, t)
                return true
            }
            if t.kind == .timestamp {
                b.pointee.kind = .timestamp
                noteTemporal(b, t)
                return true
            }
        case .boolean:
            if CSVNumber.parseBoolean(p, n, digits: forced) != nil { return true }
        }
        if forced { return false }
        b.pointee.kind = .deferred
        return true
    }

    /// `first` for a column the load does not keep: the type of its first value, nothing stored.
    private func followFirst(_ b: UnsafeMutablePointer<CSVColumnBuilder>, _ p0: UnsafePointer<UInt8>, _ n0: Int,
                             _ p: UnsafePointer<UInt8>, _ n: Int) {
        let kind = firstKind(b, p, n)
        guard kind != .text else {
            _ = becomeText(b, rows: 0)
            return
        }
        b.pointee.kind = kind
        // Followed again under its type, which notes what it tells (a decimal mark, a date order).
        _ = follow(b, p0, n0)
    }

    @inline(__always)
    private func noteSeparator(_ b: UnsafeMutablePointer<CSVColumnBuilder>, _ used: UInt8) {
        if used == CSVByte.comma {
            b.pointee.sawComma = true
        } else if used == CSVByte.point {
            b.pointee.sawPoint = true
        }
    }

    /// What a date or time tells about the file's date order, for an unread column: its
    /// evidence, and whether it is ambiguous (such a column is read before the order is decided).
    @inline(__always)
    private func noteTemporal(_ b: UnsafeMutablePointer<CSVColumnBuilder>, _ t: CSVTemporalValue) {
        b.pointee.evidence |= t.evidence
        if t.pending { b.pointee.pendingSeen = true }
    }

    /// Keeps an unread text column's first distinct values (see `CSVColumnBuilder.firstValues`).
    @inline(never)
    private func screen(_ b: UnsafeMutablePointer<CSVColumnBuilder>, _ p: UnsafePointer<UInt8>, _ n: Int) {
        let raw = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        guard !b.pointee.firstValues.contains(raw) else { return }
        b.pointee.firstValues.append(raw)
        let value = CSVFormattedValues.trimmed(raw)
        if value.isEmpty { return }
        b.pointee.screenedCount += 1
        if !CSVFormattedValues.mayBeWrittenForPeople(value) || b.pointee.screenedCount >= CSVFormattedValues.screenedValues {
            b.pointee.screening = false
        }
    }

    @inline(__always)
    private func queueText(_ b: UnsafeMutablePointer<CSVColumnBuilder>, _ p: UnsafePointer<UInt8>, _ n: Int,
                           _ row: Int) {
        let offset: Int
        if p >= data && p < data + dataEnd {
            offset = p - data
        } else {
            offset = -(batchArena.count + 1)
            batchArena.append(contentsOf: p, count: n)
        }
        b.pointee.batch.append(CSVTextRef(offset: offset, length: UInt32(truncatingIfNeeded: n),
                                          row: UInt32(truncatingIfNeeded: row)))
    }

    /// Adds queued text fields to their dictionaries: hashes first, then one load of each
    /// field's slot (independent loads, so their cache misses overlap), then the inserts.
    /// Also switches columns that turned out to have many distinct values to queueing.
    /// Returns true when some text value seen so far is not clean UTF-8 (stop: decode first).
    @discardableResult
    private func flushText(rows: Int, only columns: [Int]? = nil) -> Bool {
        let arena = batchArena.base
        var dirty = false
        for i in 0..<(columns?.count ?? settings.columnCount) {
            let c = columns?[i] ?? i
            let b = cols + c
            if b.pointee.kind == .text && b.pointee.dict.unsafelyUnwrapped.dirty { dirty = true }
            if b.pointee.direct {
                if b.pointee.kind == .text && b.pointee.dict.unsafelyUnwrapped.count > 4096 { b.pointee.direct = false }
                continue
            }
            let n = b.pointee.batch.count
            if n == 0 { continue }
            guard b.pointee.kind == .text, b.pointee.values != nil else {
                b.pointee.batch.count = 0
                continue
            }
            batchHashes.reserve(n)
            let hashes = batchHashes.base.unsafelyUnwrapped
            let refs = b.pointee.batch.base.unsafelyUnwrapped
            for i in 0..<n {
                let ref = refs[i]
                let p = ref.offset >= 0 ? data + ref.offset : UnsafePointer(arena.unsafelyUnwrapped + (-ref.offset - 1))
                hashes[i] = CSVHash.hash32(p, Int(ref.length))
            }
            // A tight loop of independent loads brings every field's slot into the cache with
            // many misses in flight; the inserts below then mostly hit.
            touchSink ^= b.pointee.dict.unsafelyUnwrapped.touch(hashes, n)
            for i in 0..<n {
                let ref = refs[i]
                let p = ref.offset >= 0 ? data + ref.offset : UnsafePointer(arena.unsafelyUnwrapped + (-ref.offset - 1))
                let code = b.pointee.dict?.intern(p, Int(ref.length), hash: hashes[i]) ?? 0
                // Null rows of this batch are already stored, so widening covers every row so far.
                CSVChunk.storeCode(b, code, row: Int(ref.row), rowsSoFar: rows)
            }
            b.pointee.batch.count = 0
            // A column of mostly distinct values (ids, e-mails) gets its table sized for the
            // whole chunk at once instead of growing (and rehashing) step by step.
            if !b.pointee.presized && rows >= 16 * CSVChunk.batchRows {
                b.pointee.presized = true
                let distinct = b.pointee.dict.unsafelyUnwrapped.count
                if distinct * 2 >= rows {
                    b.pointee.dict?.reserve(Int(Double(distinct) * Double(estimatedRows) / Double(rows)) + 1024)
                }
            }
        }
        batchArena.count = 0
        return dirty
    }

    @inline(__always)
    private func storeDecimal(_ b: UnsafeMutablePointer<CSVColumnBuilder>, _ v: Double, _ used: UInt8, _ row: Int) {
        b.pointee.values.unsafelyUnwrapped.storeBytes(of: v, toByteOffset: row &<< 3, as: Double.self)
        noteSeparator(b, used)
    }

    @inline(__always)
    private func storeTimestamp(_ b: UnsafeMutablePointer<CSVColumnBuilder>, _ t: CSVTemporalValue, _ row: Int) {
        // Seconds are whole numbers: four bytes a row while they fit (until 2038), as narrow
        // integers are kept. A pending (still packed) value needs all eight.
        if t.pending {
            if b.pointee.intShift < 3 { CSVChunk.widenIntegers(b, toFit: Int64.max, rows: row) }
            b.pointee.pending.append(UInt32(truncatingIfNeeded: row))
        }
        CSVChunk.storeInteger(b, t.seconds, row: row)
        b.pointee.evidence |= t.evidence
    }

    @inline(__always)
    private func storeDate(_ b: UnsafeMutablePointer<CSVColumnBuilder>, _ t: CSVTemporalValue, _ row: Int) {
        b.pointee.values.unsafelyUnwrapped.storeBytes(of: t.date, toByteOffset: row &<< 2, as: Int32.self)
        if t.pending { b.pointee.pending.append(UInt32(truncatingIfNeeded: row)) }
        b.pointee.evidence |= t.evidence
    }

    @inline(__always)
    private func storeNull(_ b: UnsafeMutablePointer<CSVColumnBuilder>, _ row: Int) {
        // An unread column's nulls are found again when it is read.
        if b.pointee.unread { return }
        switch b.pointee.kind {
        case .deferred:
            return
        case .empty:
            break
        case .boolean:
            b.pointee.values.unsafelyUnwrapped.storeBytes(of: 0, toByteOffset: row, as: UInt8.self)
        case .text:
            CSVChunk.storeCode(b, 0, row: row, rowsSoFar: row)
        case .date:
            b.pointee.values.unsafelyUnwrapped.storeBytes(of: 0, toByteOffset: row &<< 2, as: Int32.self)
        case .integer, .timestamp:
            CSVChunk.storeInteger(b, 0, row: row)
        case .decimal:
            b.pointee.values.unsafelyUnwrapped.storeBytes(of: 0, toByteOffset: row &<< 3, as: Int64.self)
        }
        b.pointee.nullBits.unsafelyUnwrapped[row &>> 6] |= 1 &<< UInt64(row & 63)
        b.pointee.nullCount += 1
    }

    // MARK: - Type changes (rare, kept out of the loop)

    /// Value storage for `capacity` rows of `kind`: a Swift array for boxed chunks, else malloc.
    private func allocate(_ kind: CSVBuilderKind, capacity: Int) -> (UnsafeMutableRawPointer, CSVArrayBox?) {
        if boxed {
            let box = CSVArrayBox(kind: kind, capacity: capacity)
            return (box.base, box)
        }
        guard let raw = malloc(max(capacity, 1) << kind.elementShift) else {
            fatalError("out of memory while reading a CSV file")
        }
        return (raw, nil)
    }

    /// Gives an empty builder its first type and value storage; rows before `rows` are null (0).
    private func become(_ b: UnsafeMutablePointer<CSVColumnBuilder>, _ kind: CSVBuilderKind, rows: Int) {
        b.pointee.kind = kind
        let (raw, box) = allocate(kind, capacity: rowCapacity)
        if rows > 0 { memset(raw, 0, rows << kind.elementShift) }
        b.pointee.values = raw
        b.pointee.box = box
        if kind == .text { b.pointee.dict = CSVTextDictionary() }
        // Times start four bytes wide (see `storeTimestamp`); the buffer has room for eight.
        if kind == .timestamp { b.pointee.intShift = 2 }
    }

    @inline(never)
    private func first(_ b: UnsafeMutablePointer<CSVColumnBuilder>, _ p0: UnsafePointer<UInt8>, _ n0: Int,
                       _ p: UnsafePointer<UInt8>, _ n: Int, _ row: Int) {
        let kind = firstKind(b, p, n)
        guard kind != .text else {
            guard becomeText(b, rows: row) else { return }
            let code = b.pointee.dict?.intern(p0, n0) ?? 0
            CSVChunk.storeCode(b, code, row: row, rowsSoFar: row)
            return
        }
        become(b, kind, rows: row)
        // Parsed again under its type, which takes it (once per column and chunk).
        _ = store(b, p0, n0, row: row)
    }

    /// The type a column's first value gives it: text for a code (`09001`, `+31…`) or a value that
    /// is no number, true/false or date.
    private func firstKind(_ b: UnsafeMutablePointer<CSVColumnBuilder>, _ p: UnsafePointer<UInt8>, _ n: Int) -> CSVBuilderKind {
        if CSVNumber.isCode(p, n) || b.pointee.textFromFirstValue { return .text }
        if CSVNumber.parseInteger(p, n) != nil { return .integer }
        var used: UInt8 = 0
        if CSVNumber.parseDecimal(p, n, settings.separator, used: &used) != nil { return .decimal }
        if CSVNumber.parseBoolean(p, n) != nil { return .boolean }
        switch CSVTemporal.parseISO(p, n, order: settings.dateOrder).kind {
        case .date: return .date
        case .timestamp: return .timestamp
        case .invalid: return .text
        }
    }

    /// A value did not fit the column's type: widen, or defer the column to a text re-read.
    @inline(never)
    private func widen(_ b: UnsafeMutablePointer<CSVColumnBuilder>, _ p0: UnsafePointer<UInt8>, _ n0: Int,
                       _ p: UnsafePointer<UInt8>, _ n: Int, _ row: Int) -> Bool {
        if b.pointee.forced { return false }
        switch b.pointee.kind {
        case .integer:
            var used: UInt8 = 0
            if !CSVNumber.isCode(p, n), let d = CSVNumber.parseDecimal(p, n, settings.separator, used: &used) {
                let old = b.pointee.values.unsafelyUnwrapped
                let (v, box) = boxed ? allocate(.decimal, capacity: rowCapacity) : (old, nil)
                // Backwards: in place, each eight-byte slot lies at or past the narrower values
                // it replaces, so nothing is overwritten before it is read.
                var r = row - 1
                while r >= 0 {
                    let x = CSVChunk.loadInteger(b.pointee, r)
                    v.storeBytes(of: Double(x), toByteOffset: r << 3, as: Double.self)
                    r -= 1
                }
                if boxed {
                    b.pointee.values = v
                    b.pointee.box = box
                }
                b.pointee.kind = .decimal
                storeDecimal(b, d, used, row)
                return true
            }
        case .date:
            let t = CSVTemporal.parseISO(p, n, order: settings.dateOrder)
            if t.kind == .timestamp {
                convertDatesToTimestamps(b, rows: row)
                storeTimestamp(b, t, row)
                return true
            }
        default:
            break
        }
        b.pointee.releaseValues()
        b.pointee.kind = .deferred
        return true
    }

    /// Date slots (Int32 days, or packed pending dates) to timestamp slots (Int64).
    private func convertDatesToTimestamps(_ b: UnsafeMutablePointer<CSVColumnBuilder>, rows: Int) {
        guard let old = b.pointee.values else { return }
        let (raw, box) = allocate(.timestamp, capacity: rowCapacity)
        for r in 0..<rows {
            let d = old.load(fromByteOffset: r << 2, as: Int32.self)
            raw.storeBytes(of: Int64(d) * 86_400, toByteOffset: r << 3, as: Int64.self)
        }
        for k in 0..<b.pointee.pending.count {
            let r = Int(b.pointee.pending[k])
            let packed = old.load(fromByteOffset: r << 2, as: Int32.self)
            raw.storeBytes(of: Int64(packed) << 32 | CSVTemporal.pendingBias, toByteOffset: r << 3, as: Int64.self)
        }
        if b.pointee.box == nil { free(old) }
        b.pointee.values = raw
        b.pointee.box = box
        b.pointee.kind = .timestamp
        b.pointee.intShift = 3
    }

    private func growRows(to newCapacity: Int) {
        let oldWords = (rowCapacity + 63) >> 6
        let newWords = (newCapacity + 63) >> 6
        for c in 0..<settings.columnCount {
            let b = cols + c
            if let bits = b.pointee.nullBits {
                guard let raw = realloc(bits, newWords << 3) else { fatalError("out of memory while reading a CSV file") }
                memset(raw + (oldWords << 3), 0, (newWords - oldWords) << 3)
                b.pointee.nullBits = raw.assumingMemoryBound(to: UInt64.self)
            }
            guard let old = b.pointee.values else { continue }
            if b.pointee.box != nil {
                let (raw, box) = allocate(b.pointee.kind, capacity: newCapacity)
                memcpy(raw, old, rowCapacity << b.pointee.kind.elementShift)
                b.pointee.values = raw
                b.pointee.box = box
                continue
            }
            guard let raw = realloc(old, newCapacity << b.pointee.kind.elementShift) else {
                fatalError("out of memory while reading a CSV file")
            }
            b.pointee.values = raw
        }
        rowCapacity = newCapacity
    }

    /// Some column's distinct text values passed 4 GiB.
    var hasOverflowedText: Bool {
        for c in 0..<settings.columnCount where cols[c].dict?.overflowed == true { return true }
        return false
    }

    /// Some text value is not valid UTF-8 or holds a NUL byte.
    var hasDirtyText: Bool {
        for c in 0..<settings.columnCount where cols[c].dict?.dirty == true { return true }
        return false
    }

    // MARK: - Second passes

    /// Parses `columns` from the file's bytes again, as `parse` would have had the load kept
    /// them (a statement needs columns the load left unread). Their values were checked when
    /// the file was loaded, so none fails now. Returns true when some text is not UTF-8.
    func readColumns(_ columns: [Int], text: [Bool]) -> Bool {
        guard !columns.isEmpty else { return false }
        let ncols = settings.columnCount
        for c in columns where c < unread.count { unread[c] = false }
        var wanted = [Bool](repeating: false, count: ncols)
        let words = (rowCapacity + 63) >> 6
        for c in columns {
            wanted[c] = true
            cols[c].releaseAll()
            cols[c] = CSVColumnBuilder()
            guard let bits = calloc(words, 8) else { fatalError("out of memory while reading a CSV file") }
            cols[c].nullBits = bits.assumingMemoryBound(to: UInt64.self)
            if let type = settings.forced[c] {
                cols[c].forced = true
                become(cols + c, CSVBuilderKind(type), rows: 0)
            } else if text[c] {
                // The load decided it is text: read it so from its first value on, not typed
                // first and then again (a chunk with no value stays empty: all nulls).
                cols[c].textFromFirstValue = true
            }
        }
        var tok = tokenizer()
        defer { tok.release() }
        var row = 0
        var dirty = false
        var released = start
        while tok.pos < limit && row < rowCount {
            if tok.skipBlankLine() { continue }
            var col = 0
            while true {
                tok.next()
                if col < ncols && wanted[col] { _ = store(cols + col, tok.fieldPtr, tok.fieldLen, row: row) }
                col += 1
                if tok.term != 0 { break }
            }
            if col < ncols {
                for c in col..<ncols where wanted[c] { storeNull(cols + c, row) }
            }
            row += 1
            if row & (CSVChunk.batchRows - 1) == 0 {
                if flushText(rows: row, only: columns) { dirty = true }
                if releaseBehind && tok.pos - released >= 1 << 20 {
                    releaseInput(from: released, to: tok.pos)
                    released = tok.pos
                }
            }
        }
        if flushText(rows: row, only: columns) { dirty = true }
        if releaseBehind { releaseInput(from: released, to: tok.pos) }
        return dirty
    }

    /// Frees what the builders of unread columns hold once the file-wide decisions are made.
    func releaseUnread() {
        for c in unread.indices where unread[c] { cols[c].releaseAll() }
    }

    /// Reads the given columns again, as text, over the rows this chunk parsed.
    func rescanAsText(_ columns: [Int]) {
        _ = readColumns(columns, text: [Bool](repeating: true, count: settings.columnCount))
    }


    /// Stores a text code at the column's current width, widening the codes stored so far first
    /// when `code` does not fit.
    @inline(__always)
    static func storeCode(_ b: UnsafeMutablePointer<CSVColumnBuilder>, _ code: Int32, row: Int, rowsSoFar: Int) {
        if b.pointee.codeShift < 2 && code >> (8 << b.pointee.codeShift) != 0 {
            widenCodes(b, toFit: code, rows: max(rowsSoFar, row))
        }
        let v = b.pointee.values.unsafelyUnwrapped
        switch b.pointee.codeShift {
        case 0: v.storeBytes(of: UInt8(truncatingIfNeeded: code), toByteOffset: row, as: UInt8.self)
        case 1: v.storeBytes(of: UInt16(truncatingIfNeeded: code), toByteOffset: row &<< 1, as: UInt16.self)
        default: v.storeBytes(of: code, toByteOffset: row &<< 2, as: Int32.self)
        }
    }

    /// Rewrites rows `0..<rows` at the next width up until `code` fits. Backwards, in place: the
    /// buffer has room for four bytes per row, and each wider slot lies at or past the narrower.
    @inline(never)
    static func widenCodes(_ b: UnsafeMutablePointer<CSVColumnBuilder>, toFit code: Int32, rows: Int) {
        let v = b.pointee.values.unsafelyUnwrapped
        while b.pointee.codeShift < 2 && code >> (8 << b.pointee.codeShift) != 0 {
            var r = rows - 1
            if b.pointee.codeShift == 0 {
                while r >= 0 {
                    let c = v.load(fromByteOffset: r, as: UInt8.self)
                    v.storeBytes(of: UInt16(c), toByteOffset: r << 1, as: UInt16.self)
                    r -= 1
                }
            } else {
                while r >= 0 {
                    let c = v.load(fromByteOffset: r << 1, as: UInt16.self)
                    v.storeBytes(of: Int32(c), toByteOffset: r << 2, as: Int32.self)
                    r -= 1
                }
            }
            b.pointee.codeShift += 1
        }
    }

    /// Stores a whole number at the column's current width, widening the values stored so far
    /// first when `value` does not fit.
    @inline(__always)
    static func storeInteger(_ b: UnsafeMutablePointer<CSVColumnBuilder>, _ value: Int64, row: Int) {
        if b.pointee.intShift < 3 {
            let unused = 64 - (8 << b.pointee.intShift)
            if (value << unused) >> unused != value { widenIntegers(b, toFit: value, rows: row) }
        }
        let v = b.pointee.values.unsafelyUnwrapped
        switch b.pointee.intShift {
        case 0: v.storeBytes(of: Int8(truncatingIfNeeded: value), toByteOffset: row, as: Int8.self)
        case 1: v.storeBytes(of: Int16(truncatingIfNeeded: value), toByteOffset: row &<< 1, as: Int16.self)
        case 2: v.storeBytes(of: Int32(truncatingIfNeeded: value), toByteOffset: row &<< 2, as: Int32.self)
        default: v.storeBytes(of: value, toByteOffset: row &<< 3, as: Int64.self)
        }
    }

    /// Rewrites rows `0..<rows` at wider widths until `value` fits (in place, backwards, as for
    /// text codes).
    @inline(never)
    static func widenIntegers(_ b: UnsafeMutablePointer<CSVColumnBuilder>, toFit value: Int64, rows: Int) {
        let v = b.pointee.values.unsafelyUnwrapped
        while b.pointee.intShift < 3 {
            let unused = 64 - (8 << b.pointee.intShift)
            if (value << unused) >> unused == value { return }
            var r = rows - 1
            switch b.pointee.intShift {
            case 0:
                while r >= 0 {
                    v.storeBytes(of: Int16(v.load(fromByteOffset: r, as: Int8.self)), toByteOffset: r << 1, as: Int16.self)
                    r -= 1
                }
            case 1:
                while r >= 0 {
                    v.storeBytes(of: Int32(v.load(fromByteOffset: r << 1, as: Int16.self)), toByteOffset: r << 2, as: Int32.self)
                    r -= 1
                }
            default:
                while r >= 0 {
                    v.storeBytes(of: Int64(v.load(fromByteOffset: r << 2, as: Int32.self)), toByteOffset: r << 3, as: Int64.self)
                    r -= 1
                }
            }
            b.pointee.intShift += 1
        }
    }

    /// Whole number of chunk-local row `r` (at the column's width).
    @inline(__always)
    static func loadInteger(_ b: CSVColumnBuilder, _ r: Int) -> Int64 {
        let v = b.values.unsafelyUnwrapped
        switch b.intShift {
        case 0: return Int64(v.load(fromByteOffset: r, as: Int8.self))
        case 1: return Int64(v.load(fromByteOffset: r << 1, as: Int16.self))
        case 2: return Int64(v.load(fromByteOffset: r << 2, as: Int32.self))
        default: return v.load(fromByteOffset: r << 3, as: Int64.self)
        }
    }

    /// The chunk-local line and text of the first non-empty value of `column` that `matches`.
    func firstValue(column: Int, where matches: (UnsafePointer<UInt8>, Int) -> Bool) -> (line: Int, value: String)? {
        var tok = tokenizer()
        defer { tok.release() }
        var row = 0
        while tok.pos < limit && row < rowCount {
            if tok.skipBlankLine() { continue }
            let line = tok.line
            var col = 0
            while true {
                tok.next()
                if col == column {
                    var p = tok.fieldPtr
                    var n = tok.fieldLen
                    while n > 0 && (p[0] == CSVByte.space || p[0] == CSVByte.tab) {
                        p += 1
                        n -= 1
                    }
                    while n > 0 && (p[n - 1] == CSVByte.space || p[n - 1] == CSVByte.tab) { n -= 1 }
                    if n > 0 && matches(p, n) {
                        return (line, String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self))
                    }
                }
                col += 1
                if tok.term != 0 { break }
            }
            row += 1
        }
        return nil
    }
}
