// File-wide decisions over parsed chunks (column types, decimal comma, date order) and the
// merge of chunk buffers into the table's columns.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct CSVAssembly {
    let chunks: [CSVChunk]
    let names: [String]
    let settings: CSVParseSettings
    let lineBases: [Int]
    /// The final kind of each column.
    private(set) var kinds: [CSVBuilderKind]
    /// Per column: how pending dd/mm vs mm/dd dates are resolved.
    private(set) var orders: [CSVTemporal.Order]
    private(set) var warnings: [CSVWarning] = []
    /// Columns whose values all parsed but that file-wide decisions made text (a decimal comma
    /// beside decimal points, mixed date orders): no single row broke them.
    private var madeTextByDecision: Set<Int> = []
    /// Per column made text by a value after holding numbers, dates or true/false: that value.
    private var breakingValues: [Int: String] = [:]

    init(chunks: [CSVChunk], names: [String], settings: CSVParseSettings, lineBases: [Int]) {
        self.chunks = chunks
        self.names = names
        self.settings = settings
        self.lineBases = lineBases
        var kinds = [CSVBuilderKind](repeating: .empty, count: names.count)
        for c in 0..<names.count {
            if let type = settings.forced[c] {
                kinds[c] = CSVBuilderKind(type)
                continue
            }
            kinds[c] = CSVAssembly.kind(of: c, in: chunks)
        }
        self.kinds = kinds
        orders = [CSVTemporal.Order](repeating: settings.dateOrder, count: names.count)
        unread = settings.unread
    }

    /// Column `c`'s kind over every chunk (text when no chunk typed it).
    static func kind(of c: Int, in chunks: [CSVChunk]) -> CSVBuilderKind {
        var kind = CSVBuilderKind.empty
        for chunk in chunks { kind = join(kind, chunk.cols[c].kind) }
        return kind == .empty || kind == .deferred ? .text : kind
    }

    static func join(_ a: CSVBuilderKind, _ b: CSVBuilderKind) -> CSVBuilderKind {
        if a == .empty { return b }
        if b == .empty { return a }
        if a == b { return a == .deferred ? .text : a }
        switch (a, b) {
        case (.integer, .decimal), (.decimal, .integer): return .decimal
        case (.date, .timestamp), (.timestamp, .date): return .timestamp
        default: return .text
        }
    }

    /// Whether the first record, read as the header, is typed like the data: every column of
    /// numbers, dates or true/false has a value of that type there or none (and at least one has).
    /// A header of names is text; a first row of data is not.
    /// `orRecognised`: true when columns read again as numbers or dates written for people
    /// are typed too (their header value fitting was checked by the caller).
    func firstRecordIsData(_ record: [String], orRecognised: Bool = false) -> Bool {
        guard record.count == names.count else { return false }
        if chunks.allSatisfy({ $0.rowCount == 0 }) { return CSVAssembly.loneRecordIsData(record, settings: settings) }
        var typedColumns = 0
        for c in 0..<names.count where settings.forced[c] == nil {
            let kind = kinds[c]
            guard kind != .text && kind != .empty && kind != .deferred else { continue }
            let value = CSVFileReader.trim(record[c])
            // An empty field says nothing either way (a null in a row, an unnamed column in a header).
            guard !value.isEmpty else { continue }
            typedColumns += 1
            let fits: Bool = Array(value.utf8).withUnsafeBufferPointer { b in
                guard let p = b.baseAddress else { return false }
                switch kind {
                case .integer, .decimal:
                    return CSVNumber.isNumber(p, b.count, settings.separator)
                case .boolean:
                    return CSVNumber.parseBoolean(p, b.count) != nil
                case .date, .timestamp:
                    return CSVTemporal.parseISO(p, b.count, order: settings.dateOrder).kind != .invalid
                default:
                    return false
                }
            }
            if !fits { return false }
        }
        return typedColumns > 0 || orRecognised
    }

    /// A file of one record has no rows to compare it with: it is data (DuckDB reads such files
    /// as one row too) when a field is a date or most of its fields are numbers, which names of
    /// columns are not.
    static func loneRecordIsData(_ record: [String], settings: CSVParseSettings) -> Bool {
        var numbers = 0, filled = 0
        for field in record {
            let value = CSVFileReader.trim(field)
            guard !value.isEmpty else { continue }
            filled += 1
            let (isNumber, isDate): (Bool, Bool) = Array(value.utf8).withUnsafeBufferPointer { b in
                guard let p = b.baseAddress else { return (false, false) }
                return (CSVNumber.isNumber(p, b.count, settings.separator), CSVTemporal.parse(p, b.count, order: settings.dateOrder).kind != .invalid)
            }
            if isDate { return true }
            if isNumber { numbers += 1 }
        }
        return filled > 0 && numbers * 2 > filled
    }

    /// A value that turns a column of numbers, dates or true/false into text after this many
    /// rows is told at load; an earlier one only where the column's type matters.
    static let lateBreakRows = 50

    /// For each text column whose values start as numbers, dates or true/false: the first row
    /// that is not one (a late `n/a` makes the whole column text). Notes by column name, and a
    /// warning when the break comes late.
    mutating func explainTextColumns() -> [String: String] {
        var notes: [String: String] = [:]
        let separator = settings.separator
        let order = settings.dateOrder
        for c in 0..<names.count where kinds[c] == .text && settings.forced[c] == nil && !madeTextByDecision.contains(c) {
            // Only a column some chunk began reading as typed can have been broken by a value;
            // text and empty columns are not scanned (a file of empty columns would be read again
            // once per column).
            guard chunks.contains(where: { $0.cols[c].kind != .text && $0.cols[c].kind != .empty && !$0.cols[c].unreadText }) else { continue }
            guard let first = firstValue(column: c, where: { _, _ in true }) else { continue }
            let family: String
            let fits: (UnsafePointer<UInt8>, Int) -> Bool
            let bytes = Array(first.value.utf8)
            let probe: (String, (UnsafePointer<UInt8>, Int) -> Bool)? = bytes.withUnsafeBufferPointer { buffer in
                // A column whose first value is a code was text from its first row.
                guard let p = buffer.baseAddress, !CSVNumber.isCode(p, buffer.count) else { return nil }
                var used: UInt8 = 0
                if CSVNumber.parseInteger(p, buffer.count) != nil || CSVNumber.parseDecimal(p, buffer.count, separator, used: &used) != nil {
                    return ("numbers", { p, n in CSVNumber.isNumber(p, n, separator) })
                }
                if CSVNumber.parseBoolean(p, buffer.count) != nil { return ("true/false values", { p, n in CSVNumber.parseBoolean(p, n) != nil }) }
                if CSVTemporal.parseISO(p, buffer.count, order: order).kind != .invalid {
                    return ("dates", { p, n in CSVTemporal.parseISO(p, n, order: order).kind != .invalid })
                }
                return nil
            }
            guard let probe else { continue }
            (family, fits) = probe
            guard let breaking = firstValue(column: c, where: { p, n in !fits(p, n) }) else { continue }
            breakingValues[c] = breaking.value
            let isCode = family == "numbers" && Array(breaking.value.utf8).withUnsafeBufferPointer { b in b.baseAddress.map { CSVNumber.isCode($0, b.count) } ?? false }
            let note = "column \(names[c]) is read as text: it holds \(family) from row \(first.row) to row \(breaking.row - 1), "
                + "but row \(breaking.row) holds \"\(CSVFileReader.shorten(breaking.value))\""
                + (isCode ? " (a code: as a number its leading \(breaking.value.hasPrefix("+") ? "+" : "zero") would be lost)" : "") + "; "
                + "fix that row, or load with types (\(names[c]) \(family == "dates" ? "date" : family == "numbers" ? "decimal" : "boolean")) to have every such row named"
            notes[names[c]] = note
            if breaking.row - first.row >= CSVAssembly.lateBreakRows {
                warnings.append(CSVWarning(row: breaking.row, column: names[c], message: note))
            }
        }
        return notes
    }

    /// The first value of `column` (in file order) that `matches`, with its physical row.
    func firstValue(column: Int, where matches: (UnsafePointer<UInt8>, Int) -> Bool) -> (row: Int, value: String)? {
        for (k, chunk) in chunks.enumerated() {
            if let found = chunk.firstValue(column: column, where: matches) {
                return (lineBases[k] + found.line, found.value)
            }
        }
        return nil
    }

    // MARK: - Decisions

    mutating func decideTypes(reader: CSVFileReader) throws(CSVError) {
        readUnreadAmbiguousDates()
        let ncols = names.count
        if settings.separator == .either {
            // Decimal comma: some number was written `12,5` and none `12.5`.
            var anyComma = false
            var anyPoint = false
            var commaColumns: [Int] = []
            var pointColumns: [Int] = []
            var bothColumns: [Int] = []
            for c in 0..<ncols where kinds[c] == .integer || kinds[c] == .decimal {
                var comma = false, point = false
                for chunk in chunks {
                    let b = chunk.cols[c]
                    guard b.kind == .integer || b.kind == .decimal else { continue }
                    comma = comma || b.sawComma
                    point = point || b.sawPoint
                }
                if comma { commaColumns.append(c) }
                if point && !comma { pointColumns.append(c) }
                if point && comma { bothColumns.append(c) }
                anyComma = anyComma || comma
                anyPoint = anyPoint || point
            }
            // A German export: decimals `1,76` in one column, counts `24.197` in another. When
            // every point in the file groups three digits, the points are thousands separators:
            // those columns are read again as text, and then as grouped numbers.
            let pointsGroupThousands = anyComma && !pointColumns.isEmpty && pointColumns.allSatisfy { c in
                settings.forced[c] == nil && pointsMayGroupThousands(c)
            }
            if pointsGroupThousands {
                for c in pointColumns + bothColumns where settings.forced[c] == nil {
                    kinds[c] = .text
                    madeTextByDecision.insert(c)
                }
            } else if anyComma && anyPoint {
                for c in commaColumns {
                    if settings.forced[c] != nil {
                        let found = firstValue(column: c) { p, n in memchr(p, Int32(CSVByte.comma), n) != nil }
                        let row = found?.row ?? lineBases[0]
                        throw reader.malformed("row \(row), column \(names[c]): \"\(CSVFileReader.shorten(found?.value ?? ""))\" "
                            + "has a decimal comma, but other numbers in the file have a decimal point; "
                            + "say which one the file uses", row: row, column: c + 1)
                    }
                    kinds[c] = .text
                    madeTextByDecision.insert(c)
                }
            }
        }

        guard settings.dateOrder == CSVTemporal.unknownOrder else { return }
        var evidence = [UInt8](repeating: 0, count: ncols)
        var hasPending = [Bool](repeating: false, count: ncols)
        var fileEvidence: UInt8 = 0
        var shortYears = [Bool](repeating: false, count: ncols)
        for c in 0..<ncols where kinds[c] == .date || kinds[c] == .timestamp {
            for chunk in chunks {
                let b = chunk.cols[c]
                guard b.kind == .date || b.kind == .timestamp else { continue }
                evidence[c] |= b.evidence & 3
                if b.evidence & CSVTemporal.shortYearEvidence != 0 { shortYears[c] = true }
                if b.pending.count > 0 { hasPending[c] = true }
            }
            fileEvidence |= evidence[c]
        }
        defer { noteShortYears(shortYears) }
        for c in 0..<ncols where kinds[c] == .date || kinds[c] == .timestamp {
            if evidence[c] == 3 {
                if settings.forced[c] != nil {
                    let found = firstValue(column: c) { p, n in CSVTemporal.parse(p, n, order: 0).evidence & 2 != 0 }
                    let row = found?.row ?? lineBases[0]
                    throw reader.malformed("row \(row), column \(names[c]): \"\(CSVFileReader.shorten(found?.value ?? ""))\" "
                        + "is month first (mm/dd/yyyy) but other dates in the column are day first (dd/mm/yyyy); "
                        + "say which order the file uses", row: row, column: c + 1)
                }
                kinds[c] = .text
                madeTextByDecision.insert(c)
                warnings.append(CSVWarning(column: names[c], message: "column \(names[c]) mixes dd/mm/yyyy and "
                    + "mm/dd/yyyy dates, so it is read as text"))
                continue
            }
            guard hasPending[c] else { continue }
            if evidence[c] != 0 {
                orders[c] = evidence[c] == 1 ? CSVTemporal.dayFirst : CSVTemporal.monthFirst
            } else if fileEvidence == 1 || fileEvidence == 2 {
                orders[c] = fileEvidence == 1 ? CSVTemporal.dayFirst : CSVTemporal.monthFirst
            } else if let order = orderFromNeighbours(c) {
                orders[c] = order
                let (read, other) = order == CSVTemporal.monthFirst ? ("mm/dd/yyyy", "dd/mm/yyyy") : ("dd/mm/yyyy", "mm/dd/yyyy")
                warnings.append(CSVWarning(column: names[c], message: "dates in column \(names[c]) are ambiguous "
                    + "(dd/mm vs mm/dd); read as \(read), the reading that puts them nearest the unambiguous dates "
                    + "written around them; override with dates \"\(other)\""))
            } else {
                // 01/02/2024 and 03/04/2024 only: either reading is a guess, so neither is made.
                kinds[c] = .text
                madeTextByDecision.insert(c)
                warnings.append(CSVWarning(column: names[c], message: "dates in column \(names[c]) are ambiguous "
                    + "(dd/mm vs mm/dd) and nothing in the file decides, so it is read as text; "
                    + "say dates \"dd/mm/yyyy\" or dates \"mm/dd/yyyy\""))
            }
        }
    }

    /// Unread columns of dates that may be dd/mm or mm/dd are read before the file's date order
    /// is decided: the decision looks at the values of every such column (an unread column
    /// keeps only its type while the file is parsed, see `CSVChunk.follow`).
    private mutating func readUnreadAmbiguousDates() {
        guard settings.dateOrder == CSVTemporal.unknownOrder else { return }
        let columns = (0..<names.count).filter { c in isUnread(c) && chunks.contains { $0.cols[c].pendingSeen } }
        guard !columns.isEmpty else { return }
        let notText = [Bool](repeating: false, count: names.count)
        let shared = UnsafeSendable((chunks, columns, notText))
        CSVParallel.forEach(chunks.count) { k in _ = shared.value.0[k].readColumns(shared.value.1, text: shared.value.2) }
        for c in columns {
            unread[c] = false
            if settings.forced[c] == nil { kinds[c] = CSVAssembly.kind(of: c, in: chunks) }
        }
    }

    /// Whether every point in `column`'s values has three digits after it (`24.197`, `999`):
    /// points that may group thousands rather than mark decimals.
    func pointsMayGroupThousands(_ column: Int) -> Bool {
        firstValue(column: column) { p, n in
            guard let point = memchr(p, Int32(CSVByte.point), n) else { return false }
            let after = n - (UnsafeRawPointer(point) - UnsafeRawPointer(p)) - 1
            return after != 3
        } == nil
    }

    /// Columns the load does not keep (their types are decided all the same).
    private(set) var unread: [Bool] = []

    func isUnread(_ c: Int) -> Bool { c < unread.count && unread[c] }

    /// Unread columns that must be read all the same: text columns that a second look may read
    /// as amounts or dates (their first distinct values may be), and those made text after
    /// holding numbers or dates. Their reading can change file-wide decisions (the time
    /// column, a decimal comma, whether the first row is a header), so they are read at load.
    func unreadColumnsToRead() -> [Int] {
        (0..<names.count).filter { c in
            guard isUnread(c), kinds[c] == .text, settings.forced[c] == nil else { return false }
            if madeTextByDecision.contains(c) { return true }
            if chunks.contains(where: { $0.cols[c].kind != .empty && !$0.cols[c].unreadText }) {
                // Numbers first, then text (a code with a leading zero, an `n/a`): one value that
                // cannot be an amount or a date rules the second look out; the value that made the
                // column text often is one. Else its first values, from the file's start.
                if let breaking = breakingValues[c], !CSVFormattedValues.mayBeWrittenForPeople(CSVFormattedValues.trimmed(breaking)) { return false }
                return CSVFormattedValues.mayRecognise(firstValues: [firstDistinctValues(c)])
            }
            return CSVFormattedValues.mayRecognise(firstValues: chunks.map { $0.cols[c].firstValues })
        }
    }

    /// Reads unread columns from the file's bytes (the chunks' boundaries and every decision
    /// are kept from the load), and marks them read. Also returns the columns whose text is
    /// not all UTF-8.
    mutating func readUnread(_ columns: [Int], reader: CSVFileReader) throws(CSVError) -> (columns: [Column], notUTF8: [Int]) {
        guard !columns.isEmpty else { return ([], []) }
        let text = (0..<names.count).map { kinds[$0] == .text }
        let shared = UnsafeSendable((chunks, columns, text))
        let dirty = UnsafeMutablePointer<Bool>.allocate(capacity: chunks.count)
        dirty.initialize(repeating: false, count: chunks.count)
        defer { dirty.deallocate() }
        let flags = UnsafeSendable(dirty)
        CSVParallel.forEach(chunks.count) { k in
            flags.value[k] = shared.value.0[k].readColumns(shared.value.1, text: shared.value.2)
        }
        var notUTF8: [Int] = []
        if (0..<chunks.count).contains(where: { dirty[$0] }) {
            notUTF8 = columns.filter { c in chunks.contains { $0.cols[c].dict?.dirty == true } }
        }
        for c in columns { unread[c] = false }
        // A column of numbers in one chunk and text in another is text: read again as text.
        rescan()
        return (try buildColumns(reader: reader, only: columns), notUTF8)
    }

    /// The first distinct values of `column` in file order, as many as the screen of values
    /// written for people looks at (stopping at the first that cannot be one).
    private func firstDistinctValues(_ column: Int) -> [String] {
        var values: [String] = []
        var looked = 0
        _ = firstValue(column: column) { p, n in
            let raw = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
            guard !values.contains(raw) else { return false }
            values.append(raw)
            let value = CSVFormattedValues.trimmed(raw)
            if value.isEmpty { return false }
            looked += 1
            return looked >= CSVFormattedValues.screenedValues || !CSVFormattedValues.mayBeWrittenForPeople(value)
        }
        return values
    }

    /// The first value of `column` written with a point, if any.
    func firstValueWithPoint(_ column: Int) -> String? {
        firstValue(column: column) { p, n in memchr(p, Int32(CSVByte.point), n) != nil }?.value
    }

    /// `columns` built again as text, from the file's bytes, after a decision made once the
    /// other columns were built (a decimal comma found in a quoted column of a `,` file).
    mutating func rebuiltAsText(_ columns: [Int], reader: CSVFileReader) throws(CSVError) -> [Column] {
        for c in columns {
            kinds[c] = .text
            madeTextByDecision.insert(c)
        }
        // Every chunk, those where the column was empty too: the first build released their
        // null bitmaps, so `rescan` (which skips empty chunks) would leave them stale.
        let text = [Bool](repeating: true, count: names.count)
        let shared = UnsafeSendable((chunks, columns, text))
        CSVParallel.forEach(chunks.count) { k in _ = shared.value.0[k].readColumns(shared.value.1, text: shared.value.2) }
        return try buildColumns(reader: reader, only: columns)
    }

    /// Two-digit years are read as POSIX reads them; each date column that has them says so.
    private mutating func noteShortYears(_ shortYears: [Bool]) {
        for c in shortYears.indices where shortYears[c] && (kinds[c] == .date || kinds[c] == .timestamp) {
            warnings.append(CSVWarning(column: names[c], message: "dates in column \(names[c]) have two-digit years: 69–99 are read as "
                + "1969–1999 and 00–68 as 2000–2068, the year last (01-01-90 is 1990); for the year first say dates \"yy.mm.dd\""))
        }
    }

    /// When nothing in the file says whether `03/10/2024` is 3 October or 10 March, but the
    /// column also holds dates that are not ambiguous (ISO ones, or 25/10/2024), the order that
    /// puts each ambiguous date nearest the unambiguous dates before and after it in the file
    /// (exports run in date order, or near it) decides; nil when there are none or both orders
    /// come out even.
    private func orderFromNeighbours(_ c: Int) -> CSVTemporal.Order? {
        var distance = [0.0, 0.0]          // day first, month first
        var lastKnown: Int64? = nil        // days of the last unambiguous date
        var waiting: [(Int64?, Int64?)] = []
        func settle(next: Int64?) {
            for (dayFirst, monthFirst) in waiting {
                for (i, value) in [dayFirst, monthFirst].enumerated() {
                    guard let value else { distance[i] += 1e12; continue }
                    let near = [lastKnown, next].compactMap { $0.map { Double(abs(value - $0)) } }.min() ?? 0
                    distance[i] += near
                }
            }
            waiting.removeAll()
        }
        var sawKnown = false
        for chunk in chunks {
            let b = chunk.cols[c]
            guard b.kind == .date || b.kind == .timestamp, let values = b.values else { continue }
            var nextPending = 0
            for r in 0..<chunk.rowCount {
                if let nulls = b.nullBits, nulls[r >> 6] & (1 << UInt64(r & 63)) != 0 { continue }
                let isPending = nextPending < b.pending.count && Int(b.pending[nextPending]) == r
                if isPending { nextPending += 1 }
                if b.kind == .date {
                    let v = values.load(fromByteOffset: r << 2, as: Int32.self)
                    if isPending {
                        waiting.append((CSVTemporal.resolveDate(v, order: CSVTemporal.dayFirst).map(Int64.init),
                                        CSVTemporal.resolveDate(v, order: CSVTemporal.monthFirst).map(Int64.init)))
                    } else {
                        settle(next: Int64(v))
                        lastKnown = Int64(v)
                        sawKnown = true
                    }
                } else {
                    let v = CSVChunk.loadInteger(b, r)
                    if isPending {
                        waiting.append((CSVTemporal.resolveTimestamp(v, order: CSVTemporal.dayFirst).map { $0 / 86_400 },
                                        CSVTemporal.resolveTimestamp(v, order: CSVTemporal.monthFirst).map { $0 / 86_400 }))
                    } else {
                        settle(next: v / 86_400)
                        lastKnown = v / 86_400
                        sawKnown = true
                    }
                }
            }
        }
        settle(next: nil)
        if sawKnown {
            guard distance[0] != distance[1] else { return nil }
            return distance[0] < distance[1] ? CSVTemporal.dayFirst : CSVTemporal.monthFirst
        }
        // Only ambiguous dates: a column in date order (1/1/19, 1/2/19, 1/3/19 …) steps a day
        // at a time in one reading and a month in the other. Decided only when one reading's
        // steps add up to a third of the other's or less, over at least three dates.
        return orderFromSteps(c)
    }

    private func orderFromSteps(_ c: Int) -> CSVTemporal.Order? {
        var steps = [0.0, 0.0]
        var previous: [Int64?] = [nil, nil]
        var count = 0
        for chunk in chunks {
            let b = chunk.cols[c]
            guard b.kind == .date || b.kind == .timestamp, let values = b.values else { continue }
            for i in 0..<b.pending.count {
                let r = Int(b.pending[i])
                let readings: [Int64?]
                if b.kind == .date {
                    let v = values.load(fromByteOffset: r << 2, as: Int32.self)
                    readings = [CSVTemporal.dayFirst, CSVTemporal.monthFirst].map { CSVTemporal.resolveDate(v, order: $0).map(Int64.init) }
                } else {
                    let v = CSVChunk.loadInteger(b, r)
                    readings = [CSVTemporal.dayFirst, CSVTemporal.monthFirst].map { CSVTemporal.resolveTimestamp(v, order: $0).map { $0 / 86_400 } }
                }
                for k in 0..<2 {
                    guard let value = readings[k] else { steps[k] += 1e12; continue }
                    if let before = previous[k] { steps[k] += Double(abs(value - before)) }
                    previous[k] = value
                }
                count += 1
            }
        }
        guard count >= 3 else { return nil }
        if steps[0] * 3 <= steps[1] { return CSVTemporal.dayFirst }
        if steps[1] * 3 <= steps[0] { return CSVTemporal.monthFirst }
        return nil
    }

    /// Reads again, as text, every chunk column whose buffer does not hold text but must.
    func rescan() {
        var plans = [[Int]](repeating: [], count: chunks.count)
        for c in 0..<names.count where kinds[c] == .text && !isUnread(c) {
            for (k, chunk) in chunks.enumerated() {
                let kind = chunk.cols[c].kind
                if kind != .text && kind != .empty { plans[k].append(c) }
            }
        }
        let work = plans.enumerated().filter { !$0.element.isEmpty }.map { ($0.offset, $0.element) }
        guard !work.isEmpty else { return }
        let shared = UnsafeSendable((chunks, work))
        CSVParallel.forEach(work.count) { i in
            let (chunks, work) = shared.value
            chunks[work[i].0].rescanAsText(work[i].1)
        }
    }

    // MARK: - Columns

    /// The table's columns (`only`: those columns alone, in that order).
    func buildColumns(reader: CSVFileReader, only: [Int]? = nil) throws(CSVError) -> [Column] {
        var rowBases: [Int] = []
        var total = 0
        for chunk in chunks {
            rowBases.append(total)
            total += chunk.rowCount
        }
        if total >= Int(Int32.max) {
            throw reader.malformed("the file has more rows than funnel can hold (\(total))")
        }
        let ncols = names.count
        let out = UnsafeMutablePointer<Column?>.allocate(capacity: max(ncols, 1))
        out.initialize(repeating: nil, count: max(ncols, 1))
        defer {
            out.deinitialize(count: max(ncols, 1))
            out.deallocate()
        }
        let wanted = only ?? (0..<ncols).filter { !isUnread($0) }
        let textColumns = wanted.filter { kinds[$0] == .text }
        let merges = textColumns.map { CSVTextMerge(column: $0, chunks: chunks) }

        // Round k looks up chunk k's distinct text values in the earlier chunks' dictionaries
        // (read-only, so in parallel); after each round the new values get codes in file order.
        // The typed columns are built after the lookups, once the text hash indexes are freed:
        // the two never take memory at the same time.
        for k in 1..<max(chunks.count, 2) {
            var tasks: [(merge: Int, from: Int, to: Int)] = []
            for (m, merge) in merges.enumerated() where k < chunks.count {
                let n = merge.dicts[k]?.count ?? 0
                var from = 0
                while from < n {
                    // Ranges of 65,536 values: `lookUp` keys a per-task slot on `from >> 16`.
                    let to = min(n, from + 65_536)
                    tasks.append((m, from, to))
                    from = to
                }
            }
            let shared = UnsafeSendable((merges, tasks, k))
            CSVParallel.forEach(tasks.count) { t in
                let (merges, tasks, k) = shared.value
                merges[tasks[t].merge].lookUp(chunk: k, from: tasks[t].from, to: tasks[t].to)
            }
            for merge in merges where k < chunks.count { merge.assignCodes(chunk: k) }
        }
        // Hash indexes are no longer needed; free them before the columns are built.
        for merge in merges {
            for chunk in chunks { chunk.cols[merge.column].dict?.releaseIndex() }
        }
        let typedColumns = wanted.filter { kinds[$0] != .text }
        let typed = UnsafeSendable((self, out, rowBases, total, typedColumns))
        CSVParallel.forEach(typedColumns.count) { t in
            let (assembly, out, rowBases, total, typedColumns) = typed.value
            let c = typedColumns[t]
            out[c] = assembly.buildTypedColumn(c, rowBases: rowBases, total: total)
        }

        // Text codes and validity, one column per task.
        let stage3 = UnsafeSendable((self, out, rowBases, total, merges))
        CSVParallel.forEach(merges.count) { m in
            let (assembly, out, rowBases, total, merges) = stage3.value
            let merge = merges[m]
            let c = merge.column
            merge.makeDictionary()
            let codes = merge.codes(rowBases: rowBases, total: total)
            let validity = assembly.makeValidity(c, rowBases: rowBases, total: total, extraNulls: [])
            out[c] = Column(name: assembly.names[c], storage: .text(codes: codes, dictionary: merge.takeDictionary()),
                            validity: validity)
            merge.release()
            for chunk in assembly.chunks { chunk.cols[c].releaseAll() }
        }
        var columns: [Column] = []
        columns.reserveCapacity(wanted.count)
        for c in wanted {
            // Every column is filled by one of the stages above; an empty one reads as nulls.
            columns.append(out[c] ?? Column(name: names[c], storage: .text(codes: TextCodes(repeating: 0, count: total), dictionary: [""]),
                                            validity: Validity(count: total, allValid: false)))
        }
        return columns
    }

    /// The column's final array: the first chunk's own array when it already holds this type
    /// and has room (later chunks are copied behind its rows), else a new one.
    /// `fill(chunk builders, destination, rows, chunk)` must not copy when source == destination.
    private func gather<T: BitwiseCopyable>(_ c: Int, _ kind: CSVBuilderKind, total: Int, rowBases: [Int],
                                            take: (ColumnStorage) -> [T]?,
                                            _ fill: (UnsafeMutablePointer<CSVColumnBuilder>, UnsafeMutablePointer<T>, Int, Int) -> Void) -> [T] {
        guard total > 0 else { return [] }
        if let box = chunks[0].cols[c].box, box.kind == kind, box.capacity >= total,
           let storage = box.take(), var array = take(storage) {
            array.removeLast(array.count - total)
            array.withUnsafeMutableBufferPointer { buffer in
                let base = buffer.baseAddress.unsafelyUnwrapped
                for (k, chunk) in chunks.enumerated() {
                    fill(chunk.cols, base + rowBases[k], chunk.rowCount, k)
                }
            }
            return array
        }
        return [T](unsafeUninitializedCapacity: total) { buffer, initialized in
            let base = buffer.baseAddress.unsafelyUnwrapped
            for (k, chunk) in chunks.enumerated() {
                fill(chunk.cols, base + rowBases[k], chunk.rowCount, k)
            }
            initialized = total
        }
    }

    private func buildTypedColumn(_ c: Int, rowBases: [Int], total: Int) -> Column {
        let kind = kinds[c]
        let order = orders[c]
        var extraNulls: [Int] = []
        let storage: ColumnStorage
        switch kind {
        case .integer:
            storage = .integer(integerValues(c, total: total, rowBases: rowBases))
        case .decimal:
            storage = .decimal(gather(c, .decimal, total: total, rowBases: rowBases, take: {
                if case .decimal(let a) = $0 { return a } else { return nil }
            }) { cols, dest, n, _ in
                let b = cols + c
                if b.pointee.kind == .decimal, let v = b.pointee.values {
                    if UnsafeMutableRawPointer(dest) != v { CSVMove.copyReleasing(v.assumingMemoryBound(to: Double.self), to: dest, count: n) }
                } else if b.pointee.kind == .integer, b.pointee.values != nil {
                    for r in 0..<n { dest[r] = Double(CSVChunk.loadInteger(b.pointee, r)) }
                } else {
                    dest.initialize(repeating: 0, count: n)
                }
            })
        case .boolean:
            storage = .boolean(gather(c, .boolean, total: total, rowBases: rowBases, take: {
                if case .boolean(let a) = $0 { return a } else { return nil }
            }) { cols, dest, n, _ in
                let b = cols + c
                if b.pointee.kind == .boolean, let v = b.pointee.values {
                    let src = v.assumingMemoryBound(to: UInt8.self)
                    if UnsafeMutableRawPointer(dest) != v { for r in 0..<n { dest[r] = src[r] != 0 } }
                } else {
                    dest.initialize(repeating: false, count: n)
                }
            })
        case .date:
            storage = .date(gather(c, .date, total: total, rowBases: rowBases, take: {
                if case .date(let a) = $0 { return a } else { return nil }
            }) { cols, dest, n, k in
                let b = cols + c
                guard b.pointee.kind == .date, let v = b.pointee.values else {
                    dest.initialize(repeating: 0, count: n)
                    return
                }
                let src = v.assumingMemoryBound(to: Int32.self)
                if UnsafeMutableRawPointer(dest) != v { CSVMove.copyReleasing(src, to: dest, count: n) }
                // Pending (still packed) dates are read from the copy: the source is released.
                CSVAssembly.resolvePendingDates(dest, b.pointee.pending, order: order, rowBase: rowBases[k], extraNulls: &extraNulls)
            })
        case .timestamp:
            storage = .timestamp(timestampValues(c, order: order, total: total, rowBases: rowBases, extraNulls: &extraNulls))
        case .text, .empty, .deferred:
            storage = .text(codes: TextCodes(repeating: 0, count: total), dictionary: [])
        }
        let validity = makeValidity(c, rowBases: rowBases, total: total, extraNulls: extraNulls)
        for chunk in chunks { chunk.cols[c].releaseAll() }
        return Column(name: names[c], storage: storage, validity: validity)
    }

    /// Dates still packed (dd/mm or mm/dd) at the `pending` rows of `days`, resolved in the file's
    /// order; one that is no date in it becomes a null (its table row noted in `extraNulls`).
    private static func resolvePendingDates(_ days: UnsafeMutablePointer<Int32>, _ pending: RawBuffer<UInt32>, order: CSVTemporal.Order,
                                            rowBase: Int, extraNulls: inout [Int]) {
        for i in 0..<pending.count {
            let r = Int(pending[i])
            if let d = CSVTemporal.resolveDate(days[r], order: order) {
                days[r] = d
            } else {
                days[r] = 0
                extraNulls.append(rowBase + r)
            }
        }
    }

    /// A timestamp column in four bytes a row when every time fits (1901 to 2038), else eight.
    /// Chunks hold seconds as narrow whole numbers (see `CSVChunk.storeTimestamp`), or days
    /// when they met only dates; dates still packed (dd/mm or mm/dd) are resolved in the
    /// chunk's own buffer first (a chunk holding any is eight bytes wide).
    private func timestampValues(_ c: Int, order: CSVTemporal.Order, total: Int, rowBases: [Int],
                                 extraNulls: inout [Int]) -> IntegerValues {
        var low: Int64 = 0, high: Int64 = 0
        for (k, chunk) in chunks.enumerated() {
            let b = chunk.cols + c
            guard let v = b.pointee.values else { continue }
            let n = chunk.rowCount
            if b.pointee.kind == .timestamp {
                let pending = b.pointee.pending
                if pending.count > 0 && b.pointee.intShift < 3 { CSVChunk.widenIntegers(b, toFit: Int64.max, rows: n) }
                for i in 0..<pending.count {
                    let r = Int(pending[i])
                    let resolved = CSVTemporal.resolveTimestamp(v.load(fromByteOffset: r << 3, as: Int64.self), order: order)
                    if resolved == nil { extraNulls.append(rowBases[k] + r) }
                    v.storeBytes(of: resolved ?? 0, toByteOffset: r << 3, as: Int64.self)
                }
                if b.pointee.intShift == 3 {
                    let src = v.assumingMemoryBound(to: Int64.self)
                    for r in 0..<n {
                        low = min(low, src[r])
                        high = max(high, src[r])
                    }
                }
            } else if b.pointee.kind == .date {
                let src = v.assumingMemoryBound(to: Int32.self)
                CSVAssembly.resolvePendingDates(src, b.pointee.pending, order: order, rowBase: rowBases[k], extraNulls: &extraNulls)
                for r in 0..<n {
                    low = min(low, Int64(src[r]) * 86_400)
                    high = max(high, Int64(src[r]) * 86_400)
                }
            }
        }
        /// One chunk's times into `dest` (zeros when it holds none), its pages handed back as
        /// they are read (the chunk's values are freed, unread, afterwards).
        func copy<T: StoredInteger>(_ b: UnsafeMutablePointer<CSVColumnBuilder>, to dest: UnsafeMutablePointer<T>, _ n: Int) {
            guard let v = b.pointee.values, b.pointee.kind == .timestamp || b.pointee.kind == .date else {
                dest.initialize(repeating: 0, count: n)
                return
            }
            if b.pointee.kind == .date {
                let src = v.assumingMemoryBound(to: Int32.self)
                for r in 0..<n { dest[r] = T(truncatingIfNeeded: Int64(src[r]) * 86_400) }
                return
            }
            if b.pointee.intShift == 3 {
                CSVMove.convert(v.assumingMemoryBound(to: Int64.self), to: dest, count: n, releasing: true)
            } else {
                CSVMove.convert(v.assumingMemoryBound(to: Int32.self), to: dest, count: n, releasing: true)
            }
        }
        if low >= Int64(Int32.min) && high <= Int64(Int32.max) {
            return .int32([Int32](unsafeUninitializedCapacity: total) { buffer, initialized in
                if let base = buffer.baseAddress {
                    for (k, chunk) in chunks.enumerated() { copy(chunk.cols + c, to: base + rowBases[k], chunk.rowCount) }
                }
                initialized = total
            })
        }
        // Eight bytes: the first chunk's buffer becomes the column (widened in place first).
        if chunks.first?.cols[c].kind == .timestamp, let b = chunks.first?.cols.advanced(by: c) {
            CSVChunk.widenIntegers(b, toFit: Int64.max, rows: chunks[0].rowCount)
        }
        return .int64(gather(c, .timestamp, total: total, rowBases: rowBases, take: {
            if case .timestamp(.int64(let a)) = $0 { return a } else { return nil }
        }) { cols, dest, n, _ in
            let b = cols + c
            if b.pointee.kind == .timestamp, let v = b.pointee.values, UnsafeMutableRawPointer(dest) == v { return }
            copy(b, to: dest, n)
        })
    }

    /// A whole-number column at the widest width any chunk needed.
    private func integerValues(_ c: Int, total: Int, rowBases: [Int]) -> IntegerValues {
        var shift = 0
        for chunk in chunks where chunk.cols[c].kind == .integer { shift = max(shift, chunk.cols[c].intShift) }
        func build<T: StoredInteger>(_: T.Type) -> [T] {
            [T](unsafeUninitializedCapacity: total) { buffer, initialized in
                if let base = buffer.baseAddress {
                    for (k, chunk) in chunks.enumerated() {
                        copyIntegers(chunk.cols + c, to: base + rowBases[k], chunk.rowCount, releasing: true)
                    }
                }
                initialized = total
            }
        }
        switch shift {
        case 0: return .int8(build(Int8.self))
        case 1: return .int16(build(Int16.self))
        case 2: return .int32(build(Int32.self))
        default:
            // Eight bytes: the first chunk's buffer becomes the column (widened in place first).
            if chunks.first?.cols[c].kind == .integer, let b = chunks.first?.cols.advanced(by: c) {
                CSVChunk.widenIntegers(b, toFit: Int64.max, rows: chunks[0].rowCount)
            }
            return .int64(gather(c, .integer, total: total, rowBases: rowBases, take: {
                if case .integer(.int64(let a)) = $0 { return a } else { return nil }
            }) { cols, dest, n, _ in
                let b = cols + c
                if b.pointee.kind == .integer, b.pointee.intShift == 3, let v = b.pointee.values {
                    if UnsafeMutableRawPointer(dest) != v { CSVMove.copyReleasing(v.assumingMemoryBound(to: Int64.self), to: dest, count: n) }
                } else {
                    copyIntegers(b, to: dest, n, releasing: false)
                }
            })
        }
    }

    /// A chunk's whole numbers (or zeros, when the chunk holds none) into `dest`. When
    /// `releasing`, the chunk's pages are handed back as they are read (the chunk's values are
    /// freed, unread, afterwards).
    private func copyIntegers<T: StoredInteger>(_ b: UnsafeMutablePointer<CSVColumnBuilder>, to dest: UnsafeMutablePointer<T>,
                                                _ n: Int, releasing: Bool) {
        guard b.pointee.kind == .integer, let v = b.pointee.values else {
            dest.initialize(repeating: 0, count: n)
            return
        }
        func convert<S: StoredInteger>(_ source: UnsafeMutablePointer<S>) {
            CSVMove.convert(source, to: dest, count: n, releasing: releasing)
        }
        switch b.pointee.intShift {
        case 0: convert(v.assumingMemoryBound(to: Int8.self))
        case 1: convert(v.assumingMemoryBound(to: Int16.self))
        case 2: convert(v.assumingMemoryBound(to: Int32.self))
        default: convert(v.assumingMemoryBound(to: Int64.self))
        }
    }

    /// The column's validity from the chunks' null bitmaps (nil when nothing is null).
    fileprivate func makeValidity(_ c: Int, rowBases: [Int], total: Int, extraNulls: [Int]) -> Validity? {
        var nullCount = extraNulls.count
        for chunk in chunks { nullCount += chunk.cols[c].nullCount }
        guard nullCount > 0 else { return nil }
        var words = [UInt64](repeating: ~0, count: (total + 63) >> 6)
        if total & 63 != 0 { words[words.count - 1] = (UInt64(1) << UInt64(total & 63)) - 1 }
        words.withUnsafeMutableBufferPointer { w in
            let p = w.baseAddress.unsafelyUnwrapped
            let count = w.count
            for (k, chunk) in chunks.enumerated() {
                let b = chunk.cols[c]
                guard b.nullCount > 0, let bits = b.nullBits else { continue }
                let base = rowBases[k]
                let shift = UInt64(base & 63)
                let first = base >> 6
                for i in 0..<((chunk.rowCount + 63) >> 6) {
                    let nulls = bits[i]
                    if nulls == 0 { continue }
                    p[first + i] &= ~(nulls << shift)
                    if shift > 0 && first + i + 1 < count { p[first + i + 1] &= ~(nulls >> (64 - shift)) }
                }
            }
            for r in extraNulls { p[r >> 6] &= ~(UInt64(1) << UInt64(r & 63)) }
        }
        return Validity(words: words, count: total)
    }
}

