// Reads one CSV file: encoding, delimiter and header, parallel chunk parsing, and the
// file-wide decisions (types, decimal comma, date order) that turn chunks into a table.

struct CSVFileReader {
    let path: String
    let name: String
    var options: CSVOptions
    let chunkCount: Int?
    /// The bytes are a private file mapping (pages may be released once parsed).
    var mapped = false
    /// The mapping, for a table that reads columns later.
    var mapping: CSVMapping?
    private var originalBytes: (base: UnsafePointer<UInt8>, count: Int)?
    var warnings: [CSVWarning] = []
    var encoding = "utf-8"
    /// The bytes were produced by a decoder (no BOM or UTF-16 sniffing any more).
    private var decoded = false

    init(path: String, name: String, options: CSVOptions, chunkCount: Int?) {
        self.path = path
        self.name = name
        self.options = options
        self.chunkCount = chunkCount
    }

    func malformed(_ message: String, row: Int? = nil, column: Int? = nil) -> CSVError {
        CSVError(kind: .malformed, path: path, row: row, column: column, message: message)
    }

    // MARK: - Encoding

    mutating func read(_ p: UnsafePointer<UInt8>, count n: Int) throws(CSVError) -> LoadedTable {
        if n == 0 { throw malformed("the file is empty", row: 1) }
        if !decoded { originalBytes = (p, n) }
        var start = 0
        if !decoded {
            if n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF {
                start = 3
            } else if n >= 2 && p[0] == 0xFF && p[1] == 0xFE {
                return try readDecoded(CSVEncoding.decodeUTF16(p + 2, count: n - 2, bigEndian: false),
                                       encoding: "utf-16le")
            } else if n >= 2 && p[0] == 0xFE && p[1] == 0xFF {
                return try readDecoded(CSVEncoding.decodeUTF16(p + 2, count: n - 2, bigEndian: true),
                                       encoding: "utf-16be")
            } else if n >= 4 && p[0] == 0x50 && p[1] == 0x4B && p[2] == 0x03 && p[3] == 0x04 {
                throw malformed("this is a zip file (perhaps an Excel .xlsx workbook), not a CSV file; "
                    + "save it as CSV first", row: 1)
            } else if n >= 4 && p[0] == 0xD0 && p[1] == 0xCF && p[2] == 0x11 && p[3] == 0xE0 {
                throw malformed("this is an Excel .xls workbook, not a CSV file; save it as CSV first", row: 1)
            } else if let bigEndian = CSVEncoding.sniffUTF16(p, count: n) {
                return try readDecoded(CSVEncoding.decodeUTF16(p, count: n, bigEndian: bigEndian),
                                       encoding: bigEndian ? "utf-16be" : "utf-16le")
            }
        }
        let body = p + start
        let count = n - start
        if count == 0 { throw malformed("the file is empty", row: 1) }
        if !decoded {
            // Optimistically read the bytes as UTF-8: every byte that is not ASCII or a NUL
            // ends up in a text value, and text values are checked once per distinct value.
            // Only when one fails (or the read fails) is the whole file checked and decoded.
            let saved = warnings
            do {
                if let loaded = try readText(body, end: count, lazily: true) { return loaded }
            } catch {
                if error.kind == .cancelled { throw error }
                let scan = CSVEncoding.scanParallel(body, count: count, threads: CSVParallel.processorCount)
                if scan.valid && scan.nulCount == 0 { throw error }
            }
            warnings = saved
        }
        let scan = CSVEncoding.scanParallel(body, count: count, threads: CSVParallel.processorCount)
        if !scan.valid {
            // Not UTF-8: which encoding it is, is a guess from the bytes, and said.
            if CSVShiftJIS.looksLikeShiftJIS(body, count: count), let decoded = CSVShiftJIS.decode(body, count: count) {
                warnings.append(CSVWarning(message: "the file is not UTF-8; its bytes read as Shift-JIS (Japanese), "
                    + "so it is read so (a guess: if its text looks wrong, save it as UTF-8)"))
                return try readDecoded(decoded, encoding: "shift-jis")
            }
            warnings.append(CSVWarning(message: "the file is not UTF-8; it is read as Windows-1252 (Western European), "
                + "a guess: if its text looks wrong, save it as UTF-8"))
            return try readDecoded(CSVEncoding.decodeWindows1252(body, count: count), encoding: "windows-1252")
        }
        if scan.nulCount > 0 {
            // NUL bytes never belong in a text CSV. A few (a stray byte in a CRM export) are
            // removed with a warning; many mean a binary file, which is an error.
            let line = CSVEncoding.line(of: scan.firstNul, in: body, count: count)
            if scan.nulCount >= 16 && scan.nulCount * 50 > count {
                throw malformed("the file contains binary data (NUL bytes, the first on row \(line)); "
                    + "it does not look like a CSV text file", row: line)
            }
            let plural = scan.nulCount == 1 ? "byte" : "bytes"
            warnings.append(CSVWarning(row: line, message: "removed \(scan.nulCount) NUL \(plural) (0x00) from the file; "
                + "the first was on row \(line)"))
            return try readDecoded(CSVEncoding.stripNULs(body, count: count), encoding: encoding)
        }
        guard let loaded = try readText(body, end: count, lazily: false) else {
            throw malformed("the file could not be decoded")
        }
        return loaded
    }

