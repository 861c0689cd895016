// Guesses a file's delimiter, samples record sizes, and picks where parallel chunks start.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum CSVSniffer {
    static let candidates: [UInt8] = [CSVByte.comma, CSVByte.semicolon, CSVByte.tab, CSVByte.pipe]

    /// Field counts of up to `maxRecords` records from `start` (blank lines skipped), and the
    /// bytes they span. Stops after `window` bytes, keeping at least one record.
    static func sample(_ data: UnsafePointer<UInt8>, end: Int, start: Int, delimiter: UInt8,
                       maxRecords: Int, window: Int = 1 << 20, quoting: Bool = true, quote: UInt8 = CSVByte.quote) -> (counts: [Int], bytes: Int) {
        sampleRecords(data, end: end, start: start, delimiter: delimiter, maxRecords: maxRecords, window: window, quoting: quoting, quote: quote).sample
    }

    typealias QuotedSample = (sample: (counts: [Int], bytes: Int), strayQuotes: Int, quotedLineBreaks: Int, unterminated: Bool,
                              afterBackslash: Int, quotedFields: Int)

    /// The first records read with `"` quoting, which the quote decisions share (one pass of
    /// up to 1 MB, not one per decision).
    static func quotedSample(_ data: UnsafePointer<UInt8>, end: Int, delimiter: UInt8) -> QuotedSample {
        sampleRecords(data, end: end, start: 0, delimiter: delimiter, maxRecords: 20_000)
    }

    /// As `sample`, with what the quotes did: quotes that neither closed nor were doubled, and
    /// line breaks inside quoted fields.
    static func sampleRecords(_ data: UnsafePointer<UInt8>, end: Int, start: Int, delimiter: UInt8, maxRecords: Int,
                              window: Int = 1 << 20, quoting: Bool = true, quote: UInt8 = CSVByte.quote)
        -> QuotedSample {
        var tok = CSVTokenizer(data: data, end: end, delimiter: delimiter, pos: start, quoting: quoting)
        tok.quote = quote
        defer { tok.release() }
        var counts: [Int] = []
        var quotedFields = 0
        var lastEnd = start
        while counts.count < maxRecords && tok.pos < end {
            if tok.skipBlankLine() { continue }
            if !counts.isEmpty && tok.pos - start > window { break }
            var fields = 0
            while true {
                let fieldStart = tok.pos
                tok.next()
                if fieldStart < end && data[fieldStart] == quote { quotedFields += 1 }
                fields += 1
                if tok.term != 0 { break }
            }
            if tok.unterminatedLine >= 0 && !counts.isEmpty { break }
            counts.append(fields)
            lastEnd = tok.pos
        }
        return ((counts, lastEnd - start), tok.strayQuotes, tok.quotedLineBreaks, tok.unterminatedLine >= 0, tok.strayQuotesAfterBackslash, quotedFields)
    }

    /// Where a footer starts: up to 5 lines at the end of the file, each a single field (no
    /// delimiter, whole quotes), after a blank line ("Ultima actualizacion: 2025-05-28", "Total"),
    /// in a file of at least 2 columns. Returns the offset of the blank line (the data ends there)
    /// and the footer's lines, or nil.
    static func footer(_ data: UnsafePointer<UInt8>, start: Int, end: Int, delimiter: UInt8) -> (offset: Int, lines: [String])? {
        func isBreak(_ c: UInt8) -> Bool { c == CSVByte.lf || c == CSVByte.cr }
        var lineEnd = end
        while lineEnd > start && isBreak(data[lineEnd - 1]) { lineEnd -= 1 }
        var lines: [String] = []
        while lineEnd > start && lines.count <= 5 {
            var lineStart = lineEnd
            while lineStart > start && !isBreak(data[lineStart - 1]) { lineStart -= 1 }
            // One field: no delimiter, or one quoted field ("Copyright (c) 2000-2024 salesforce.com, inc.").
            var quotes = 0
            let wholeQuoted = lineEnd - lineStart >= 2 && data[lineStart] == CSVByte.quote && data[lineEnd - 1] == CSVByte.quote
            for i in lineStart..<lineEnd {
                if data[i] == delimiter && !wholeQuoted { return nil }
                if data[i] == delimiter && i > lineStart && data[i - 1] == CSVByte.quote && i - 1 > lineStart { return nil }
                if data[i] == CSVByte.quote { quotes += 1 }
            }
            if quotes % 2 == 1 || lineStart <= start { return nil }
            lines.insert(String(decoding: UnsafeBufferPointer(start: data + lineStart, count: lineEnd - lineStart), as: UTF8.self), at: 0)
            // The line break before this line, then: a blank line ends the footer.
            var previous = lineStart - 1
            if data[previous] == CSVByte.lf && previous > start && data[previous - 1] == CSVByte.cr { previous -= 1 }
            if previous > start && isBreak(data[previous - 1]) {
                return lines.count <= 5 ? (previous, lines) : nil
            }
            lineEnd = previous
        }
        return nil
    }

    /// Where totals rows at the end of the data start: up to 10 last lines whose first field is a
    /// totals label ("Total", "Grand Total", "Totals", "Totaux", "Total général", "Gesamt",
    /// "Summe", or one of them followed by a colon: "Total: Account"), as ad platforms and
    /// spreadsheets write them. Returns the offset of the first such line and the lines, or nil.
    static func totalsRows(_ data: UnsafePointer<UInt8>, start: Int, end: Int, delimiter: UInt8) -> (offset: Int, lines: [String])? {
        func isBreak(_ c: UInt8) -> Bool { c == CSVByte.lf || c == CSVByte.cr }
        var lineEnd = end
        var offset: Int? = nil
        var lines: [String] = []
        while lines.count < 10 {
            while lineEnd > start && isBreak(data[lineEnd - 1]) { lineEnd -= 1 }
            guard lineEnd > start else { break }
            var lineStart = lineEnd
            while lineStart > start && !isBreak(data[lineStart - 1]) { lineStart -= 1 }
            guard lineStart > start else { break }   // never the first record
            var fieldEnd = lineStart
            while fieldEnd < lineEnd && data[fieldEnd] != delimiter { fieldEnd += 1 }
            let field = String(decoding: UnsafeBufferPointer(start: data + lineStart, count: fieldEnd - lineStart), as: UTF8.self)
            guard isTotalsLabel(field) else { break }
            lines.insert(String(decoding: UnsafeBufferPointer(start: data + lineStart, count: lineEnd - lineStart), as: UTF8.self), at: 0)
            offset = lineStart
            lineEnd = lineStart
        }
        return offset.map { ($0, lines) }
    }

    static let totalsLabels: Set<String> = ["total", "totals", "grand total", "totaux", "total général", "total general",
                                            "gesamt", "gesamtsumme", "summe", "insgesamt", "totale"]

    static func isTotalsLabel(_ field: String) -> Bool {
        var text = Substring(field)
        while let c = text.first, c == " " || c == "\"" { text = text.dropFirst() }
        while let c = text.last, c == " " || c == "\"" { text = text.dropLast() }
        let lowered = text.lowercased()
        if totalsLabels.contains(lowered) { return true }
        // "Total: Account", "Grand Total (14 records)".
        guard let mark = lowered.firstIndex(where: { $0 == ":" || $0 == "(" }) else { return false }
        return totalsLabels.contains(CSVFileReader.trim(String(lowered[..<mark])))
    }

    /// Where empty records at the end start (`,,,,` lines a spreadsheet leaves below its rows),
    /// and how many there are; nil when the data does not end with one.
    static func emptyRecordsAtEnd(_ data: UnsafePointer<UInt8>, start: Int, end: Int, delimiter: UInt8) -> (offset: Int, count: Int)? {
        func isBreak(_ c: UInt8) -> Bool { c == CSVByte.lf || c == CSVByte.cr }
        var lineEnd = end
        var offset: Int? = nil
        var count = 0
        while true {
            while lineEnd > start && isBreak(data[lineEnd - 1]) { lineEnd -= 1 }
            guard lineEnd > start else { break }
            var lineStart = lineEnd
            while lineStart > start && !isBreak(data[lineStart - 1]) { lineStart -= 1 }
            guard lineStart > start else { break }
            var onlyDelimiters = true
            for i in lineStart..<lineEnd where data[i] != delimiter && data[i] != CSVByte.space && data[i] != CSVByte.tab {
                onlyDelimiters = false
                break
            }
            guard onlyDelimiters, (lineStart..<lineEnd).contains(where: { data[$0] == delimiter }) else { break }
            offset = lineStart
            count += 1
            lineEnd = lineStart
        }
        return offset.map { ($0, count) }
    }

    /// Whether the file quotes fields with `'` (pollock's file_quotation_char_0x27.csv): it has
    /// no `"` in its first records, some field there starts with `'`, and read with `'` as the
    /// quote every field so quoted closes on its line and the records agree on their field
    /// count, which differs from the reading without it (a quoted field held the delimiter).
    static func quotesWithApostrophe(_ data: UnsafePointer<UInt8>, end: Int, delimiter: UInt8) -> Bool {
        let apostrophe = UInt8(ascii: "'")
        let window = min(end, 1 << 20)
        guard delimiter != apostrophe, memchr(data, Int32(CSVByte.quote), window) == nil,
              memchr(data, Int32(apostrophe), window) != nil else { return false }
        let quoted = sampleRecords(data, end: end, start: 0, delimiter: delimiter, maxRecords: 200, quote: apostrophe)
        guard quoted.quotedFields > 0, quoted.strayQuotes == 0 || quoted.quotedFields > quoted.strayQuotes, !quoted.unterminated,
              quoted.quotedLineBreaks == 0, let first = quoted.sample.counts.first,
              quoted.sample.counts.allSatisfy({ $0 == first }) else { return false }
        let plain = sample(data, end: end, start: 0, delimiter: delimiter, maxRecords: 200).counts
        return plain != quoted.sample.counts
    }

    /// Whether the file escapes quotes inside quoted fields with a backslash (`"a \"b\" c"`): the
    /// sample's quotes that neither close nor are doubled all follow a backslash.
    static func escapesWithBackslash(_ quoted: QuotedSample) -> Bool {
        quoted.afterBackslash > 0 && quoted.afterBackslash >= quoted.strayQuotes
    }

    /// Whether the file's quotes are CSV quoting. They are not when, read as quoting, stray
    /// quotes (neither doubled nor closing) and line breaks inside quotes join lines into rows,
    /// while read as ordinary characters every record of the sample has the first record's
    /// field count (at least 2): a title column holding `"` or `"!"`, as in DuckDB's corpus,
    /// which DuckDB's sniffer also reads with no quote character.
    static func quotesAreQuoting(_ data: UnsafePointer<UInt8>, end: Int, delimiter: UInt8, quoted: QuotedSample) -> Bool {
        guard quoted.strayQuotes > 0, quoted.quotedLineBreaks > 0 else { return true }
        let plain = sampleRecords(data, end: end, start: 0, delimiter: delimiter, maxRecords: 20_000, quoting: false)
        guard let header = plain.sample.counts.first, header >= 2, plain.sample.counts.allSatisfy({ $0 == header }),
              plain.sample.counts.count * max(1, quoted.sample.bytes) > quoted.sample.counts.count * max(1, plain.sample.bytes)
        else { return true }
        return false
    }

    /// The candidate whose first ~20 records most consistently have the header's field count
    /// (at least 2 fields); ties go to more fields, then to the order `, ; tab |`.
    static func delimiter(_ data: UnsafePointer<UInt8>, end: Int) -> UInt8 {
        var best = CSVByte.comma
        var bestScore = -1.0
        var bestTitles = Int.max
        var bestFields = 0
        for d in candidates {
            let counts = sample(data, end: end, start: 0, delimiter: d, maxRecords: 20 + maxPreambleLines).counts
            // Title lines above the header say nothing about the delimiter: each candidate is
            // also scored past the title lines it would skip (one field each under it), and a
            // reading with fewer titles wins a tie ("Spend report, exported …" above
            // `day;campaign;spend` is one comma-split record, not the header).
            let titles = preambleRecords(counts)
            for skip in Set([0, titles]) {
                let rest = counts.dropFirst(skip)
                guard let header = rest.first, header >= 2 else { continue }
                let rows = rest.dropFirst()
                let score = rows.isEmpty ? 1.0 : Double(rows.filter { $0 == header }.count) / Double(rows.count)
                if score > bestScore || (score == bestScore && (skip < bestTitles || (skip == bestTitles && header > bestFields))) {
                    best = d
                    bestScore = score
                    bestTitles = skip
                    bestFields = header
                }
            }
        }
        return best
    }

    /// At most this many title lines above a header are skipped.
    static let maxPreambleLines = 10

    /// How many leading records are title lines, given the field counts of the first records:
    /// short records above a record of at least 2 fields that most of the records after it fit
    /// under ("some notes…", "# exported 2025-05-28" above `id,name,date`); 0 when the first
    /// record is such a header, or none is.
    static func preambleRecords(_ counts: [Int]) -> Int {
        if fits(counts, header: 0) { return 0 }
        for header in stride(from: 1, to: min(counts.count, maxPreambleLines + 1), by: 1) {
            // Titles are short: one field, or fewer than half the header's (a date range
            // "March 1, 2024 - March 31, 2024" is three comma-split fields above eight columns).
            let width = counts[header]
            guard width >= 2, counts[..<header].allSatisfy({ $0 == 1 || $0 * 2 < width }) else { continue }
            if fits(counts, header: header) { return header }
        }
        return 0
    }

    /// Whether the record at `header` has at least 2 fields and most records below it fit under
    /// it (2 fields up to its count: rows may leave the last columns off).
    private static func fits(_ counts: [Int], header: Int) -> Bool {
        guard header < counts.count, counts[header] >= 2 else { return false }
        // A header with no row below it is not told from a data row.
        var after = counts.dropFirst(header + 1)
        // A note of one field at the end ("Last updated …") does not count against the header.
        while after.count > 1, after.last == 1 { after.removeLast() }
        guard !after.isEmpty else { return header == 0 }
        let fitting = after.filter { $0 >= 2 && $0 <= counts[header] }.count
        return fitting * 5 >= after.count * 4
    }

    /// Start offsets for chunks 1..<parts of `data[start..<end]`, each just after a line break.
    /// Where the lines around a split point have no quoted line breaks, the first such break
    /// is taken; otherwise the quotes since `start` are counted to find a break outside quotes.
    /// Either way these are guesses (stray quotes can fool them); the reader verifies them.
    /// `releasing`: the bytes are a file mapping whose pages are given back as they are counted
    /// (quotes are counted from the start when fields hold line breaks: half the file at once
    /// would otherwise be resident).
    static func splitPoints(_ data: UnsafePointer<UInt8>, start: Int, end: Int, parts: Int, releasing: Bool = false) -> [Int] {
        guard parts > 1 else { return [] }
        let targets = (1..<parts).map { start + (end - start) / parts * $0 }
        let nearby = targets.map { boundary(data, from: $0, end: end) }
        // Where the lines near a target hold quoted line breaks, whether the target is inside
        // quotes: the quotes before it counted, each stretch between targets on its own core.
        var quotedAt = [Bool](repeating: false, count: targets.count)
        if let last = nearby.lastIndex(where: { $0 == nil }) {
            let counts = UnsafeMutablePointer<Int>.allocate(capacity: last + 1)
            counts.initialize(repeating: 0, count: last + 1)
            defer { counts.deallocate() }
            let shared = UnsafeSendable((data, counts, targets, start))
            CSVParallel.forEach(last + 1) { k in
                let (data, counts, targets, start) = shared.value
                var from = k == 0 ? start : targets[k - 1]
                var quotes = 0
                while from < targets[k] {
                    // In steps of 4 MiB, each released once counted.
                    let to = min(targets[k], from + (4 << 20))
                    quotes += countQuotes(data, from: from, to: to)
                    if releasing { CSVChunk.releasePages(data + from, count: to - from) }
                    from = to
                }
                counts[k] = quotes
            }
            var quotes = 0
            for k in 0...last {
                quotes += counts[k]
                quotedAt[k] = quotes & 1 == 1
            }
        }
        var points: [Int] = []
        var previous = start
        for (k, target) in targets.enumerated() where target > previous {
            let point = nearby[k] ?? boundaryOutsideQuotes(data, target: target, end: end, quotedAtTarget: quotedAt[k])
            guard let point, point > previous, point < end else { continue }
            points.append(point)
            previous = point
        }
        return points
    }

    /// The first line start after `target` that is outside quotes, given whether `target` is
    /// inside quotes.
    private static func boundaryOutsideQuotes(_ data: UnsafePointer<UInt8>, target: Int, end: Int, quotedAtTarget: Bool) -> Int? {
        var inQuotes = quotedAtTarget
        var i = target
        while i < end {
            let c = data[i]
            if c == CSVByte.quote {
                inQuotes.toggle()
            } else if !inQuotes && (c == CSVByte.lf || c == CSVByte.cr) {
                return after(data, i, end: end)
            }
            i += 1
        }
        return nil
    }

    static func countQuotes(_ data: UnsafePointer<UInt8>, from: Int, to: Int) -> Int {
        var i = from
        var total = 0
        let quotes = SIMD16<UInt8>(repeating: CSVByte.quote)
        while i + 16 <= to {
            // Up to 255 blocks per byte lane before the lane sums are folded in.
            var lanes = SIMD16<UInt8>(repeating: 0)
            var blocks = 0
            while blocks < 255 && i + 16 <= to {
                let v = UnsafeRawPointer(data + i).loadUnaligned(as: SIMD16<UInt8>.self)
                lanes &+= unsafeBitCast(v .== quotes, to: SIMD16<UInt8>.self) & SIMD16<UInt8>(repeating: 1)
                i += 16
                blocks += 1
            }
            for k in 0..<16 { total += Int(lanes[k]) }
        }
        while i < to {
            if data[i] == CSVByte.quote { total += 1 }
            i += 1
        }
        return total
    }

    private static func nextBreak(_ data: UnsafePointer<UInt8>, from: Int, end: Int) -> Int? {
        var i = from
        while i < end {
            let c = data[i]
            if c == CSVByte.lf || c == CSVByte.cr { return i }
            i += 1
        }
        return nil
    }

    /// Offset just after the line break at `i`.
    private static func after(_ data: UnsafePointer<UInt8>, _ i: Int, end: Int) -> Int {
        data[i] == CSVByte.cr && i + 1 < end && data[i + 1] == CSVByte.lf ? i + 2 : i + 1
    }

    private static func quotesEven(_ data: UnsafePointer<UInt8>, from: Int, to: Int) -> Bool {
        var q = 0
        var i = from
        while i < to {
            if data[i] == CSVByte.quote { q += 1 }
            i += 1
        }
        return q & 1 == 0
    }

    /// A line start shortly after `target` when the nearby lines show no quoted line breaks
    /// (every line has an even number of quotes); nil when they do.
    private static func boundary(_ data: UnsafePointer<UInt8>, from target: Int, end: Int) -> Int? {
        guard let firstBreak = nextBreak(data, from: target, end: end) else { return nil }
        let candidate = after(data, firstBreak, end: end)
        var line = candidate
        for _ in 0..<16 {
            let lineEnd = nextBreak(data, from: line, end: end) ?? end
            if !quotesEven(data, from: line, to: lineEnd) { return nil }
            guard lineEnd < end else { break }
            line = after(data, lineEnd, end: end)
        }
        return candidate
    }
}