/// Merges one text column's per-chunk dictionaries into one in file order. Every chunk keeps
/// its dictionary; a later chunk's value is looked up in the earlier ones and, when new, gets
/// the next code. Lookup tasks write disjoint ranges, so several threads share an instance.
final class CSVTextMerge: @unchecked Sendable {
    let column: Int
    let chunks: [CSVChunk]
    /// Per chunk: its dictionary when the chunk holds text for this column.
    let dicts: [CSVTextDictionary?]
    /// Per chunk: the final code of each of its distinct values (-1 while not yet known).
    private var maps: [UnsafeMutablePointer<Int32>?]
    /// The final dictionary in code order, as runs of one chunk's values each: a run's codes are
    /// `codes`, its values the chunk's first `codes.count` (`indices == nil`, the first chunk's,
    /// whose codes are its own) or the chunk values `newIndices[indices]`.
    private var runs: [(chunk: Int, codes: Range<Int>, indices: Range<Int>?)] = []
    private var newIndices = RawBuffer<UInt32>()
    private var dictionary = TextDictionary()
    private var nextCode: Int32 = 0
    /// Per chunk, one slot per lookup task (65,536 values each): folds in prefetching loads so
    /// that they are not optimised away. The values do not matter.
    private var touchSinks: [UnsafeMutablePointer<UInt64>?]