    private mutating func readDecoded(_ bytes: [UInt8], encoding: String) throws(CSVError) -> LoadedTable {
        if mapped && !decoded, let original = originalBytes {
            // The decoded copy replaces the mapped file; drop the file's pages.
            CSVChunk.releasePages(original.base, count: original.count)
        }
        var next = self
        next.encoding = encoding
        next.decoded = true
        let result: Result<LoadedTable, CSVError> = bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, buffer.count > 0 else {
                return .failure(malformed("the file is empty", row: 1))
            }
            do throws(CSVError) {
                return .success(try next.read(base, count: buffer.count))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    // MARK: - Structure

    /// Reads UTF-8 text. When `lazily`, returns nil as soon as a text value turns out not to be
    /// clean UTF-8 (the caller then checks and decodes the whole file first).
    private mutating func readText(_ data: UnsafePointer<UInt8>, end: Int, lazily: Bool) throws(CSVError)
        -> LoadedTable? {
        let warningsBeforeHeader = warnings
        let delimiter: UInt8
        if let d = options.delimiter {
            guard d != CSVByte.quote && d != CSVByte.lf && d != CSVByte.cr && d != 0 else {
                throw malformed("the delimiter cannot be a quote, a line break or NUL")
            }
            delimiter = d
        } else {
            delimiter = CSVSniffer.delimiter(data, end: end)
        }

        let quotedSample = CSVSniffer.quotedSample(data, end: end, delimiter: delimiter)
        let quoting = options.quoting ?? CSVSniffer.quotesAreQuoting(data, end: end, delimiter: delimiter, quoted: quotedSample)
        if !quoting && options.quoting == nil {
            warnings.append(CSVWarning(message: "the quotes in this file are not CSV quoting (read as quoting, they would join lines "
                + "into one row, while each line alone has the header's fields), so a \" is read as an ordinary character; "
                + "say `quotes true` to read them as quoting"))
        }

        let quote = quoting && CSVSniffer.quotesWithApostrophe(data, end: end, delimiter: delimiter) ? UInt8(ascii: "'") : CSVByte.quote
        if quote != CSVByte.quote {
            warnings.append(CSVWarning(message: "this file quotes its fields with ' (apostrophes), not \": read so, since its fields "
                + "in apostrophes hold the delimiter; say `quotes false` to read ' as an ordinary character"))
        }
        let backslashEscapes = quoting && CSVSniffer.escapesWithBackslash(quotedSample)
        if backslashEscapes {
            warnings.append(CSVWarning(message: "quotes inside quoted fields are escaped with a backslash (\\\") in this file; read as quotes"))
        }

        // Header: the first non-blank record, after any title lines above it.
        var tok = CSVTokenizer(data: data, end: end, delimiter: delimiter, pos: 0, quoting: quoting)
        tok.backslashEscapes = backslashEscapes
        tok.quote = quote
        defer { tok.release() }
        while tok.pos < end && tok.skipBlankLine() {}
        if tok.pos >= end { throw malformed("the file is empty (it has only empty lines)", row: 1) }
        if options.header != false {
            let counts = CSVSniffer.sample(data, end: end, start: tok.pos, delimiter: delimiter,
                                           maxRecords: 20 + CSVSniffer.maxPreambleLines, quoting: quoting, quote: quote).counts
            let titles = CSVSniffer.preambleRecords(counts)
            if titles > 0 {
                let firstLine = tok.line + 1
                var skipped: [String] = []
                for _ in 0..<titles {
                    while tok.pos < end && tok.skipBlankLine() {}
                    tok.next()
                    skipped.append(CSVFileReader.shorten(CSVFileReader.trim(String(decoding: UnsafeBufferPointer(start: tok.fieldPtr, count: tok.fieldLen), as: UTF8.self))))
                    while tok.term == 0 { tok.next() }
                }
                while tok.pos < end && tok.skipBlankLine() {}
                let lines = titles == 1 ? "row \(firstLine) is a title" : "rows \(firstLine) to \(tok.line) are titles"
                warnings.append(CSVWarning(row: firstLine, message: "\(lines), not the header: \(skipped.map { "\"\($0)\"" }.joined(separator: ", ")); "
                    + "the header is row \(tok.line + 1)"))
            }
        }
        let headerStart = tok.pos
        let headerLine = tok.line + 1
        var rawNames: [String] = []
        var headerDirty = false
        while true {
            tok.next()
            if lazily && !CSVTextDictionary.isClean(tok.fieldPtr, tok.fieldLen) { headerDirty = true }
            rawNames.append(String(decoding: UnsafeBufferPointer(start: tok.fieldPtr, count: tok.fieldLen),
                                   as: UTF8.self))
            if tok.term != 0 { break }
            if rawNames.count == CSVFileReader.maxColumns {
                // Each column costs buffers per parallel chunk: 2,000,000 one-character columns
                // (a 20 MB file) took 2 GB and half a minute.
                throw malformed("the header has more than \(CSVFileReader.maxColumns) columns; funnel reads at most that many "
                    + "(if this is not a CSV export, or the delimiter was guessed wrong, say it: delimiter \";\")",
                    row: headerLine, column: rawNames.count + 1)
            }
        }
        if tok.unterminatedLine >= 0 {
            throw malformed("row \(tok.unterminatedLine + 1): the quote that opens field \(rawNames.count) is never closed",
                            row: tok.unterminatedLine + 1, column: rawNames.count)
        }
        if headerDirty { return nil }
        // A note after the rows (a blank line, then "Updated 2025-05-28") is not a row.
        var end = end
        if rawNames.count >= 2, tok.pos < end, let footer = CSVSniffer.footer(data, start: tok.pos, end: end, delimiter: delimiter) {
            let line = CSVEncoding.line(of: footer.offset, in: data, count: end) + 1
            let text = footer.lines.map { CSVFileReader.shorten(CSVFileReader.trim($0)) }.joined(separator: " / ")
            warnings.append(CSVWarning(row: line, message: "the file ends with a note after a blank line, not a row: \(text) "
                + "(row \(line)\(footer.lines.count > 1 ? " to \(line + footer.lines.count - 1)" : "")); it is left out"))
            end = footer.offset
        }
        // Rows of nothing but delimiters below the data (a spreadsheet's formatted empty rows).
        if rawNames.count >= 2, tok.pos < end, let empty = CSVSniffer.emptyRecordsAtEnd(data, start: tok.pos, end: end, delimiter: delimiter) {
            let line = CSVEncoding.line(of: empty.offset, in: data, count: end)
            warnings.append(CSVWarning(row: line, message: "\(empty.count == 1 ? "the last row is" : "the last \(empty.count) rows are") empty "
                + "(only delimiters, from row \(line)); left out"))
            end = empty.offset
        }
        // Totals rows at the bottom (ad reports, spreadsheets) are sums of the rows, not rows.
        if rawNames.count >= 2, tok.pos < end, let totals = CSVSniffer.totalsRows(data, start: tok.pos, end: end, delimiter: delimiter) {
            let line = CSVEncoding.line(of: totals.offset, in: data, count: end)
            let labels = totals.lines.map { CSVFileReader.shorten(CSVFileReader.trim($0)) }.joined(separator: " / ")
            warnings.append(CSVWarning(row: line, message: "the last \(totals.lines.count == 1 ? "row is a totals row" : "\(totals.lines.count) rows are totals rows"), "
                + "not data: \(labels) (row \(line)\(totals.lines.count > 1 ? " to \(line + totals.lines.count - 1)" : "")); left out, so that sums are not counted twice"))
            end = totals.offset
        }
        let headerless = options.header == false
        let names = headerless ? (1...rawNames.count).map { "column_\($0)" } : cleanNames(rawNames, headerLine: headerLine)
        let dataStart = headerless ? headerStart : tok.pos
        let dataLine = headerless ? headerLine : tok.line + 1

        var forced = [ColumnType?](repeating: nil, count: names.count)
        for (columnName, type) in options.columnTypes.sorted(by: { $0.key < $1.key }) {
            guard let index = names.firstIndex(of: columnName) else {
                throw malformed("cannot read column \"\(columnName)\" as \(type.rawValue): there is no such column "
                    + "(the columns are \(names.joined(separator: ", ")))")
            }
            forced[index] = type
        }
        // A plan sheet with months across is turned once read; its time column is made then.
        let across = headerless ? nil : MonthsAcross(headers: rawNames)
        if let time = options.timeColumn, !names.contains(time), time != across?.periodName {
            throw malformed("the time column \"\(time)\" does not exist (the columns are \(names.joined(separator: ", ")))")
        }
        let separator: CSVNumber.Separator
        switch options.decimalComma {
        case true?: separator = .comma
        case false?: separator = .point
        case nil: separator = delimiter == CSVByte.semicolon ? .either : .point
        }
        let order: CSVTemporal.Order
        switch options.dateOrder {
        case .dayFirst?: order = CSVTemporal.dayFirst
        case .monthFirst?: order = CSVTemporal.monthFirst
        case .shortYearFirst?: order = CSVTemporal.shortYearFirst
        case nil: order = CSVTemporal.unknownOrder
        }
        var settings = CSVParseSettings(delimiter: delimiter, separator: separator, dateOrder: order,
                                        forced: forced, isCancelled: options.isCancelled)
        settings.quoting = quoting
        settings.backslashEscapes = backslashEscapes
        // Columns the script does not read: typed, not kept. Only from a file mapping, which
        // the table keeps to read them later (a decoded copy would cost the file's size).
        if let keep = options.columnsToRead, mapping != nil, !decoded, options.datePattern == nil, across == nil {
            let unread = names.map { !keep.contains($0) && $0 != options.timeColumn }
            if unread.contains(true) { settings.unread = unread }
        }
        settings.quote = quote

        // Chunks, parsed in parallel from guessed starts, then verified in order.
        let bytes = end - dataStart
        let sampled = CSVSniffer.sample(data, end: end, start: dataStart, delimiter: delimiter, maxRecords: 256, quoting: quoting, quote: quote)
        let bytesPerRow = sampled.counts.isEmpty ? 64.0 : max(1.0, Double(sampled.bytes) / Double(sampled.counts.count))
        var parts = max(1, chunkCount ?? (bytes < (2 << 20) ? 1 : min(CSVParallel.processorCount, 16)))
        // Chunks stay under 1 GiB so chunk-local row numbers fit 32 bits.
        parts = max(parts, bytes / (1 << 30) + 1)
        // A whole number of rounds on the cores: five chunks on two cores would leave one
        // core idle while the fifth is read.
        let cores = CSVParallel.processorCount
        if chunkCount == nil && parts > cores { parts = (parts + cores - 1) / cores * cores }
        var starts = [dataStart]
        starts += CSVSniffer.splitPoints(data, start: dataStart, end: end, parts: parts, releasing: mapped && !decoded)
        var chunks: [CSVChunk] = []
        let allRows = Int(Double(end - dataStart) / bytesPerRow * 1.05) + 64
        for k in 0..<starts.count {
            let limit = k + 1 < starts.count ? starts[k + 1] : end
            let estimate = Int(Double(limit - starts[k]) / bytesPerRow * 1.03) + 64
            chunks.append(CSVChunk(data: data, dataEnd: end, start: starts[k], limit: limit,
                                   estimatedRows: estimate, settings: settings, releaseBehind: mapped && !decoded,
                                   boxed: k == 0, reserveRows: allRows))
        }
        let shared = UnsafeSendable(chunks)
        CSVParallel.forEach(chunks.count) { k in shared.value[k].parse() }

        var lineBases: [Int] = []
        for k in chunks.indices {
            if k > 0 && chunks[k].start != chunks[k - 1].end { chunks[k].restart(at: chunks[k - 1].end) }
            lineBases.append(k == 0 ? dataLine : lineBases[k - 1] + chunks[k - 1].lines)
            if let failure = chunks[k].failure {
                if case .needsDecoding = failure, lazily { return nil }
                throw error(failure, lineBase: lineBases[k], names: names, forced: forced)
            }
        }
        try checkCancelled()

        var assembly = CSVAssembly(chunks: chunks, names: names, settings: settings, lineBases: lineBases)
        try assembly.decideTypes(reader: self)
        /// The file read again with its first record as data (this is rare, and the first
        /// pass's buffers are freed), saying so.
        func readWithoutHeader() throws(CSVError) -> LoadedTable? {
            var next = self
            next.options.header = false
            next.warnings = warningsBeforeHeader
            next.warnings.append(CSVWarning(row: headerLine, message: "the first row looks like data, not a header "
                + "(its values have the types of the columns below), so the file is read without a header: "
                + "the columns are called column_1 to column_\(rawNames.count); say `header true` if it is a header"))
            return try next.readText(data, end: end, lazily: lazily)
        }
        // The "header" is typed like the rows below it: the file has no header.
        if options.header == nil, assembly.firstRecordIsData(rawNames) { return try readWithoutHeader() }
        let typeNotes = assembly.explainTextColumns()
        warnings += assembly.warnings
        try checkCancelled()
        assembly.rescan()
        try checkCancelled()
        if lazily && chunks.contains(where: { $0.hasDirtyText }) { return nil }
        if chunks.contains(where: { $0.hasOverflowedText }) {
            throw malformed("the text in this file is too large to load (over 4 GB in one part of the file)",
                            row: dataLine)
        }
        // Unread columns whose values the decisions below depend on are read now.
        let readLate = assembly.unreadColumnsToRead()
        let built = try assembly.buildColumns(reader: self)
        let late = try assembly.readUnread(readLate, reader: self)
        if lazily && !late.notUTF8.isEmpty { return nil }
        var columns = placed(built + late.columns, names: names)
        // Text columns written for people ($1,234.56, 12.5%, Jan 2024, 2024-Q1) read again.
        var readAs: [String: String] = [:]
        var decimalCommaColumns: [(column: Int, asText: Column)] = []
        for c in columns.indices where forced[c] == nil && !assembly.isUnread(c) && columns[c].type == .text {
            let said: Character? = options.decimalComma.map { $0 ? "," : "." }
            guard let recognised = CSVFormattedValues.recognise(columns[c], europeanFile: delimiter == CSVByte.semicolon, decimalMark: said) else { continue }
            if recognised.foundDecimalComma { decimalCommaColumns.append((c, columns[c])) }
            columns[c] = recognised.column
            readAs[columns[c].name] = recognised.note
        }
        if delimiter != CSVByte.semicolon, let first = decimalCommaColumns.first {
            // Whether points group thousands is decided over every column of numbers.
            let unreadNumbers = columns.indices.filter { assembly.isUnread($0) && assembly.kinds[$0] == .decimal }
            let read = try assembly.readUnread(unreadNumbers, reader: self).columns
            for (c, column) in zip(unreadNumbers, read) { columns[c] = column }
            try settleDecimalMark(&columns, readAs: &readAs, commaColumns: decimalCommaColumns, example: first.column,
                                  assembly: &assembly, forced: forced)
        }
        if let pattern = options.datePattern {
            for c in columns.indices where forced[c] == nil && readAs[columns[c].name] == nil && (columns[c].type == .text || columns[c].type == .integer) {
                guard let recognised = CSVFormattedValues.withPattern(columns[c], pattern) else { continue }
                columns[c] = recognised.column
                readAs[columns[c].name] = recognised.note
            }
        }

        var shortRows = 0
        var firstShort = 0
        var paddedRows = 0
        var firstPadded = 0
        var strayQuotes = 0
        var firstStray = 0
        for (k, chunk) in chunks.enumerated() {
            if chunk.strayQuotes > 0 {
                if strayQuotes == 0 { firstStray = lineBases[k] + chunk.firstStrayQuoteLine }
                strayQuotes += chunk.strayQuotes
            }
            if chunk.shortRows > 0 {
                if shortRows == 0 { firstShort = lineBases[k] + chunk.firstShortLine }
                shortRows += chunk.shortRows
            }
            if chunk.paddedRows > 0 {
                if paddedRows == 0 { firstPadded = lineBases[k] + chunk.firstPaddedLine }
                paddedRows += chunk.paddedRows
            }
        }
        if shortRows > 0 {
            let what = shortRows == 1 ? "1 row had" : "\(shortRows) rows had"
            warnings.append(CSVWarning(row: firstShort, message: "\(what) fewer fields than the header "
                + "(the first is row \(firstShort)); the missing fields are empty"))
        }
        if strayQuotes > 0 {
            let what = strayQuotes == 1 ? "1 quote inside a quoted field is" : "\(strayQuotes) quotes inside quoted fields are"
            warnings.append(CSVWarning(row: firstStray, message: "\(what) not doubled (\"\" is a quote inside quotes; the first is on row \(firstStray)); "
                + "read as part of the value where the field closes later on its line, else the field ends there and the text after the quote is kept"))
        }
        if paddedRows > 0 {
            let what = paddedRows == 1 ? "1 row had" : "\(paddedRows) rows had"
            warnings.append(CSVWarning(row: firstPadded, message: "\(what) empty fields after the last column "
                + "(the first is row \(firstPadded)); they were ignored"))
        }

        // A "header" whose values read as the people-written numbers or dates below them
        // ("Dec 8, 2022" above "Sep 26, 2022") is a row: read again without a header.
        if options.header == nil, !readAs.isEmpty, rawNames.count == columns.count,
           columns.indices.allSatisfy({ c in readAs[columns[c].name] == nil || CSVFormattedValues.fits(rawNames[c], columns[c].type) }),
           assembly.firstRecordIsData(rawNames, orRecognised: true) {
            return try readWithoutHeader()
        }
        let types = columns.indices.map { c in assembly.isUnread(c) ? assembly.kinds[c].columnType : columns[c].type }
        let timeColumn = across == nil ? try chooseTimeColumn(names: names, types: types) : nil
        let rowCount = chunks.reduce(0) { $0 + $1.rowCount }
        var table: Table
        let unreadIndices = columns.indices.filter { assembly.isUnread($0) }
        if unreadIndices.isEmpty {
            table = Table(name: name, columns: columns, rowCount: rowCount, timeColumn: timeColumn)
        } else {
            for chunk in chunks { chunk.releaseUnread() }
            var unreadTypes: [String: ColumnType] = [:]
            var indices: [String: Int] = [:]
            for c in unreadIndices {
                unreadTypes[names[c]] = types[c]
                indices[names[c]] = c
            }
            let unread = UnreadColumns(names: unreadIndices.map { names[$0] }, types: unreadTypes, indices: indices,
                                       assembly: assembly, reader: self)
            table = Table(name: name, columns: columns.indices.filter { !assembly.isUnread($0) }.map { columns[$0] },
                          unread: unread, order: names, rowCount: rowCount, timeColumn: timeColumn)
        }
        table.typeNotes = typeNotes.filter { readAs[$0.key] == nil }
        table.readAs = readAs
        if let across {
            table = try across.transposed(table, headers: rawNames, dataLine: dataLine, path: path)
            if let wanted = options.timeColumn, wanted != across.periodName {
                throw malformed("the time column \"\(wanted)\" does not exist: the sheet's \(across.periodName)s across are read as a column \"\(across.periodName)\"")
            }
        }
        return LoadedTable(table: table, warnings: warnings, delimiter: delimiter, encoding: encoding)
    }

