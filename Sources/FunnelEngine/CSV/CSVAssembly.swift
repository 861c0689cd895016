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
            for chunk in chunks { kinds[c] = CSVAssembly.join(kinds[c], chunk.cols[c].kind) }
            if kinds[c] == .empty || kinds[c] == .deferred { kinds[c] = .text }
        }
        self.kinds = kinds
        orders = [CSVTemporal.Order](repeating: settings.dateOrder, count: names.count)
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

    /// The first value of `column` (in file order) that `matches`, with its physical row.
    private func firstValue(column: Int, where matches: (UnsafePointer<UInt8>, Int) -> Bool) -> (row: Int, value: String)? {
        for (k, chunk) in chunks.enumerated() {
            if let found = chunk.firstValue(column: column, where: matches) {
                return (lineBases[k] + found.line, found.value)
            }
        }
        return nil
    }

    // MARK: - Decisions

    mutating func decideTypes(reader: CSVFileReader) throws(CSVError) {
        let ncols = names.count
        if settings.separator == .either {
            // Decimal comma: some number was written `12,5` and none `12.5`.
            var anyComma = false
            var anyPoint = false
            var commaColumns: [Int] = []
            for c in 0..<ncols where kinds[c] == .integer || kinds[c] == .decimal {
                var comma = false
                for chunk in chunks {
                    let b = chunk.cols[c]
                    guard b.kind == .integer || b.kind == .decimal else { continue }
                    comma = comma || b.sawComma
                    anyPoint = anyPoint || b.sawPoint
                }
                if comma { commaColumns.append(c) }
                anyComma = anyComma || comma
            }
            if anyComma && anyPoint {
                for c in commaColumns {
                    if settings.forced[c] != nil {
                        let found = firstValue(column: c) { p, n in memchr(p, Int32(CSVByte.comma), n) != nil }
                        let row = found?.row ?? lineBases[0]
                        throw reader.malformed("row \(row), column \(names[c]): \"\(CSVFileReader.shorten(found?.value ?? ""))\" "
                            + "has a decimal comma, but other numbers in the file have a decimal point; "
                            + "say which one the file uses", row: row, column: c + 1)
                    }
                    kinds[c] = .text
                }
            }
        }

        guard settings.dateOrder == CSVTemporal.unknownOrder else { return }
        var evidence = [UInt8](repeating: 0, count: ncols)
        var hasPending = [Bool](repeating: false, count: ncols)
        var fileEvidence: UInt8 = 0
        for c in 0..<ncols where kinds[c] == .date || kinds[c] == .timestamp {
            for chunk in chunks {
                let b = chunk.cols[c]
                guard b.kind == .date || b.kind == .timestamp else { continue }
                evidence[c] |= b.evidence
                if b.pending.count > 0 { hasPending[c] = true }
            }
            fileEvidence |= evidence[c]
        }
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
                warnings.append(CSVWarning(column: names[c], message: "column \(names[c]) mixes dd/mm/yyyy and "
                    + "mm/dd/yyyy dates, so it is read as text"))
                continue
            }
            guard hasPending[c] else { continue }
            if evidence[c] != 0 {
                orders[c] = evidence[c] == 1 ? CSVTemporal.dayFirst : CSVTemporal.monthFirst
            } else if fileEvidence == 1 || fileEvidence == 2 {
                orders[c] = fileEvidence == 1 ? CSVTemporal.dayFirst : CSVTemporal.monthFirst
            } else {
                orders[c] = CSVTemporal.dayFirst
                warnings.append(CSVWarning(column: names[c], message: "dates in column \(names[c]) are ambiguous "
                    + "(dd/mm vs mm/dd); read as dd/mm/yyyy, override with dates \"mm/dd/yyyy\""))
            }
        }
    }

    /// Reads again, as text, every chunk column whose buffer does not hold text but must.
    func rescan() {
        var plans = [[Int]](repeating: [], count: chunks.count)
        for c in 0..<names.count where kinds[c] == .text {
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

    func buildColumns(reader: CSVFileReader) throws(CSVError) -> [Column] {
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
        let shared = UnsafeSendable((self, out, rowBases, total))
        CSVParallel.forEach(ncols) { c in
            let (assembly, out, rowBases, total) = shared.value
            out[c] = assembly.buildColumn(c, rowBases: rowBases, total: total)
        }
        var columns: [Column] = []
        columns.reserveCapacity(ncols)
        for c in 0..<ncols { columns.append(out[c]!) }
        return columns
    }

    /// Fills `total` slots of `T` from each chunk: `copy(chunk builder, destination, rows)`.
    private func gather<T: BitwiseCopyable>(_ type: T.Type, total: Int, rowBases: [Int],
                                            _ fill: (UnsafeMutablePointer<CSVColumnBuilder>, UnsafeMutablePointer<T>, Int, Int) -> Void) -> [T] {
        guard total > 0 else { return [] }
        return [T](unsafeUninitializedCapacity: total) { buffer, initialized in
            let base = buffer.baseAddress.unsafelyUnwrapped
            for (k, chunk) in chunks.enumerated() {
                fill(chunk.cols, base + rowBases[k], chunk.rowCount, k)
            }
            initialized = total
        }
    }

    private func buildColumn(_ c: Int, rowBases: [Int], total: Int) -> Column {
        var tt = CSVTrace.now()
        defer { CSVTrace.mark("col \(names[c])", &tt) }
        let kind = kinds[c]
        let order = orders[c]
        var extraNulls: [Int] = []
        let storage: ColumnStorage
        switch kind {
        case .integer:
            storage = .integer(gather(Int64.self, total: total, rowBases: rowBases) { cols, dest, n, _ in
                let b = cols + c
                if b.pointee.kind == .integer, let v = b.pointee.values {
                    dest.update(from: v.assumingMemoryBound(to: Int64.self), count: n)
                } else {
                    dest.initialize(repeating: 0, count: n)
                }
            })
        case .decimal:
            storage = .decimal(gather(Double.self, total: total, rowBases: rowBases) { cols, dest, n, _ in
                let b = cols + c
                if b.pointee.kind == .decimal, let v = b.pointee.values {
                    dest.update(from: v.assumingMemoryBound(to: Double.self), count: n)
                } else if b.pointee.kind == .integer, let v = b.pointee.values {
                    let src = v.assumingMemoryBound(to: Int64.self)
                    for r in 0..<n { dest[r] = Double(src[r]) }
                } else {
                    dest.initialize(repeating: 0, count: n)
                }
            })
        case .boolean:
            storage = .boolean(gather(Bool.self, total: total, rowBases: rowBases) { cols, dest, n, _ in
                let b = cols + c
                if b.pointee.kind == .boolean, let v = b.pointee.values {
                    let src = v.assumingMemoryBound(to: UInt8.self)
                    for r in 0..<n { dest[r] = src[r] != 0 }
                } else {
                    dest.initialize(repeating: false, count: n)
                }
            })
        case .date:
            storage = .date(gather(Int32.self, total: total, rowBases: rowBases) { cols, dest, n, k in
                let b = cols + c
                guard b.pointee.kind == .date, let v = b.pointee.values else {
                    dest.initialize(repeating: 0, count: n)
                    return
                }
                let src = v.assumingMemoryBound(to: Int32.self)
                dest.update(from: src, count: n)
                for i in 0..<b.pointee.pending.count {
                    let r = Int(b.pointee.pending[i])
                    if let d = CSVTemporal.resolveDate(src[r], order: order) {
                        dest[r] = d
                    } else {
                        dest[r] = 0
                        extraNulls.append(rowBases[k] + r)
                    }
                }
            })
        case .timestamp:
            storage = .timestamp(gather(Int64.self, total: total, rowBases: rowBases) { cols, dest, n, k in
                let b = cols + c
                guard let v = b.pointee.values, b.pointee.kind == .timestamp || b.pointee.kind == .date else {
                    dest.initialize(repeating: 0, count: n)
                    return
                }
                if b.pointee.kind == .timestamp {
                    let src = v.assumingMemoryBound(to: Int64.self)
                    dest.update(from: src, count: n)
                    for i in 0..<b.pointee.pending.count {
                        let r = Int(b.pointee.pending[i])
                        if let s = CSVTemporal.resolveTimestamp(src[r], order: order) {
                            dest[r] = s
                        } else {
                            dest[r] = 0
                            extraNulls.append(rowBases[k] + r)
                        }
                    }
                } else {
                    let src = v.assumingMemoryBound(to: Int32.self)
                    for r in 0..<n { dest[r] = Int64(src[r]) * 86_400 }
                    for i in 0..<b.pointee.pending.count {
                        let r = Int(b.pointee.pending[i])
                        if let d = CSVTemporal.resolveDate(src[r], order: order) {
                            dest[r] = Int64(d) * 86_400
                        } else {
                            dest[r] = 0
                            extraNulls.append(rowBases[k] + r)
                        }
                    }
                }
            })
        case .text, .empty, .deferred:
            storage = buildText(c, rowBases: rowBases, total: total)
        }
        let validity = makeValidity(c, rowBases: rowBases, total: total, extraNulls: extraNulls)
        for chunk in chunks { chunk.cols[c].releaseAll() }
        return Column(name: names[c], storage: storage, validity: validity)
    }

    private func buildText(_ c: Int, rowBases: [Int], total: Int) -> ColumnStorage {
        // The first chunk holding text keeps its dictionary; later chunks' entries are added
        // to it in their order of first appearance, so the result is in file order.
        var merged: CSVTextDictionary?
        var baseChunk = -1
        for (k, chunk) in chunks.enumerated() where chunk.cols[c].kind == .text {
            merged = chunk.cols[c].dict
            chunk.cols[c].dict = nil
            baseChunk = k
            break
        }
        guard var dict = merged else {
            return .text(codes: [Int32](repeating: 0, count: total), dictionary: [])
        }
        let codes = gather(Int32.self, total: total, rowBases: rowBases) { cols, dest, n, k in
            let b = cols + c
            guard b.pointee.kind == .text, let v = b.pointee.values else {
                dest.initialize(repeating: 0, count: n)
                return
            }
            let src = v.assumingMemoryBound(to: Int32.self)
            if k == baseChunk {
                dest.update(from: src, count: n)
                return
            }
            guard let local = b.pointee.dict, local.count > 0 else {
                dest.initialize(repeating: 0, count: n)
                return
            }
            var map = RawBuffer<Int32>(capacity: local.count)
            defer { map.release() }
            dict.reserve(dict.count + local.count)
            // Touch the slot of an entry a little ahead so that cache misses overlap.
            let ahead = 16
            var sink: UInt64 = 0
            for i in 0..<min(ahead, local.count) { sink ^= dict.touch(local.hashes[i]) }
            for i in 0..<local.count {
                if i + ahead < local.count { sink ^= dict.touch(local.hashes[i + ahead]) }
                let (p, len) = local.entry(i)
                map.append(dict.intern(p, len, hash: local.hashes[i]))
            }
            if sink == 1 { map.reserve(map.capacity) }
            for r in 0..<n { dest[r] = map[Int(src[r])] }
        }
        var t2 = CSVTrace.now()
        let strings = CSVAssembly.makeStrings(dict)
        CSVTrace.mark("strings \(names[c])", &t2)
        dict.release()
        return .text(codes: codes, dictionary: strings)
    }

    /// One String per dictionary entry, built on several threads for big dictionaries.
    static func makeStrings(_ dict: CSVTextDictionary) -> [String] {
        let count = dict.count
        guard count > 0 else { return [] }
        return [String](unsafeUninitializedCapacity: count) { buffer, initialized in
            let base = buffer.baseAddress.unsafelyUnwrapped
            let parts = count > 50_000 ? 8 : 1
            let shared = UnsafeSendable((base, dict))
            CSVParallel.forEach(parts) { part in
                let (base, dict) = shared.value
                let from = count / parts * part
                let to = part == parts - 1 ? count : count / parts * (part + 1)
                for i in from..<to {
                    let (p, n) = dict.entry(i)
                    (base + i).initialize(to: String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self))
                }
            }
            initialized = count
        }
    }

    private func makeValidity(_ c: Int, rowBases: [Int], total: Int, extraNulls: [Int]) -> Validity? {
        var nullCount = extraNulls.count
        for chunk in chunks { nullCount += chunk.cols[c].nulls.count }
        guard nullCount > 0 else { return nil }
        var words = [UInt64](repeating: ~0, count: (total + 63) >> 6)
        if total & 63 != 0 { words[words.count - 1] = (UInt64(1) << UInt64(total & 63)) - 1 }
        words.withUnsafeMutableBufferPointer { w in
            let p = w.baseAddress.unsafelyUnwrapped
            for (k, chunk) in chunks.enumerated() {
                let nulls = chunk.cols[c].nulls
                let base = rowBases[k]
                for i in 0..<nulls.count {
                    let r = base + Int(nulls[i])
                    p[r >> 6] &= ~(UInt64(1) << UInt64(r & 63))
                }
            }
            for r in extraNulls { p[r >> 6] &= ~(UInt64(1) << UInt64(r & 63)) }
        }
        return Validity(words: words, count: total)
    }
}