    init(column: Int, chunks: [CSVChunk]) {
        self.column = column
        self.chunks = chunks
        dicts = chunks.map { $0.cols[column].kind == .text ? $0.cols[column].dict : nil }
        maps = dicts.map { d in
            guard let d, d.count > 0 else { return nil }
            return UnsafeMutablePointer<Int32>.allocate(capacity: d.count)
        }
        touchSinks = dicts.map { d in
            guard let d, d.count > 0 else { return nil }
            return UnsafeMutablePointer<UInt64>.allocate(capacity: (d.count + 65_535) >> 16)
        }
        assignCodes(chunk: 0)
    }

    deinit {
        release()
        for t in touchSinks { t?.deallocate() }
    }

    func release() {
        for k in maps.indices {
            maps[k]?.deallocate()
            maps[k] = nil
        }
        newIndices.release()
    }

    /// Looks up values `from..<to` of chunk `k` in the earlier chunks' dictionaries.
    func lookUp(chunk k: Int, from: Int, to: Int) {
        guard let dict = dicts[k], let map = maps[k] else { return }
        let earlier = (0..<k).filter { maps[$0] != nil }
        let hashes = dict.hashes.base.unsafelyUnwrapped
        var sink: UInt64 = 0
        var batch = from
        while batch < to {
            let batchEnd = min(to, batch + 1024)
            // Bring the slots into the cache with many misses in flight, then look up.
            for j in earlier { sink ^= dicts[j].unsafelyUnwrapped.touch(hashes + batch, batchEnd - batch) }
            for i in batch..<batchEnd {
                let (p, n) = dict.entry(i)
                var code: Int32 = -1
                for j in earlier {
                    if let idx = dicts[j].unsafelyUnwrapped.find(p, n, hash: hashes[i]) {
                        code = maps[j].unsafelyUnwrapped[idx]
                        break
                    }
                }
                map[i] = code
            }
            batch = batchEnd
        }
        touchSinks[k].unsafelyUnwrapped[from >> 16] = sink
    }