    func checkCancelled() throws(CSVError) {
        if let cancelled = options.isCancelled, cancelled() {
            throw CSVError(kind: .cancelled, path: path, message: "loading \(path) was cancelled")
        }
    }

    /// The widest header read. CRM exports run to a few hundred columns; the bound stops a file
    /// of millions of commas from taking gigabytes.
    static let maxColumns = 65_536

    /// Trims names, names empty ones `column_N`, and suffixes repeats `_2`, `_3`, … One warning
    /// per repeated name and one for all unnamed columns, and linear in the header's width (a
    /// header of 40,000 copies of one name must not restart its count per copy).
    private mutating func cleanNames(_ raw: [String], headerLine: Int) -> [String] {
        var trimmed: [String] = []
        trimmed.reserveCapacity(raw.count)
        var unnamed: [Int] = []
        for (i, name) in raw.enumerated() {
            let t = CSVFileReader.trim(name)
            if t.isEmpty {
                trimmed.append("column_\(i + 1)")
                unnamed.append(i + 1)
            } else {
                trimmed.append(t)
            }
        }
        if let first = unnamed.first {
            let message = unnamed.count == 1
                ? "column \(first) has no name; it is called column_\(first)"
                : "\(unnamed.count) columns have no name; they are called column_N by position (\(CSVFileReader.sample(unnamed.map { "column_\($0)" })))"
            warnings.append(CSVWarning(row: headerLine, column: "column_\(first)", message: message))
        }
        let written = Set(trimmed)
        var used = Set<String>()
        used.reserveCapacity(trimmed.count)
        var nextSuffix: [String: Int] = [:]
        var renamed: [(name: String, firstColumn: Int, names: [String])] = []
        var renamedIndex: [String: Int] = [:]
        var result: [String] = []
        result.reserveCapacity(trimmed.count)
        for (i, name) in trimmed.enumerated() {
            var final = name
            if used.contains(name) {
                var k = nextSuffix[name] ?? 2
                while used.contains("\(name)_\(k)") || written.contains("\(name)_\(k)") { k += 1 }
                final = "\(name)_\(k)"
                nextSuffix[name] = k + 1
                if let at = renamedIndex[name] {
                    renamed[at].names.append(final)
                } else {
                    renamedIndex[name] = renamed.count
                    renamed.append((name, i + 1, [final]))
                }
            }
            used.insert(final)
            result.append(final)
        }
        for (name, firstColumn, names) in renamed {
            let message = names.count == 1
                ? "the column name \"\(name)\" is used more than once; column \(firstColumn) is called \(names[0])"
                : "the column name \"\(name)\" is used \(names.count + 1) times; the repeats are called \(CSVFileReader.sample(names))"
            warnings.append(CSVWarning(row: headerLine, column: names[0], message: message))
        }
        return result
    }