    /// Gives chunk `k`'s values that earlier chunks lack the next codes, in order.
    func assignCodes(chunk k: Int) {
        guard let d = dicts[k], let map = maps[k] else { return }
        let firstCode = Int(nextCode)
        if nextCode == 0 {
            for i in 0..<d.count { map[i] = Int32(truncatingIfNeeded: i) }
            nextCode = Int32(truncatingIfNeeded: d.count)
            runs.append((k, 0..<d.count, nil))
            return
        }
        let firstIndex = newIndices.count
        for i in 0..<d.count where map[i] < 0 {
            map[i] = nextCode
            nextCode += 1
            newIndices.append(UInt32(truncatingIfNeeded: i))
        }
        if Int(nextCode) > firstCode {
            runs.append((k, firstCode..<Int(nextCode), firstIndex..<newIndices.count))
        }
    }

    /// The final dictionary: every value's bytes copied, in code order, into one buffer. Each
    /// chunk's bytes are handed back as they are copied and freed after, so the column's text is
    /// held about once, not twice, at the peak.
    func makeDictionary() {
        let count = Int(nextCode)
        guard count > 0 else { return }
        var total = 0
        for run in runs { total += bytes(of: run) }
        if total <= Int(UInt32.max) {
            let (bytes, offsets) = copyValues(count: count, total: total, offsetType: UInt32.self)
            dictionary = TextDictionary(bytes: bytes, offsets32: offsets)
        } else {
            let (bytes, offsets) = copyValues(count: count, total: total, offsetType: Int.self)
            dictionary = TextDictionary(bytes: bytes, offsets: offsets)
        }
    }

    /// The chunk value behind the `j`-th code of `run`.
    private func index(_ run: (chunk: Int, codes: Range<Int>, indices: Range<Int>?), _ j: Int) -> Int {
        guard let indices = run.indices else { return j }
        return Int(newIndices[indices.lowerBound + j])
    }

    private func bytes(of run: (chunk: Int, codes: Range<Int>, indices: Range<Int>?)) -> Int {
        let dict = dicts[run.chunk].unsafelyUnwrapped
        if run.indices == nil { return dict.run(from: 0, to: run.codes.count).1 }
        var n = 0
        for j in 0..<run.codes.count { n += dict.entry(index(run, j)).1 }
        return n
    }

    private func copyValues<O: FixedWidthInteger>(count: Int, total: Int, offsetType: O.Type) -> ([UInt8], [O]) {
        var offsets = [O](repeating: 0, count: count + 1)
        for run in runs {
            let dict = dicts[run.chunk].unsafelyUnwrapped
            for j in 0..<run.codes.count {
                let code = run.codes.lowerBound + j
                offsets[code + 1] = offsets[code] + O(truncatingIfNeeded: dict.entry(index(run, j)).1)
            }
        }
        let bytes = [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            initialized = total
            guard let base = buffer.baseAddress else { return }
            for run in runs {
                let dict = dicts[run.chunk].unsafelyUnwrapped
                if run.indices == nil {
                    // The first chunk's values, back to back in its arena: one copy.
                    let (p, n) = dict.run(from: 0, to: run.codes.count)
                    CSVMove.copyReleasing(UnsafeMutablePointer(mutating: p), to: base + Int(offsets[run.codes.lowerBound]), count: n)
                } else {
                    // A later chunk's new values, in the order they sit in its arena: it is read
                    // front to back and handed back as the copy moves on.
                    var behind = CSVReleaseBehind(dict.run(from: 0, to: 0).0)
                    for j in 0..<run.codes.count {
                        let (p, n) = dict.entry(index(run, j))
                        (base + Int(offsets[run.codes.lowerBound + j])).update(from: p, count: n)
                        behind.consumed(upTo: UnsafeRawPointer(p))
                    }
                }
                chunks[run.chunk].cols[column].dict?.releaseEntries()
            }
        }
        return (bytes, offsets)
    }