    /// `a, b, c` or, for a long list, `a, b, …, z`.
    static func sample(_ names: [String]) -> String {
        names.count <= 4 ? names.joined(separator: ", ") : "\(names[0]), \(names[1]), …, \(names[names.count - 1])"
    }

    static func trim(_ s: String) -> String {
        var scalars = Substring(s).unicodeScalars[...]
        while let f = scalars.first, f == " " || f == "\t" { scalars.removeFirst() }
        while let l = scalars.last, l == " " || l == "\t" { scalars.removeLast() }
        return String(scalars)
    }

    private func chooseTimeColumn(names: [String], types: [ColumnType]) throws(CSVError) -> String? {
        if let wanted = options.timeColumn {
            guard let c = names.firstIndex(of: wanted) else {
                throw malformed("the time column \"\(wanted)\" does not exist")
            }
            guard types[c].isTemporal else {
                throw malformed("the time column \"\(wanted)\" holds \(CSVFileReader.describe(types[c])), "
                    + "not dates or timestamps")
            }
            return wanted
        }
        let temporal = names.indices.filter { types[$0].isTemporal }
        return temporal.count == 1 ? names[temporal[0]] : nil
    }

    /// The columns built (read ones in file order, then those read late, in their order) at
    /// their places among all the file's columns; an unread column's place holds an empty
    /// stand-in that nothing reads.
    private func placed(_ built: [Column], names: [String]) -> [Column] {
        var byName: [String: Column] = [:]
        for column in built { byName[column.name] = column }
        return names.map { name in
            byName[name] ?? Column(name: name, storage: .text(codes: [], dictionary: []))
        }
    }