    func takeDictionary() -> TextDictionary {
        let result = dictionary
        dictionary = TextDictionary()
        return result
    }

    /// Every row's final code, one byte or two per row when the dictionary is small enough.
    func codes(rowBases: [Int], total: Int) -> TextCodes {
        guard total > 0 else { return .bytes([]) }
        let distinct = Int(nextCode)
        if distinct > Int(UInt16.max) + 1 {
            let firstWithValues = maps.firstIndex { $0 != nil }
            if firstWithValues == 0, chunks[0].cols[column].codeShift == 2,
               let box = chunks[0].cols[column].box, box.kind == .text, box.capacity >= total,
               case .text(.words(var array), _)? = box.take() {
                array.removeLast(array.count - total)
                array.withUnsafeMutableBufferPointer { buffer in fillCodes(buffer.baseAddress.unsafelyUnwrapped, rowBases: rowBases) }
                return .words(array)
            }
        }
        return TextCodes.make(count: total, dictionaryCount: distinct) { buffer in
            switch buffer {
            case .bytes(let b): fillCodes(b.baseAddress.unsafelyUnwrapped, rowBases: rowBases)
            case .shorts(let b): fillCodes(b.baseAddress.unsafelyUnwrapped, rowBases: rowBases)
            case .words(let b): fillCodes(b.baseAddress.unsafelyUnwrapped, rowBases: rowBases)
            }
        }
    }

    /// Writes the final codes at `base` (which may be the first chunk's own codes, read in place).
    private func fillCodes<C: TextCode>(_ base: UnsafeMutablePointer<C>, rowBases: [Int]) {
        let firstWithValues = maps.firstIndex { $0 != nil }
        for (k, chunk) in chunks.enumerated() {
            let dest = base + rowBases[k]
            let n = chunk.rowCount
            let b = chunk.cols[column]
            guard b.kind == .text, let v = b.values, let map = maps[k] else {
                dest.initialize(repeating: 0, count: n)
                continue
            }
            switch b.codeShift {
            case 0: copyCodes(v.assumingMemoryBound(to: UInt8.self), to: dest, n, map: k == firstWithValues ? nil : map)
            case 1: copyCodes(v.assumingMemoryBound(to: UInt16.self), to: dest, n, map: k == firstWithValues ? nil : map)
            default: copyCodes(v.assumingMemoryBound(to: Int32.self), to: dest, n, map: k == firstWithValues ? nil : map)
            }
        }
    }

    /// A chunk's codes into the final ones: through `map`, or as they are for the first chunk
    /// (whose codes are already final; `source` may then be `dest` itself, read in place).
    private func copyCodes<S: TextCode, C: TextCode>(_ source: UnsafeMutablePointer<S>, to dest: UnsafeMutablePointer<C>,
                                                     _ n: Int, map: UnsafeMutablePointer<Int32>?) {
        if let map {
            for r in 0..<n { dest[r] = C(truncatingIfNeeded: map[Int(source[r])]) }
        } else if UnsafeMutableRawPointer(dest) != UnsafeMutableRawPointer(source) {
            for r in 0..<n { dest[r] = C(truncatingIfNeeded: source[r]) }
        }
    }
}