    static func describe(_ type: ColumnType) -> String {
        switch type {
        case .integer: return "whole numbers"
        case .decimal: return "numbers"
        case .boolean: return "true/false values"
        case .date: return "dates"
        case .timestamp: return "dates with times"
        case .text: return "text"
        }
    }

    static func expectation(_ type: ColumnType) -> String {
        switch type {
        case .integer: return "a whole number"
        case .decimal: return "a number"
        case .boolean: return "true/false or yes/no"
        case .date: return "a date"
        case .timestamp: return "a date and time"
        case .text: return "text"
        }
    }

    /// A `,` file whose quoted amounts were found to have decimal commas (`"1,76"`): the
    /// numbers read with a decimal point elsewhere in the file are either thousands (`24.197`,
    /// when every point groups three digits, as a German export writes them), read again so,
    /// or a second decimal mark, and then the comma columns go back to text: one file, one mark.
    private mutating func settleDecimalMark(_ columns: inout [Column], readAs: inout [String: String],
                                            commaColumns: [(column: Int, asText: Column)], example: Int,
                                            assembly: inout CSVAssembly, forced: [ColumnType?]) throws(CSVError) {
        let pointColumns = columns.indices.filter { c in
            forced[c] == nil && columns[c].type == .decimal && readAs[columns[c].name] == nil
                && assembly.firstValueWithPoint(c) != nil
        }
        guard !pointColumns.isEmpty else { return }
        let commaName = columns[example].name
        if pointColumns.allSatisfy({ assembly.pointsMayGroupThousands($0) }) {
            let rebuilt = try assembly.rebuiltAsText(pointColumns, reader: self)
            for (c, text) in zip(pointColumns, rebuilt) {
                guard let recognised = CSVFormattedValues.recognise(text, europeanFile: true, decimalMark: ",") else {
                    columns[c] = text
                    warnings.append(CSVWarning(column: text.name, message: "column \(text.name) is read as text: column \(commaName) "
                        + "has decimal commas, so its points would group thousands, but not all of them do; say decimal \".\" or decimal \",\""))
                    continue
                }
                columns[c] = recognised.column
                readAs[text.name] = recognised.note + "; its points group thousands, as the decimal commas in \(commaName) show (say decimal \".\" if they do not)"
            }
            return
        }
        let pointName = columns[pointColumns[0]].name
        let point = assembly.firstValueWithPoint(pointColumns[0]) ?? ""
        for (c, text) in commaColumns {
            columns[c] = text
            readAs[text.name] = nil
            warnings.append(CSVWarning(column: text.name, message: "column \(text.name) is read as text: its numbers have a decimal comma, "
                + "but column \(pointName) has a decimal point (\"\(CSVFileReader.shorten(point))\"); say decimal \",\" or decimal \".\""))
        }
    }

    static func shorten(_ value: String) -> String {
        value.count > 40 ? String(value.prefix(37)) + "…" : value
    }

    func badValue(row: Int, column: Int, names: [String], type: ColumnType, value: String) -> CSVError {
        malformed("row \(row), column \(names[column]): \"\(CSVFileReader.shorten(value))\" is not "
            + "\(CSVFileReader.expectation(type)) (the column is read as \(type.rawValue))",
            row: row, column: column + 1)
    }

    private func error(_ failure: CSVChunkFailure, lineBase: Int, names: [String], forced: [ColumnType?]) -> CSVError {
        switch failure {
        case .extraFields(let line, let fields):
            let row = lineBase + line
            return malformed("row \(row) has \(fields) fields, the header has \(names.count)",
                             row: row, column: names.count + 1)
        case .unterminatedQuote(let line, let column):
            let row = lineBase + line
            return malformed("row \(row): the quote that opens field \(column) is never closed "
                + "(the file ends inside it)", row: row, column: column)
        case .badValue(let line, let column, let value):
            return badValue(row: lineBase + line, column: column, names: names, type: forced[column] ?? .text,
                            value: value)
        case .needsDecoding:
            return malformed("the file's text could not be decoded", row: lineBase)
        case .tooLarge:
            return malformed("the text in this file is too large to load (over 4 GB in one part of the file)",
                             row: lineBase)
        case .cancelled:
            return CSVError(kind: .cancelled, path: path, message: "loading \(path) was cancelled")
        }
    }
}
